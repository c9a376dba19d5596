//! The product's enumerations, with its numbers and names (misspellings included): what a
//! request asks of the customer ([`RequestType`]), which customer-side page validates it
//! ([`PageType`]), how the answer travels ([`Flow`]) and how the customer answered
//! ([`Method`]).

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// Defines an enumeration whose values the API accepts as their number or their name
/// (ASCII case-insensitively, as the product's clients send both), and writes as the number.
macro_rules! product_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $($(#[$vmeta:meta])* $variant:ident = $number:literal, $text:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(into = "u8", try_from = "u8")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in the product's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The product's number for the value.
            pub fn number(self) -> u8 {
                match self {
                    $($name::$variant => $number,)+
                }
            }

            /// The product's name for the value, spelled as the product spells it.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl From<$name> for u8 {
            fn from(value: $name) -> u8 {
                value.number()
            }
        }

        impl TryFrom<u8> for $name {
            type Error = Error;

            fn try_from(number: u8) -> Result<Self, Error> {
                match number {
                    $($number => Ok($name::$variant),)+
                    _ => Err(Error::UnknownValue {
                        what: $what,
                        found: number.to_string(),
                    }),
                }
            }
        }

        impl FromStr for $name {
            type Err = Error;

            /// Reads the number (`"2"`) or the name (`"RequestFileScanImage"`, in any case).
            fn from_str(text: &str) -> Result<Self, Error> {
                let text = text.trim();
                if let Ok(number) = text.parse::<u8>() {
                    return $name::try_from(number);
                }
                $name::ALL
                    .iter()
                    .copied()
                    .find(|value| value.name().eq_ignore_ascii_case(text))
                    .ok_or_else(|| Error::UnknownValue {
                        what: $what,
                        found: text.chars().take(64).collect(),
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

product_enum! {
    /// What the customer is asked to approve (`requestype`).
    RequestType, "requestype" {
        /// A sign-in to a web site.
        WebSession = 0, "RequestWebSession";
        /// Opening a session on a computer.
        ComputerSession = 1, "RequestComputerSession";
        /// A photo taken with the phone.
        FileScanImage = 2, "RequestFileScanImage";
        /// A document scanned with the phone.
        FileScanDocument = 3, "RequestFileScanDocument";
        /// A step of a workflow.
        WorkFlowValidation = 4, "RequestWorkFlowValidation";
        /// Access to an application (the product spells it `Applicaiton`).
        ApplicationAccess = 5, "RequestApplicaitonAccess";
        /// A document signature: a drawn signature and the device key's signature.
        SignDocument = 6, "RequestSignDocument";
    }
}

impl RequestType {
    /// Whether the approval carries a file (a photo or a scan) the customer uploads.
    pub fn takes_file(self) -> bool {
        matches!(
            self,
            RequestType::FileScanImage | RequestType::FileScanDocument
        )
    }

    /// Whether the approval carries a drawn signature.
    pub fn takes_signature(self) -> bool {
        self == RequestType::SignDocument
    }
}

product_enum! {
    /// Which customer-side page validates the request (`pageType`).
    PageType, "pageType" {
        /// The approver app on the customer's phone (and its photo, scan and signature
        /// functions).
        PhoneValidation = 0, "RTRPhoneValidation";
        /// A security key or Windows Hello, through WebAuthn.
        SecurityKeyValidation = 1, "SecurityKeyValidation";
        /// Registering a security key for the customer on the partner's domain.
        SecurityKeyRegistration = 2, "SecurityKeyRegistration";
        /// A client certificate of the customer's organisation.
        Certificate = 3, "Certificate";
    }
}

impl PageType {
    /// Whether the page can carry `request`: files and signatures come only from the phone.
    pub fn carries(self, request: RequestType) -> bool {
        self == PageType::PhoneValidation || !(request.takes_file() || request.takes_signature())
    }
}

/// How the answer travels, which decides who may read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// The partner's server starts, the partner's page has the customer validate and posts a
    /// single-use token back, the server checks it with `VerifyToken`.
    Standard,
    /// The partner's server starts and hands the transaction id to its client, which polls
    /// `IsFinish` and reads `GetResult` (with its `JS-` key); the private token reaches that
    /// client after an approval.
    Distributed,
    /// The partner's server asks (`SendRequest`) and waits for the answer; the phone only.
    ServerOnly,
}

/// How the customer answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The enrolled phone, signing the decision with its device key.
    Phone,
    /// A WebAuthn security key or platform authenticator.
    SecurityKey,
    /// A TLS client certificate.
    Certificate,
}

impl Method {
    /// The method a page type validates with.
    pub fn of(page: PageType) -> Method {
        match page {
            PageType::PhoneValidation => Method::Phone,
            PageType::SecurityKeyValidation | PageType::SecurityKeyRegistration => {
                Method::SecurityKey
            }
            PageType::Certificate => Method::Certificate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_read_both_ways() {
        for value in RequestType::ALL {
            assert_eq!(RequestType::try_from(value.number()), Ok(*value));
            assert_eq!(value.name().parse(), Ok(*value));
            assert_eq!(value.name().to_lowercase().parse(), Ok(*value));
            assert_eq!(value.number().to_string().parse(), Ok(*value));
        }
        for value in PageType::ALL {
            assert_eq!(value.to_string().to_uppercase().parse(), Ok(*value));
        }
        assert_eq!(
            "RequestApplicaitonAccess".parse(),
            Ok(RequestType::ApplicationAccess)
        );
        assert_eq!(" 6 ".parse(), Ok(RequestType::SignDocument));
        for bad in ["7", "-1", "RequestApplicationAccess", "", "256"] {
            assert!(
                matches!(
                    bad.parse::<RequestType>(),
                    Err(Error::UnknownValue {
                        what: "requestype",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
        assert!("4".parse::<PageType>().is_err());
    }

    #[test]
    fn serialized_as_the_product_number() {
        assert_eq!(
            serde_json::to_string(&RequestType::SignDocument).ok(),
            Some("6".into())
        );
        assert_eq!(
            serde_json::from_str::<PageType>("3").ok(),
            Some(PageType::Certificate)
        );
        assert!(serde_json::from_str::<PageType>("4").is_err());
    }

    #[test]
    fn files_and_signatures_come_from_the_phone() {
        for request in RequestType::ALL {
            assert!(PageType::PhoneValidation.carries(*request));
            let plain = !(request.takes_file() || request.takes_signature());
            assert_eq!(PageType::SecurityKeyValidation.carries(*request), plain);
            assert_eq!(PageType::Certificate.carries(*request), plain);
        }
    }
}
