//! One approval: a partner asks, the customer answers once, the answer is read under the
//! rules of its [`Flow`].
//!
//! ```text
//!  partner server            this state machine                    customer
//!  getTransactionID ───────► Transaction::start ──► Pending
//!    ◄── transaction id, number to show                    ◄────── device shows the request
//!                            decide(approve, number) ──► Approved (+ single-use token)
//!                            decide(deny)             ──► Denied
//!  VerifyToken(token) ──────► verify_token ──► Approved, redeemed
//!  GetResult (JS key) ──────► read_result  ──► private token handed over once
//! ```
//!
//! | state | `decide` | `verify_token` | `read_result` |
//! |---|---|---|---|
//! | `Pending`, live | approve (right number) → `Approved`; wrong number or deny → `Denied` | [`Error::InvalidToken`] | not finished |
//! | `Approved` | [`Error::AlreadyDecided`] | right token, first time: valid, → redeemed; else [`Error::InvalidToken`] | valid; the private token the first time only |
//! | `Denied` | [`Error::AlreadyDecided`] | [`Error::InvalidToken`] | not valid |
//! | any state at or after `expires_at` | [`Error::Expired`] | [`Error::Expired`] | not valid (expired) |
//!
//! Further rules:
//!
//! - **Only the customer answers.** A decision names its approver; one that is not the
//!   transaction's `UserMail` changes nothing ([`Error::WrongApprover`]).
//! - **Number matching.** The partner's page shows a two-digit number; the phone offers three
//!   and the customer picks one. A wrong pick denies the request (someone is approving
//!   prompts without reading them). Security keys and certificates answer on the partner's
//!   page itself, so they match no number.
//! - **Only the owner reads.** `VerifyToken` and `GetResult` come from a client of the
//!   partner that started the transaction; another partner's client learns nothing
//!   ([`Error::NotYourTransaction`]).
//! - **The private token** reaches only the owner, only after an approval, at most once, never
//!   after a denial or expiry.
//!
//! # Secrets at rest
//!
//! The transaction id is the client's handle; the state is stored under its SHA-256
//! ([`TransactionId::storage_key`]). The single-use token is kept only as a SHA-256 too.

use core::fmt;

use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use watchword_token::UnixTime;

use crate::ids::{is_uuid_shaped, uuid_shaped};
use crate::kinds::{Flow, Method, RequestType};
use crate::Error;

/// The shortest lifetime of a transaction, in seconds.
pub const MIN_LIFETIME_SECS: u64 = 30;
/// The longest lifetime of a transaction, in seconds (15 minutes).
pub const MAX_LIFETIME_SECS: u64 = 900;
/// How long a server-only request waits for the customer (the product's 2 minutes).
pub const SERVER_ONLY_LIFETIME_SECS: u64 = 120;
/// The longest message shown to the customer, in characters.
pub const MAX_MESSAGE_CHARS: usize = 500;
/// The longest private token, in bytes.
pub const MAX_PRIVATE_TOKEN_LEN: usize = 4096;
/// The longest customer email address, in bytes (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;
/// The longest description of where a request came from (network, OS, application), per
/// field, in characters.
pub const MAX_REQUESTER_CHARS: usize = 100;
/// How many numbers the phone offers to match (one of them right).
pub const CHOICES: usize = 3;

const ID_DOMAIN: &[u8] = b"watchword-approval/transaction\0";
const TOKEN_DOMAIN: &[u8] = b"watchword-approval/token\0";

/// A transaction's handle: 128 random bits in the shape of a UUID.
#[derive(Clone, PartialEq, Eq)]
pub struct TransactionId(String);

impl TransactionId {
    fn generate(rng: &mut impl CryptoRngCore) -> Self {
        TransactionId(uuid_shaped(rng))
    }

