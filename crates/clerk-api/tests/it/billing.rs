//! Wire-level tests of the `billing` handle: subscriptions, credit balances, plans, prices,
//! subscription items, discounts and statements.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use clerk_api::billing::GetCommerceSubscriptionItemListStatus;
use clerk_api::models::{
    AdjustCreditBalanceAction, AdjustCreditBalanceInput, ApplyCommerceDiscountInput,
    BillingPaymentAttemptStatus, BillingStatementStatus, CommerceDiscountRedemptionResponseEffect,
    CommerceDiscountRedemptionResponseSource, CommercePaymentMethodResponsePaymentType,
    CommerceSubscriptionItem2Status, CommerceSubscriptionItemPlanPeriod,
    CommerceSubscriptionItemStatus, CommerceSubscriptionStatus, CreateBillingPriceInput,
    ExtendFreeTrialInput, PayerType, PreviousSubscriptionItemStatus, PriceTransitionEffectiveMode,
    PriceTransitionInput, SupportedBillingPeriods,
};
use common::*;
use serde_json::{Value, json};

fn feature(slug: &str) -> Value {
    json!({
        "object": "feature",
        "id": format!("feat_2{slug}"),
        "name": slug.to_uppercase(),
        "description": null,
        "slug": slug,
        "avatar_url": null
    })
}

fn plan(id: &str, slug: &str) -> Value {
    json!({
        "object": "commerce_plan",
        "id": id,
        "name": "Pro",
        "fee": money(2000),
        "annual_monthly_fee": money(1667),
        "annual_fee": money(20000),
        "description": "For growing teams",
        "product_id": "cprod_2abc",
        "is_default": false,
        "is_recurring": true,
        "publicly_visible": true,
        "has_base_fee": true,
        "for_payer_type": "org",
        "slug": slug,
        "avatar_url": null,
        "features": [feature("sso"), feature("audit_logs")],
        "free_trial_enabled": true,
        "free_trial_days": 14,
        "unit_prices": [{
            "name": "seats",
            "block_size": 1,
            "tiers": [{ "starts_at_block": 1, "ends_after_block": null, "fee_per_block": money(500) }]
        }]
    })
}

fn payment_method() -> Value {
    json!({
        "object": "commerce_payment_method",
        "id": "cpm_2card",
        "payer_id": "cpayer_2abc",
        "payment_type": "card",
        "is_default": true,
        "gateway": "stripe",
        "gateway_external_id": "pm_1OqXyZ",
        "gateway_external_account_id": "acct_1Oq",
        "last4": "4242",
        "status": "active",
        "wallet_type": null,
        "card_type": "visa",
        "expiry_year": 2030,
        "expiry_month": 12,
        "created_at": T0,
        "updated_at": T0,
        "is_removable": true
    })
}

fn payer() -> Value {
    json!({
        "object": "commerce_payer",
        "id": "cpayer_2abc",
        "instance_id": "ins_2abc",
        "user_id": null,
        "organization_id": "org_2acme",
        "organization_name": "Acme Inc",
        "image_url": "https://img.clerk.com/x",
        "created_at": T0,
        "updated_at": T0
    })
}

fn subscription_item(id: &str, status: &str) -> Value {
    json!({
        "object": "commerce_subscription_item",
        "id": id,
        "instance_id": "ins_2abc",
        "status": status,
        "plan_id": "cplan_2pro",
        "price_id": "cprice_2pro",
        "plan": plan("cplan_2pro", "pro"),
        "plan_period": "month",
        "payment_method": payment_method(),
        "lifetime_paid": money(6000),
        "next_payment": { "amount": money(2000), "date": T1 },
        "payer_id": "cpayer_2abc",
        "payer": payer(),
        "is_free_trial": false,
        "period_start": T0,
        "period_end": T1,
        "canceled_at": null,
        "past_due_at": null,
        "ended_at": null,
        "created_at": T0,
        "updated_at": T1
    })
}

