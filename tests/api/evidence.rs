//! The evidence log on both backends: every record becomes a leaf, checkpoints are signed and
//! served with the public key, proofs verify as an outside verifier checks them, bad queries
//! get clear answers, and `verify` reports each kind of tampering at its first bad index.

use crate::editor::signed_in;
use crate::{
    helpers::{
        Backend, Options, TestApp, TestDatabase, both_backends, chosen_cookie, document_with,
        spawn_app, spawn_app_with, start, start_another, start_at_url,
    },
    smtp::{Received, SmtpServer},
};
use app::{
    admin::Role,
    db::Db,
    evidence::ssr::{
        LogKey, bundle,
        checkpoints::{self, CheckpointError},
        verify::{LogReport, verify},
    },
};
use base64::{Engine, engine::general_purpose::STANDARD};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;
use tlog_tiles::{Hash, check_record, check_tree, record_hash};

both_backends!(
    every_record_is_a_leaf_and_its_proofs_verify,
    bad_proof_queries_are_refused_with_a_reason,
    an_edited_leaf_is_reported_at_its_index,
    a_deleted_leaf_is_reported_at_its_index,
    reordered_leaves_are_reported_at_the_first,
    an_inserted_leaf_is_reported_at_its_index,
    a_rewrite_with_recomputed_hashes_is_caught_by_the_checkpoint,
    a_cut_tail_is_caught_by_a_checkpoint_kept_outside,
    the_log_tables_refuse_changes,
    a_bundle_verifies_without_charter_and_every_change_is_rejected,
    admins_download_an_events_bundle_from_the_records_page,
    a_visitor_asked_again_keeps_one_history_of_verifiable_receipts,
    checkpoints_are_mailed_to_every_witness,
);

/// Consent events recorded through the API, one per key.
async fn consent_events(app: &TestApp, keys: impl IntoIterator<Item = String>) {
    for key in keys {
        chosen_cookie(app, "accept_all", &key).await;
    }
}

async fn sign_checkpoint(app: &TestApp) -> String {
    checkpoints::checkpoint_now(&app.db, &app.state.log_key)
        .await
        .expect("checkpoint");
    checkpoints::latest(&app.db)
        .await
        .expect("read")
        .expect("a checkpoint")
        .note
}

async fn leaf_count(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM log_leaves")
        .fetch_one(db.reader())
        .await
        .expect("count")
}

async fn report(app: &TestApp, outside: Option<&str>) -> LogReport {
    verify(&app.db, &app.state.log_key, outside)
        .await
        .expect("verification runs")
}

fn hash(text: &str) -> Hash {
    Hash(
        STANDARD
            .decode(text)
            .expect("base64")
            .try_into()
            .expect("32 bytes"),
    )
}

/// Runs `statements` with the append-only triggers out of the way, as someone with full
/// control of the database could.
async fn tamper(db: &Db, backend: Backend, statements: &[&str]) {
    let mut conn = db.writer().acquire().await.expect("connection");
    match backend {
        Backend::Sqlite => {
            for table in ["log_leaves", "log_hashes", "log_checkpoints"] {
                for trigger in ["immutable", "permanent"] {
                    let drop_trigger = format!(
                        "DROP TRIGGER IF EXISTS {table}_are_{trigger}",
                        table = table
                    );
                    sqlx::query(&drop_trigger)
                        .execute(&mut *conn)
                        .await
                        .expect("drop trigger");
                }
            }
        }
        Backend::Postgres => {
            sqlx::query("SET session_replication_role = replica")
                .execute(&mut *conn)
                .await
                .expect("triggers off");
        }
    }
    for statement in statements {
        sqlx::query(statement)
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|error| panic!("{statement}: {error}"));
    }
    if let Backend::Postgres = backend {
        sqlx::query("SET session_replication_role = origin")
            .execute(&mut *conn)
            .await
            .expect("triggers on");
    }
}

fn assert_broken_at(report: &LogReport, index: u64, words: &str) {
    match report {
        LogReport::Broken {
            first_bad_index,
            reason,
        } => {
            assert_eq!(*first_bad_index, index, "{reason}");
            assert!(reason.contains(words), "{reason}");
        }
        intact => panic!("tampering not found: {intact:?}"),
    }
}

/// A log of two revisions, an inventory activation with its audit entry, and `events` consent
/// events.
async fn logged_app(backend: Backend, events: usize) -> TestApp {
    let app = spawn_app(backend).await;
    document_with(
        &app,
        "privacy",
        &["# Privacy\n\nFirst.", "# Privacy\n\nSecond."],
    )
    .await;
    consent_events(&app, (0..events).map(|n| format!("evidence-key-{n}"))).await;
    app
}

