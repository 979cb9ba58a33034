//! clerk-models' own tests: `Timestamp` and the serde helpers the generated code expands.
//!
//! They are an integration test, not unit tests, so that `cargo test` does not compile the
//! crate's several thousand generated lines a second time in test mode (`[lib] test = false`).
#![allow(clippy::unwrap_used)]

mod timestamp {
    use clerk_models::Timestamp;

    #[test]
    fn displays_rfc3339_utc() {
        assert_eq!(
            Timestamp::UNIX_EPOCH.to_string(),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_millis(1_700_000_000_123).to_string(),
            "2023-11-14T22:13:20.123Z"
        );
        // A leap day, and the last millisecond before the epoch.
        assert_eq!(
            Timestamp::from_millis(951_782_400_000).to_string(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_millis(-1).to_string(),
            "1969-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn converts_to_and_from_system_time() {
        for millis in [0, 1, 1_700_000_000_123, -86_400_001] {
            let ts = Timestamp::from_millis(millis);
            assert_eq!(Timestamp::from_system_time(ts.to_system_time()), ts);
        }
        assert_eq!(Timestamp::from_millis(-1500).as_secs(), -2);
        assert_eq!(
            Timestamp::from_millis(1_700_000_000_999).as_secs(),
            1_700_000_000
        );
    }

    #[test]
    fn decodes_integers_and_whole_floats_only() {
        let decode = |json: &str| serde_json::from_str::<Timestamp>(json);
        assert_eq!(decode("1700000000000").unwrap(), 1_700_000_000_000);
        assert_eq!(decode("1.7e12").unwrap(), 1_700_000_000_000);
        assert_eq!(decode("-5").unwrap(), -5);
        for bad in [
            "1.5",
            "\"1700000000000\"",
            "null",
            "1e300",
            "18446744073709551615",
        ] {
            assert!(decode(bad).is_err(), "{bad}");
        }
        assert_eq!(
            serde_json::to_string(&Timestamp::from_millis(42)).unwrap(),
            "42"
        );
    }

    #[test]
    fn compares_with_integers() {
        let ts = Timestamp::from(10);
        assert_eq!(ts, 10);
        assert_eq!(10, ts);
        assert!(ts > 9);
        assert!(ts < 11);
        assert_eq!(i64::from(ts), 10);
    }
}

mod wire {
    #[derive(serde::Serialize)]
    struct Body {
        #[serde(serialize_with = "clerk_models::__private::number")]
        a: f64,
        #[serde(serialize_with = "clerk_models::__private::opt_number")]
        b: Option<f64>,
        #[serde(serialize_with = "clerk_models::__private::opt_opt_number")]
        c: Option<Option<f64>>,
    }

    #[test]
    fn whole_numbers_go_out_as_integers() {
        let body = Body {
            a: 3600.0,
            b: Some(1.5),
            c: Some(None),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"a":3600,"b":1.5,"c":null}"#
        );
        let body = Body {
            a: -2.0,
            b: Some(1e300),
            c: Some(Some(7.0)),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"a":-2,"b":1e+300,"c":7}"#
        );
    }

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Times {
        #[serde(deserialize_with = "clerk_models::__private::whole")]
        at: i64,
        #[serde(default, deserialize_with = "clerk_models::__private::opt_whole")]
        until: Option<i64>,
    }

    #[test]
    fn whole_numbers_decode_from_integers_and_whole_floats() {
        let t: Times = serde_json::from_str(r#"{"at":1700000000000,"until":1.7e12}"#).unwrap();
        assert_eq!(
            t,
            Times {
                at: 1_700_000_000_000,
                until: Some(1_700_000_000_000)
            }
        );
        let t: Times = serde_json::from_str(r#"{"at":-5.0,"until":null}"#).unwrap();
        assert_eq!(t.at, -5);
        assert_eq!(t.until, None);
        let t: Times = serde_json::from_str(r#"{"at":0}"#).unwrap();
        assert_eq!(t.until, None);
        for bad in [
            r#"{"at":1.5}"#,
            r#"{"at":"1"}"#,
            r#"{"at":18446744073709551615}"#,
            r#"{"at":1e300}"#,
        ] {
            assert!(serde_json::from_str::<Times>(bad).is_err(), "{bad}");
        }
    }
}