fn subscription_item_2(id: &str) -> Value {
    json!({
        "object": "commerce_subscription_item",
        "id": id,
        "instance_id": "ins_2abc",
        "status": "active",
        "plan_id": "cplan_2pro",
        "price_id": "cprice_2pro",
        "plan_period": "annual",
        "payment_source_id": "cpm_2card",
        "lifetime_paid": money(0),
        "payer_id": "cpayer_2abc",
        "is_free_trial": true,
        "period_start": T0,
        "period_end": T1 + 14 * 86_400_000,
        "proration_date": "2024-06-15",
        "canceled_at": null,
        "created_at": T0,
        "updated_at": T1
    })
}

fn price(id: &str) -> Value {
    json!({
        "object": "commerce_price",
        "id": id,
        "plan_id": "cplan_2pro",
        "instance_id": "ins_2abc",
        "currency": "USD",
        "currency_symbol": "$",
        "amount": 2000,
        "annual_monthly_amount": 1667,
        "fee": money(2000),
        "annual_monthly_fee": money(1667),
        "description": "Launch pricing",
        "is_default": false,
        "created_at": T0,
        "supported_billing_periods": "both"
    })
}

// ---------------------------------------------------------------------------------------------
// subscriptions and credits
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn user_subscription_decodes_nested_items_plans_and_money() {
    let (mut server, clerk) = setup().await;
    let mock = expect(
        &mut server,
        "GET",
        "/v1/users/user_2ada/billing/subscription",
    )
    .no_body()
    .respond(
        200,
        &json!({
            "object": "commerce_subscription",
            "id": "csub_2abc",
            "instance_id": "ins_2abc",
            "status": "active",
            "payer_id": "cpayer_2abc",
            "created_at": T0,
            "updated_at": T1,
            "active_at": T0,
            "past_due_at": null,
            "subscription_items": [subscription_item("csubi_2abc", "active")],
            "next_payment": { "date": T1, "amount": money(2000) },
            "eligible_for_free_trial": false
        }),
    )
    .create_async()
    .await;

    let sub = clerk
        .billing()
        .user_subscription("user_2ada")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(sub.id, "csub_2abc");
    assert_eq!(sub.status, CommerceSubscriptionStatus::Active);
    let next = sub.next_payment.as_ref().unwrap();
    assert_eq!(next.amount.amount, 2000);
    assert_eq!(next.amount.amount_formatted, "20.00");
    let item = &sub.subscription_items[0];
    assert_eq!(item.status, CommerceSubscriptionItemStatus::Active);
    assert_eq!(item.plan_period, CommerceSubscriptionItemPlanPeriod::Month);
    let plan = item.plan.as_ref().unwrap();
    assert_eq!(plan.slug, "pro");
    assert_eq!(plan.free_trial_days, Some(14));
    assert_eq!(plan.features.as_ref().unwrap()[1].slug, "audit_logs");
    assert_eq!(
        plan.unit_prices.as_ref().unwrap()[0].tiers[0]
            .fee_per_block
            .amount,
        500
    );
    assert_eq!(
        item.payment_method.as_ref().unwrap().payment_type,
        CommercePaymentMethodResponsePaymentType::Card
    );
    assert_eq!(item.lifetime_paid.as_ref().unwrap().currency, "USD");
}

#[tokio::test]
async fn organization_subscription_unknown_status() {
    let (mut server, clerk) = setup().await;
    let mock = expect(
        &mut server,
        "GET",
        "/v1/organizations/org_2acme/billing/subscription",
    )
    .no_body()
    .respond(
        200,
        &json!({
            "object": "commerce_subscription",
            "id": "csub_2org",
            "instance_id": "ins_2abc",
            "status": "paused",
            "payer_id": "cpayer_2abc",
            "created_at": T0,
            "updated_at": T1,
            "subscription_items": []
        }),
    )
    .create_async()
    .await;
    let sub = clerk
        .billing()
        .organization_subscription("org_2acme")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(
        sub.status,
        CommerceSubscriptionStatus::Unknown("paused".into())
    );
    assert!(sub.subscription_items.is_empty());
}