async fn every_record_is_a_leaf_and_its_proofs_verify(backend: Backend) {
    let app = logged_app(backend, 3).await;
    // Nothing signed yet: the endpoint says when one will be.
    let none = app.get("/log/checkpoint").await;
    assert_eq!(none.status(), StatusCode::NOT_FOUND);
    assert!(none.text().await.expect("body").contains("within a minute"));

    let kinds: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, COUNT(*) FROM log_leaves GROUP BY kind ORDER BY kind")
            .fetch_all(app.db.reader())
            .await
            .expect("kinds");
    let count = |kind: &str| {
        kinds
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    assert_eq!(count("revision"), 2, "{kinds:?}");
    assert_eq!(count("consent-event"), 3, "{kinds:?}");
    assert_eq!(count("inventory-activation"), 1, "{kinds:?}");
    assert!(
        count("audit") >= 1,
        "the inventory's activation is audited: {kinds:?}"
    );

    // A consent event's leaf commits to the revisions' text and hides the address.
    let bytes: String = sqlx::query_scalar(
        "SELECT bytes FROM log_leaves WHERE kind = 'consent-event' ORDER BY leaf_index LIMIT 1",
    )
    .fetch_one(app.db.reader())
    .await
    .expect("leaf");
    let leaf: Value = serde_json::from_str(&bytes).expect("JSON");
    assert_eq!(leaf["v"], 1);
    assert_eq!(leaf["type"], "consent-event");
    assert_eq!(
        leaf["revisions"].as_array().map(Vec::len),
        Some(1),
        "{leaf}"
    );
    assert_eq!(
        leaf["revisions"][0]["sha256"].as_str().map(str::len),
        Some(64)
    );
    let (ip_prefix, user_agent): (String, String) =
        sqlx::query_as("SELECT ip_prefix, user_agent FROM consent_events ORDER BY id LIMIT 1")
            .fetch_one(app.db.reader())
            .await
            .expect("event");
    assert!(
        !ip_prefix.is_empty() && !bytes.contains(&ip_prefix),
        "{bytes}"
    );
    assert!(
        user_agent.is_empty() || !bytes.contains(&user_agent),
        "{bytes}"
    );
    assert_eq!(
        leaf["ip_prefix_commitment"].as_str().map(str::len),
        Some(64)
    );

    let first_size = leaf_count(&app.db).await as u64;
    let first_note = sign_checkpoint(&app).await;
    consent_events(&app, (10..12).map(|n| format!("evidence-key-{n}"))).await;
    let note = sign_checkpoint(&app).await;

    // The public key opens the served checkpoint; nobody else's does.
    let public = app.get("/.well-known/charter-log.pub").await;
    assert_eq!(public.status(), StatusCode::OK);
    let public = public.text().await.expect("key");
    assert!(
        public.trim().starts_with(&format!(
            "{}/log+",
            app.address.trim_start_matches("http://")
        )),
        "{public}"
    );
    let served = app.get("/log/checkpoint").await;
    assert_eq!(served.status(), StatusCode::OK);
    let served = served.text().await.expect("note");
    assert_eq!(served, note);
    let checkpoint = checkpoints::open(public.trim(), &served).expect("signed by the log");
    let size = checkpoint.size();
    assert_eq!(size, leaf_count(&app.db).await as u64);
    let forged = served.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size + 1), 1);
    assert!(matches!(
        checkpoints::open(public.trim(), &forged),
        Err(CheckpointError::NotSigned(_))
    ));

    // Every leaf's inclusion proof verifies against the signed root.
    let leaves: Vec<(i64, String)> =
        sqlx::query_as("SELECT leaf_index, bytes FROM log_leaves ORDER BY leaf_index")
            .fetch_all(app.db.reader())
            .await
            .expect("leaves");
    for (index, bytes) in &leaves {
        let answer = app
            .get(&format!("/log/proof/inclusion?index={index}&size={size}"))
            .await;
        assert_eq!(answer.status(), StatusCode::OK);
        let proof: Value = answer.json().await.expect("JSON");
        let leaf_hash = record_hash(bytes.as_bytes());
        assert_eq!(hash(proof["leaf_hash"].as_str().expect("hash")), leaf_hash);
        let path: Vec<Hash> = proof["proof"]
            .as_array()
            .expect("path")
            .iter()
            .map(|h| hash(h.as_str().expect("text")))
            .collect();
        check_record(&path, size, *checkpoint.hash(), *index as u64, leaf_hash)
            .unwrap_or_else(|error| panic!("leaf {index}: {error}"));
    }

    // The earlier checkpoint is kept unchanged, and the tree grew from it.
    let list: Value = app
        .get("/log/checkpoints")
        .await
        .json()
        .await
        .expect("JSON");
    let sizes: Vec<u64> = list["checkpoints"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["size"].as_u64())
        .collect();
    assert_eq!(sizes, vec![first_size, size]);
    let kept = app.get(&format!("/log/checkpoints/{first_size}")).await;
    assert!(
        kept.headers()[reqwest::header::CACHE_CONTROL]
            .to_str()
            .expect("text")
            .contains("immutable")
    );
    assert_eq!(kept.text().await.expect("note"), first_note);
    let old = checkpoints::open(public.trim(), &first_note).expect("signed");
    let consistency: Value = app
        .get(&format!(
            "/log/proof/consistency?from={first_size}&to={size}"
        ))
        .await
        .json()
        .await
        .expect("JSON");
    let path: Vec<Hash> = consistency["proof"]
        .as_array()
        .expect("path")
        .iter()
        .map(|h| hash(h.as_str().expect("text")))
        .collect();
    check_tree(&path, size, *checkpoint.hash(), first_size, *old.hash()).expect("consistent");

    assert_eq!(
        report(&app, Some(&first_note)).await,
        LogReport::Intact {
            size,
            checkpoints: 3,
            signed_size: size
        }
    );
}

