//! Out-of-band approval for Watchword, compatible with the OtpOne API: a partner asks for a
//! customer's approval of a sign-in, a workflow step, a document signature, a photo or a scan;
//! the customer answers on an enrolled phone, a security key or a client certificate; the
//! partner gets a verifiable answer.
//!
//! Pure logic: no clock, no IO. Time comes in as `now`, randomness as a `CryptoRngCore`, and
//! each transition returns the state to store, so the server stays a thin layer over a store
//! and tests drive every rule directly.
//!
//! - [`kinds`]: the product's enumerations ([`RequestType`], [`PageType`]) with their numbers
//!   and names, misspellings included, and how an answer travels ([`Flow`]).
//! - [`keys`]: `SRV-` and `JS-` API keys, found by a hash of their value.
//! - [`transaction`]: the state machine of one approval, number matching, the single-use token
//!   of `VerifyToken` and the private token of `GetResult`.
//!
//! ```
//! use watchword_approval::{
//!     Answer, Decision, Flow, Method, NewTransaction, RequestType, Requester, Transaction,
//! };
//! use watchword_token::UnixTime;
//!
//! # fn main() -> Result<(), watchword_approval::Error> {
//! let mut rng = rand_core::OsRng;
//! let now = UnixTime(1_800_000_000);
//! let (id, pending) = Transaction::start(
//!     NewTransaction {
//!         owner: "partner-1".into(),
//!         user_mail: "Ada@Example.com".into(),
//!         request_type: RequestType::WebSession,
//!         message: "Sign in to Example".into(),
//!         private_token: None,
//!         flow: Flow::Standard,
//!         requester: Requester::default(),
//!         lifetime_secs: 300,
//!     },
//!     now,
//!     &mut rng,
//! )?;
//! // The partner's page shows `pending.number()`; the phone offers `pending.choices(..)`.
//! let decision = Decision {
//!     approver: "ada@example.com".into(),
//!     method: Method::Phone,
//!     answer: Answer::Approve { number: Some(pending.number()) },
//! };
//! let decided = pending.decide(&decision, now.plus(20), &mut rng)?;
//! let token = decided.token.expect("a standard flow gives the page a token");
//! let (_redeemed, outcome) =
//!     decided.transaction.verify_token("partner-1", token.expose(), now.plus(25))?;
//! assert!(outcome.is_valid);
//! assert_eq!(outcome.user_valided, "ada@example.com");
//! # let _ = id;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod ids;
pub mod keys;
pub mod kinds;
pub mod transaction;

pub use error::Error;
pub use keys::{ApiKey, KeyRole};
pub use kinds::{Flow, Method, PageType, RequestType};
pub use transaction::{
    normalize_email, Answer, ApprovalToken, Decided, Decision, Denial, NewTransaction, Outcome,
    Reading, Requester, State, Transaction, TransactionId,
};

#[doc(hidden)]
pub mod fuzzing;
