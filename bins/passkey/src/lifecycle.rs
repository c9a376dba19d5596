//! The life of a passkey request, as a state machine with no IO: the handlers load the state,
//! run one transition with the time, and store what it returns by compare-and-swap.
//!
//! ```text
//! initiate ──► Pending { conditional: false }
//!   options (mediation=conditional, sign-in only) ──► Pending { conditional: true }
//!   complete (a verified ceremony)                ──► Completed      (exactly once)
//! ```
//!
//! | state | `options` | `complete` |
//! |---|---|---|
//! | `Pending`, live | unchanged, or → conditional on the first conditional call | → `Completed` |
//! | `Pending`, at or after its expiry | [`Refused::Expired`] | [`Refused::Expired`] |
//! | `Completed` | [`Refused::Completed`] | [`Refused::Completed`] |
//!
//! Further rules, each a [`Refused`] that leaves the state as it was:
//!
//! - conditional mediation (autofill) only signs in: a registration refuses it
//!   ([`Refused::ConditionalRegistration`]);
//! - a sign-in with a passkey of another user of the client needs conditional mediation, where
//!   the user picked it ([`Refused::OtherUsersPasskey`]);
//! - a registration needs room: at most [`MAX_PASSKEYS`] per identity
//!   ([`Refused::TooManyPasskeys`]); [`check_room`] applies the same rule where the passkey is
//!   stored;
//! - a completion runs the ceremony the request was initiated for ([`Refused::WrongCeremony`]).

use serde::{Deserialize, Serialize};
use watchword_token::UnixTime;

use crate::requests::{Attachment, IdentityType, Spc};

/// The most passkeys one identity may hold, over all domains.
pub const MAX_PASSKEYS: usize = 32;

/// Which ceremony a request runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ceremony {
    /// `navigator.credentials.create`: a new passkey.
    Registration,
    /// `navigator.credentials.get`: sign in with a passkey.
    Authentication,
}

impl Ceremony {
    /// The `type` of the identity in the validate answer.
    pub fn kind(self) -> &'static str {
        match self {
            Ceremony::Registration => "REGISTRATION",
            Ceremony::Authentication => "LOGIN",
        }
    }
}

/// What a site's backend asked for at `initiate`; fixed for the request's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The client that initiated it.
    pub client_id: String,
    /// The identity it is for.
    pub identity_type: IdentityType,
    /// The identity's value.
    pub identity_value: String,
    /// The relying party's name.
    pub rp_name: String,
    /// The RP ID.
    pub domain: String,
    /// The user's display name.
    pub user_display_name: String,
    /// Allowed authenticators.
    pub attachment: Attachment,
    /// What the SDK runs.
    pub ceremony: Ceremony,
    /// The user's handle (base64url), existing or drawn for a first registration.
    pub user_handle: String,
    /// The user id reported to the site.
    pub user_id: String,
    /// The challenge (base64url of 32 random bytes).
    pub challenge: String,
    /// Secure Payment Confirmation details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spc: Option<Spc>,
    /// Whether the backend allowed conditional mediation at initiate (never with `spc`).
    #[serde(default)]
    pub allow_conditional: bool,
    /// When it was initiated.
    pub created_at: UnixTime,
    /// The request is refused at and after.
    pub expires_at: UnixTime,
}

/// A request waiting for its ceremony.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    request: Request,
    /// Whether the SDK asked for conditional mediation (autofill), which lets the user pick
    /// any of their passkeys for the domain, possibly another identity's of the same client.
    conditional: bool,
}

/// A request one ceremony completed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completed {
    request: Request,
    /// Unix seconds.
    completed_at: UnixTime,
}

/// A request, as the store keeps it: serde, tagged by `"state"` (`"pending"`, `"completed"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Lifecycle {
    /// Waiting for its ceremony.
    Pending(Pending),
    /// Completed by one ceremony (terminal).
    Completed(Completed),
}

/// Why a transition was refused; the state stays as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refused {
    /// The request was completed already.
    Completed,
    /// The request expired at `expires_at`; it is `now`.
    Expired {
        /// When it expired.
        expires_at: UnixTime,
        /// The time of the refused call.
        now: UnixTime,
    },
    /// Conditional mediation on a registration: there is no passkey to pick yet.
    ConditionalRegistration,
    /// Conditional mediation on a request whose backend did not allow it, or on a payment,
    /// which only the identity it was asked of may confirm.
    ConditionalNotAllowed,
    /// A passkey of another user, without conditional mediation.
    OtherUsersPasskey,
    /// The identity holds [`MAX_PASSKEYS`] already.
    TooManyPasskeys,
    /// A completion of another ceremony than the request's.
    WrongCeremony {
        /// The request's ceremony.
        expected: Ceremony,
    },
}

