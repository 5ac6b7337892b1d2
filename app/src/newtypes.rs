//! The plumbing shared by every validated string newtype (slugs, category keys, subject ids,
//! idempotency keys): each writes its own `FromStr`, the only way to build one, and this macro
//! adds `as_str`, `Display`, and the `String` conversions serde uses (so deserialising validates
//! too: `#[serde(try_from = "String", into = "String")]`).

macro_rules! string_newtype {
    ($type:ident) => {
        impl $type {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $type {
            type Error = <$type as std::str::FromStr>::Err;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                value.parse()
            }
        }

        impl From<$type> for String {
            fn from(value: $type) -> Self {
                value.0
            }
        }

        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub(crate) use string_newtype;
