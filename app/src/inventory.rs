//! The cookie inventory: the categories a visitor is asked about (`necessary` is always on) and
//! the services and cookies in each, with their texts in every locale. The banner asks from it
//! and the Cookie Policy's table is generated from it, so the two cannot drift apart.
//!
//! Its **configuration version** is the SHA-256 of its canonical JSON: any change to what a
//! visitor is asked about gives a new version, and a new version asks everyone again.

use crate::{i18n::Locale, newtypes::string_newtype};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, str::FromStr};
use strum::VariantArray;

pub mod editor;

/// The category that is always on and needs no consent.
pub const NECESSARY: &str = "necessary";

/// A category's key: 1 to 32 lowercase ASCII letters, digits, `-` or `_`, starting with a letter
/// (`analytics`, `social-media`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryKey(String);

string_newtype!(CategoryKey);

impl CategoryKey {
    pub fn is_necessary(&self) -> bool {
        self.0 == NECESSARY
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a category key: use 1 to 32 lowercase letters, digits, `-` or `_`, starting \
     with a letter"
)]
pub struct BadCategoryKey(pub String);

impl FromStr for CategoryKey {
    type Err = BadCategoryKey;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        let valid = (1..=32).contains(&key.len())
            && key.starts_with(|c: char| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if valid {
            Ok(CategoryKey(key.to_owned()))
        } else {
            Err(BadCategoryKey(key.to_owned()))
        }
    }
}

/// A text in every supported locale.
pub type Texts = BTreeMap<Locale, String>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    /// Set by this site.
    First,
    /// Set by another organisation's service.
    Third,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub name: String,
    pub provider: String,
    pub party: Party,
    /// The names of the cookies it sets, expired when its category is refused or withdrawn.
    #[serde(default)]
    pub cookies: Vec<String>,
    pub purpose: Texts,
    pub duration: Texts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub key: CategoryKey,
    pub title: Texts,
    pub description: Texts,
    /// Refused on a Global Privacy Control signal: the category sells or shares personal data.
    #[serde(default)]
    pub sale_or_sharing: bool,
    /// The Google Consent Mode signals granted while this category is allowed. Left out of the
    /// canonical JSON when empty, so inventories written before it keep their version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consent_mode: Vec<ConsentModeSignal>,
    #[serde(default)]
    pub services: Vec<Service>,
}

/// A Google Consent Mode v2 signal, as `gtag('consent', …)` names it.
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
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ConsentModeSignal {
    AdStorage,
    AdUserData,
    AdPersonalization,
    AnalyticsStorage,
    FunctionalityStorage,
    PersonalizationStorage,
    SecurityStorage,
}

/// A validated inventory: `necessary` first, unique keys, every text in every locale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawInventory")]
pub struct Inventory {
    categories: Vec<Category>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInventory {
    categories: Vec<Category>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    #[error("the first category must be `necessary` (always on); found `{0}`")]
    NecessaryFirst(String),
    #[error("there is no `necessary` category")]
    NoCategories,
    #[error("category `{0}` appears twice")]
    DuplicateCategory(String),
    #[error("{place}: the {field} in `{locale}` is missing or empty")]
    MissingText {
        place: String,
        field: &'static str,
        locale: Locale,
    },
    #[error("category `{category}`, service {index}: the {field} is empty")]
    EmptyField {
        category: String,
        index: usize,
        field: &'static str,
    },
    #[error("category `{category}`, service `{service}`: `{cookie}` is not a cookie name")]
    BadCookieName {
        category: String,
        service: String,
        cookie: String,
    },
    #[error("`necessary` cannot be marked as sale or sharing: it is always on")]
    NecessarySold,
}

impl TryFrom<RawInventory> for Inventory {
    type Error = InventoryError;

