//! guomen's domain core: the types, rules and state machines that every other crate shares.
//!
//! Architecture invariant: this crate does no I/O. It knows nothing of HTTP, SQL, MQTT, files
//! or clocks; callers pass the current time in.

/// `FromStr` for an enum with `ALL` and `as_str`, whose error lists the accepted names.
/// Defined before the modules so that each can use it.
macro_rules! from_str_via_all {
    ($t:ty, $err:ident, $what:literal) => {
        /// An unknown name, listing the accepted ones.
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error("unknown {} `{}`; expected one of {}", $what, .value, .expected)]
        pub struct $err {
            pub value: String,
            pub expected: String,
        }

        impl FromStr for $t {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$t>::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| $err {
                        value: s.to_string(),
                        expected: <$t>::ALL
                            .iter()
                            .map(|v| v.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            }
        }
    };
}

pub mod incident;
pub mod role;
pub mod scope;
pub mod text;
pub mod unit;
pub mod watchlist;

pub use role::{Grade, Role};
pub use scope::{Scope, ScopeKind, Scopes};
pub use text::Text;
