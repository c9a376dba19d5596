//! The shape of keys, transaction ids and tokens: 128 random bits as a UUID-shaped group of
//! lowercase hex.

use rand_core::CryptoRngCore;

/// 128 random bits as lowercase hex in groups of 8, 4, 4, 4 and 12.
pub(crate) fn uuid_shaped(rng: &mut impl CryptoRngCore) -> String {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    let digits = format!("{:032x}", u128::from_be_bytes(bytes));
    [
        &digits[..8],
        &digits[8..12],
        &digits[12..16],
        &digits[16..20],
        &digits[20..],
    ]
    .join("-")
}

/// Whether `text` is hex in groups of 8, 4, 4, 4 and 12 (any case).
pub(crate) fn is_uuid_shaped(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}