#[tokio::test]
async fn subscription_not_found_is_decoded() {
    let (mut server, clerk) = setup().await;
    let mock = expect(
        &mut server,
        "GET",
        "/v1/users/user_2none/billing/subscription",
    )
    .no_body()
    .respond_error(404, "resource_not_found", "trace_billing")
    .create_async()
    .await;
    let err = clerk
        .billing()
        .user_subscription("user_2none")
        .await
        .unwrap_err();
    mock.assert_async().await;
    assert_not_found(&err, "trace_billing");
}

#[tokio::test]
async fn credit_balances_and_adjustments() {
    let (mut server, clerk) = setup().await;
    let user_balance = expect(&mut server, "GET", "/v1/users/user_2ada/billing/credits")
        .no_body()
        .respond(
            200,
            &json!({ "object": "commerce_credit_balance", "balance": money(1500) }),
        )
        .create_async()
        .await;
    let org_balance = expect(
        &mut server,
        "GET",
        "/v1/organizations/org_2acme/billing/credits",
    )
    .no_body()
    .respond(
        200,
        &json!({ "object": "commerce_credit_balance", "balance": null }),
    )
    .create_async()
    .await;
    let ledger = |amount: i64| {
        json!({
            "object": "commerce_credit_ledger",
            "id": "ccl_2abc",
            "payer_id": "cpayer_2abc",
            "amount": money(amount),
            "source_type": "manual",
            "source_id": "user_2admin",
            "note": "goodwill",
            "created_at": "2024-06-01T00:00:00Z"
        })
    };
    let adjust_user = expect(&mut server, "POST", "/v1/users/user_2ada/billing/credits")
        .json_body(json!({
            "amount": 500,
            "action": "increase",
            "currency": "USD",
            "idempotency_key": "adj-2024-06-01-1",
            "note": "goodwill"
        }))
        .respond(200, &ledger(500))
        .create_async()
        .await;
    let adjust_org = expect(
        &mut server,
        "POST",
        "/v1/organizations/org_2acme/billing/credits",
    )
    .json_body(json!({
        "amount": 200,
        "action": "decrease",
        "idempotency_key": "adj-2024-06-01-2"
    }))
    .respond(200, &ledger(-200))
    .create_async()
    .await;

    let b = clerk
        .billing()
        .user_credit_balance("user_2ada")
        .await
        .unwrap();
    assert_eq!(b.balance.unwrap().amount, 1500);
    let b = clerk
        .billing()
        .organization_credit_balance("org_2acme")
        .await
        .unwrap();
    assert_eq!(b.balance, None);
    let l = clerk
        .billing()
        .adjust_user_credit_balance(
            "user_2ada",
            AdjustCreditBalanceInput {
                amount: 500,
                action: AdjustCreditBalanceAction::Increase,
                currency: Some("USD".into()),
                idempotency_key: "adj-2024-06-01-1".into(),
                note: Some("goodwill".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(l.amount.amount, 500);
    assert_eq!(l.created_at, "2024-06-01T00:00:00Z");
    clerk
        .billing()
        .adjust_organization_credit_balance(
            "org_2acme",
            AdjustCreditBalanceInput {
                amount: 200,
                action: AdjustCreditBalanceAction::Decrease,
                currency: None,
                idempotency_key: "adj-2024-06-01-2".into(),
                note: None,
            },
        )
        .await
        .unwrap();
    for m in [user_balance, org_balance, adjust_user, adjust_org] {
        m.assert_async().await;
    }
}

// ---------------------------------------------------------------------------------------------
// plans and prices
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_plans_for_organizations() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/billing/plans")
        .query(&[("limit", "10"), ("offset", "0"), ("payer_type", "org")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [plan("cplan_2pro", "pro"), plan("cplan_2ent", "enterprise")], "total_count": 2 }),
        )
        .create_async()
        .await;
    let page = clerk
        .billing()
        .plans()
        .limit(10)
        .offset(0)
        .payer_type(PayerType::Org)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.total_count, Some(2));
    assert_eq!(page.data[1].slug, "enterprise");
    assert_eq!(page.data[0].fee.as_ref().unwrap().amount, 2000);
    assert!(page.data[0].has_base_fee);
}

