//! Consent: a visitor's choice per cookie category, the signed cookie that remembers it, and the
//! append-only, hash-chained log of every grant, refusal, change and withdrawal that proves it.

use crate::{inventory::CategoryKey, newtypes::string_newtype};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, str::FromStr};

/// The visitor's decision per optional category: `true` allowed, `false` refused.
pub type Choices = BTreeMap<CategoryKey, bool>;

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case", parse_err_ty = UnknownName, parse_err_fn = UnknownName::action)]
pub enum Action {
    Grant,
    Deny,
    Update,
    Withdraw,
    Expire,
    GpcOptOut,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case", parse_err_ty = UnknownName, parse_err_fn = UnknownName::method)]
pub enum Method {
    AcceptAll,
    RejectAll,
    Custom,
    SettingsPage,
    Gpc,
    Api,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{name}`")]
pub struct UnknownName {
    pub what: &'static str,
    pub name: String,
}

impl UnknownName {
    fn action(name: &str) -> Self {
        UnknownName {
            what: "action",
            name: name.to_owned(),
        }
    }

    fn method(name: &str) -> Self {
        UnknownName {
            what: "method",
            name: name.to_owned(),
        }
    }
}

/// A consent subject: the random 128-bit id in a visitor's consent cookie, as 32 hex digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SubjectId(String);

string_newtype!(SubjectId);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a subject id is 32 lowercase hexadecimal digits")]
pub struct BadSubjectId;

impl FromStr for SubjectId {
    type Err = BadSubjectId;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        let valid = id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        valid.then(|| SubjectId(id.to_owned())).ok_or(BadSubjectId)
    }
}

/// A client's key for one intended event: a retry with the same key records nothing new.
/// 8 to 64 ASCII letters, digits, `-` or `_` (a UUID fits).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

string_newtype!(IdempotencyKey);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an idempotency key is 8 to 64 letters, digits, `-` or `_`")]
pub struct BadIdempotencyKey;

impl FromStr for IdempotencyKey {
    type Err = BadIdempotencyKey;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        let valid = (8..=64).contains(&key.len())
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        valid
            .then(|| IdempotencyKey(key.to_owned()))
            .ok_or(BadIdempotencyKey)
    }
}

/// How long a choice holds before the visitor is asked again: 1 to 13 months, 6 by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32")]
pub struct ConsentLifetime {
    months: u32,
}

impl ConsentLifetime {
    pub fn days(self) -> i64 {
        i64::from(self.months) * 365 / 12
    }
}

impl Default for ConsentLifetime {
    fn default() -> Self {
        ConsentLifetime { months: 6 }
    }
}

impl TryFrom<u32> for ConsentLifetime {
    type Error = String;

    fn try_from(months: u32) -> Result<Self, Self::Error> {
        if (1..=13).contains(&months) {
            Ok(ConsentLifetime { months })
        } else {
            Err(format!(
                "{months} is out of range; a choice may hold 1 to 13 months"
            ))
        }
    }
}

pub mod banner;
pub mod pages;
pub mod records;
#[cfg(feature = "ssr")]
pub mod ssr;

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn actions_and_methods_round_trip() {
        for &action in Action::VARIANTS {
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
        }
        for &method in Method::VARIANTS {
            assert_eq!(method.as_str().parse::<Method>(), Ok(method));
        }
        assert!("maybe".parse::<Action>().is_err());
        assert_eq!(
            crate::stored_names::stored_names::<Action>(),
            [
                "grant",
                "deny",
                "update",
                "withdraw",
                "expire",
                "gpc_opt_out"
            ],
            "stored names never change"
        );
        crate::stored_names::assert_serde_uses_stored_names::<Action>();
        assert_eq!(
            crate::stored_names::stored_names::<Method>(),
            [
                "accept_all",
                "reject_all",
                "custom",
                "settings_page",
                "gpc",
                "api"
            ],
            "stored names never change"
        );
        crate::stored_names::assert_serde_uses_stored_names::<Method>();
    }
}