async fn bad_proof_queries_are_refused_with_a_reason(backend: Backend) {
    let app = logged_app(backend, 2).await;
    let size = leaf_count(&app.db).await;
    for (path, status, words) in [
        (
            format!("/log/proof/inclusion?index={size}&size={size}"),
            StatusCode::BAD_REQUEST,
            "must be below",
        ),
        (
            format!("/log/proof/inclusion?index=0&size={}", size + 1),
            StatusCode::NOT_FOUND,
            "fewer than",
        ),
        (
            "/log/proof/inclusion?index=-1&size=2".to_owned(),
            StatusCode::BAD_REQUEST,
            "whole numbers",
        ),
        (
            "/log/proof/inclusion?index=0".to_owned(),
            StatusCode::BAD_REQUEST,
            "give `index`",
        ),
        (
            "/log/proof/consistency?from=0&to=2".to_owned(),
            StatusCode::BAD_REQUEST,
            "at least 1",
        ),
        (
            "/log/proof/consistency?from=3&to=2".to_owned(),
            StatusCode::BAD_REQUEST,
            "at most `to`",
        ),
        (
            format!("/log/proof/consistency?from=1&to={}", size + 5),
            StatusCode::NOT_FOUND,
            "fewer than",
        ),
        (
            "/log/checkpoints/7".to_owned(),
            StatusCode::NOT_FOUND,
            "lists them",
        ),
        (
            "/log/checkpoints/x".to_owned(),
            StatusCode::BAD_REQUEST,
            "whole number",
        ),
        (
            "/log/checkpoints?after=x".to_owned(),
            StatusCode::BAD_REQUEST,
            "whole number",
        ),
    ] {
        let answer = app.get(&path).await;
        assert_eq!(answer.status(), status, "{path}");
        let body = answer.text().await.expect("body");
        assert!(body.contains(words), "{path}: {body}");
    }
}

/// Enough leaves that the tampered one is neither first nor last, with a checkpoint of them.
async fn tampered_app(backend: Backend) -> (TestApp, String, u64) {
    let app = logged_app(backend, 6).await;
    let note = sign_checkpoint(&app).await;
    let size = leaf_count(&app.db).await as u64;
    (app, note, size)
}

