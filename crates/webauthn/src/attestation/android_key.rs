//! `android-key` attestation ([WebAuthn §8.4]): a signature by the credential key itself, whose
//! certificate (issued by the Android keystore) describes where and how the key was made.
//!
//! The key description extension ([Android key attestation]) must carry the client data hash
//! as its attestation challenge, neither authorization list may hold `allApplications`, and the
//! [`AndroidKeyPolicy`](crate::AndroidKeyPolicy) decides where `origin` and `purpose` are read.
//!
//! [WebAuthn §8.4]: https://www.w3.org/TR/webauthn-3/#sctn-android-key-attestation
//! [Android key attestation]: https://source.android.com/docs/security/features/keystore/attestation#schema

use super::{verify_signature, Context, Statement};
use crate::der::{self, Reader};
use crate::{x509, AttestationTrust, Error};

/// 1.3.6.1.4.1.11129.2.1.17, the key description extension.
const OID_KEY_DESCRIPTION: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x01, 0x11];
const TAG_PURPOSE: u32 = 1;
const TAG_ALL_APPLICATIONS: u32 = 600;
const TAG_ORIGIN: u32 = 702;
const KM_PURPOSE_SIGN: i64 = 2;
const KM_ORIGIN_GENERATED: i64 = 0;

pub(super) fn verify(
    statement: &Statement<'_, '_>,
    context: &Context<'_>,
) -> Result<AttestationTrust, Error> {
    statement.only(&["alg", "sig", "x5c"])?;
    let alg = statement.alg()?;
    let sig = statement.sig()?;
    let x5c = statement.required_x5c()?;
    let chain = x509::parse_chain(&x5c)?;
    let leaf = &chain[0];
    verify_signature(&leaf.public_key, alg, &context.signed_data(), sig)?;
    if leaf.public_key != *context.credential.public_key() {
        return Err(Error::AttestationKeyMismatch);
    }
    let extension = leaf
        .extension(OID_KEY_DESCRIPTION)
        .ok_or(Error::AndroidKeyDescription {
            reason: "extension is missing",
        })?;
    let description = KeyDescription::parse(extension.value)
        .map_err(|reason| Error::AndroidKeyDescription { reason })?;
    if description.challenge != context.client_data_hash {
        return Err(Error::AndroidKeyChallenge);
    }
    let (software, hardware) = (&description.software, &description.hardware);
    if software.all_applications || hardware.all_applications {
        return Err(Error::AndroidKeyAllApplications);
    }
    let lists: &[&AuthorizationList] = if context.rp.android_key.hardware_enforced_only {
        &[hardware]
    } else {
        &[hardware, software]
    };
    let origins: Vec<i64> = lists.iter().filter_map(|list| list.origin).collect();
    if origins.is_empty() || origins.iter().any(|&origin| origin != KM_ORIGIN_GENERATED) {
        return Err(Error::AndroidKeyOrigin);
    }
    if !lists
        .iter()
        .any(|list| list.purposes.contains(&KM_PURPOSE_SIGN))
    {
        return Err(Error::AndroidKeyPurpose);
    }
    context.trace(&chain)
}

/// The parts of a `KeyDescription` the verification reads.
struct KeyDescription<'a> {
    challenge: &'a [u8],
    software: AuthorizationList,
    hardware: AuthorizationList,
}

#[derive(Default)]
struct AuthorizationList {
    purposes: Vec<i64>,
    all_applications: bool,
    origin: Option<i64>,
}

impl<'a> KeyDescription<'a> {
    fn parse(value: &'a [u8]) -> Result<KeyDescription<'a>, der::DerError> {
        let mut outer = Reader::new(value);
        let mut fields = outer.sequence()?;
        outer.finish()?;
        fields.integer()?; // attestationVersion
        fields.expect(der::ENUMERATED)?; // attestationSecurityLevel
        fields.integer()?; // keyMintVersion
        fields.expect(der::ENUMERATED)?; // keyMintSecurityLevel
        let challenge = fields.expect(der::OCTET_STRING)?;
        fields.expect(der::OCTET_STRING)?; // uniqueId
        let software = AuthorizationList::parse(fields.expect(der::SEQUENCE)?)?;
        let hardware = AuthorizationList::parse(fields.expect(der::SEQUENCE)?)?;
        // Later schema versions may append fields; they are not read.
        Ok(KeyDescription {
            challenge,
            software,
            hardware,
        })
    }
}

impl AuthorizationList {
    fn parse(contents: &[u8]) -> Result<AuthorizationList, der::DerError> {
        let mut list = AuthorizationList::default();
        let mut seen: Vec<u32> = Vec::new();
        let mut reader = Reader::new(contents);
        while !reader.is_empty() {
            let element = reader.element()?;
            if element.tag.class != 2 || !element.tag.constructed {
                return Err("authorization list entry is not an explicit tag");
            }
            if seen.contains(&element.tag.number) {
                return Err("authorization list repeats a tag");
            }
            seen.push(element.tag.number);
            let mut inner = Reader::new(element.contents);
            match element.tag.number {
                TAG_PURPOSE => {
                    let mut set = Reader::new(inner.expect(der::SET)?);
                    while !set.is_empty() {
                        list.purposes.push(set.small_integer(der::INTEGER)?);
                    }
                }
                TAG_ALL_APPLICATIONS => {
                    if !inner.expect(der::NULL)?.is_empty() {
                        return Err("allApplications is not null");
                    }
                    list.all_applications = true;
                }
                TAG_ORIGIN => list.origin = Some(inner.small_integer(der::INTEGER)?),
                _ => continue,
            }
            inner.finish()?;
        }
        Ok(list)
    }
}
