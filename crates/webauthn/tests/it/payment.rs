//! Secure Payment Confirmation: an assertion with `payment.get` client data is checked
//! against exactly what the relying party asked the browser to show; each member that
//! differs fails with its own code.

use serde_json::json;
use watchword_webauthn::{
    CoseAlgorithm, Credential, PaymentCredentialInstrument, PaymentCurrencyAmount, PaymentRequest,
    RelyingParty,
};

use crate::support::{registered, rp, Assertion, TestKey, CHALLENGE};

fn request(credential: &Credential) -> PaymentRequest {
    PaymentRequest {
        credential_ids: vec![credential.id.clone()],
        top_origin: "https://merchant.example".to_owned(),
        payee_name: Some("Merchant".to_owned()),
        payee_origin: Some("https://merchant.example".to_owned()),
        total: PaymentCurrencyAmount {
            currency: "EUR".to_owned(),
            value: "12.50".to_owned(),
        },
        instrument: PaymentCredentialInstrument {
            display_name: "Card ••• 4242".to_owned(),
            icon: "data:image/png;base64,iVBORw0KGgo".to_owned(),
            icon_must_be_shown: None,
        },
    }
}

/// A valid SPC assertion for `request`, run on the merchant's page.
fn spc(key: &TestKey, credential: &Credential, request: &PaymentRequest) -> Assertion {
    Assertion::new(key, credential).with(|a| {
        a.client_data["type"] = json!("payment.get");
        a.client_data["origin"] = json!("https://merchant.example");
        a.client_data["payment"] = json!({
            "rpId": "example.org",
            "topOrigin": request.top_origin,
            "payeeName": request.payee_name,
            "payeeOrigin": request.payee_origin,
            "total": {"currency": request.total.currency, "value": request.total.value},
            "instrument": {
                "displayName": request.instrument.display_name,
                "icon": request.instrument.icon,
                "iconMustBeShown": true,
            },
        });
    })
}

fn relying_party() -> RelyingParty {
    rp().origin("https://merchant.example").build().unwrap()
}

fn code(
    rp: &RelyingParty,
    assertion: &Assertion,
    request: &PaymentRequest,
    credential: &Credential,
) -> &'static str {
    match rp.verify_payment(&CHALLENGE, request, &assertion.response(), credential) {
        Ok(_) => "ok",
        Err(error) => error.code(),
    }
}

#[test]
#[allow(clippy::too_many_lines)] // one table of cases
fn payment_confirmation_rules() {
    let rp = relying_party();
    for alg in CoseAlgorithm::ALL {
        let (key, credential) = registered(alg);
        let request = request(&credential);
        assert_eq!(
            code(
                &rp,
                &spc(&key, &credential, &request),
                &request,
                &credential
            ),
            "ok",
            "{alg}"
        );
    }

    let (key, credential) = registered(CoseAlgorithm::Es256);
    let request = request(&credential);
    let valid = spc(&key, &credential, &request);
    let verified = rp
        .verify_payment(&CHALLENGE, &request, &valid.response(), &credential)
        .unwrap();
    assert_eq!(verified.sign_count, credential.sign_count + 1);

    let with = |change: &dyn Fn(&mut serde_json::Value)| {
        valid.clone().with(|a| change(&mut a.client_data))
    };
    let cases: Vec<(&str, Assertion, &str)> = vec![
        (
            "type get",
            with(&|c| c["type"] = json!("webauthn.get")),
            "ceremony_type",
        ),
        (
            "no payment member",
            with(&|c| {
                c.as_object_mut().unwrap().remove("payment");
            }),
            "payment_data_missing",
        ),
        (
            "payment not an object",
            with(&|c| c["payment"] = json!("12.50 EUR")),
            "client_data",
        ),
        (
            "another rp",
            with(&|c| c["payment"]["rpId"] = json!("example.com")),
            "payment_rp_id",
        ),
        (
            "another top origin",
            with(&|c| c["payment"]["topOrigin"] = json!("https://evil.example")),
            "payment_top_origin",
        ),
        (
            "another payee name",
            with(&|c| c["payment"]["payeeName"] = json!("Evil")),
            "payment_payee_name",
        ),
        (
            "no payee name",
            with(&|c| {
                c["payment"].as_object_mut().unwrap().remove("payeeName");
            }),
            "payment_payee_name",
        ),
        (
            "another payee origin",
            with(&|c| c["payment"]["payeeOrigin"] = json!("https://evil.example")),
            "payment_payee_origin",
        ),
        (
            "another amount",
            with(&|c| c["payment"]["total"]["value"] = json!("1250.00")),
            "payment_total",
        ),
        (
            "another currency",
            with(&|c| c["payment"]["total"]["currency"] = json!("USD")),
            "payment_total",
        ),
        (
            "another card",
            with(&|c| c["payment"]["instrument"]["displayName"] = json!("Card ••• 0000")),
            "payment_instrument",
        ),
        (
            "another icon",
            with(&|c| c["payment"]["instrument"]["icon"] = json!("https://evil.example/icon.png")),
            "payment_instrument",
        ),
        (
            "icon shown or not",
            with(&|c| c["payment"]["instrument"]["iconMustBeShown"] = json!(false)),
            "ok",
        ),
        (
            "origin not allowed",
            with(&|c| c["origin"] = json!("https://evil.example")),
            "origin_not_allowed",
        ),
        (
            "another challenge",
            with(&|c| c["challenge"] = json!("AAAA")),
            "challenge_mismatch",
        ),
    ];
    for (name, assertion, expected) in cases {
        assert_eq!(
            code(&rp, &assertion, &request, &credential),
            expected,
            "{name}"
        );
    }

    let forged = valid.clone().with(|a| a.signer = Some(TestKey::es256()));
    assert_eq!(code(&rp, &forged, &request, &credential), "bad_signature");
    let other_ids = PaymentRequest {
        credential_ids: vec![vec![1, 2, 3]],
        ..request.clone()
    };
    assert_eq!(
        code(&rp, &valid, &other_ids, &credential),
        "credential_not_allowed"
    );
    let no_ids = PaymentRequest {
        credential_ids: Vec::new(),
        ..request.clone()
    };
    assert_eq!(
        code(&rp, &valid, &no_ids, &credential),
        "credential_not_allowed"
    );
    // A plain sign-in cannot pass as a payment, nor a payment as a sign-in.
    let sign_in = Assertion::new(&key, &credential);
    assert_eq!(code(&rp, &sign_in, &request, &credential), "ceremony_type");
    let outcome = rp.verify_authentication(&CHALLENGE, &valid.response(), &credential, &[]);
    assert_eq!(outcome.map_err(|e| e.code()).err(), Some("ceremony_type"));
}

#[test]
fn payment_requests_are_serde() {
    let (_, credential) = registered(CoseAlgorithm::Es256);
    let request = request(&credential);
    let json = serde_json::to_string(&request).unwrap();
    assert!(json.contains("\"credentialIds\":[\""));
    assert_eq!(
        serde_json::from_str::<PaymentRequest>(&json).unwrap(),
        request
    );
}