async fn an_edited_leaf_is_reported_at_its_index(backend: Backend) {
    let (app, _, _) = tampered_app(backend).await;
    tamper(
        &app.db,
        backend,
        &["UPDATE log_leaves SET bytes = replace(bytes, 'accept_all', 'reject_all')
           WHERE leaf_index = (SELECT MIN(leaf_index) + 2 FROM log_leaves WHERE kind = 'consent-event')"],
    )
    .await;
    let index: i64 =
        sqlx::query_scalar("SELECT leaf_index FROM log_leaves WHERE bytes LIKE '%reject_all%'")
            .fetch_one(app.db.reader())
            .await
            .expect("the edited leaf");
    assert_broken_at(&report(&app, None).await, index as u64, "was changed");
}

async fn a_deleted_leaf_is_reported_at_its_index(backend: Backend) {
    let (app, _, size) = tampered_app(backend).await;
    let gone = size / 2;
    tamper(
        &app.db,
        backend,
        &[&format!("DELETE FROM log_leaves WHERE leaf_index = {gone}")],
    )
    .await;
    assert_broken_at(&report(&app, None).await, gone, "is missing");
}

async fn reordered_leaves_are_reported_at_the_first(backend: Backend) {
    let (app, _, size) = tampered_app(backend).await;
    let first = size / 2;
    let offset = 1_000_000;
    tamper(
        &app.db,
        backend,
        &[
            &format!("UPDATE log_leaves SET leaf_index = {offset} WHERE leaf_index = {first}"),
            &format!(
                "UPDATE log_leaves SET leaf_index = {first} WHERE leaf_index = {}",
                first + 1
            ),
            &format!(
                "UPDATE log_leaves SET leaf_index = {} WHERE leaf_index = {offset}",
                first + 1
            ),
        ],
    )
    .await;
    assert_broken_at(&report(&app, None).await, first, "was changed");
}

async fn an_inserted_leaf_is_reported_at_its_index(backend: Backend) {
    let (app, _, size) = tampered_app(backend).await;
    let at = size / 2;
    let offset = 1_000_000;
    // Every later leaf moves up one place, and a forged one takes the free index.
    tamper(
        &app.db,
        backend,
        &[
            &format!(
                "UPDATE log_leaves SET leaf_index = leaf_index + {offset} WHERE leaf_index >= {at}"
            ),
            &format!(
                "UPDATE log_leaves SET leaf_index = leaf_index - {} WHERE leaf_index >= {offset}",
                offset - 1
            ),
            &format!(
                "INSERT INTO log_leaves (leaf_index, kind, source_id, bytes)
                 VALUES ({at}, 'audit', 999999, '{{\"v\":1,\"type\":\"audit\",\"id\":999999}}')"
            ),
        ],
    )
    .await;
    assert_broken_at(&report(&app, None).await, at, "was changed");
}

async fn a_rewrite_with_recomputed_hashes_is_caught_by_the_checkpoint(backend: Backend) {
    let app = logged_app(backend, 3).await;
    let vouched = leaf_count(&app.db).await as u64;
    sign_checkpoint(&app).await;
    consent_events(&app, (10..13).map(|n| format!("evidence-key-{n}"))).await;
    sign_checkpoint(&app).await;
    // Someone rewrites every leaf from `vouched` on, one of them forged, and recomputes every
    // hash over them, so the stored tree is consistent in itself.
    let rows: Vec<(String, i64, String)> = sqlx::query_as(&format!(
        "SELECT kind, source_id, bytes FROM log_leaves WHERE leaf_index >= {vouched}
         ORDER BY leaf_index"
    ))
    .fetch_all(app.db.reader())
    .await
    .expect("tail");
    let first_hash = tlog_tiles::stored_hash_index(0, vouched);
    tamper(
        &app.db,
        backend,
        &[
            &format!("DELETE FROM log_leaves WHERE leaf_index >= {vouched}"),
            &format!("DELETE FROM log_hashes WHERE hash_index >= {first_hash}"),
        ],
    )
    .await;
    let forged: Vec<app::evidence::ssr::Leaf> = rows
        .iter()
        .enumerate()
        .map(|(n, (kind, source_id, bytes))| app::evidence::ssr::Leaf {
            kind: kind.parse().expect("a kind"),
            source_id: *source_id,
            bytes: if n == 1 {
                bytes.replace("accept_all", "reject_all")
            } else {
                bytes.clone()
            },
        })
        .collect();
    let mut tx = app.db.begin_write().await.expect("transaction");
    app::evidence::ssr::tree::append(&mut tx, &forged)
        .await
        .expect("appended");
    tx.commit().await.expect("commit");
    assert_broken_at(
        &report(&app, None).await,
        vouched,
        "do not hash to the root",
    );
}

async fn a_cut_tail_is_caught_by_a_checkpoint_kept_outside(backend: Backend) {
    let app = logged_app(backend, 3).await;
    let kept = leaf_count(&app.db).await as u64;
    sign_checkpoint(&app).await;
    consent_events(&app, (10..13).map(|n| format!("evidence-key-{n}"))).await;
    let outside = sign_checkpoint(&app).await;
    // The stored checkpoint of the longer tree betrays the cut...
    let first_hash = tlog_tiles::stored_hash_index(0, kept);
    tamper(
        &app.db,
        backend,
        &[
            &format!("DELETE FROM log_leaves WHERE leaf_index >= {kept}"),
            &format!("DELETE FROM log_hashes WHERE hash_index >= {first_hash}"),
        ],
    )
    .await;
    assert_broken_at(&report(&app, None).await, kept, "tail was cut");
    // ...and once it is deleted too, the checkpoint kept outside does.
    tamper(
        &app.db,
        backend,
        &[&format!(
            "DELETE FROM log_checkpoints WHERE tree_size > {kept}"
        )],
    )
    .await;
    assert!(matches!(report(&app, None).await, LogReport::Intact { .. }));
    assert_broken_at(&report(&app, Some(&outside)).await, kept, "tail was cut");
}

async fn the_log_tables_refuse_changes(backend: Backend) {
    let (app, _, _) = tampered_app(backend).await;
    for statement in [
        "UPDATE log_leaves SET bytes = 'x' WHERE leaf_index = 0",
        "DELETE FROM log_leaves WHERE leaf_index = 0",
        "UPDATE log_hashes SET hash = hash WHERE hash_index = 0",
        "DELETE FROM log_hashes",
        "UPDATE log_checkpoints SET note = 'x'",
        "DELETE FROM log_checkpoints",
    ] {
        let refused = sqlx::query(statement).execute(app.db.writer()).await;
        assert!(refused.is_err(), "{statement} was allowed");
    }
    assert!(matches!(report(&app, None).await, LogReport::Intact { .. }));
}

/// Two instances share one PostgreSQL database whose default isolation is REPEATABLE READ
/// and write 10,000 consent events at once: one tree, every leaf at its own index, verifying.
#[test]
fn two_instances_write_one_tree_under_repeatable_read() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    crate::helpers::run(async move {
        let database = TestDatabase::create(backend).await;
        let name = database
            .url
            .rsplit('/')
            .next()
            .expect("a database name")
            .to_owned();
        let mut conn = sqlx::PgConnection::connect(&database.url)
            .await
            .expect("connect");
        sqlx::query(&format!(
            "ALTER DATABASE \"{name}\" SET default_transaction_isolation = 'repeatable read'"
        ))
        .execute(&mut conn)
        .await
        .expect("default isolation");
        let options = || Options {
            settings: vec![("public_writes_per_minute", "1000000".to_owned())],
            ..Options::default()
        };
        let first = start(database, options()).await;
        let second = start_another(&first, options()).await;
        let isolation: String = sqlx::query_scalar("SHOW default_transaction_isolation")
            .fetch_one(second.db.writer())
            .await
            .expect("isolation");
        assert_eq!(isolation, "repeatable read");
        let before = leaf_count(&first.db).await;
        let version = first.configuration_version().await;
        const EVENTS: usize = 10_000;
        const CONCURRENCY: usize = 64;
        let apps = [&first, &second];
        let sent = futures_util::stream::iter(0..EVENTS)
            .map(|n| {
                let app = apps[n % 2];
                let version = version.clone();
                async move {
                    let answer = app
                        .client
                        .post(app.url("/api/consent"))
                        .json(&serde_json::json!({
                            "method": if n % 3 == 0 { "reject_all" } else { "accept_all" },
                            "configuration_version": version,
                            "idempotency_key": format!("two-instances-{n}"),
                        }))
                        .send()
                        .await
                        .expect("request");
                    answer.status()
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        assert!(
            sent.iter().all(|status| *status == StatusCode::CREATED),
            "{:?}",
            sent.iter().find(|s| **s != StatusCode::CREATED)
        );
        assert_eq!(leaf_count(&first.db).await, before + EVENTS as i64);
        let gaps: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM log_leaves a WHERE a.leaf_index > 0 AND NOT EXISTS
             (SELECT 1 FROM log_leaves b WHERE b.leaf_index = a.leaf_index - 1)",
        )
        .fetch_one(first.db.reader())
        .await
        .expect("gaps");
        assert_eq!(gaps, 0);
        sign_checkpoint(&first).await;
        assert!(
            matches!(report(&second, None).await, LogReport::Intact { size, .. } if size == leaf_count(&first.db).await as u64)
        );
        assert_eq!(
            app::consent::ssr::verify_chain(&first.db)
                .await
                .expect("chain"),
            app::consent::ssr::ChainReport::Intact {
                events: EVENTS as u64
            }
        );
    });
}

/// Runs the shipped verifier on `bundle`, trusting `public_key`: whether it accepted, and what
/// it said.
fn run_verifier(bundle: &Value, public_key: &str) -> (bool, String) {
    let dir = tempfile::tempdir().expect("directory");
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, bundle.to_string()).expect("bundle written");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/verify-evidence-bundle.py"
    );
    let output = std::process::Command::new("python3")
        .arg(script)
        .arg(&file)
        .arg("--public-key")
        .arg(public_key)
        .output()
        .expect("python3 runs the verifier");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), said)
}

