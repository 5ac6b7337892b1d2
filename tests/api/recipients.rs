//! Notice recipients and the notices queued for them, on both backends: one row per address,
//! updated on re-import and audited; a material revision queues one message per recipient in
//! its own transaction, an editorial one none.

use crate::{
    editor::{location, signed_in},
    helpers::{Backend, both_backends, document_with, publish_editorial, spawn_app},
};
use app::{
    admin::Role,
    audit::ssr::Actor,
    clock::Timestamp,
    documents::Slug,
    i18n::Locale,
    notices::{NewRecipient, RecipientsImported, ssr::import_recipients},
    revisions::{
        RevisionClass,
        ssr::{NewRevision, publish},
    },
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
        recipient("alan@example.com", "Alan again", Locale::De),
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

both_backends!(a_material_revision_queues_one_notice_per_recipient_and_an_editorial_one_none,);

async fn outbox(app: &crate::helpers::TestApp) -> Vec<(i64, String, String)> {
    sqlx::query_as(
        "SELECT c.revision_id, r.email, o.state FROM notice_outbox o
         JOIN notice_campaigns c ON c.id = o.campaign_id
         JOIN notice_recipients r ON r.id = o.recipient_id
         ORDER BY c.revision_id, r.email",
    )
    .fetch_all(app.db.reader())
    .await
    .expect("outbox")
}

async fn a_material_revision_queues_one_notice_per_recipient_and_an_editorial_one_none(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    document_with(&app, "notice", &["# Data Notice\n\nVersion one.\n"]).await;
    let operator = Actor::local("test", "recipients import");
    import_recipients(
        &app.db,
        &[
            recipient("ada@example.com", "Ada", Locale::En),
            recipient("grace@example.com", "Grace", Locale::De),
        ],
        &operator,
    )
    .await
    .expect("imported");
    let slug: Slug = "notice".parse().expect("slug");
    publish_editorial(&app, &slug, "# Data Notice\n\nVersion two.\n").await;
    assert_eq!(
        outbox(&app).await,
        [],
        "an editorial revision owes no notice"
    );

    let now = Timestamp::now();
    let material = |source| NewRevision {
        slug: &slug,
        locale: Locale::En,
        source,
        class: RevisionClass::Material,
        summary: "Logs are kept longer.",
        author: "Publisher",
        published_at: now,
        effective_at: now.plus_days(30),
        notice_days: 30,
        images: app::markdown::ImageHosts::site_only(),
    };
    publish(&app.db, &material("# Data Notice\n\nVersion three.\n"))
        .await
        .expect("published");
    let queued = outbox(&app).await;
    let emails: Vec<_> = queued
        .iter()
        .map(|(_, email, state)| (email.as_str(), state.as_str()))
        .collect();
    assert_eq!(
        emails,
        [
            ("ada@example.com", "queued"),
            ("grace@example.com", "queued")
        ],
        "the document has no German text, so the German reader gets the English notice"
    );

    publish(
        &app.db,
        &NewRevision {
            locale: Locale::De,
            ..material("# Datenhinweis\n\nFassung eins.\n")
        },
    )
    .await
    .expect("published in German");
    publish(&app.db, &material("# Data Notice\n\nVersion four.\n"))
        .await
        .expect("published");
    let queued = outbox(&app).await;
    let per_revision: Vec<_> = queued
        .iter()
        .map(|(revision, email, _)| (*revision, email.as_str()))
        .collect();
    let (third, german, fourth) = (queued[0].0, queued[2].0, queued[3].0);
    assert_eq!(
        per_revision,
        [
            (third, "ada@example.com"),
            (third, "grace@example.com"),
            (german, "grace@example.com"),
            (fourth, "ada@example.com"),
        ],
        "once the document is in German, German readers get the German notices only"
    );
    let again = sqlx::query(
        "INSERT INTO notice_outbox (campaign_id, recipient_id, next_attempt_at)
         SELECT campaign_id, recipient_id, 0 FROM notice_outbox",
    )
    .execute(app.db.writer())
    .await;
    assert!(again.is_err(), "nothing is queued twice");
}

both_backends!(
    admins_upload_recipients_and_see_the_bad_rows_by_line,
    an_upload_is_refused_before_its_file_is_read,
);

/// A multipart form with the CSRF token and `csv` as the file, as a browser sends it.
async fn upload(
    app: &crate::helpers::TestApp,
    cookie: Option<&str>,
    csrf: &str,
    csv: &str,
) -> reqwest::Response {
    let boundary = "charter-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"holders.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let mut request = app
        .client
        .post(app.url("/admin/recipients/import"))
        .header(
            reqwest::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    if let Some(cookie) = cookie {
        request = request.header(reqwest::header::COOKIE, cookie);
    }
    request.send().await.expect("request")
}

async fn admins_upload_recipients_and_see_the_bad_rows_by_line(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "ada@example.com", Role::Admin).await;
    let csv = "email,name,locale\nann@example.com,Ann,en\nbroken,Bob,en\nbea@example.com,Bea,xx\n";
    let response = upload(&app, Some(&admin.cookie), &admin.csrf, csv).await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    let back = location(&response);
    assert!(
        back.starts_with(
            "/admin/recipients?notice=imported&added=1&updated=0&unchanged=0&invalid=2"
        ),
        "{back}"
    );
    let (status, page) = admin.get(&app, &back).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(page.contains("1 added, 0 updated, 0 unchanged"), "{page}");
    assert!(page.contains("line 3: "), "{page}");
    assert!(page.contains("line 4: "), "{page}");
    assert!(
        page.contains("ann@example.com"),
        "the list shows the new recipient: {page}"
    );

    let response = upload(&app, Some(&admin.cookie), &admin.csrf, "name\nAnn\n").await;
    assert!(location(&response).contains("notice=unreadable"));
    let response = upload(&app, Some(&admin.cookie), &admin.csrf, "").await;
    assert!(location(&response).contains("notice=no-file"));

    let editor = signed_in(&app, "eve@example.com", Role::Editor).await;
    let response = upload(&app, Some(&editor.cookie), &editor.csrf, csv).await;
    assert_eq!(response.status(), reqwest::StatusCode::FORBIDDEN);
    let response = upload(&app, Some(&admin.cookie), "not-the-token", csv).await;
    assert_eq!(response.status(), reqwest::StatusCode::FORBIDDEN);
    let response = upload(&app, None, "", csv).await;
    assert!(location(&response).starts_with("/admin/sign-in"));
    let response = app
        .client
        .post(app.url("/admin/recipients/import"))
        .header(reqwest::header::COOKIE, &admin.cookie)
        .form(&[("csrf", admin.csrf.as_str())])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notice_recipients")
        .fetch_one(app.db.reader())
        .await
        .expect("count");
    assert_eq!(count, 1, "refused uploads import nothing");
}

/// Starts a 19 MiB upload with `cookie` and the CSRF field `csrf`, sends only its first
/// 64 KiB, and waits for the answer's status line and headers while the rest is still owed.
async fn start_upload(app: &crate::helpers::TestApp, cookie: &str, csrf: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let boundary = "charter-test-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\
         Content-Type: text/csv\r\n\r\nemail,name,locale\n"
    );
    let request = format!(
        "POST /admin/recipients/import HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {}\r\nCookie: {cookie}\r\n\r\n{head}",
        19 * 1024 * 1024
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    stream
        .write_all(&b"ann@example.com,Ann,en\n".repeat(64 * 1024 / 23))
        .await
        .expect("send");
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let read = async {
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buffer).await.expect("read");
            assert!(n > 0, "the server closed without answering");
            answer.extend_from_slice(&buffer[..n]);
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("answered before the body was sent");
    String::from_utf8_lossy(&answer).into_owned()
}

async fn an_upload_is_refused_before_its_file_is_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let answer = start_upload(&app, "__Host-charter_session=nonsense", "x").await;
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    assert!(answer.contains("location: /admin/sign-in"), "{answer}");
    let editor = signed_in(&app, "eve@example.com", Role::Editor).await;
    let answer = start_upload(&app, &editor.cookie, &editor.csrf).await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    let admin = signed_in(&app, "ada@example.com", Role::Admin).await;
    let answer = start_upload(&app, &admin.cookie, "not-the-token").await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
}
