//! What a submission means: the choice per category, which action that is given the visitor's
//! previous choice, and where the visitor stands before choosing.

use super::ConsentCookie;
use crate::{
    clock::Timestamp,
    consent::{Action, Choices, ConsentLifetime, IdempotencyKey, Method},
    i18n::{Locale, ssr::text},
    inventory::{CategoryKey, Inventory, Party},
};
use std::collections::BTreeMap;

/// A visitor's choice as any entry point received it: a banner form, the settings page, the
/// JSON API or the hydrated banner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    pub method: Method,
    /// Required for `custom`, `settings_page` and `api`; must agree with `accept_all` and
    /// `reject_all` when given.
    pub choices: Option<BTreeMap<String, bool>>,
    /// The configuration the visitor was shown.
    pub configuration_version: String,
    pub locale: Locale,
    pub idempotency_key: IdempotencyKey,
    /// The request carried `Sec-GPC: 1`, or the embedded banner read the browser's Global
    /// Privacy Control: categories that sell or share data stay refused.
    pub gpc: bool,
    pub place: super::Place,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmissionError {
    #[error("there is no cookie category `{0}`")]
    UnknownCategory(String),
    #[error("`necessary` cookies are always on; they are not chosen")]
    NecessaryChosen,
    #[error("choose for every category: `{0}` is missing")]
    MissingCategory(String),
    #[error("`{method}` means every category is {expected}, but `{category}` is not")]
    Contradiction {
        method: &'static str,
        expected: &'static str,
        category: String,
    },
    #[error("choices are required with method `{0}`")]
    ChoicesRequired(&'static str),
    #[error("`{0}` is recorded by the server, not chosen by a visitor")]
    MethodNotAllowed(&'static str),
    #[error(
        "the cookie settings changed after this choice was offered; ask again with \
         configuration {current}"
    )]
    Outdated { current: String },
    #[error(
        "this idempotency key was already used for a different choice or by another browser; \
         nothing was recorded: send each new choice with a new key"
    )]
    KeyReused,
}

/// The full choice a submission makes about the configuration in force.
pub fn resolve(
    inventory: &Inventory,
    active_version: &str,
    submission: &Submission,
) -> Result<Choices, SubmissionError> {
    if submission.configuration_version != active_version {
        return Err(SubmissionError::Outdated {
            current: active_version.to_owned(),
        });
    }
    let given = match &submission.choices {
        Some(given) => Some(checked(inventory, given)?),
        None => None,
    };
    let all = |allowed: bool| -> Choices {
        inventory
            .optional()
            .map(|category| (category.key.clone(), allowed))
            .collect()
    };
    let uniform = |allowed: bool, expected: &'static str| match &given {
        Some(given) => match given.iter().find(|(_, chosen)| **chosen != allowed) {
            Some((category, _)) => Err(SubmissionError::Contradiction {
                method: submission.method.as_str(),
                expected,
                category: category.to_string(),
            }),
            None => Ok(all(allowed)),
        },
        None => Ok(all(allowed)),
    };
    let mut choices = match submission.method {
        Method::AcceptAll => uniform(true, "allowed"),
        Method::RejectAll => uniform(false, "refused"),
        Method::Custom | Method::SettingsPage | Method::Api => {
            given.ok_or(SubmissionError::ChoicesRequired(submission.method.as_str()))
        }
        Method::Gpc => Err(SubmissionError::MethodNotAllowed(Method::Gpc.as_str())),
    }?;
    if submission.gpc {
        for category in inventory.optional().filter(|c| c.sale_or_sharing) {
            choices.insert(category.key.clone(), false);
        }
    }
    Ok(choices)
}

/// What a Global Privacy Control signal decides: every category that sells or shares personal
/// data refused, nothing else.
pub fn gpc_choices(inventory: &Inventory) -> Choices {
    inventory
        .optional()
        .filter(|category| category.sale_or_sharing)
        .map(|category| (category.key.clone(), false))
        .collect()
}