async fn a_bundle_verifies_without_charter_and_every_change_is_rejected(backend: Backend) {
    let app = logged_app(backend, 3).await;
    let event: i64 = sqlx::query_scalar("SELECT MIN(id) FROM consent_events")
        .fetch_one(app.db.reader())
        .await
        .expect("an event");
    let made = bundle::consent_event(&app.db, &app.state.log_key, event)
        .await
        .expect("a bundle");
    let bundle = serde_json::to_value(&made).expect("JSON");
    let public = app.state.log_key.public_key().to_owned();
    let (accepted, said) = run_verifier(&bundle, &public);
    assert!(accepted, "{said}");
    assert!(said.contains("IP prefix and user agent"), "{said}");
    assert!(
        bundle["inclusion_proof"]
            .as_array()
            .is_some_and(|proof| proof.len() >= 2),
        "{bundle}"
    );

    let text = |value: &mut Value, pointer: &str, change: &dyn Fn(&str) -> String| {
        let slot = value.pointer_mut(pointer).expect(pointer);
        *slot = Value::String(change(slot.as_str().expect("text")));
    };
    let flip_base64 = |hash: &str| {
        let mut bytes = STANDARD.decode(hash).expect("base64");
        bytes[0] ^= 1;
        STANDARD.encode(bytes)
    };
    let checkpoint_lines = made
        .checkpoint
        .split('\n')
        .map(str::to_owned)
        .collect::<Vec<_>>();
    type Change = Box<dyn Fn(&mut Value)>;
    let changes: Vec<(&str, Change)> = vec![
        (
            "the leaf's bytes",
            Box::new(move |b| {
                text(b, "/leaf/bytes", &|t| {
                    t.replacen("\"grant\"", "\"deny\"", 1)
                })
            }),
        ),
        (
            "the leaf's index",
            Box::new(|b| {
                b["leaf"]["index"] = (b["leaf"]["index"].as_u64().unwrap_or(0) + 1).into()
            }),
        ),
        (
            "a proof hash",
            Box::new(move |b| text(b, "/inclusion_proof/0", &flip_base64)),
        ),
        (
            "the proof's length",
            Box::new(|b| {
                b["inclusion_proof"].as_array_mut().expect("proof").pop();
            }),
        ),
        (
            "the checkpoint's size",
            Box::new({
                let lines = checkpoint_lines.clone();
                move |b| {
                    let size: u64 = lines[1].parse().expect("size");
                    let changed = b["checkpoint"].as_str().expect("note").replacen(
                        &format!("\n{size}\n"),
                        &format!("\n{}\n", size + 1),
                        1,
                    );
                    b["checkpoint"] = changed.into();
                }
            }),
        ),
        (
            "the checkpoint's root",
            Box::new({
                let lines = checkpoint_lines.clone();
                move |b| {
                    let changed = b["checkpoint"].as_str().expect("note").replacen(
                        &lines[2],
                        &flip_base64(&lines[2]),
                        1,
                    );
                    b["checkpoint"] = changed.into();
                }
            }),
        ),
        (
            "the signature",
            Box::new({
                let lines = checkpoint_lines.clone();
                move |b| {
                    let line = &lines[lines.len() - 2];
                    let (head, signature) = line.rsplit_once(' ').expect("a signature line");
                    let changed = b["checkpoint"].as_str().expect("note").replacen(
                        line,
                        &format!("{head} {}", flip_base64(signature)),
                        1,
                    );
                    b["checkpoint"] = changed.into();
                }
            }),
        ),
        (
            "the banner's text",
            Box::new(move |b| text(b, "/banner/text", &|t| format!("{t} "))),
        ),
        (
            "the inventory",
            Box::new(move |b| {
                text(b, "/inventory/json", &|t| {
                    t.replacen("analytics", "analytic", 1)
                })
            }),
        ),
        (
            "a revision's Markdown",
            Box::new(move |b| {
                text(b, "/revisions/0/markdown", &|t| {
                    t.replace("Second", "Third")
                })
            }),
        ),
        (
            "a missing revision",
            Box::new(|b| {
                b["revisions"].as_array_mut().expect("revisions").clear();
            }),
        ),
        (
            "the IP prefix",
            Box::new(move |b| text(b, "/context/ip_prefix", &|_| "198.51.100.0/24".to_owned())),
        ),
        (
            "the salt",
            Box::new(move |b| text(b, "/context/salt", &|_| "00".repeat(16))),
        ),
    ];
    for (what, change) in &changes {
        let mut changed = bundle.clone();
        change(&mut changed);
        assert_ne!(changed, bundle, "{what} was not changed");
        let (accepted, said) = run_verifier(&changed, &public);
        assert!(
            !accepted && said.contains("rejected"),
            "a change of {what} was accepted: {said}"
        );
    }
    let stranger =
        LogKey::parse(&LogKey::generate("legal.example.com/log").expect("key")).expect("key");
    let (accepted, said) = run_verifier(&bundle, stranger.public_key());
    assert!(!accepted && said.contains("another public key"), "{said}");

    let unknown = bundle::consent_event(&app.db, &app.state.log_key, 99_999).await;
    assert!(matches!(
        unknown,
        Err(bundle::BundleError::UnknownEvent(99_999))
    ));
}