    fn try_from(raw: RawInventory) -> Result<Self, Self::Error> {
        Inventory::new(raw.categories)
    }
}

impl Inventory {
    pub fn new(categories: Vec<Category>) -> Result<Self, InventoryError> {
        let first = categories.first().ok_or(InventoryError::NoCategories)?;
        if !first.key.is_necessary() {
            return Err(InventoryError::NecessaryFirst(first.key.to_string()));
        }
        if first.sale_or_sharing {
            return Err(InventoryError::NecessarySold);
        }
        let mut seen = std::collections::BTreeSet::new();
        for category in &categories {
            if !seen.insert(&category.key) {
                return Err(InventoryError::DuplicateCategory(category.key.to_string()));
            }
            let place = format!("category `{}`", category.key);
            require_texts(&place, "title", &category.title)?;
            require_texts(&place, "description", &category.description)?;
            for (index, service) in category.services.iter().enumerate() {
                let empty = |field| InventoryError::EmptyField {
                    category: category.key.to_string(),
                    index: index + 1,
                    field,
                };
                if service.name.trim().is_empty() {
                    return Err(empty("name"));
                }
                if service.provider.trim().is_empty() {
                    return Err(empty("provider"));
                }
                let place = format!("category `{}`, service `{}`", category.key, service.name);
                require_texts(&place, "purpose", &service.purpose)?;
                require_texts(&place, "duration", &service.duration)?;
                if let Some(cookie) = service.cookies.iter().find(|c| !is_cookie_name(c)) {
                    return Err(InventoryError::BadCookieName {
                        category: category.key.to_string(),
                        service: service.name.clone(),
                        cookie: cookie.clone(),
                    });
                }
            }
        }
        Ok(Inventory { categories })
    }

    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// The categories a visitor decides on: all but `necessary`.
    pub fn optional(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter().filter(|c| !c.key.is_necessary())
    }

    pub fn category(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key.as_str() == key)
    }
}

/// One difference between the inventory in force and an edited one, as the editor lists it
/// before the edit is put in force. Fields are named by their keys in the inventory file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InventoryChange {
    CategoryAdded {
        category: String,
    },
    CategoryRemoved {
        category: String,
    },
    CategoryChanged {
        category: String,
        fields: Vec<String>,
    },
    ServiceAdded {
        category: String,
        service: String,
    },
    ServiceRemoved {
        category: String,
        service: String,
    },
    ServiceChanged {
        category: String,
        service: String,
        fields: Vec<String>,
    },
    /// The same categories and services, in another order (the banner lists them in order).
    Reordered,
}

/// What changed from `before` to `after`; empty when they are the same.
pub fn changes(before: &Inventory, after: &Inventory) -> Vec<InventoryChange> {
    let mut found = Vec::new();
    for old in before.categories() {
        if after.category(old.key.as_str()).is_none() {
            found.push(InventoryChange::CategoryRemoved {
                category: old.key.to_string(),
            });
        }
    }
    for new in after.categories() {
        let category = new.key.to_string();
        let Some(old) = before.category(new.key.as_str()) else {
            found.push(InventoryChange::CategoryAdded { category });
            continue;
        };
        let fields: Vec<String> = [
            ("title", old.title != new.title),
            ("description", old.description != new.description),
            (
                "sale_or_sharing",
                old.sale_or_sharing != new.sale_or_sharing,
            ),
            ("consent_mode", old.consent_mode != new.consent_mode),
        ]
        .into_iter()
        .filter(|(_, changed)| *changed)
        .map(|(field, _)| field.to_owned())
        .collect();
        if !fields.is_empty() {
            found.push(InventoryChange::CategoryChanged {
                category: category.clone(),
                fields,
            });
        }
        let find =
            |services: &[Service], name: &str| services.iter().find(|s| s.name == name).cloned();
        for service in &old.services {
            if find(&new.services, &service.name).is_none() {
                found.push(InventoryChange::ServiceRemoved {
                    category: category.clone(),
                    service: service.name.clone(),
                });
            }
        }
        for service in &new.services {
            let Some(was) = find(&old.services, &service.name) else {
                found.push(InventoryChange::ServiceAdded {
                    category: category.clone(),
                    service: service.name.clone(),
                });
                continue;
            };
            let fields: Vec<String> = [
                ("provider", was.provider != service.provider),
                ("party", was.party != service.party),
                ("cookies", was.cookies != service.cookies),
                ("purpose", was.purpose != service.purpose),
                ("duration", was.duration != service.duration),
            ]
            .into_iter()
            .filter(|(_, changed)| *changed)
            .map(|(field, _)| field.to_owned())
            .collect();
            if !fields.is_empty() {
                found.push(InventoryChange::ServiceChanged {
                    category: category.clone(),
                    service: service.name.clone(),
                    fields,
                });
            }
        }
    }
    if found.is_empty() && before != after {
        found.push(InventoryChange::Reordered);
    }
    found
}

