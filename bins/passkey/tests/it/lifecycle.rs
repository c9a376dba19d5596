//! The request lifecycle: every transition, and a test per forbidden one.

use watchword_passkey_server::lifecycle::{
    check_room, Ceremony, Completion, Lifecycle, Refused, Request, MAX_PASSKEYS,
};
use watchword_passkey_server::requests::{Attachment, IdentityType};
use watchword_token::UnixTime;

const NOW: UnixTime = UnixTime(1_800_000_000);
const USER: &str = "handle-of-ada";

fn request(ceremony: Ceremony) -> Lifecycle {
    Lifecycle::new(request_of(ceremony))
}

/// A request whose backend allowed conditional mediation.
fn request_of(ceremony: Ceremony) -> Request {
    Request {
        client_id: "client".into(),
        identity_type: IdentityType::Email,
        identity_value: "ada@shop.test".into(),
        rp_name: "Shop".into(),
        domain: "shop.test".into(),
        user_display_name: "Ada".into(),
        attachment: Attachment::All,
        ceremony,
        user_handle: USER.into(),
        user_id: "usr_ada".into(),
        challenge: "challenge".into(),
        spc: None,
        allow_conditional: true,
        created_at: NOW,
        expires_at: NOW.plus(300),
    }
}

/// Stores a state as the server does (JSON) and reads it back.
fn reload(state: &Lifecycle) -> Lifecycle {
    let bytes = serde_json::to_vec(state).expect("serializes");
    serde_json::from_slice(&bytes).expect("deserializes")
}

const SIGN_IN: Completion<'static> = Completion::Authentication { user_handle: USER };
const REGISTER: Completion<'static> = Completion::Registration { held: 0 };

#[test]
fn a_registration_completes_once() {
    let state = request(Ceremony::Registration);
    let options = state.options(false, NOW.plus(1)).expect("open");
    assert!(!options.changed);
    let completed = reload(&options.state)
        .complete(REGISTER, NOW.plus(2))
        .expect("completed");
    assert_eq!(completed.request().ceremony, Ceremony::Registration);
    assert_eq!(
        reload(&completed).complete(REGISTER, NOW.plus(3)),
        Err(Refused::Completed)
    );
    assert_eq!(
        completed.check_open(NOW.plus(3)).err(),
        Some(Refused::Completed)
    );
}

#[test]
fn options_after_completion_are_refused() {
    let completed = request(Ceremony::Authentication)
        .complete(SIGN_IN, NOW.plus(1))
        .expect("completed");
    assert_eq!(
        completed.options(false, NOW.plus(2)).err(),
        Some(Refused::Completed)
    );
}

#[test]
fn conditional_options_are_remembered_once() {
    let first = request(Ceremony::Authentication)
        .options(true, NOW.plus(1))
        .expect("open");
    assert!(first.changed);
    assert!(first.state.is_conditional());
    let again = reload(&first.state)
        .options(true, NOW.plus(2))
        .expect("open");
    assert!(!again.changed);
    // A later call without mediation keeps what the first one allowed.
    let plain = again.state.options(false, NOW.plus(3)).expect("open");
    assert!(!plain.changed);
    assert!(plain.state.is_conditional());
}

#[test]
fn conditional_options_need_the_backends_consent_and_never_serve_a_payment() {
    let without = Request {
        allow_conditional: false,
        ..request_of(Ceremony::Authentication)
    };
    let refused = Lifecycle::new(without.clone()).options(true, NOW.plus(1));
    assert_eq!(refused.err(), Some(Refused::ConditionalNotAllowed));
    assert!(
        Lifecycle::new(without).options(false, NOW.plus(1)).is_ok(),
        "modal mediation needs no consent"
    );

    let spc: watchword_passkey_server::requests::Spc = serde_json::from_value(serde_json::json!({
        "instrumentDisplayName": "Card", "instrumentDisplayIcon": "https://shop.test/card.png",
        "payeeOrigin": "https://shop.test", "amount": 12.5, "currency": "EUR"
    }))
    .expect("an spc");
    let payment = Request {
        spc: Some(spc),
        ..request_of(Ceremony::Authentication)
    };
    let refused = Lifecycle::new(payment).options(true, NOW.plus(1));
    assert_eq!(
        refused.err(),
        Some(Refused::ConditionalNotAllowed),
        "a payment is confirmed only by the identity it was asked of"
    );
}