async fn admins_download_an_events_bundle_from_the_records_page(backend: Backend) {
    let app = logged_app(backend, 2).await;
    let admin = signed_in(&app, "ada@example.com", Role::Admin).await;
    let event: i64 = sqlx::query_scalar("SELECT MAX(id) FROM consent_events")
        .fetch_one(app.db.reader())
        .await
        .expect("an event");
    let (_, page) = admin.get(&app, "/admin/consent").await;
    let link = format!("/admin/consent/records/{event}/bundle");
    assert!(page.contains(&link), "{page}");

    let download = app
        .client
        .get(app.url(&link))
        .header(reqwest::header::COOKIE, &admin.cookie)
        .send()
        .await
        .expect("request");
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(
        download.headers()[reqwest::header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"consent-event-{event}.evidence.json\"").as_str()
    );
    let bundle: Value = download.json().await.expect("JSON");
    let (accepted, said) = run_verifier(&bundle, app.state.log_key.public_key());
    assert!(accepted, "{said}");

    let editor = signed_in(&app, "eve@example.com", Role::Editor).await;
    assert_eq!(editor.get(&app, &link).await.0, StatusCode::FORBIDDEN);
    let anonymous = app.get(&link).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    let (status, body) = admin.get(&app, "/admin/consent/records/99999/bundle").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("no consent event 99999"), "{body}");
    let (status, body) = admin.get(&app, "/admin/consent/records/first/bundle").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("by its number"), "{body}");
}

