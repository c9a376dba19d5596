//! A DER writer and a certificate builder for attestation tests.
// Test input is small: every cast below is guarded by a range or a length check.
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use super::keys::TestKey;

pub(crate) fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    length(&mut out, contents.len());
    out.extend_from_slice(contents);
    out
}

/// A context-specific constructed tag of any number (high-tag form above 30).
pub(crate) fn explicit(number: u32, contents: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if number < 31 {
        out.push(0xa0 | number as u8);
    } else {
        out.push(0xbf);
        let mut groups = Vec::new();
        let mut n = number;
        while n > 0 {
            groups.push((n & 0x7f) as u8);
            n >>= 7;
        }
        for (i, group) in groups.iter().enumerate().rev() {
            out.push(if i == 0 { *group } else { group | 0x80 });
        }
    }
    length(&mut out, contents.len());
    out.extend_from_slice(contents);
    out
}

fn length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
}

pub(crate) fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

pub(crate) fn set(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x31, &parts.concat())
}

pub(crate) fn oid(contents: &[u8]) -> Vec<u8> {
    tlv(0x06, contents)
}

pub(crate) fn octets(contents: &[u8]) -> Vec<u8> {
    tlv(0x04, contents)
}

pub(crate) fn bits(contents: &[u8]) -> Vec<u8> {
    let mut with_unused = vec![0];
    with_unused.extend_from_slice(contents);
    tlv(0x03, &with_unused)
}

pub(crate) fn null() -> Vec<u8> {
    vec![0x05, 0x00]
}

pub(crate) fn boolean(value: bool) -> Vec<u8> {
    tlv(0x01, &[if value { 0xff } else { 0x00 }])
}

/// A non-negative INTEGER from big-endian magnitude bytes.
pub(crate) fn uint(magnitude: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = magnitude.iter().copied().skip_while(|b| *b == 0).collect();
    let mut contents = if trimmed.is_empty() { vec![0] } else { trimmed };
    if contents[0] & 0x80 != 0 {
        contents.insert(0, 0);
    }
    tlv(0x02, &contents)
}

pub(crate) fn small(value: u64) -> Vec<u8> {
    uint(&value.to_be_bytes())
}

pub(crate) fn enumerated(value: u8) -> Vec<u8> {
    tlv(0x0a, &[value])
}

pub(crate) fn utf8(text: &str) -> Vec<u8> {
    tlv(0x0c, text.as_bytes())
}

pub(crate) fn printable(text: &str) -> Vec<u8> {
    tlv(0x13, text.as_bytes())
}

/// `UTCTime` before 2050, `GeneralizedTime` from 2050 (RFC 5280 §4.1.2.5).
pub(crate) fn time(unix: i64) -> Vec<u8> {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // H. Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let rest = format!(
        "{month:02}{day:02}{:02}{:02}{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if year < 2050 {
        tlv(0x17, format!("{:02}{rest}", year % 100).as_bytes())
    } else {
        tlv(0x18, format!("{year:04}{rest}").as_bytes())
    }
}

pub(crate) const OID_C: &[u8] = &[0x55, 0x04, 0x06];
pub(crate) const OID_O: &[u8] = &[0x55, 0x04, 0x0a];
pub(crate) const OID_OU: &[u8] = &[0x55, 0x04, 0x0b];
pub(crate) const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
pub(crate) const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
pub(crate) const OID_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
pub(crate) const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
pub(crate) const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];
pub(crate) const OID_AAGUID: &[u8] = &[
    0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xe5, 0x1c, 0x01, 0x01, 0x04,
];
pub(crate) const OID_ANDROID_KEY: &[u8] =
    &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x01, 0x11];
pub(crate) const OID_APPLE_NONCE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x08, 0x02];
pub(crate) const OID_TCG_AIK: &[u8] = &[0x67, 0x81, 0x05, 0x08, 0x03];
pub(crate) const OID_TPM_MANUFACTURER: &[u8] = &[0x67, 0x81, 0x05, 0x02, 0x01];
pub(crate) const OID_TPM_MODEL: &[u8] = &[0x67, 0x81, 0x05, 0x02, 0x02];
pub(crate) const OID_TPM_VERSION: &[u8] = &[0x67, 0x81, 0x05, 0x02, 0x03];
/// An extension no verifier knows (a private arc).
pub(crate) const OID_UNKNOWN: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0x8e, 0x2a, 0x01];

/// A Name of one RDN per attribute.
pub(crate) fn name(attributes: &[(&[u8], &str)]) -> Vec<u8> {
    let rdns: Vec<Vec<u8>> = attributes
        .iter()
        .map(|(attribute, value)| {
            let value = if *attribute == OID_C {
                printable(value)
            } else {
                utf8(value)
            };
            set(&[seq(&[oid(attribute), value])])
        })
        .collect();
    seq(&rdns)
}