/// Whether `choices` allow a category that sells or shares personal data, which a Global
/// Privacy Control signal overrides.
pub fn allows_sale_or_sharing(inventory: &Inventory, choices: &Choices) -> bool {
    choices.iter().any(|(key, allowed)| {
        *allowed
            && inventory
                .category(key.as_str())
                .is_some_and(|category| category.sale_or_sharing)
    })
}

/// Every optional category of the inventory, chosen exactly once; nothing else.
fn checked(
    inventory: &Inventory,
    given: &BTreeMap<String, bool>,
) -> Result<Choices, SubmissionError> {
    for key in given.keys() {
        if key == crate::inventory::NECESSARY {
            return Err(SubmissionError::NecessaryChosen);
        }
        if inventory.category(key).is_none() {
            return Err(SubmissionError::UnknownCategory(key.clone()));
        }
    }
    inventory
        .optional()
        .map(|category| {
            given
                .get(category.key.as_str())
                .map(|chosen| (category.key.clone(), *chosen))
                .ok_or_else(|| SubmissionError::MissingCategory(category.key.to_string()))
        })
        .collect()
}

/// What a choice is, given the one it replaces.
pub fn action(previous: Option<&Choices>, choices: &Choices) -> Action {
    let allows_any = |choices: &Choices| choices.values().any(|allowed| *allowed);
    match previous {
        None if allows_any(choices) => Action::Grant,
        None => Action::Deny,
        Some(previous) if allows_any(previous) && !allows_any(choices) => Action::Withdraw,
        Some(_) => Action::Update,
    }
}

/// Where a visitor stands before choosing, from the consent cookie they sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// A valid choice about the configuration in force.
    Chosen(ConsentCookie),
    /// No choice, or a cookie that is malformed, unsigned or tampered with (ignored).
    Undecided,
    /// A choice older than the consent lifetime.
    Expired(ConsentCookie),
    /// A choice about an earlier configuration.
    Outdated(ConsentCookie),
    /// No choice yet, but the browser's Global Privacy Control opt-out has been recorded.
    GpcRecorded(ConsentCookie),
}

impl Standing {
    pub fn of(
        cookie: Option<ConsentCookie>,
        active_version: &str,
        lifetime: ConsentLifetime,
        now: Timestamp,
    ) -> Standing {
        match cookie {
            None => Standing::Undecided,
            Some(cookie) if cookie.at.plus_days(lifetime.days()) <= now => {
                Standing::Expired(cookie)
            }
            Some(cookie) if cookie.version != active_version => Standing::Outdated(cookie),
            Some(cookie) if cookie.gpc_only => Standing::GpcRecorded(cookie),
            Some(cookie) => Standing::Chosen(cookie),
        }
    }

    /// The subject a new choice is recorded for: the visitor's own while their browser keeps a
    /// trusted cookie, even one that expired or is about an earlier configuration, so all of
    /// a visitor's choices stay one history (and one list of receipts).
    pub fn kept_subject(&self) -> Option<&crate::consent::SubjectId> {
        match self {
            Standing::Chosen(cookie)
            | Standing::GpcRecorded(cookie)
            | Standing::Expired(cookie)
            | Standing::Outdated(cookie) => Some(&cookie.subject),
            Standing::Undecided => None,
        }
    }

    /// The choice in force, if there is one.
    pub fn chosen(&self) -> Option<&ConsentCookie> {
        match self {
            Standing::Chosen(cookie) => Some(cookie),
            _ => None,
        }
    }

    /// The visitor's subject id, if a trusted cookie about the configuration in force names one.
    pub fn subject(&self) -> Option<&crate::consent::SubjectId> {
        match self {
            Standing::Chosen(cookie) | Standing::GpcRecorded(cookie) => Some(&cookie.subject),
            _ => None,
        }
    }
}