/// The README's PostgreSQL set-up: the tables belong to an owner role that migrates, and
/// Charter serves as a role that may read and write rows but cannot switch off, drop or
/// bypass the triggers that keep evidence append-only.
#[test]
fn the_serving_role_cannot_switch_off_the_append_only_triggers() {
    if Backend::postgres().is_none() {
        return;
    }
    crate::helpers::run(async {
        let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let (owner, server, name) = (
            format!("charter_owner_{suffix}"),
            format!("charter_app_{suffix}"),
            format!("charter_roles_{suffix}"),
        );
        let as_user = |user: &str, database: &str| {
            let mut url = url::Url::parse(&admin_url).expect("a URL");
            url.set_username(user).expect("a user");
            url.set_path(database);
            url.to_string()
        };
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("admin");
        for statement in [
            format!("CREATE ROLE {owner} LOGIN"),
            format!("CREATE ROLE {server} LOGIN"),
            format!("CREATE DATABASE {name} OWNER {owner}"),
        ] {
            sqlx::query(&statement)
                .execute(&mut admin)
                .await
                .expect(&statement);
        }
        let mut as_owner = sqlx::PgConnection::connect(&as_user(&owner, &name))
            .await
            .expect("owner");
        for statement in [
            format!(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public \
                 GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {server}"
            ),
            format!(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {server}"
            ),
        ] {
            sqlx::query(&statement)
                .execute(&mut as_owner)
                .await
                .expect(&statement);
        }
        let migrated = Db::connect(&as_user(&owner, &name).parse().expect("URL"))
            .await
            .expect("connect as owner");
        migrated.migrate().await.expect("the owner migrates");
        migrated.close().await;

        let outbox = tempfile::tempdir().expect("outbox");
        let app = start_at_url(
            &as_user(&server, &name),
            outbox.path().to_owned(),
            Options::default(),
        )
        .await;
        chosen_cookie(&app, "accept_all", "served-by-app-role").await;
        sign_checkpoint(&app).await;
        assert!(matches!(report(&app, None).await, LogReport::Intact { .. }));
        let mut as_server = sqlx::PgConnection::connect(&as_user(&server, &name))
            .await
            .expect("server role");
        for statement in [
            "ALTER TABLE log_leaves DISABLE TRIGGER USER",
            "ALTER TABLE consent_events DISABLE TRIGGER ALL",
            "DROP TRIGGER log_leaves_are_immutable ON log_leaves",
            "SET session_replication_role = replica",
            "UPDATE log_leaves SET bytes = '{}'",
            "DELETE FROM consent_events",
            "TRUNCATE log_hashes",
        ] {
            let refused = sqlx::query(statement).execute(&mut as_server).await;
            assert!(refused.is_err(), "the serving role may {statement}");
        }
        drop(as_server);
        drop(app);
        drop(as_owner);
        for statement in [
            format!("DROP DATABASE {name} WITH (FORCE)"),
            format!("DROP ROLE {server}"),
            format!("DROP ROLE {owner}"),
        ] {
            sqlx::query(&statement)
                .execute(&mut admin)
                .await
                .expect(&statement);
        }
    });
}

