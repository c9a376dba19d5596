//! What the approval state machine refuses, each with a stable code for the API.

/// A refusal. Each variant has its own [`code`](Error::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An enumeration parameter with a value the product does not define.
    #[error("{what} {found:?} is not one of the product's values")]
    UnknownValue {
        /// The parameter.
        what: &'static str,
        /// What was sent (at most 64 characters).
        found: String,
    },
    /// A field out of bounds.
    #[error("{name} must be {rule}")]
    Field {
        /// The parameter, as the API names it.
        name: &'static str,
        /// What it must be.
        rule: &'static str,
    },
    /// Not an API key (`SRV-` or `JS-` and five groups of hex).
    #[error("not an API key: SRV- or JS- followed by 8-4-4-4-12 hex digits")]
    MalformedKey,
    /// Not a transaction id (8-4-4-4-12 hex digits).
    #[error("not a transaction id: 8-4-4-4-12 hex digits")]
    MalformedTransactionId,
    /// The transaction expired.
    #[error("the transaction expired")]
    Expired,
    /// The customer already answered.
    #[error("the transaction was already answered")]
    AlreadyDecided,
    /// The answer came from someone other than the transaction's customer.
    #[error("only the customer the request names may answer it")]
    WrongApprover,
    /// A phone approval without the number the customer picked.
    #[error("a phone approval must say which number the customer picked")]
    NumberRequired,
    /// The transaction belongs to another partner.
    #[error("the transaction belongs to another client")]
    NotYourTransaction,
    /// The token is not this approval's, or was redeemed already.
    #[error("the token is not valid (unknown, redeemed, or its request was not approved)")]
    InvalidToken,
}

impl Error {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::UnknownValue { .. } => "unknown_value",
            Error::Field { .. } => "invalid_field",
            Error::MalformedKey => "malformed_key",
            Error::MalformedTransactionId => "malformed_transaction_id",
            Error::Expired => "expired",
            Error::AlreadyDecided => "already_decided",
            Error::WrongApprover => "wrong_approver",
            Error::NumberRequired => "number_required",
            Error::NotYourTransaction => "not_your_transaction",
            Error::InvalidToken => "invalid_token",
        }
    }
}
