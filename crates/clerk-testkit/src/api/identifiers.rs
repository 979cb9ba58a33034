//! E-mail addresses and phone numbers: create, get, update, delete. Primary flags are reflected
//! on the owning user (`primary_email_address_id`, `primary_phone_number_id`).

use super::{Call, Op, Reply};
use crate::app::App;
use crate::error::ApiError;
use crate::render;
use crate::state::{EmailRec, PhoneRec, State};
use crate::util::{is_e164, is_email};
use crate::validate::{BodyExt, Field, Ty};

const CREATE_EMAIL: &[Field] = &[
    Field::req("user_id", Ty::Str),
    Field::req("email_address", Ty::Str),
    Field::opt("verified", Ty::Bool).null(),
    Field::opt("primary", Ty::Bool).null(),
    Field::opt("notify_primary_email_address_changed", Ty::Bool).null(),
];
const UPDATE_EMAIL: &[Field] = &[
    Field::opt("verified", Ty::Bool).null(),
    Field::opt("primary", Ty::Bool).null(),
    Field::opt("notify_primary_email_address_changed", Ty::Bool).null(),
];
const CREATE_PHONE: &[Field] = &[
    Field::req("user_id", Ty::Str),
    Field::req("phone_number", Ty::Str),
    Field::opt("verified", Ty::Bool).null(),
    Field::opt("primary", Ty::Bool).null(),
    Field::opt("reserved_for_second_factor", Ty::Bool).null(),
];
const UPDATE_PHONE: &[Field] = &[
    Field::opt("verified", Ty::Bool).null(),
    Field::opt("primary", Ty::Bool).null(),
    Field::opt("reserved_for_second_factor", Ty::Bool).null(),
];

/// The e-mail address and phone number operations.
pub(crate) const OPS: &[Op] = &[
    Op::new("CreateEmailAddress", create_email).body(CREATE_EMAIL),
    Op::new("GetEmailAddress", get_email),
    Op::new("UpdateEmailAddress", update_email).body(UPDATE_EMAIL),
    Op::new("DeleteEmailAddress", delete_email),
    Op::new("CreatePhoneNumber", create_phone).body(CREATE_PHONE),
    Op::new("GetPhoneNumber", get_phone),
    Op::new("UpdatePhoneNumber", update_phone).body(UPDATE_PHONE),
    Op::new("DeletePhoneNumber", delete_phone),
];

fn user_updated(app: &App, st: &State, user_id: &str, call: &Call) {
    if let Some(user) = st.users.get(user_id) {
        app.emit("user.updated", &render::user(st, user), &call.meta);
    }
}

fn is_primary_phone(st: &State, phone: &PhoneRec) -> bool {
    st.users
        .get(&phone.user_id)
        .is_some_and(|u| u.primary_phone_id.as_deref() == Some(phone.id.as_str()))
}

// ---- e-mail addresses ---------------------------------------------------------------------

fn create_email(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let user_id = body.str_of("user_id").unwrap_or("").to_owned();
    let address = body.str_of("email_address").unwrap_or("").to_owned();
    if !is_email(&address) {
        return Err(ApiError::format_invalid(
            "email_address",
            "email_address must be a valid email address.",
        ));
    }
    let now = app.now();
    let id = app.id("idn_");
    let mut st = app.write();
    let st = &mut *st;
    if !st.users.contains_key(&user_id) {
        return Err(ApiError::not_found("User").param("user_id"));
    }
    let key = address.to_lowercase();
    if st.idx.email.contains_key(&key) {
        return Err(ApiError::identifier_exists(
            "email_address",
            "email address",
        ));
    }
    let rec = EmailRec {
        id: id.clone(),
        user_id: user_id.clone(),
        email: address,
        verified: body.bool_of("verified").unwrap_or(false),
        reserved: false,
        created_at: now,
        updated_at: now,
    };
    st.idx.email.insert(key, id.clone());
    let rendered = render::email(&rec);
    st.emails.insert(id.clone(), rec);
    if let Some(user) = st.users.get_mut(&user_id) {
        user.email_ids.push(id.clone());
        if body.bool_of("primary").unwrap_or(false) || user.primary_email_id.is_none() {
            user.primary_email_id = Some(id);
        }
        user.updated_at = now;
    }
    user_updated(app, st, &user_id, call);
    Reply::ok(&rendered)
}

fn get_email(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let rec = st
        .emails
        .get(call.param("email_address_id"))
        .ok_or_else(|| ApiError::not_found("Email address"))?;
    Reply::ok(&render::email(rec))
}

fn update_email(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let id = call.param("email_address_id");
    let now = app.now();
    let mut st = app.write();
    let st = &mut *st;
    let rec = st
        .emails
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found("Email address"))?;
    if let Some(v) = body.bool_of("verified") {
        rec.verified = v;
    }
    rec.updated_at = now;
    let user_id = rec.user_id.clone();
    let rendered = render::email(rec);
    if body.bool_of("primary") == Some(true) {
        if let Some(user) = st.users.get_mut(&user_id) {
            user.primary_email_id = Some(id.to_owned());
            user.updated_at = now;
        }
    }
    user_updated(app, st, &user_id, call);
    Reply::ok(&rendered)
}

