//! The on-curve check for P-256 and P-384 public keys ([SEC 1 §3.2.2]): `x` and `y` below
//! the field prime and `y² = x³ − 3x + b (mod p)`.
//!
//! ring checks the same before each signature verification, but it offers no way to check a
//! key without a signature or an ephemeral private key (and so an RNG), and a registration with
//! `none` attestation carries no signature at all. A key refused here at registration can never
//! become a stored credential that fails every sign-in. Only public values pass through this
//! arithmetic, so it does not need to be constant-time; it is schoolbook multiplication and
//! bitwise reduction over six 64-bit limbs, plain and slow (microseconds) on purpose.
//!
//! [SEC 1 §3.2.2]: https://www.secg.org/sec1-v2.pdf

/// Up to 384 bits, least-significant limb first.
type Limbs = [u64; 6];

/// A NIST prime curve: its field prime and its `b` coefficient (`a` is `-3` for both).
pub(crate) struct Curve {
    p: Limbs,
    b: Limbs,
    /// Coordinate length in bytes.
    pub(crate) len: usize,
}

pub(crate) const P256: Curve = Curve {
    p: from_hex_const(*b"ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
    b: from_hex_const(*b"5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"),
    len: 32,
};

pub(crate) const P384: Curve = Curve {
    p: from_hex_const(
        *b"fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
    ),
    b: from_hex_const(
        *b"b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
    ),
    len: 48,
};

/// Parses big-endian hex of up to 96 digits at compile time.
const fn from_hex_const<const N: usize>(hex: [u8; N]) -> Limbs {
    let mut limbs = [0u64; 6];
    let mut i = 0;
    while i < N {
        let c = hex[N - 1 - i];
        let digit = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not a hex digit"),
        };
        limbs[i / 16] |= (digit as u64) << ((i % 16) * 4);
        i += 1;
    }
    limbs
}

fn from_be(bytes: &[u8]) -> Option<Limbs> {
    if bytes.len() > 48 {
        return None;
    }
    let mut limbs = [0u64; 6];
    for (i, &byte) in bytes.iter().rev().enumerate() {
        limbs[i / 8] |= u64::from(byte) << ((i % 8) * 8);
    }
    Some(limbs)
}

fn less_than(a: &Limbs, b: &Limbs) -> bool {
    for i in (0..6).rev() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
    }
    false
}

/// `a - b` for `a >= b`.
fn sub(a: &Limbs, b: &Limbs) -> Limbs {
    let mut out = [0u64; 6];
    let mut borrow = false;
    for i in 0..6 {
        let (d, b1) = a[i].overflowing_sub(b[i]);
        let (d, b2) = d.overflowing_sub(u64::from(borrow));
        out[i] = d;
        borrow = b1 || b2;
    }
    out
}

/// `(a + b) mod p` for `a, b < p`.
fn add_mod(a: &Limbs, b: &Limbs, p: &Limbs) -> Limbs {
    let mut sum = [0u64; 6];
    let mut carry = false;
    for i in 0..6 {
        let (s, c1) = a[i].overflowing_add(b[i]);
        let (s, c2) = s.overflowing_add(u64::from(carry));
        sum[i] = s;
        carry = c1 || c2;
    }
    // p < 2^384, so a + b < 2^385; a carry out of the top limb means sum >= p.
    if carry || !less_than(&sum, p) {
        sub(&sum, p)
    } else {
        sum
    }
}

/// `(a - b) mod p` for `a, b < p`.
fn sub_mod(a: &Limbs, b: &Limbs, p: &Limbs) -> Limbs {
    if less_than(a, b) {
        add_mod(a, &sub(p, b), p)
    } else {
        sub(a, b)
    }
}

/// `(a * b) mod p` for `a, b < p`.
fn mul_mod(a: &Limbs, b: &Limbs, p: &Limbs) -> Limbs {
    let mut product = [0u64; 12];
    for i in 0..6 {
        let mut carry: u128 = 0;
        for j in 0..6 {
            let t = u128::from(a[i]) * u128::from(b[j]) + u128::from(product[i + j]) + carry;
            // Keep the low limb; the high one carries on.
            #[allow(clippy::cast_possible_truncation)]
            {
                product[i + j] = t as u64;
            }
            carry = t >> 64;
        }
        #[allow(clippy::cast_possible_truncation)] // below 2^64 after the shift
        {
            product[i + 6] = carry as u64;
        }
    }
    // Bitwise long division, most significant bit first: r = 2r + bit, less p when r >= p.
    let mut r = [0u64; 6];
    for bit in (0..768).rev() {
        let top = r[5] >> 63;
        for i in (1..6).rev() {
            r[i] = (r[i] << 1) | (r[i - 1] >> 63);
        }
        r[0] = (r[0] << 1) | ((product[bit / 64] >> (bit % 64)) & 1);
        if top == 1 || !less_than(&r, p) {
            r = sub(&r, p);
        }
    }
    r
}

impl Curve {
    /// Whether the affine point `(x, y)`, big-endian coordinates of [`Curve::len`] bytes, is
    /// on the curve.
    pub(crate) fn contains(&self, x: &[u8], y: &[u8]) -> bool {
        if x.len() != self.len || y.len() != self.len {
            return false;
        }
        let (Some(x), Some(y)) = (from_be(x), from_be(y)) else {
            return false;
        };
        let p = &self.p;
        if !less_than(&x, p) || !less_than(&y, p) {
            return false;
        }
        let lhs = mul_mod(&y, &y, p);
        let x3 = mul_mod(&mul_mod(&x, &x, p), &x, p);
        let three_x = add_mod(&add_mod(&x, &x, p), &x, p);
        let rhs = add_mod(&sub_mod(&x3, &three_x, p), &self.b, p);
        lhs == rhs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    // The generators (SEC 2 §2.4.2, §2.5.1).
    const P256_GX: &str = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296";
    const P256_GY: &str = "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
    const P384_GX: &str = "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7";
    const P384_GY: &str = "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f";

    #[test]
    fn generators_are_on_their_curves() {
        assert!(P256.contains(&hex(P256_GX), &hex(P256_GY)));
        assert!(P384.contains(&hex(P384_GX), &hex(P384_GY)));
    }

    #[test]
    fn a_changed_coordinate_is_not_on_the_curve() {
        let mut y = hex(P256_GY);
        y[31] ^= 1;
        assert!(!P256.contains(&hex(P256_GX), &y));
        let mut x = hex(P384_GX);
        x[0] ^= 0x80;
        assert!(!P384.contains(&x, &hex(P384_GY)));
        assert!(!P256.contains(&hex(P384_GX), &hex(P384_GY)));
    }

    #[test]
    fn coordinates_at_or_above_p_are_refused() {
        let p = hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
        assert!(!P256.contains(&p, &hex(P256_GY)));
        assert!(!P256.contains(&hex(P256_GX), &[0xff; 32]));
        assert!(!P256.contains(&hex(P256_GX), &hex(P256_GY)[1..]));
    }
}