    /// Reads a transaction id as a client sends it (any case; kept in lowercase).
    ///
    /// # Errors
    /// [`Error::MalformedTransactionId`] for any other shape.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        if is_uuid_shaped(text) {
            Ok(TransactionId(text.to_ascii_lowercase()))
        } else {
            Err(Error::MalformedTransactionId)
        }
    }

    /// The id as the client receives it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key the transaction is stored under: 64 hex digits of a domain-separated SHA-256.
    pub fn storage_key(&self) -> String {
        let digest = Sha256::new()
            .chain_update(ID_DOMAIN)
            .chain_update(self.0.as_bytes())
            .finalize();
        format!("{digest:x}")
    }
}

impl fmt::Debug for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TransactionId(<redacted>)")
    }
}

/// The single-use token the partner's page posts to its server after an approval, redeemed
/// by `VerifyToken`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApprovalToken(String);

impl ApprovalToken {
    /// The token as the page receives it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key the server maps the token to its transaction under (64 hex digits).
    pub fn lookup(text: &str) -> String {
        format!("{:x}", token_digest(text.trim()))
    }
}

impl fmt::Debug for ApprovalToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApprovalToken(<redacted>)")
    }
}

/// Where a request came from, shown to the customer beside the message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Requester {
    /// The requester's network (a prefix, never a full address).
    pub network: String,
    /// The operating system the partner reported (`OSType`).
    pub os: String,
    /// The browser or application the partner reported (`NavigatorOrAPPName`).
    pub app: String,
}

/// What a partner asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransaction {
    /// The partner's client that owns the transaction (its key's lookup).
    pub owner: String,
    /// The customer who must approve (`UserMail`).
    pub user_mail: String,
    /// What is asked (`requestype`).
    pub request_type: RequestType,
    /// The text shown to the customer (`Message`).
    pub message: String,
    /// Handed to the owner's client after an approval (`privateToken`), if any.
    pub private_token: Option<String>,
    /// How the answer travels.
    pub flow: Flow,
    /// Where the request came from.
    pub requester: Requester,
    /// Seconds until the transaction expires, [`MIN_LIFETIME_SECS`] to [`MAX_LIFETIME_SECS`].
    pub lifetime_secs: u64,
}

impl NewTransaction {
    /// Checks every field against its bounds and returns the customer's address normalized.
    ///
    /// # Errors
    /// [`Error::Field`] naming the first field out of bounds.
    pub fn check(&self) -> Result<String, Error> {
        let user_mail = normalize_email(&self.user_mail)?;
        let message = self.message.trim();
        if message.is_empty() || message.chars().count() > MAX_MESSAGE_CHARS {
            return Err(Error::Field {
                name: "Message",
                rule: "1 to 500 characters",
            });
        }
        if self
            .private_token
            .as_ref()
            .is_some_and(|token| token.len() > MAX_PRIVATE_TOKEN_LEN)
        {
            return Err(Error::Field {
                name: "privateToken",
                rule: "at most 4096 bytes",
            });
        }
        let requester = &self.requester;
        for (name, value) in [
            ("userIP", &requester.network),
            ("OSType", &requester.os),
            ("NavigatorOrAPPName", &requester.app),
        ] {
            if value.chars().count() > MAX_REQUESTER_CHARS || value.chars().any(char::is_control) {
                return Err(Error::Field {
                    name,
                    rule: "at most 100 characters, no control characters",
                });
            }
        }
        if !(MIN_LIFETIME_SECS..=MAX_LIFETIME_SECS).contains(&self.lifetime_secs) {
            return Err(Error::Field {
                name: "lifetime",
                rule: "30 to 900 seconds",
            });
        }
        Ok(user_mail)
    }
}

/// A transaction's state; see the [module documentation](self) for the transitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// Waiting for the customer.
    Pending,
    /// The customer approved.
    Approved {
        /// Who approved (the transaction's `UserMail`).
        approver: String,
        /// How.
        method: Method,
        /// When.
        at: UnixTime,
        /// SHA-256 of the single-use token of a standard flow.
        token: Option<[u8; 32]>,
        /// Whether `VerifyToken` redeemed the token.
        redeemed: bool,
        /// Whether the owner's client received the private token.
        handed_over: bool,
    },
    /// The customer (or a rule) said no.
    Denied {
        /// When.
        at: UnixTime,
        /// Why.
        reason: Denial,
    },
}

