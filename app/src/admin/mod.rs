//! The admin area: accounts and their roles, sign-in and sessions. What each admin does is
//! recorded in the audit log (`crate::audit`).

use crate::newtypes::string_newtype;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod users;

/// What an account may do. Each role includes the ones before it: a publisher also edits, an
/// admin also publishes.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case", parse_err_ty = UnknownRole, parse_err_fn = UnknownRole::of)]
pub enum Role {
    /// Writes drafts.
    Editor,
    /// Publishes revisions.
    Publisher,
    /// Manages accounts, settings and the cookie inventory.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}; use editor, publisher or admin")]
pub struct UnknownRole(String);

impl UnknownRole {
    fn of(text: &str) -> Self {
        UnknownRole(text.to_owned())
    }
}

/// An account's email address, lower-cased, so one address is one account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

string_newtype!(Email);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an email address")]
pub struct BadEmail(String);

impl FromStr for Email {
    type Err = BadEmail;

    /// The address must be one a mail server could accept (RFC 5321 lengths, a dotted domain,
    /// no spaces or quoting); whether it reaches anyone is proven by the invitation email.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let valid = text.len() <= 254
            && text.split_once('@').is_some_and(|(local, domain)| {
                let label_ok = |label: &str| {
                    !label.is_empty()
                        && label.len() <= 63
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
                };
                !local.is_empty()
                    && local.len() <= 64
                    && !local.starts_with('.')
                    && !local.ends_with('.')
                    && !local.contains("..")
                    && local
                        .chars()
                        .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
                    && domain.split('.').count() >= 2
                    && domain.split('.').all(label_ok)
            });
        valid
            .then(|| Email(text.to_lowercase()))
            .ok_or_else(|| BadEmail(text.to_owned()))
    }
}

/// An account as the users page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub user: AdminUser,
    pub created_at: crate::clock::Timestamp,
    /// When it was removed; a removed account can no longer sign in.
    pub removed_at: Option<crate::clock::Timestamp>,
}

/// An invitation not accepted yet, as the users page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub email: Email,
    pub role: Role,
    pub expires_at: crate::clock::Timestamp,
    /// The admin who made it; `None` when made at this machine.
    pub invited_by: Option<Email>,
}

/// A signed-in account, as the pages see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUser {
    pub id: i64,
    pub email: Email,
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn roles_include_the_ones_below() {
        assert!(Role::Admin.allows(Role::Publisher));
        assert!(Role::Publisher.allows(Role::Editor));
        assert!(!Role::Editor.allows(Role::Publisher));
        assert!(!Role::Publisher.allows(Role::Admin));
        for &role in Role::VARIANTS {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!(
            crate::stored_names::stored_names::<Role>(),
            ["editor", "publisher", "admin"],
            "stored names never change"
        );
        crate::stored_names::assert_serde_uses_stored_names::<Role>();
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            " Ada.Lovelace@Example.COM "
                .parse::<Email>()
                .unwrap()
                .as_str(),
            "ada.lovelace@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "ada lovelace@example.com",
            "ada@exa mple.com",
            "ada@-example.com",
            "ada..l@example.com",
            "<script>@example.com",
        ] {
            assert!(bad.parse::<Email>().is_err(), "{bad:?} was accepted");
        }
    }
}
