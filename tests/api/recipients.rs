//! Importing notice recipients, on both backends: one row per address, updated on re-import,
//! each import recorded in the audit log.

use crate::helpers::{Backend, both_backends, spawn_app};
use app::{
    audit::ssr::Actor,
    i18n::Locale,
    notices::{NewRecipient, RecipientsImported, ssr::import_recipients},
};

both_backends!(a_reimport_updates_recipients_rather_than_duplicating_them,);

fn recipient(email: &str, name: &str, locale: Locale) -> NewRecipient {
    NewRecipient {
        email: email.parse().expect("email"),
        name: name.to_owned(),
        locale,
    }
}

async fn a_reimport_updates_recipients_rather_than_duplicating_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let operator = Actor::local("test", "recipients import");
    let first = [
        recipient("ada@example.com", "Ada", Locale::En),
        recipient("grace@example.com", "Grace", Locale::De),
    ];
    let imported = import_recipients(&app.db, &first, &operator)
        .await
        .expect("imported");
    assert_eq!(
        imported,
        RecipientsImported {
            added: 2,
            updated: 0,
            unchanged: 0
        }
    );
    let second = [
        recipient("ada@example.com", "Ada Lovelace", Locale::De),
        recipient("grace@example.com", "Grace", Locale::De),
        recipient("alan@example.com", "", Locale::En),
    ];
    let imported = import_recipients(&app.db, &second, &operator)
        .await
        .expect("imported");
    assert_eq!(
        imported,
        RecipientsImported {
            added: 1,
            updated: 1,
            unchanged: 1
        }
    );
    let stored: Vec<(String, String, String)> =
        sqlx::query_as("SELECT email, name, locale FROM notice_recipients ORDER BY email")
            .fetch_all(app.db.reader())
            .await
            .expect("recipients");
    assert_eq!(
        stored,
        [
            ("ada@example.com".into(), "Ada Lovelace".into(), "de".into()),
            ("alan@example.com".into(), "".into(), "en".into()),
            ("grace@example.com".into(), "Grace".into(), "de".into()),
        ]
    );
    let details: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'recipients_imported' ORDER BY id",
    )
    .fetch_all(app.db.reader())
    .await
    .expect("audit");
    assert_eq!(
        details,
        [
            "2 added, 0 updated, 0 unchanged",
            "1 added, 1 updated, 1 unchanged"
        ]
    );
}