/// What a verified ceremony brings to [`Lifecycle::complete`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion<'a> {
    /// A new passkey; the identity holds `held` passkeys before it.
    Registration {
        /// The passkeys the identity holds now.
        held: usize,
    },
    /// A sign-in with a passkey of the user with handle `user_handle`.
    Authentication {
        /// The handle of the passkey's user.
        user_handle: &'a str,
    },
}

/// The result of [`Lifecycle::options`].
#[derive(Debug)]
#[must_use]
pub struct Transition {
    /// The next state.
    pub state: Lifecycle,
    /// Whether it differs from the state the transition consumed (store it only then).
    pub changed: bool,
}

/// Checks that an identity holding `held` passkeys may register one more.
///
/// # Errors
/// [`Refused::TooManyPasskeys`] at [`MAX_PASSKEYS`].
pub fn check_room(held: usize) -> Result<(), Refused> {
    if held >= MAX_PASSKEYS {
        return Err(Refused::TooManyPasskeys);
    }
    Ok(())
}

impl Lifecycle {
    /// A request just initiated, without conditional mediation.
    pub fn new(request: Request) -> Self {
        Lifecycle::Pending(Pending {
            request,
            conditional: false,
        })
    }

    /// Returns what was asked for.
    pub fn request(&self) -> &Request {
        match self {
            Lifecycle::Pending(state) => &state.request,
            Lifecycle::Completed(state) => &state.request,
        }
    }

    /// Returns whether the SDK asked for conditional mediation while the request was pending.
    pub fn is_conditional(&self) -> bool {
        matches!(self, Lifecycle::Pending(state) if state.conditional)
    }

    /// Checks that the SDK may still run the request at `now`.
    ///
    /// # Errors
    /// [`Refused::Completed`], [`Refused::Expired`].
    pub fn check_open(&self, now: UnixTime) -> Result<&Request, Refused> {
        match self {
            Lifecycle::Completed(_) => Err(Refused::Completed),
            Lifecycle::Pending(state) if now >= state.request.expires_at => Err(Refused::Expired {
                expires_at: state.request.expires_at,
                now,
            }),
            Lifecycle::Pending(state) => Ok(&state.request),
        }
    }

    /// Checks that the request may sign in with a passkey of the user `user_handle`: the
    /// request's own user, or anyone's under conditional mediation.
    ///
    /// # Errors
    /// [`Refused::OtherUsersPasskey`].
    pub fn check_signer(&self, user_handle: &str) -> Result<(), Refused> {
        if user_handle != self.request().user_handle && !self.is_conditional() {
            return Err(Refused::OtherUsersPasskey);
        }
        Ok(())
    }

    /// The SDK asks for the ceremony's options at `now`, with conditional mediation or not;
    /// the first conditional call is remembered, and lets a sign-in pick another user's
    /// passkey.
    ///
    /// # Errors
    /// [`Refused::Completed`], [`Refused::Expired`], [`Refused::ConditionalRegistration`],
    /// [`Refused::ConditionalNotAllowed`].
    pub fn options(self, conditional: bool, now: UnixTime) -> Result<Transition, Refused> {
        self.check_open(now)?;
        let Lifecycle::Pending(mut state) = self else {
            return Err(Refused::Completed);
        };
        if !conditional || state.conditional {
            return Ok(Transition {
                state: Lifecycle::Pending(state),
                changed: false,
            });
        }
        if state.request.ceremony == Ceremony::Registration {
            return Err(Refused::ConditionalRegistration);
        }
        if !state.request.allow_conditional || state.request.spc.is_some() {
            return Err(Refused::ConditionalNotAllowed);
        }
        state.conditional = true;
        Ok(Transition {
            state: Lifecycle::Pending(state),
            changed: true,
        })
    }

    /// A verified ceremony completes the request at `now`, once.
    ///
    /// # Errors
    /// [`Refused::Completed`], [`Refused::Expired`], [`Refused::WrongCeremony`],
    /// [`Refused::TooManyPasskeys`], [`Refused::OtherUsersPasskey`].
    pub fn complete(self, completion: Completion<'_>, now: UnixTime) -> Result<Lifecycle, Refused> {
        self.check_open(now)?;
        let ceremony = self.request().ceremony;
        match (ceremony, completion) {
            (Ceremony::Registration, Completion::Registration { held }) => check_room(held)?,
            (Ceremony::Authentication, Completion::Authentication { user_handle }) => {
                self.check_signer(user_handle)?;
            }
            _ => return Err(Refused::WrongCeremony { expected: ceremony }),
        }
        let Lifecycle::Pending(state) = self else {
            return Err(Refused::Completed);
        };
        Ok(Lifecycle::Completed(Completed {
            request: state.request,
            completed_at: now,
        }))
    }
}