#[tokio::test]
async fn list_and_create_prices() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/billing/prices")
        .query(&[("plan_id", "cplan_2pro")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [price("cprice_2a")], "total_count": 1 }),
        )
        .create_async()
        .await;
    let create = expect(&mut server, "POST", "/v1/billing/prices")
        .json_body(json!({
            "plan_id": "cplan_2pro",
            "currency": "USD",
            "amount": 2000,
            "annual_monthly_amount": 1667,
            "description": "Launch pricing",
            "supported_billing_periods": "both"
        }))
        .respond(200, &price("cprice_2a"))
        .create_async()
        .await;

    let page = clerk
        .billing()
        .prices()
        .plan_id("cplan_2pro")
        .await
        .unwrap();
    assert_eq!(
        page.data[0].supported_billing_periods,
        SupportedBillingPeriods::Both
    );
    let p = clerk
        .billing()
        .create_price(CreateBillingPriceInput {
            plan_id: "cplan_2pro".into(),
            currency: Some("USD".into()),
            amount: Some(2000),
            annual_monthly_amount: Some(1667),
            description: Some("Launch pricing".into()),
            supported_billing_periods: Some(SupportedBillingPeriods::Both),
        })
        .await
        .unwrap();
    assert_eq!(p.id, "cprice_2a");
    assert_eq!(p.annual_monthly_amount, 1667);
    list.assert_async().await;
    create.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// subscription items
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_subscription_items_with_filters() {
    let (mut server, clerk) = setup().await;
    let mock = expect(&mut server, "GET", "/v1/billing/subscription_items")
        .query(&[
            ("limit", "50"),
            ("status", "past_due"),
            ("payer_type", "user"),
            ("plan_id", "cplan_2pro"),
            ("include_free", "false"),
            ("query", "acme"),
        ])
        .no_body()
        .respond(
            200,
            &json!({ "data": [subscription_item("csubi_2abc", "past_due")], "total_count": 1 }),
        )
        .create_async()
        .await;
    let page = clerk
        .billing()
        .subscription_items()
        .limit(50)
        .status(GetCommerceSubscriptionItemListStatus::PastDue)
        .payer_type(PayerType::User)
        .plan_id("cplan_2pro")
        .include_free(false)
        .query("acme")
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(page.data[0].status, CommerceSubscriptionItemStatus::PastDue);
    assert_eq!(
        page.data[0]
            .payer
            .as_ref()
            .unwrap()
            .organization_name
            .as_deref(),
        Some("Acme Inc")
    );
}

#[tokio::test]
async fn cancel_subscription_item_with_end_now() {
    let (mut server, clerk) = setup().await;
    let mut item = subscription_item("csubi_2abc", "canceled");
    item["canceled_at"] = json!(T1);
    let mock = expect(
        &mut server,
        "DELETE",
        "/v1/billing/subscription_items/csubi_2abc",
    )
    .query(&[("end_now", "true")])
    .no_body()
    .respond(200, &item)
    .create_async()
    .await;
    let i = clerk
        .billing()
        .cancel_subscription_item("csubi_2abc")
        .end_now(true)
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(i.status, CommerceSubscriptionItemStatus::Canceled);
    assert_eq!(i.canceled_at, Some(T1.into()));
}

#[tokio::test]
async fn extend_free_trial() {
    let (mut server, clerk) = setup().await;
    let mock = expect(
        &mut server,
        "POST",
        "/v1/billing/subscription_items/csubi_2abc/extend_free_trial",
    )
    .json_body(json!({ "extend_to": "2024-07-01T00:00:00.000Z" }))
    .respond(200, &subscription_item_2("csubi_2abc"))
    .create_async()
    .await;
    let i = clerk
        .billing()
        .extend_free_trial(
            "csubi_2abc",
            ExtendFreeTrialInput {
                extend_to: "2024-07-01T00:00:00.000Z".into(),
            },
        )
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(i.is_free_trial);
    assert_eq!(i.status, CommerceSubscriptionItem2Status::Active);
    assert_eq!(i.payment_source_id, "cpm_2card");
}

