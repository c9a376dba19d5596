//! The harness of the `approval_inputs` fuzz target. Not part of the stable API.

use crate::{
    normalize_email, ApiKey, Flow, NewTransaction, PageType, RequestType, Requester, TransactionId,
};

/// Reads `data` as every text parameter the approval API takes, and checks a new
/// transaction made of it.
///
/// # Panics
///
/// When a reading is not stable: a key, id or enumeration that reads but does not read back
/// as itself, or an address that normalizes differently twice.
pub fn read_inputs(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(key) = text.parse::<ApiKey>() {
        assert_eq!(
            key.expose().parse::<ApiKey>().as_ref(),
            Ok(&key),
            "a key reads back"
        );
    }
    if let Ok(id) = TransactionId::parse(text) {
        assert_eq!(
            TransactionId::parse(id.expose()).as_ref(),
            Ok(&id),
            "an id reads back"
        );
    }
    if let Ok(request) = text.parse::<RequestType>() {
        assert_eq!(request.name().parse::<RequestType>(), Ok(request));
    }
    if let Ok(page) = text.parse::<PageType>() {
        assert_eq!(page.number().to_string().parse::<PageType>(), Ok(page));
    }
    if let Ok(mail) = normalize_email(text) {
        assert_eq!(
            normalize_email(&mail).as_deref(),
            Ok(mail.as_str()),
            "normalizing twice"
        );
    }
    let middle = text
        .char_indices()
        .map(|(at, _)| at)
        .nth(text.chars().count() / 2)
        .unwrap_or(text.len());
    let (message, rest) = text.split_at(middle);
    let new = NewTransaction {
        owner: "fuzz".into(),
        user_mail: rest.into(),
        request_type: RequestType::WebSession,
        message: message.into(),
        private_token: Some(text.into()),
        flow: Flow::Distributed,
        requester: Requester {
            network: message.into(),
            os: rest.into(),
            app: String::new(),
        },
        lifetime_secs: 120,
    };
    if let Ok(user_mail) = new.check() {
        assert_eq!(normalize_email(&new.user_mail).as_ref(), Ok(&user_mail));
    }
}
