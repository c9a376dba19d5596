//! The multi-account roster: each operation, each forbidden one, and the stored form.

use serde_json::json;
use watchword_session::{Account, DidOc, Error, Roster, UnixTime, MAX_ACCOUNTS};

fn account(n: u8) -> Account {
    Account {
        sub: format!("acct-{n}"),
        did_oc: DidOc::from_bytes([n; 16]),
        name: Some(format!("User {n}")),
        session_jti: format!("jti-{n}"),
        expires_at: UnixTime(1_000 + u64::from(n)),
    }
}

fn roster(n: u8) -> Roster {
    let mut roster = Roster::new();
    for i in 1..=n {
        roster.add(account(i)).expect("room");
    }
    roster
}

fn subs(roster: &Roster) -> Vec<&str> {
    roster.accounts().iter().map(|a| a.sub.as_str()).collect()
}

fn active(roster: &Roster) -> Option<&str> {
    roster.active().map(|a| a.sub.as_str())
}

#[test]
fn add_makes_the_new_account_active() {
    let mut roster = Roster::new();
    assert!(roster.is_empty());
    assert_eq!(active(&roster), None);
    roster.add(account(1)).expect("room");
    assert_eq!(active(&roster), Some("acct-1"));
    roster.add(account(2)).expect("room");
    assert_eq!(subs(&roster), ["acct-1", "acct-2"]);
    assert_eq!(active(&roster), Some("acct-2"));
    assert_eq!(roster.len(), 2);
    assert_eq!(roster.get("acct-1"), Some(&account(1)));
}

#[test]
fn adding_a_held_account_again_replaces_it_and_activates_it() {
    let mut roster = roster(3);
    let mut again = account(1);
    again.session_jti = "jti-new".into();
    roster
        .add(again.clone())
        .expect("never full for a held account");
    assert_eq!(
        subs(&roster),
        ["acct-1", "acct-2", "acct-3"],
        "not duplicated"
    );
    assert_eq!(roster.active(), Some(&again));
    let mut full = self::roster(5);
    assert!(
        full.add(account(1)).is_ok(),
        "a held account fits a full roster"
    );
}

#[test]
fn add_beyond_the_limit_is_refused() {
    let mut roster = roster(5);
    assert_eq!(MAX_ACCOUNTS, 5);
    let before = roster.clone();
    assert_eq!(
        roster.add(account(6)),
        Err(Error::RosterFull { max: MAX_ACCOUNTS })
    );
    assert_eq!(roster, before, "unchanged");
}

#[test]
fn switch() {
    let mut roster = roster(3);
    assert_eq!(
        roster.switch("acct-1").map(|a| a.sub.clone()),
        Ok("acct-1".into())
    );
    assert_eq!(active(&roster), Some("acct-1"));
    assert_eq!(subs(&roster), ["acct-1", "acct-2", "acct-3"], "order kept");
}

#[test]
fn switch_to_an_absent_account_is_refused() {
    let mut roster = roster(2);
    let before = roster.clone();
    assert_eq!(
        roster.switch("acct-9").map(drop),
        Err(Error::NotInRoster {
            sub: "acct-9".into()
        })
    );
    assert_eq!(roster, before);
    assert!(Roster::new().switch("acct-1").is_err());
}

#[test]
fn log_out_the_active_moves_to_the_next() {
    let mut roster = roster(3);
    roster.switch("acct-2").expect("held");
    assert_eq!(roster.log_out("acct-2"), Ok(account(2)));
    assert_eq!(subs(&roster), ["acct-1", "acct-3"]);
    assert_eq!(active(&roster), Some("acct-3"), "the next one");
    assert_eq!(roster.log_out("acct-3"), Ok(account(3)));
    assert_eq!(
        active(&roster),
        Some("acct-1"),
        "the previous one when last"
    );
    assert_eq!(roster.log_out_active(), Some(account(1)));
    assert_eq!(active(&roster), None, "none when empty");
    assert!(roster.is_empty());
    assert_eq!(roster.log_out_active(), None);
}

#[test]
fn log_out_another_keeps_the_active() {
    let mut roster = roster(3);
    roster.switch("acct-3").expect("held");
    assert_eq!(roster.log_out("acct-1"), Ok(account(1)));
    assert_eq!(active(&roster), Some("acct-3"));
    roster.switch("acct-2").expect("held");
    assert_eq!(roster.log_out("acct-3"), Ok(account(3)));
    assert_eq!(active(&roster), Some("acct-2"));
}

#[test]
fn log_out_an_absent_account_is_refused() {
    let mut roster = roster(2);
    let before = roster.clone();
    assert_eq!(
        roster.log_out("acct-9"),
        Err(Error::NotInRoster {
            sub: "acct-9".into()
        })
    );
    assert_eq!(roster, before);
}

#[test]
fn log_out_all() {
    let mut roster = roster(3);
    let removed = roster.log_out_all();
    assert_eq!(removed, [account(1), account(2), account(3)]);
    assert!(roster.is_empty());
    assert_eq!(active(&roster), None);
    assert!(roster.log_out_all().is_empty());
}

#[test]
fn remove_expired() {
    let mut roster = roster(3);
    roster.switch("acct-1").expect("held");
    // acct-1 expires at 1001, acct-2 at 1002, acct-3 at 1003.
    let removed = roster.remove_expired(UnixTime(1_002));
    assert_eq!(removed, [account(1), account(2)]);
    assert_eq!(active(&roster), Some("acct-3"));
    assert!(!roster.accounts()[0].expired(UnixTime(1_002)));
}

#[test]
fn stored_form_round_trips() {
    let mut roster = roster(3);
    roster.switch("acct-2").expect("held");
    let json = serde_json::to_value(&roster).expect("serializes");
    assert_eq!(json["active"], "acct-2");
    assert_eq!(
        json["accounts"][0]["did_oc"],
        DidOc::from_bytes([1; 16]).to_string()
    );
    let back: Roster = serde_json::from_value(json).expect("deserializes");
    assert_eq!(back, roster);
    let empty = serde_json::to_value(Roster::new()).expect("serializes");
    assert_eq!(empty, json!({ "accounts": [], "active": null }));
    assert_eq!(
        serde_json::from_value::<Roster>(empty).expect("deserializes"),
        Roster::new()
    );
}

#[test]
fn a_stored_roster_breaking_an_invariant_is_refused() {
    let entry = |n: u8| serde_json::to_value(account(n)).expect("serializes");
    let bad = [
        json!({ "accounts": [entry(1), entry(1)], "active": "acct-1" }),
        json!({ "accounts": [entry(1)], "active": null }),
        json!({ "accounts": [entry(1)], "active": "acct-2" }),
        json!({ "accounts": [], "active": "acct-1" }),
        json!({
            "accounts": [entry(1), entry(2), entry(3), entry(4), entry(5), entry(6)],
            "active": "acct-1"
        }),
        json!({ "accounts": [{ "sub": "a", "did_oc": "did:oc:x", "session_jti": "j", "expires_at": 1 }], "active": "a" }),
    ];
    for stored in bad {
        assert!(
            serde_json::from_value::<Roster>(stored.clone()).is_err(),
            "{stored}"
        );
    }
}