#[tokio::test]
async fn create_price_transition() {
    let (mut server, clerk) = setup().await;
    let previous_plan = json!({
        "object": "commerce_plan",
        "id": "cplan_2starter",
        "name": "Starter",
        "amount": 1000,
        "amount_formatted": "10.00",
        "annual_monthly_amount": 833,
        "annual_monthly_amount_formatted": "8.33",
        "annual_amount": 10000,
        "annual_amount_formatted": "100.00",
        "currency_symbol": "$",
        "currency": "USD",
        "description": "For small teams",
        "product_id": "cprod_2abc",
        "is_default": false,
        "is_recurring": true,
        "publicly_visible": true,
        "has_base_fee": true,
        "payer_type": ["org"],
        "for_payer_type": "org",
        "slug": "starter",
        "avatar_url": "",
        "features": []
    });
    let mut transition = json!({
        "object": "commerce_price_transition",
        "subscription_item": subscription_item_2("csubi_2new")
    });
    transition["transition"] = json!({
        "previous_plan": previous_plan,
        "previous_price": price("cprice_2starter"),
        "effective_at": T1,
        "effective_mode": "immediate",
        "next_billing_date": T1 + 30 * 86_400_000_i64,
        "charged_immediately": true,
        "immediate_charge": money(1000),
        "previous_subscription_item_status": "canceled",
        "previous_subscription_item_id": "csubi_2abc"
    });
    let mock = expect(
        &mut server,
        "POST",
        "/v1/billing/subscription_items/csubi_2abc/price_transition",
    )
    .json_body(json!({ "from_price_id": "cprice_2starter", "to_price_id": "cprice_2pro" }))
    .respond(200, &transition)
    .create_async()
    .await;

    let t = clerk
        .billing()
        .create_price_transition(
            "csubi_2abc",
            PriceTransitionInput {
                from_price_id: "cprice_2starter".into(),
                to_price_id: "cprice_2pro".into(),
            },
        )
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(t.subscription_item.id, "csubi_2new");
    assert_eq!(
        t.transition.effective_mode,
        PriceTransitionEffectiveMode::Immediate
    );
    assert_eq!(t.transition.previous_plan.slug, "starter");
    assert_eq!(
        t.transition.previous_subscription_item_status,
        PreviousSubscriptionItemStatus::Canceled
    );
    assert_eq!(t.transition.immediate_charge.unwrap().amount, 1000);
}