fn delete_email(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let id = call.param("email_address_id").to_owned();
    let now = app.now();
    let mut st = app.write();
    let st = &mut *st;
    let rec = st
        .emails
        .get(&id)
        .ok_or_else(|| ApiError::not_found("Email address"))?;
    let user_id = rec.user_id.clone();
    if let Some(user) = st.users.get(&user_id) {
        if user.primary_email_id.as_deref() == Some(id.as_str()) && user.email_ids.len() > 1 {
            return Err(ApiError::new(
                409,
                "primary_identification_deletion_not_allowed",
                "cannot delete the primary email address",
                "The primary email address cannot be deleted while the user has other email addresses. Make another one primary first.",
            ));
        }
    }
    if let Some(rec) = st.emails.remove(&id) {
        st.idx.email.remove(&rec.email.to_lowercase());
    }
    if let Some(user) = st.users.get_mut(&user_id) {
        user.email_ids.retain(|e| *e != id);
        if user.primary_email_id.as_deref() == Some(id.as_str()) {
            user.primary_email_id = None;
        }
        user.updated_at = now;
    }
    user_updated(app, st, &user_id, call);
    Reply::ok(&render::deleted("email_address", &id))
}

// ---- phone numbers ------------------------------------------------------------------------

fn create_phone(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let user_id = body.str_of("user_id").unwrap_or("").to_owned();
    let number = body.str_of("phone_number").unwrap_or("").to_owned();
    if !is_e164(&number) {
        return Err(ApiError::format_invalid(
            "phone_number",
            "phone_number must be a valid phone number in E.164 format (e.g. +15555550100).",
        ));
    }
    let now = app.now();
    let id = app.id("idn_");
    let mut st = app.write();
    let st = &mut *st;
    if !st.users.contains_key(&user_id) {
        return Err(ApiError::not_found("User").param("user_id"));
    }
    if st.idx.phone.contains_key(&number) {
        return Err(ApiError::identifier_exists("phone_number", "phone number"));
    }
    let rec = PhoneRec {
        id: id.clone(),
        user_id: user_id.clone(),
        phone: number.clone(),
        verified: body.bool_of("verified").unwrap_or(false),
        reserved: false,
        reserved_for_second_factor: body.bool_of("reserved_for_second_factor").unwrap_or(false),
        created_at: now,
        updated_at: now,
    };
    st.idx.phone.insert(number, id.clone());
    st.phones.insert(id.clone(), rec);
    if let Some(user) = st.users.get_mut(&user_id) {
        user.phone_ids.push(id.clone());
        if body.bool_of("primary").unwrap_or(false) || user.primary_phone_id.is_none() {
            user.primary_phone_id = Some(id.clone());
        }
        user.updated_at = now;
    }
    let rendered = st
        .phones
        .get(&id)
        .map(|p| render::phone(p, is_primary_phone(st, p)))
        .ok_or_else(|| ApiError::not_found("Phone number"))?;
    user_updated(app, st, &user_id, call);
    Reply::ok(&rendered)
}

fn get_phone(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let st = app.read();
    let rec = st
        .phones
        .get(call.param("phone_number_id"))
        .ok_or_else(|| ApiError::not_found("Phone number"))?;
    Reply::ok(&render::phone(rec, is_primary_phone(&st, rec)))
}

fn update_phone(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let body = call.obj();
    let id = call.param("phone_number_id");
    let now = app.now();
    let mut st = app.write();
    let st = &mut *st;
    let rec = st
        .phones
        .get_mut(id)
        .ok_or_else(|| ApiError::not_found("Phone number"))?;
    if let Some(v) = body.bool_of("verified") {
        rec.verified = v;
    }
    if let Some(v) = body.bool_of("reserved_for_second_factor") {
        rec.reserved_for_second_factor = v;
    }
    rec.updated_at = now;
    let user_id = rec.user_id.clone();
    if body.bool_of("primary") == Some(true) {
        if let Some(user) = st.users.get_mut(&user_id) {
            user.primary_phone_id = Some(id.to_owned());
            user.updated_at = now;
        }
    }
    let rendered = st
        .phones
        .get(id)
        .map(|p| render::phone(p, is_primary_phone(st, p)))
        .ok_or_else(|| ApiError::not_found("Phone number"))?;
    user_updated(app, st, &user_id, call);
    Reply::ok(&rendered)
}

fn delete_phone(app: &App, call: &mut Call) -> Result<Reply, ApiError> {
    let id = call.param("phone_number_id").to_owned();
    let now = app.now();
    let mut st = app.write();
    let st = &mut *st;
    let Some(rec) = st.phones.remove(&id) else {
        return Err(ApiError::not_found("Phone number"));
    };
    st.idx.phone.remove(&rec.phone);
    if let Some(user) = st.users.get_mut(&rec.user_id) {
        user.phone_ids.retain(|p| *p != id);
        if user.primary_phone_id.as_deref() == Some(id.as_str()) {
            user.primary_phone_id = user.phone_ids.first().cloned();
        }
        user.updated_at = now;
    }
    user_updated(app, st, &rec.user_id, call);
    Reply::ok(&render::deleted("phone_number", &id))
}
