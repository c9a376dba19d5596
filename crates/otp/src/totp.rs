//! TOTP, the time-based one-time password of [RFC 6238]: HOTP over the number of time steps
//! since `T0`.
//!
//! [RFC 6238]: https://www.rfc-editor.org/rfc/rfc6238

use watchword_token::UnixTime;

use crate::hotp::{check_format, code_matches, KeyedMac};
use crate::{Algorithm, Digits, Error, Secret, MAX_WINDOW};

/// The default time step, in seconds (RFC 6238 §5.2).
pub const DEFAULT_STEP_SECS: u64 = 30;
/// The longest time step accepted, in seconds.
pub const MAX_STEP_SECS: u64 = 3600;

/// How many time steps before and after the current one a code may belong to.
///
/// RFC 6238 §5.2 recommends at most one step of network or clock delay; the default is one
/// step on each side (±30 s at the default step, so a code is accepted for up to 90 s). Each
/// side is capped at [`MAX_WINDOW`] steps: every extra step is another chance for a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    before: u8,
    after: u8,
}

impl Window {
    /// Only the current step.
    pub const CURRENT: Window = Window {
        before: 0,
        after: 0,
    };

    /// Makes a window of `before` past and `after` future steps.
    ///
    /// # Errors
    ///
    /// [`Error::Window`] if either side exceeds [`MAX_WINDOW`].
    pub fn new(before: u8, after: u8) -> Result<Self, Error> {
        let found = before.max(after);
        if found > MAX_WINDOW {
            return Err(Error::Window {
                found,
                max: MAX_WINDOW,
            });
        }
        Ok(Window { before, after })
    }

    /// Returns the number of past steps accepted.
    pub fn before(self) -> u8 {
        self.before
    }

    /// Returns the number of future steps accepted.
    pub fn after(self) -> u8 {
        self.after
    }
}

impl Default for Window {
    fn default() -> Self {
        Window {
            before: 1,
            after: 1,
        }
    }
}

/// The result of a successful TOTP verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Verified {
    /// The time step the code belongs to. Store it as the last used step and pass it to the
    /// next [`Totp::verify_unused`] so that the same code cannot be replayed.
    pub step: u64,
    /// The time step at the verification time; `step` differs from it by the clock drift.
    pub current_step: u64,
}

/// A TOTP generator and verifier ([RFC 6238]).
///
/// Defaults: SHA-1, 6 digits, 30-second steps, `T0` = 0, a window of one step on each side.
///
/// # Replay
///
/// A code stays valid for its whole step and the window around it. RFC 6238 §5.2 says a
/// verifier must not accept the second attempt of the same OTP: the caller stores the
/// [`Verified::step`] of the last accepted code per user and verifies with
/// [`verify_unused`](Totp::verify_unused), which refuses codes for that step or any earlier one.
///
/// [RFC 6238]: https://www.rfc-editor.org/rfc/rfc6238
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totp {
    secret: Secret,
    algorithm: Algorithm,
    digits: Digits,
    step: u64,
    t0: UnixTime,
    window: Window,
}

impl Totp {
    /// Makes a TOTP with the default parameters around `secret`.
    pub fn new(secret: Secret) -> Self {
        Totp {
            secret,
            algorithm: Algorithm::Sha1,
            digits: Digits::SIX,
            step: DEFAULT_STEP_SECS,
            t0: UnixTime(0),
            window: Window::default(),
        }
    }

    /// Sets the hash algorithm.
    #[must_use]
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Sets the number of digits.
    #[must_use]
    pub fn with_digits(mut self, digits: Digits) -> Self {
        self.digits = digits;
        self
    }

    /// Sets the time step `X`, in seconds.
    ///
    /// # Errors
    ///
    /// [`Error::TimeStep`] for 0 or more than [`MAX_STEP_SECS`].
    pub fn with_step(mut self, seconds: u64) -> Result<Self, Error> {
        if seconds == 0 || seconds > MAX_STEP_SECS {
            return Err(Error::TimeStep {
                found: seconds,
                max: MAX_STEP_SECS,
            });
        }
        self.step = seconds;
        Ok(self)
    }