/// The banner's text as the visitor reads it, in `locale`: what the consent event's banner hash
/// is computed over. The banner component shows the same messages.
pub fn banner_text(inventory: &Inventory, locale: Locale) -> String {
    let mut lines = vec![
        text(locale, "consent-banner-heading"),
        format!(
            "{} {} · {}",
            text(locale, "consent-banner-body"),
            text(locale, "consent-cookie-policy"),
            text(locale, "consent-privacy-policy")
        ),
        [
            "consent-accept-all",
            "consent-reject-all",
            "consent-customise",
        ]
        .map(|key| text(locale, key))
        .join(" | "),
        text(locale, "consent-categories"),
    ];
    for category in inventory.categories() {
        let title = category.title.get(&locale).cloned().unwrap_or_default();
        let description = category
            .description
            .get(&locale)
            .cloned()
            .unwrap_or_default();
        let always_on = if category.key.is_necessary() {
            format!(" {}", text(locale, "consent-always-on"))
        } else {
            String::new()
        };
        lines.push(format!("{title}{always_on}: {description}"));
        for service in &category.services {
            let purpose = service.purpose.get(&locale).cloned().unwrap_or_default();
            let duration = service.duration.get(&locale).cloned().unwrap_or_default();
            let third_party = if service.party == Party::Third {
                format!(", {}", text(locale, "consent-third-party"))
            } else {
                String::new()
            };
            lines.push(format!(
                "- {} ({}{third_party}): {purpose} {duration}",
                service.name, service.provider
            ));
        }
    }
    lines.push(text(locale, "consent-save"));
    lines.join("\n")
}