/// Why a transaction was denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Denial {
    /// The customer refused.
    Customer,
    /// The customer picked a number the partner's page did not show.
    WrongNumber,
    /// Another request of the customer was refused, which cancels every pending one.
    Cancelled,
}

/// One approval transaction, stored as JSON under its id's [`TransactionId::storage_key`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    owner: String,
    user_mail: String,
    request_type: RequestType,
    message: String,
    private_token: Option<String>,
    flow: Flow,
    requester: Requester,
    created_at: UnixTime,
    expires_at: UnixTime,
    number: u8,
    state: State,
}

/// A customer's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Who answers (the signed-in customer, the enrolled device's owner or the certificate's
    /// subject).
    pub approver: String,
    /// How.
    pub method: Method,
    /// Approve (with the number picked on the phone) or deny.
    pub answer: Answer,
}

/// Approve or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Approve; a phone says which number the customer picked.
    Approve {
        /// The number picked, for [`Method::Phone`]; `None` for the other methods.
        number: Option<u8>,
    },
    /// Deny.
    Deny,
}

/// What a decision did: the new state, and for an approval in a standard flow the token to
/// hand to the partner's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The transaction in its new state, to store.
    pub transaction: Transaction,
    /// The single-use token (standard flow, approved).
    pub token: Option<ApprovalToken>,
}

/// The answer `VerifyToken` and `GetResult` give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Whether the customer approved (`isValid`).
    pub is_valid: bool,
    /// Who approved (`UserValided`), empty otherwise.
    pub user_valided: String,
    /// The private token, to the owner, once, after an approval (`privateToken`).
    pub private_token: Option<String>,
    /// A word on the outcome for people (`Message`).
    pub message: &'static str,
}

/// What `read_result` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// The customer has not answered yet.
    NotFinished,
    /// The transaction is finished; store `transaction` (the private token may have been
    /// handed over) and answer with `outcome`.
    Finished {
        /// The transaction to store.
        transaction: Box<Transaction>,
        /// The answer.
        outcome: Outcome,
    },
}

impl Transaction {
    /// Starts a transaction at `now`; returns its id and its first state.
    ///
    /// # Errors
    /// [`Error::Field`] naming the first field out of bounds.
    pub fn start(
        new: NewTransaction,
        now: UnixTime,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(TransactionId, Transaction), Error> {
        let user_mail = new.check()?;
        let message = new.message.trim();
        let transaction = Transaction {
            owner: new.owner,
            user_mail,
            request_type: new.request_type,
            message: message.to_owned(),
            private_token: new.private_token.filter(|token| !token.is_empty()),
            flow: new.flow,
            requester: new.requester,
            created_at: now,
            expires_at: now.plus(new.lifetime_secs),
            number: draw_number(rng),
            state: State::Pending,
        };
        Ok((TransactionId::generate(rng), transaction))
    }

    /// The partner client that owns the transaction.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The customer who must approve, in lowercase.
    pub fn user_mail(&self) -> &str {
        &self.user_mail
    }

    /// What is asked.
    pub fn request_type(&self) -> RequestType {
        self.request_type
    }

    /// The text shown to the customer.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How the answer travels.
    pub fn flow(&self) -> Flow {
        self.flow
    }

    /// Where the request came from.
    pub fn requester(&self) -> &Requester {
        &self.requester
    }

    /// When the transaction started.
    pub fn created_at(&self) -> UnixTime {
        self.created_at
    }

    /// When it expires.
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }

    /// The number the partner's page shows, for the customer to match on the phone.
    pub fn number(&self) -> u8 {
        self.number
    }

    /// The state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Whether the transaction is live at `now` (it expires *at* `expires_at`).
    pub fn is_live(&self, now: UnixTime) -> bool {
        now < self.expires_at
    }

    /// Whether the customer answered or the time is up (`IsFinish`).
    pub fn is_finished(&self, now: UnixTime) -> bool {
        self.state != State::Pending || !self.is_live(now)
    }