async fn a_visitor_asked_again_keeps_one_history_of_verifiable_receipts(backend: Backend) {
    use app::inventory::ssr::{DEFAULT_INVENTORY, activate, parse};
    let app = logged_app(backend, 0).await;
    let first = chosen_cookie(&app, "accept_all", "receipts-first-choice").await;
    // A changed inventory asks everyone again; the visitor answers with their old cookie.
    let changed = parse(&DEFAULT_INVENTORY.replacen("Analytics", "Audience statistics", 1))
        .expect("a valid inventory");
    activate(
        &app.db,
        &changed,
        &app::audit::ssr::Actor::local("test", "receipts"),
    )
    .await
    .expect("in force");
    let version = app.configuration_version().await;
    let again = app
        .client
        .post(app.url("/api/consent"))
        .header(reqwest::header::COOKIE, &first)
        .json(&serde_json::json!({
            "method": "reject_all",
            "configuration_version": version,
            "idempotency_key": "receipts-asked-again",
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(again.status(), StatusCode::CREATED);
    let second = format!(
        "charter_consent={}",
        crate::helpers::consent_cookie(again.headers())
    );
    let subjects: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT subject_id) FROM consent_events")
        .fetch_one(app.db.reader())
        .await
        .expect("subjects");
    assert_eq!(
        subjects, 1,
        "the visitor was given a new subject when asked again"
    );

    let page = app
        .client
        .get(app.url("/cookies/receipts"))
        .header(reqwest::header::COOKIE, &second)
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("page");
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM consent_events ORDER BY id")
        .fetch_all(app.db.reader())
        .await
        .expect("ids");
    assert_eq!(ids.len(), 2);
    for id in &ids {
        let link = format!("/cookies/receipts/{id}/bundle");
        assert!(page.contains(&link), "{page}");
        let download = app
            .client
            .get(app.url(&link))
            .header(reqwest::header::COOKIE, &second)
            .send()
            .await
            .expect("request");
        assert_eq!(download.status(), StatusCode::OK);
        let bundle: Value = download.json().await.expect("JSON");
        let (accepted, said) = run_verifier(&bundle, app.state.log_key.public_key());
        assert!(accepted, "{said}");
    }

    // Nobody else's, and nothing without the visitor's cookie.
    let stranger = chosen_cookie(&app, "accept_all", "receipts-a-stranger").await;
    for (cookie, path) in [
        (
            Some(stranger.as_str()),
            format!("/cookies/receipts/{}/bundle", ids[0]),
        ),
        (None, format!("/cookies/receipts/{}/bundle", ids[0])),
        (
            Some(second.as_str()),
            "/cookies/receipts/999999/bundle".to_owned(),
        ),
        (
            Some(second.as_str()),
            "/cookies/receipts/first/bundle".to_owned(),
        ),
    ] {
        let mut request = app.client.get(app.url(&path));
        if let Some(cookie) = cookie {
            request = request.header(reqwest::header::COOKIE, cookie);
        }
        let answer = request.send().await.expect("request");
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            answer
                .text()
                .await
                .expect("body")
                .contains("/cookies/receipts lists")
        );
    }
}

/// The text of a single-part message, decoded as its transfer encoding says.
fn body_text(message: &Received) -> String {
    let (_, body) = message.data.split_once("\r\n\r\n").expect("a body");
    match message.header("Content-Transfer-Encoding").as_deref() {
        Some("base64") => String::from_utf8(
            STANDARD
                .decode(body.replace("\r\n", "").trim())
                .expect("base64"),
        )
        .expect("UTF-8"),
        Some("quoted-printable") => String::from_utf8(
            quoted_printable::decode(body, quoted_printable::ParseMode::Robust).expect("QP"),
        )
        .expect("UTF-8"),
        _ => body.to_owned(),
    }
    .replace("\r\n", "\n")
}

async fn checkpoints_are_mailed_to_every_witness(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = spawn_app_with(
        backend,
        Options {
            settings: vec![
                ("smtp_url", smtp.url()),
                (
                    "log_witnesses",
                    "audit@example.org, Monitor <monitor@example.net>".to_owned(),
                ),
                ("checkpoint_seconds", "1".to_owned()),
            ],
            ..Options::default()
        },
    )
    .await;
    chosen_cookie(&app, "accept_all", "a-witnessed-choice").await;
    let started = std::time::Instant::now();
    let received = loop {
        let received = smtp.received();
        if received.len() >= 2 || started.elapsed() > std::time::Duration::from_secs(15) {
            break received;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(received.len(), 2, "one message per witness");
    let mut recipients: Vec<String> = received.iter().flat_map(|m| m.to.clone()).collect();
    recipients.sort();
    assert_eq!(recipients, vec!["audit@example.org", "monitor@example.net"]);
    for message in &received {
        assert!(
            message
                .header("Subject")
                .is_some_and(|subject| subject.starts_with("Checkpoint of ")),
            "{}",
            message.data
        );
        let text = body_text(message);
        let note = text
            .split_once("-----BEGIN CHECKPOINT-----\n")
            .and_then(|(_, rest)| rest.split_once("-----END CHECKPOINT-----"))
            .map(|(note, _)| note.to_owned())
            .unwrap_or_else(|| panic!("no checkpoint in {text}"));
        let checkpoint =
            checkpoints::open(app.state.log_key.public_key(), &note).expect("a signed checkpoint");
        assert!(checkpoint.size() >= 1);
        assert!(text.contains("/.well-known/charter-log.pub"), "{text}");
    }
    // The next checkpoint, a second later, is not mailed within the hour.
    let signed = checkpoints::latest(&app.db)
        .await
        .expect("read")
        .expect("one")
        .size;
    chosen_cookie(&app, "accept_all", "a-second-witnessed-choice").await;
    let started = std::time::Instant::now();
    while checkpoints::latest(&app.db)
        .await
        .expect("read")
        .expect("one")
        .size
        == signed
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "no new checkpoint"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(smtp.received().len(), 2);
}