    /// Sets the epoch `T0`.
    #[must_use]
    pub fn with_t0(mut self, t0: UnixTime) -> Self {
        self.t0 = t0;
        self
    }

    /// Sets the verification window.
    #[must_use]
    pub fn with_window(mut self, window: Window) -> Self {
        self.window = window;
        self
    }

    /// Returns the secret.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// Returns the hash algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Returns the number of digits.
    pub fn digits(&self) -> Digits {
        self.digits
    }

    /// Returns the time step, in seconds.
    pub fn step_secs(&self) -> u64 {
        self.step
    }

    /// Returns the epoch `T0`.
    pub fn t0(&self) -> UnixTime {
        self.t0
    }

    /// Returns the verification window.
    pub fn window(&self) -> Window {
        self.window
    }

    /// Returns the time step `T = floor((now - T0) / X)` at `now` (RFC 6238 §4.2).
    ///
    /// # Errors
    ///
    /// [`Error::BeforeT0`] if `now` is before `T0`.
    pub fn step_at(&self, now: UnixTime) -> Result<u64, Error> {
        now.0
            .checked_sub(self.t0.0)
            .map(|elapsed| elapsed / self.step)
            .ok_or(Error::BeforeT0 { now, t0: self.t0 })
    }

    /// Returns the code for time step `step`.
    pub fn generate_step(&self, step: u64) -> String {
        let code = KeyedMac::new(self.algorithm, &self.secret).code(step, self.digits);
        code[..self.digits.len()]
            .iter()
            .map(|b| char::from(*b))
            .collect()
    }

    /// Returns the code at `now`.
    ///
    /// # Errors
    ///
    /// [`Error::BeforeT0`] if `now` is before `T0`.
    pub fn generate(&self, now: UnixTime) -> Result<String, Error> {
        Ok(self.generate_step(self.step_at(now)?))
    }

    /// Verifies `code` at `now` against every step of the window, comparing in constant time,
    /// and returns the step it belongs to (the newest, if several match).
    ///
    /// This alone does not stop a replay within the window; see
    /// [`verify_unused`](Totp::verify_unused).
    ///
    /// # Errors
    ///
    /// [`Error::BeforeT0`], [`Error::CodeFormat`] if `code` is not the configured number of
    /// ASCII digits, [`Error::WrongCode`] if no step of the window matches.
    pub fn verify(&self, code: &str, now: UnixTime) -> Result<Verified, Error> {
        self.verify_unused(code, now, None)
    }

    /// Verifies `code` at `now` like [`verify`](Totp::verify), but only steps after
    /// `last_used_step` (the [`Verified::step`] of the last code the caller accepted for this
    /// secret, if any) count.
    ///
    /// The caller stores the returned step as the new last used step (with a compare-and-swap,
    /// so that two concurrent requests with the same code cannot both succeed).
    ///
    /// # Errors
    ///
    /// As [`verify`](Totp::verify), and [`Error::ReusedStep`] if the code matches only steps at
    /// or before `last_used_step`.
    pub fn verify_unused(
        &self,
        code: &str,
        now: UnixTime,
        last_used_step: Option<u64>,
    ) -> Result<Verified, Error> {
        let current_step = self.step_at(now)?;
        check_format(code, self.digits)?;
        let mac = KeyedMac::new(self.algorithm, &self.secret);
        let first = current_step.saturating_sub(u64::from(self.window.before));
        let last = current_step.saturating_add(u64::from(self.window.after));
        let (mut fresh, mut reused) = (None, None);
        // Every step in the window is computed and compared, whichever matches.
        for step in first..=last {
            if code_matches(mac.code(step, self.digits), code, self.digits) {
                if last_used_step.is_some_and(|used| step <= used) {
                    reused = Some(step);
                } else {
                    fresh = Some(step);
                }
            }
        }
        match (fresh, reused, last_used_step) {
            (Some(step), _, _) => Ok(Verified { step, current_step }),
            (None, Some(step), Some(last_used)) => Err(Error::ReusedStep { step, last_used }),
            _ => Err(Error::WrongCode),
        }
    }
}