#[test]
fn conditional_options_on_a_registration_are_refused() {
    let refused = request(Ceremony::Registration).options(true, NOW.plus(1));
    assert_eq!(refused.err(), Some(Refused::ConditionalRegistration));
}

#[test]
fn another_users_passkey_needs_conditional_mediation() {
    let other = Completion::Authentication {
        user_handle: "handle-of-bob",
    };
    let state = request(Ceremony::Authentication);
    assert_eq!(
        state.check_signer("handle-of-bob"),
        Err(Refused::OtherUsersPasskey)
    );
    assert_eq!(
        state.clone().complete(other, NOW.plus(1)),
        Err(Refused::OtherUsersPasskey)
    );
    // The user's own passkey needs no mediation.
    assert!(state.clone().complete(SIGN_IN, NOW.plus(1)).is_ok());
    // With conditional mediation the user picked it.
    let conditional = state.options(true, NOW.plus(1)).expect("open").state;
    assert_eq!(conditional.check_signer("handle-of-bob"), Ok(()));
    assert!(conditional.complete(other, NOW.plus(2)).is_ok());
}

#[test]
fn registering_past_the_cap_is_refused() {
    let state = request(Ceremony::Registration);
    let full = Completion::Registration { held: MAX_PASSKEYS };
    assert_eq!(
        state.clone().complete(full, NOW.plus(1)),
        Err(Refused::TooManyPasskeys)
    );
    assert_eq!(check_room(MAX_PASSKEYS), Err(Refused::TooManyPasskeys));
    assert_eq!(check_room(MAX_PASSKEYS - 1), Ok(()));
    let last = Completion::Registration {
        held: MAX_PASSKEYS - 1,
    };
    assert!(state.complete(last, NOW.plus(1)).is_ok());
}

#[test]
fn an_expired_request_is_refused() {
    let expired = Refused::Expired {
        expires_at: NOW.plus(300),
        now: NOW.plus(300),
    };
    // One second before the expiry instant it is still open.
    assert!(request(Ceremony::Authentication)
        .complete(SIGN_IN, NOW.plus(299))
        .is_ok());
    assert_eq!(
        request(Ceremony::Authentication).complete(SIGN_IN, NOW.plus(300)),
        Err(expired)
    );
    assert_eq!(
        request(Ceremony::Authentication)
            .options(false, NOW.plus(300))
            .err(),
        Some(expired)
    );
}

#[test]
fn a_completion_of_the_other_ceremony_is_refused() {
    assert_eq!(
        request(Ceremony::Authentication).complete(REGISTER, NOW.plus(1)),
        Err(Refused::WrongCeremony {
            expected: Ceremony::Authentication
        })
    );
    assert_eq!(
        request(Ceremony::Registration).complete(SIGN_IN, NOW.plus(1)),
        Err(Refused::WrongCeremony {
            expected: Ceremony::Registration
        })
    );
}

#[test]
fn stored_states_are_tagged_and_strict() {
    let pending = serde_json::to_value(request(Ceremony::Registration)).expect("serializes");
    assert_eq!(pending["state"], "pending");
    assert_eq!(pending["conditional"], false);
    let completed = request(Ceremony::Registration)
        .complete(REGISTER, NOW.plus(1))
        .expect("completed");
    let json = serde_json::to_value(&completed).expect("serializes");
    assert_eq!(json["state"], "completed");
    let mut extra = json;
    extra["surprise"] = 1.into();
    assert!(serde_json::from_value::<Lifecycle>(extra).is_err());
}