/// The keys of the categories `choices` refuses.
pub fn refused(choices: &Choices) -> impl Iterator<Item = &CategoryKey> {
    choices
        .iter()
        .filter(|(_, allowed)| !**allowed)
        .map(|(key, _)| key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::ssr::{DEFAULT_INVENTORY, parse};

    fn submission(method: Method, choices: Option<&[(&str, bool)]>) -> Submission {
        Submission {
            method,
            choices: choices.map(|c| c.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()),
            configuration_version: "v1".into(),
            locale: Locale::En,
            idempotency_key: "key-00000001".parse().expect("key"),
            gpc: false,
            place: super::super::Place::default(),
        }
    }

    fn keys(choices: &Choices) -> Vec<(&str, bool)> {
        choices.iter().map(|(k, v)| (k.as_str(), *v)).collect()
    }

    #[test]
    fn accept_and_reject_all_cover_every_optional_category() {
        let inventory = parse(DEFAULT_INVENTORY).expect("valid");
        let accepted = resolve(&inventory, "v1", &submission(Method::AcceptAll, None)).unwrap();
        assert_eq!(
            keys(&accepted),
            [
                ("analytics", true),
                ("marketing", true),
                ("preferences", true)
            ]
        );
        let rejected = resolve(&inventory, "v1", &submission(Method::RejectAll, None)).unwrap();
        assert!(rejected.values().all(|allowed| !allowed));
        assert_eq!(rejected.len(), 3);
    }

    #[test]
    fn custom_choices_must_name_every_category_and_nothing_else() {
        let inventory = parse(DEFAULT_INVENTORY).expect("valid");
        let full = [
            ("analytics", true),
            ("marketing", false),
            ("preferences", false),
        ];
        let custom = resolve(&inventory, "v1", &submission(Method::Custom, Some(&full))).unwrap();
        assert_eq!(keys(&custom), full);
        let cases: [(&[(&str, bool)], SubmissionError); 3] = [
            (
                &[("analytics", true), ("marketing", false)],
                SubmissionError::MissingCategory("preferences".into()),
            ),
            (
                &[
                    ("analytics", true),
                    ("marketing", false),
                    ("preferences", false),
                    ("ads", true),
                ],
                SubmissionError::UnknownCategory("ads".into()),
            ),
            (
                &[
                    ("necessary", true),
                    ("analytics", true),
                    ("marketing", false),
                    ("preferences", false),
                ],
                SubmissionError::NecessaryChosen,
            ),
        ];
        for (choices, error) in cases {
            assert_eq!(
                resolve(&inventory, "v1", &submission(Method::Custom, Some(choices))),
                Err(error)
            );
        }
        assert_eq!(
            resolve(&inventory, "v1", &submission(Method::Custom, None)),
            Err(SubmissionError::ChoicesRequired("custom"))
        );
        assert!(matches!(
            resolve(
                &inventory,
                "v1",
                &submission(Method::AcceptAll, Some(&full))
            ),
            Err(SubmissionError::Contradiction { .. })
        ));
        assert_eq!(
            resolve(&inventory, "v2", &submission(Method::AcceptAll, None)),
            Err(SubmissionError::Outdated {
                current: "v2".into()
            })
        );
        assert_eq!(
            resolve(&inventory, "v1", &submission(Method::Gpc, None)),
            Err(SubmissionError::MethodNotAllowed("gpc"))
        );
    }

    #[test]
    fn a_gpc_signal_keeps_sale_and_sharing_refused() {
        let inventory = parse(DEFAULT_INVENTORY).expect("valid");
        let mut accept = submission(Method::AcceptAll, None);
        accept.gpc = true;
        let choices = resolve(&inventory, "v1", &accept).unwrap();
        assert_eq!(
            keys(&choices),
            [
                ("analytics", true),
                ("marketing", false),
                ("preferences", true)
            ]
        );
        assert_eq!(keys(&gpc_choices(&inventory)), [("marketing", false)]);
    }

    #[test]
    fn actions_follow_the_previous_choice() {
        let choices = |analytics: bool| -> Choices {
            [("analytics".parse().expect("key"), analytics)].into()
        };
        assert_eq!(action(None, &choices(true)), Action::Grant);
        assert_eq!(action(None, &choices(false)), Action::Deny);
        assert_eq!(
            action(Some(&choices(true)), &choices(false)),
            Action::Withdraw
        );
        assert_eq!(
            action(Some(&choices(false)), &choices(true)),
            Action::Update
        );
        assert_eq!(
            action(Some(&choices(false)), &choices(false)),
            Action::Update
        );
    }

    #[test]
    fn standing_reads_the_cookie_against_the_configuration_and_the_clock() {
        let lifetime = ConsentLifetime::default();
        let cookie = ConsentCookie {
            subject: crate::consent::SubjectId::random().expect("random"),
            version: "v1".into(),
            choices: Choices::new(),
            at: Timestamp::from_millis(0),
            gpc_only: false,
        };
        let soon = Timestamp::from_millis(0).plus_days(1);
        let later = Timestamp::from_millis(0).plus_days(lifetime.days());
        assert_eq!(
            Standing::of(None, "v1", lifetime, soon),
            Standing::Undecided
        );
        assert!(matches!(
            Standing::of(Some(cookie.clone()), "v1", lifetime, soon),
            Standing::Chosen(_)
        ));
        assert!(matches!(
            Standing::of(Some(cookie.clone()), "v2", lifetime, soon),
            Standing::Outdated(_)
        ));
        assert!(matches!(
            Standing::of(Some(cookie.clone()), "v1", lifetime, later),
            Standing::Expired(_)
        ));
        // Asked again, after a change or once expired, the visitor keeps their subject.
        for standing in [
            Standing::of(Some(cookie.clone()), "v2", lifetime, soon),
            Standing::of(Some(cookie.clone()), "v1", lifetime, later),
        ] {
            assert_eq!(standing.kept_subject(), Some(&cookie.subject));
            assert_eq!(standing.subject(), None);
        }
        assert_eq!(Standing::Undecided.kept_subject(), None);
    }

    #[test]
    fn the_banner_text_names_every_category_and_service_in_the_locale() {
        let inventory = parse(DEFAULT_INVENTORY).expect("valid");
        let english = banner_text(&inventory, Locale::En);
        let german = banner_text(&inventory, Locale::De);
        assert!(english.contains("Analytics: "), "{english}");
        assert!(english.contains("Cookie consent (This site)"), "{english}");
        assert!(
            english.contains("Accept all | Reject all | Customise"),
            "{english}"
        );
        assert!(german.contains("Statistik: "), "{german}");
        assert_ne!(english, german);
    }
}