#[tokio::test]
async fn apply_and_remove_discount() {
    let (mut server, clerk) = setup().await;
    let redemption = json!({
        "object": "commerce_discount_redemption",
        "id": "cdr_2abc",
        "subscription_item_id": "csubi_2abc",
        "discount_id": "cdisc_2launch",
        "name": "Launch 20%",
        "source": "manual",
        "promo_code": null,
        "effect": "percentage",
        "percent_off": 20.0,
        "amount_off": null,
        "amount": money(400),
        "cycles_remaining": 2,
        "cycles_applied": 1,
        "status": "active",
        "redeemed_at": T0,
        "redeemed_by": "user_2admin"
    });
    let apply = expect(
        &mut server,
        "POST",
        "/v1/billing/subscription_items/csubi_2abc/discounts",
    )
    .json_body(json!({ "discount_id": "cdisc_2launch" }))
    .respond(200, &redemption)
    .create_async()
    .await;
    let mut removed = redemption.clone();
    removed["status"] = json!("removed");
    let remove = expect(
        &mut server,
        "DELETE",
        "/v1/billing/subscription_items/csubi_2abc/discounts/cdisc_2launch",
    )
    .no_body()
    .respond(200, &removed)
    .create_async()
    .await;

    let r = clerk
        .billing()
        .apply_discount(
            "csubi_2abc",
            ApplyCommerceDiscountInput {
                discount_id: "cdisc_2launch".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(r.source, CommerceDiscountRedemptionResponseSource::Manual);
    assert_eq!(
        r.effect,
        Some(CommerceDiscountRedemptionResponseEffect::Percentage)
    );
    assert_eq!(r.percent_off, Some(20.0));
    assert_eq!(r.cycles_applied, 1);
    let r = clerk
        .billing()
        .remove_discount("csubi_2abc")
        .discount_id("cdisc_2launch")
        .await
        .unwrap();
    assert_eq!(r.status.unwrap().as_str(), "removed");
    apply.assert_async().await;
    remove.assert_async().await;
}

// ---------------------------------------------------------------------------------------------
// statements
// ---------------------------------------------------------------------------------------------

fn payment_attempt(id: &str, status: &str) -> Value {
    json!({
        "object": "commerce_payment_attempt",
        "id": id,
        "payment_id": "cpay_2abc",
        "instance_id": "ins_2abc",
        "charge_type": "recurring",
        "payee_id": "cpayee_2abc",
        "payer_id": "cpayer_2abc",
        "payer": payer(),
        "subscription_item_id": "csubi_2abc",
        "amount": money(2000),
        "payment_method_id": "cpm_2card",
        "payment_method": payment_method(),
        "statement_id": "cstmt_2abc",
        "gateway_external_id": "pi_3OqXyZ",
        "gateway_external_url": "https://dashboard.stripe.com/payments/pi_3OqXyZ",
        "status": status,
        "paid_at": if status == "paid" { json!(T1) } else { Value::Null },
        "failed_at": null,
        "created_at": T1,
        "updated_at": T1
    })
}

fn statement(id: &str) -> Value {
    json!({
        "object": "commerce_statement",
        "id": id,
        "instance_id": "ins_2abc",
        "timestamp": T1,
        "payer": payer(),
        "status": "closed",
        "totals": {
            "grand_total": money(2000),
            "subtotal": money(2000),
            "base_fee": money(2000),
            "tax_total": money(0)
        },
        "groups": [{
            "object": "commerce_statement_group",
            "timestamp": T1,
            "items": [payment_attempt("cpa_2abc", "paid")]
        }]
    })
}

#[tokio::test]
async fn statements_list_get_and_payment_attempts() {
    let (mut server, clerk) = setup().await;
    let list = expect(&mut server, "GET", "/v1/billing/statements")
        .query(&[("limit", "1")])
        .no_body()
        .respond(
            200,
            &json!({ "data": [statement("cstmt_2abc")], "total_count": 12 }),
        )
        .create_async()
        .await;
    let get = expect(&mut server, "GET", "/v1/billing/statements/cstmt_2abc")
        .no_body()
        .respond(200, &statement("cstmt_2abc"))
        .create_async()
        .await;
    let attempts = expect(
        &mut server,
        "GET",
        "/v1/billing/statements/cstmt_2abc/payment_attempts",
    )
    .query(&[("limit", "10"), ("offset", "0")])
    .no_body()
    .respond(
        200,
        &json!({ "data": [payment_attempt("cpa_2abc", "paid"), payment_attempt("cpa_2def", "failed")], "total_count": 2 }),
    )
    .create_async()
    .await;

    let page = clerk.billing().statements().limit(1).await.unwrap();
    assert_eq!(page.total_count, Some(12));
    let s = clerk.billing().statement("cstmt_2abc").await.unwrap();
    assert_eq!(s.status, BillingStatementStatus::Closed);
    assert_eq!(s.totals.grand_total.amount_formatted, "20.00");
    assert_eq!(s.groups[0].items[0].id, "cpa_2abc");
    let page = clerk
        .billing()
        .statement_payment_attempts("cstmt_2abc")
        .limit(10)
        .offset(0)
        .await
        .unwrap();
    assert_eq!(page.data[0].status, BillingPaymentAttemptStatus::Paid);
    assert_eq!(page.data[1].status, BillingPaymentAttemptStatus::Failed);
    assert_eq!(page.data[0].payment_method.last4.as_deref(), Some("4242"));
    list.assert_async().await;
    get.assert_async().await;
    attempts.assert_async().await;
}