/// The subject packed attestation asks for (WebAuthn §8.2.1).
pub(crate) fn packed_subject(cn: &str) -> Vec<u8> {
    name(&[
        (OID_C, "AA"),
        (OID_O, "Watchword Test Vendor"),
        (OID_OU, "Authenticator Attestation"),
        (OID_CN, cn),
    ])
}

pub(crate) fn basic_constraints(ca: bool, path_len: Option<u64>) -> Vec<u8> {
    let mut parts = Vec::new();
    if ca {
        parts.push(boolean(true));
    }
    if let Some(limit) = path_len {
        parts.push(small(limit));
    }
    seq(&parts)
}

/// keyUsage with the bits of the first byte (0x80 digitalSignature, 0x04 keyCertSign).
pub(crate) fn key_usage(first_byte: u8) -> Vec<u8> {
    tlv(0x03, &[0x01, first_byte])
}

/// An X.509 extension: OID, critical, value (the DER inside extnValue).
pub(crate) type Extension = (Vec<u8>, bool, Vec<u8>);

/// The fields of a certificate to issue.
#[derive(Debug, Clone)]
pub(crate) struct CertSpec {
    pub(crate) version3: bool,
    pub(crate) serial: u64,
    pub(crate) subject: Vec<u8>,
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    pub(crate) extensions: Vec<Extension>,
}

impl CertSpec {
    pub(crate) fn new(subject: Vec<u8>) -> Self {
        CertSpec {
            version3: true,
            serial: 1,
            subject,
            not_before: super::NOT_BEFORE,
            not_after: super::NOT_AFTER,
            extensions: Vec::new(),
        }
    }

    pub(crate) fn extension(mut self, oid: &[u8], critical: bool, value: Vec<u8>) -> Self {
        self.extensions.retain(|(o, _, _)| o != oid);
        self.extensions.push((oid.to_vec(), critical, value));
        self
    }

    pub(crate) fn without(mut self, oid: &[u8]) -> Self {
        self.extensions.retain(|(o, _, _)| o != oid);
        self
    }

    /// Issues the certificate for `key`, signed by `issuer_key` as `issuer_name`.
    pub(crate) fn issue(&self, key: &TestKey, issuer_name: &[u8], issuer_key: &TestKey) -> Vec<u8> {
        let algorithm = issuer_key.certificate_signature_algorithm();
        let mut tbs = Vec::new();
        if self.version3 {
            tbs.push(explicit(0, &small(2)));
        }
        tbs.push(small(self.serial));
        tbs.push(algorithm.clone());
        tbs.push(issuer_name.to_vec());
        tbs.push(seq(&[time(self.not_before), time(self.not_after)]));
        tbs.push(self.subject.clone());
        tbs.push(key.spki());
        if !self.extensions.is_empty() {
            let extensions: Vec<Vec<u8>> = self
                .extensions
                .iter()
                .map(|(id, critical, value)| {
                    let mut parts = vec![oid(id)];
                    if *critical {
                        parts.push(boolean(true));
                    }
                    parts.push(octets(value));
                    seq(&parts)
                })
                .collect();
            tbs.push(explicit(3, &seq(&extensions)));
        }
        let tbs = seq(&tbs);
        let signature = issuer_key.sign_certificate(&tbs);
        seq(&[tbs, algorithm, bits(&signature)])
    }
}

/// A certification authority: its key, name and certificate.
#[derive(Debug, Clone)]
pub(crate) struct Ca {
    pub(crate) key: TestKey,
    pub(crate) name: Vec<u8>,
    pub(crate) der: Vec<u8>,
}

impl Ca {
    /// A self-signed root CA with an ES256 key.
    pub(crate) fn root(cn: &str) -> Ca {
        Ca::root_with(cn, TestKey::es256())
    }

    pub(crate) fn root_with(cn: &str, key: TestKey) -> Ca {
        let name = name(&[(OID_O, "Watchword Test Roots"), (OID_CN, cn)]);
        let der = Self::ca_spec(name.clone()).issue(&key, &name, &key);
        Ca { key, name, der }
    }

    pub(crate) fn ca_spec(subject: Vec<u8>) -> CertSpec {
        CertSpec::new(subject)
            .extension(OID_BASIC_CONSTRAINTS, true, basic_constraints(true, None))
            .extension(OID_KEY_USAGE, true, key_usage(0x06))
    }

    /// An intermediate CA issued by this one from `spec` (its subject names it).
    pub(crate) fn intermediate(&self, spec: &CertSpec) -> Ca {
        let key = TestKey::es256();
        let der = spec.issue(&key, &self.name, &self.key);
        Ca {
            key,
            name: spec.subject.clone(),
            der,
        }
    }

    /// Issues `spec` for `key`.
    pub(crate) fn issue(&self, spec: &CertSpec, key: &TestKey) -> Vec<u8> {
        spec.issue(key, &self.name, &self.key)
    }
}