    /// The numbers the phone offers: the right one and two others, in random order.
    pub fn choices(&self, rng: &mut impl CryptoRngCore) -> [u8; CHOICES] {
        let mut choices = [self.number; CHOICES];
        let mut filled = 1;
        while filled < CHOICES {
            let candidate = draw_number(rng);
            if !choices[..filled].contains(&candidate) {
                choices[filled] = candidate;
                filled += 1;
            }
        }
        // Fisher–Yates with unbiased draws.
        for index in (1..CHOICES).rev() {
            let other = below(rng, index + 1);
            choices.swap(index, other);
        }
        choices
    }

    /// The customer's answer at `now`.
    ///
    /// # Errors
    /// [`Error::Expired`], [`Error::AlreadyDecided`], [`Error::WrongApprover`], or
    /// [`Error::NumberRequired`] for a phone approval without a number; none changes the state.
    pub fn decide(
        self,
        decision: &Decision,
        now: UnixTime,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Decided, Error> {
        if !self.is_live(now) {
            return Err(Error::Expired);
        }
        if self.state != State::Pending {
            return Err(Error::AlreadyDecided);
        }
        if !decision
            .approver
            .trim()
            .eq_ignore_ascii_case(&self.user_mail)
        {
            return Err(Error::WrongApprover);
        }
        let number = match decision.answer {
            Answer::Deny => return Ok(self.deny(Denial::Customer, now)),
            Answer::Approve { number } => number,
        };
        match (decision.method, number) {
            (Method::Phone, None) => return Err(Error::NumberRequired),
            (Method::Phone, Some(number)) if number != self.number => {
                return Ok(self.deny(Denial::WrongNumber, now));
            }
            _ => {}
        }
        let token = (self.flow == Flow::Standard).then(|| ApprovalToken(uuid_shaped(rng)));
        let transaction = Transaction {
            state: State::Approved {
                approver: self.user_mail.clone(),
                method: decision.method,
                at: now,
                token: token.as_ref().map(|token| token_hash(&token.0)),
                redeemed: false,
                handed_over: false,
            },
            ..self
        };
        Ok(Decided { transaction, token })
    }

    /// A partner's page validates the transaction (`GetHTML`): its answer then travels as a
    /// single-use token through the page, so a pending distributed transaction becomes a
    /// standard one (the private token reaches the owner through `VerifyToken`). The product
    /// asks for a `privateToken` in every `getTransactionID`, so the flow is known only once
    /// the partner picks a page. Any other transaction is returned unchanged.
    #[must_use]
    pub fn for_page(self) -> Transaction {
        if self.state == State::Pending && self.flow == Flow::Distributed {
            Transaction {
                flow: Flow::Standard,
                ..self
            }
        } else {
            self
        }
    }

    /// Cancels a pending transaction because another request of the same customer was
    /// denied. A finished one is returned unchanged.
    #[must_use]
    pub fn cancel(self, now: UnixTime) -> Transaction {
        if self.state == State::Pending && self.is_live(now) {
            self.deny(Denial::Cancelled, now).transaction
        } else {
            self
        }
    }

    fn deny(self, reason: Denial, at: UnixTime) -> Decided {
        Decided {
            transaction: Transaction {
                state: State::Denied { at, reason },
                ..self
            },
            token: None,
        }
    }

    /// `VerifyToken`: redeems the single-use token of a standard flow for the owner.
    ///
    /// # Errors
    /// [`Error::NotYourTransaction`], [`Error::Expired`], or [`Error::InvalidToken`] for a
    /// token that is not this approval's or was redeemed; none changes the state.
    pub fn verify_token(
        self,
        owner: &str,
        token: &str,
        now: UnixTime,
    ) -> Result<(Transaction, Outcome), Error> {
        if owner != self.owner {
            return Err(Error::NotYourTransaction);
        }
        if !self.is_live(now) {
            return Err(Error::Expired);
        }
        let State::Approved {
            token: Some(expected),
            redeemed: false,
            ..
        } = &self.state
        else {
            return Err(Error::InvalidToken);
        };
        if !bool::from(expected.ct_eq(&token_hash(token.trim()))) {
            return Err(Error::InvalidToken);
        }
        Ok(self.hand_over(true))
    }

    /// The outcome of an approved transaction, which hands the private token over (the first
    /// time) and, with `redeem`, redeems the token: the transaction to store and the answer.
    /// Any other state is answered as not approved and left as it is.
    fn hand_over(mut self, redeem: bool) -> (Transaction, Outcome) {
        let mut outcome = Outcome {
            is_valid: false,
            user_valided: String::new(),
            private_token: None,
            message: "not approved",
        };
        if let State::Approved {
            approver,
            redeemed,
            handed_over,
            ..
        } = &mut self.state
        {
            outcome = Outcome {
                is_valid: true,
                user_valided: approver.clone(),
                private_token: self.private_token.clone().filter(|_| !*handed_over),
                message: "approved",
            };
            *handed_over = true;
            *redeemed |= redeem;
        }
        (self, outcome)
    }

    /// `GetResult` (and a server-only request's answer): the outcome for the owner, the
    /// private token handed over the first time only.
    ///
    /// # Errors
    /// [`Error::NotYourTransaction`] for another partner's client.
    pub fn read_result(self, owner: &str, now: UnixTime) -> Result<Reading, Error> {
        if owner != self.owner {
            return Err(Error::NotYourTransaction);
        }
        if !self.is_live(now) {
            let outcome = Outcome {
                is_valid: false,
                user_valided: String::new(),
                private_token: None,
                message: "expired",
            };
            return Ok(Reading::Finished {
                transaction: Box::new(self),
                outcome,
            });
        }
        match self.state {
            State::Pending => Ok(Reading::NotFinished),
            State::Denied { reason, .. } => {
                let message = match reason {
                    Denial::Customer => "denied",
                    Denial::WrongNumber => "denied: the number did not match",
                    Denial::Cancelled => "cancelled",
                };
                let outcome = Outcome {
                    is_valid: false,
                    user_valided: String::new(),
                    private_token: None,
                    message,
                };
                Ok(Reading::Finished {
                    transaction: Box::new(self),
                    outcome,
                })
            }
            State::Approved { .. } => {
                let (transaction, outcome) = self.hand_over(false);
                Ok(Reading::Finished {
                    transaction: Box::new(transaction),
                    outcome,
                })
            }
        }
    }
}

/// A customer email address, trimmed and in lowercase: one `@` with text on both sides, no
/// spaces or control characters, at most [`MAX_EMAIL_LEN`] bytes.
///
/// # Errors
/// [`Error::Field`] naming `UserMail`.
pub fn normalize_email(text: &str) -> Result<String, Error> {
    let text = text.trim();
    let shaped = text.len() <= MAX_EMAIL_LEN
        && text.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        })
        && !text.chars().any(|c| c.is_whitespace() || c.is_control());
    if shaped {
        Ok(text.to_lowercase())
    } else {
        Err(Error::Field {
            name: "UserMail",
            rule: "an email address",
        })
    }
}

/// A number from 10 to 99, uniformly.
fn draw_number(rng: &mut impl CryptoRngCore) -> u8 {
    let offset = below(rng, 90);
    10 + u8::try_from(offset).unwrap_or(0)
}

/// A uniform draw from `0..bound` (`bound` at most 256), by rejection.
fn below(rng: &mut impl CryptoRngCore, bound: usize) -> usize {
    let limit = 256 - 256 % bound;
    loop {
        let mut byte = [0u8; 1];
        rng.fill_bytes(&mut byte);
        let value = usize::from(byte[0]);
        if value < limit {
            return value % bound;
        }
    }
}

fn token_digest(text: &str) -> sha2::digest::Output<Sha256> {
    Sha256::new()
        .chain_update(TOKEN_DOMAIN)
        .chain_update(text.to_ascii_lowercase().as_bytes())
        .finalize()
}

fn token_hash(text: &str) -> [u8; 32] {
    token_digest(text).into()
}