fn require_texts(place: &str, field: &'static str, texts: &Texts) -> Result<(), InventoryError> {
    for &locale in Locale::VARIANTS {
        if texts.get(&locale).is_none_or(|text| text.trim().is_empty()) {
            return Err(InventoryError::MissingText {
                place: place.to_owned(),
                field,
                locale,
            });
        }
    }
    Ok(())
}

/// RFC 6265 cookie-name characters (a token), so a name can be expired in a header.
fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{Inventory, InventoryError};
    use crate::{
        audit::{
            AuditAction,
            ssr::{Actor, record},
        },
        clock::Timestamp,
        db::{Db, decode_error},
    };
    use sha2::{Digest, Sha256};
    use sqlx::Row;
    use std::sync::{Arc, RwLock};

    /// The inventory loaded on first start: the default categories and Charter's own cookies.
    pub const DEFAULT_INVENTORY: &str = include_str!("inventory.default.toml");

    #[derive(Debug, thiserror::Error)]
    pub enum ImportError {
        #[error("the inventory file is not valid: {0}")]
        Syntax(String),
        #[error("the inventory is not valid: {0}")]
        Invalid(#[from] InventoryError),
        #[error(transparent)]
        Database(#[from] sqlx::Error),
    }

    /// Reads an inventory file, naming the line and the problem when it is wrong.
    pub fn parse(toml_text: &str) -> Result<Inventory, ImportError> {
        toml::from_str(toml_text).map_err(|error| ImportError::Syntax(error.to_string()))
    }

    /// The inventory as a file [`parse`] reads back, for the editor to start from.
    pub fn to_toml(inventory: &Inventory) -> Result<String, toml::ser::Error> {
        toml::to_string_pretty(inventory)
    }

    /// The canonical JSON of an inventory and its configuration version (the JSON's SHA-256).
    pub fn canonical(inventory: &Inventory) -> (String, String) {
        // Field order is fixed by the types and texts are in BTreeMaps, so equal inventories
        // serialise to equal bytes.
        let json = serde_json::to_string(inventory).unwrap_or_default();
        let version = hex::encode(Sha256::digest(json.as_bytes()));
        (json, version)
    }

    /// The configuration in force: its version and its inventory.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct ActiveConfiguration {
        pub version: String,
        pub inventory: Inventory,
    }

    /// What an import did.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Imported {
        pub version: String,
        /// Whether the version differs from the one in force before, so everyone is asked again.
        pub changed: bool,
    }

    /// Makes `inventory` the configuration in force, keeping every earlier version, and records
    /// who did it.
    pub async fn activate(
        db: &Db,
        inventory: &Inventory,
        actor: &Actor,
    ) -> Result<Imported, sqlx::Error> {
        let mut tx = db.begin_write().await?;
        let imported = activate_in(&mut tx, inventory, actor).await?;
        tx.commit().await?;
        db.content_changed();
        Ok(imported)
    }

    /// The version in force, read in `tx`.
    pub async fn active_version_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT version FROM consent_configuration_activations ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&mut **tx)
        .await
    }

    /// [`activate`] inside the caller's transaction.
    pub async fn activate_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        inventory: &Inventory,
        actor: &Actor,
    ) -> Result<Imported, sqlx::Error> {
        let (json, version) = canonical(inventory);
        let now = Timestamp::now().as_millis();
        let current = active_version_in(tx).await?;
        if current.as_deref() == Some(version.as_str()) {
            return Ok(Imported {
                version,
                changed: false,
            });
        }
        sqlx::query(
            "INSERT INTO consent_configurations (version, inventory, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (version) DO NOTHING",
        )
        .bind(&version)
        .bind(&json)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        let activation: i64 = sqlx::query_scalar(
            "INSERT INTO consent_configuration_activations (version, activated_at) VALUES ($1, $2)
             RETURNING id",
        )
        .bind(&version)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        let leaf = crate::evidence::ssr::leaf::inventory_activation(
            &crate::evidence::ssr::leaf::InventoryActivationFields {
                id: activation,
                version: &version,
                activated_at: now,
            },
        );
        crate::evidence::ssr::tree::append(tx, &[leaf]).await?;
        let detail = format!("{} → {version}", current.as_deref().unwrap_or("none"));
        record(
            tx,
            actor,
            AuditAction::InventoryChanged,
            "cookie inventory",
            &detail,
        )
        .await?;
        Ok(Imported {
            version,
            changed: true,
        })
    }

    /// Activates the default inventory when none has ever been activated.
    pub async fn activate_default_if_none(db: &Db) -> Result<(), ImportError> {
        let any: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM consent_configuration_activations LIMIT 1")
                .fetch_optional(db.reader())
                .await?;
        if any.is_none() {
            let first_start = Actor::local("charter", "first start: the default inventory");
            activate(db, &parse(DEFAULT_INVENTORY)?, &first_start).await?;
        }
        Ok(())
    }

    /// The last configuration the consent API saw in force, kept in memory so a submission
    /// about it is checked without a database read. It may be stale (another process imported
    /// a new inventory): the consent log checks the version in force again in the transaction
    /// that records the event, and a refused submission makes the cache forget.
    #[derive(Clone, Debug, Default)]
    pub struct ActiveCache(Arc<RwLock<Option<Arc<ActiveConfiguration>>>>);

    impl ActiveCache {
        /// The configuration in force, from memory when it is the one the client named.
        pub async fn get(
            &self,
            db: &Db,
            named: &str,
        ) -> Result<Option<Arc<ActiveConfiguration>>, sqlx::Error> {
            let cached = self
                .0
                .read()
                .map(|cached| cached.clone())
                .unwrap_or_default();
            if let Some(configuration) = cached.filter(|c| c.version == named) {
                return Ok(Some(configuration));
            }
            let fresh = active(db).await?.map(Arc::new);
            if let Ok(mut cached) = self.0.write() {
                cached.clone_from(&fresh);
            }
            Ok(fresh)
        }

        pub fn forget(&self) {
            if let Ok(mut cached) = self.0.write() {
                *cached = None;
            }
        }
    }

    /// The configuration that was in force at `at`: the last activated by then, or the first
    /// ever activated for a time before any (a revision published before the inventory was).
    pub async fn in_force_at(
        db: &Db,
        at: Timestamp,
    ) -> Result<Option<ActiveConfiguration>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT c.version, c.inventory FROM consent_configuration_activations a
             JOIN consent_configurations c ON c.version = a.version
             ORDER BY CASE WHEN a.activated_at <= $1 THEN 0 ELSE 1 END,
                      CASE WHEN a.activated_at <= $1 THEN -a.id ELSE a.id END
             LIMIT 1",
        )
        .bind(at.as_millis())
        .fetch_optional(db.reader())
        .await?;
        row.map(|row| configuration_from_row(&row)).transpose()
    }

    fn configuration_from_row(row: &sqlx::any::AnyRow) -> Result<ActiveConfiguration, sqlx::Error> {
        let json: String = row.try_get("inventory")?;
        Ok(ActiveConfiguration {
            version: row.try_get("version")?,
            inventory: serde_json::from_str(&json).map_err(|e| decode_error("inventory", e))?,
        })
    }

    pub async fn active(db: &Db) -> Result<Option<ActiveConfiguration>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT c.version, c.inventory FROM consent_configuration_activations a
             JOIN consent_configurations c ON c.version = a.version
             ORDER BY a.id DESC LIMIT 1",
        )
        .fetch_optional(db.reader())
        .await?;
        row.map(|row| configuration_from_row(&row)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Texts {
        Locale::VARIANTS
            .iter()
            .copied()
            .map(|l| (l, text.to_owned()))
            .collect()
    }

    fn category(key: &str) -> Category {
        Category {
            key: key.parse().unwrap(),
            title: texts("Title"),
            description: texts("Description"),
            sale_or_sharing: false,
            consent_mode: vec![],
            services: vec![],
        }
    }

    #[test]
    fn category_keys_parse() {
        for good in ["necessary", "analytics", "social-media", "a1_b"] {
            assert!(good.parse::<CategoryKey>().is_ok(), "{good}");
        }
        for bad in ["", "Analytics", "1st", "a b", "ä", &"a".repeat(33)] {
            assert!(bad.parse::<CategoryKey>().is_err(), "{bad}");
        }
    }

    #[test]
    fn necessary_comes_first_and_keys_are_unique() {
        assert!(Inventory::new(vec![category("necessary"), category("analytics")]).is_ok());
        assert_eq!(
            Inventory::new(vec![category("analytics"), category("necessary")]),
            Err(InventoryError::NecessaryFirst("analytics".into()))
        );
        assert_eq!(Inventory::new(vec![]), Err(InventoryError::NoCategories));
        assert_eq!(
            Inventory::new(vec![
                category("necessary"),
                category("analytics"),
                category("analytics")
            ]),
            Err(InventoryError::DuplicateCategory("analytics".into()))
        );
    }

    #[test]
    fn every_text_is_required_in_every_locale() {
        let mut analytics = category("analytics");
        analytics.title.remove(&Locale::De);
        assert_eq!(
            Inventory::new(vec![category("necessary"), analytics]),
            Err(InventoryError::MissingText {
                place: "category `analytics`".into(),
                field: "title",
                locale: Locale::De,
            })
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_default_inventory_is_valid_and_its_version_is_stable() {
        let inventory = ssr::parse(ssr::DEFAULT_INVENTORY).expect("valid");
        let keys: Vec<_> = inventory
            .categories()
            .iter()
            .map(|c| c.key.as_str())
            .collect();
        assert_eq!(keys, ["necessary", "preferences", "analytics", "marketing"]);
        let (_, version) = ssr::canonical(&inventory);
        let again = ssr::parse(ssr::DEFAULT_INVENTORY).expect("valid");
        assert_eq!(ssr::canonical(&again).1, version);
        let edited =
            ssr::parse(&ssr::DEFAULT_INVENTORY.replace("1 year", "2 years")).expect("valid");
        assert_ne!(ssr::canonical(&edited).1, version);
    }

    #[test]
    fn changes_name_what_differs() {
        let stats = Service {
            name: "Stats".into(),
            provider: "Us".into(),
            party: Party::First,
            cookies: vec!["_stats".into()],
            purpose: texts("Counts visits"),
            duration: texts("1 year"),
        };
        let mut analytics = category("analytics");
        analytics.services.push(stats.clone());
        let before = Inventory::new(vec![category("necessary"), analytics.clone()]).unwrap();
        assert_eq!(changes(&before, &before), []);

        let mut edited = analytics.clone();
        edited.sale_or_sharing = true;
        edited.services[0].duration = texts("2 years");
        edited.services.push(Service {
            name: "Heatmaps".into(),
            ..stats.clone()
        });
        let after =
            Inventory::new(vec![category("necessary"), edited, category("marketing")]).unwrap();
        assert_eq!(
            changes(&before, &after),
            [
                InventoryChange::CategoryChanged {
                    category: "analytics".into(),
                    fields: vec!["sale_or_sharing".into()],
                },
                InventoryChange::ServiceChanged {
                    category: "analytics".into(),
                    service: "Stats".into(),
                    fields: vec!["duration".into()],
                },
                InventoryChange::ServiceAdded {
                    category: "analytics".into(),
                    service: "Heatmaps".into(),
                },
                InventoryChange::CategoryAdded {
                    category: "marketing".into(),
                },
            ]
        );
        assert_eq!(
            changes(&after, &before),
            [
                InventoryChange::CategoryRemoved {
                    category: "marketing".into(),
                },
                InventoryChange::CategoryChanged {
                    category: "analytics".into(),
                    fields: vec!["sale_or_sharing".into()],
                },
                InventoryChange::ServiceRemoved {
                    category: "analytics".into(),
                    service: "Heatmaps".into(),
                },
                InventoryChange::ServiceChanged {
                    category: "analytics".into(),
                    service: "Stats".into(),
                    fields: vec!["duration".into()],
                },
            ]
        );
        let swapped = Inventory::new(vec![
            category("necessary"),
            category("marketing"),
            category("analytics"),
        ])
        .unwrap();
        let plain = Inventory::new(vec![
            category("necessary"),
            category("analytics"),
            category("marketing"),
        ])
        .unwrap();
        assert_eq!(changes(&plain, &swapped), [InventoryChange::Reordered]);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_inventory_reads_back_from_its_own_file() {
        let inventory = ssr::parse(ssr::DEFAULT_INVENTORY).expect("valid");
        let file = ssr::to_toml(&inventory).expect("serialises");
        assert_eq!(ssr::parse(&file).expect("reads back"), inventory);
    }

    #[test]
    fn cookie_names_must_be_tokens() {
        let mut analytics = category("analytics");
        analytics.services.push(Service {
            name: "Stats".into(),
            provider: "Us".into(),
            party: Party::First,
            cookies: vec!["bad name;".into()],
            purpose: texts("p"),
            duration: texts("d"),
        });
        assert!(matches!(
            Inventory::new(vec![category("necessary"), analytics]),
            Err(InventoryError::BadCookieName { .. })
        ));
    }
}
