//! The consent records export, as CSV or JSON: `charter consent export` writes it to standard
//! output, and admins download it from `/admin/consent/export` with the records page's filter
//! (`super::http`). Both read the events as a stream and write each as it arrives, so an export
//! of millions of events holds one at a time, and both record who exported what in the audit
//! log. Every CSV cell that a spreadsheet would run as a formula is written as text (see
//! [`spreadsheet_cell`]); the JSON keeps every value exactly.

use super::{Event, EventQuery};
use crate::{
    audit::{
        AuditAction,
        ssr::{Actor, record_alone},
    },
    consent::records::EventFilter,
    db::Db,
};
use axum::body::Bytes;
use futures_util::TryStreamExt;
use serde::Deserialize;
use std::{borrow::Cow, io::Write};

/// How much of the export is gathered before it is sent on.
const CHUNK_BYTES: usize = 64 * 1024;

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::EnumString,
    strum::Display,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", parse_err_ty = String, parse_err_fn = unknown_format)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The download's media type.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Json => "application/json",
        }
    }
}

fn unknown_format(text: &str) -> String {
    format!("unknown export format {text:?}; use csv or json")
}

/// In the order the chain hashes them (`site` and `page` last, after the key).
const CSV_COLUMNS: [&str; 17] = [
    "id",
    "recorded_at",
    "subject_id",
    "action",
    "method",
    "choices",
    "configuration_version",
    "banner_sha256",
    "revisions",
    "locale",
    "user_agent",
    "ip_prefix",
    "idempotency_key",
    "site",
    "page",
    "prev_hash",
    "hash",
];

fn csv_row(event: &Event) -> [String; 17] {
    [
        event.id.to_string(),
        event.recorded_at.rfc3339_millis(),
        event.subject.clone(),
        event.action.clone(),
        event.method.clone(),
        event.choices.to_string(),
        event.configuration_version.clone(),
        event.banner_sha256.clone(),
        event.revisions.to_string(),
        event.locale.clone(),
        event.user_agent.clone(),
        event.ip_prefix.clone(),
        event.idempotency_key.clone(),
        event.site.clone(),
        event.page.clone(),
        event.prev_hash.clone(),
        event.hash.clone(),
    ]
}

/// A cell as a spreadsheet should read it. Visitors choose their `User-Agent`, and a cell that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula when an
/// admin opens the export (CSV injection), so such a cell gets a leading `'`, as OWASP advises:
/// spreadsheets show the rest as text.
pub fn spreadsheet_cell(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// One CSV record (RFC 4180 quoting, every cell made spreadsheet-safe) with its line end.
fn csv_line<I, F>(fields: I) -> std::io::Result<Vec<u8>>
where
    I: IntoIterator<Item = F>,
    F: AsRef<str>,
{
    let mut line = csv::Writer::from_writer(Vec::with_capacity(512));
    for field in fields {
        line.write_field(spreadsheet_cell(field.as_ref()).as_bytes())?;
    }
    line.write_record(None::<&[u8]>)?;
    line.into_inner().map_err(|error| error.into_error())
}

/// Writes events one by one as CSV (with a header row) or as a JSON array.
pub struct ExportWriter<W: Write> {
    format: ExportFormat,
    out: W,
    first: bool,
}

impl<W: Write> ExportWriter<W> {
    /// Starts the export: the CSV header, or the array's opening bracket.
    pub fn start(format: ExportFormat, mut out: W) -> std::io::Result<Self> {
        match format {
            ExportFormat::Csv => out.write_all(&csv_line(CSV_COLUMNS)?)?,
            ExportFormat::Json => out.write_all(b"[")?,
        }
        Ok(ExportWriter {
            format,
            out,
            first: true,
        })
    }

    pub fn write(&mut self, event: &Event) -> std::io::Result<()> {
        match self.format {
            ExportFormat::Csv => self.out.write_all(&csv_line(csv_row(event))?)?,
            ExportFormat::Json => {
                self.out
                    .write_all(if self.first { b"\n" } else { b",\n" })?;
                serde_json::to_writer(&mut self.out, event)?;
            }
        }
        self.first = false;
        Ok(())
    }

    /// The output so far.
    pub fn output(&mut self) -> &mut W {
        &mut self.out
    }

    /// Ends the export (the array's closing bracket) and flushes it.
    pub fn finish(mut self) -> std::io::Result<W> {
        if self.format == ExportFormat::Json {
            self.out.write_all(b"\n]\n")?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Records that `actor` exported what `filter` selects, before the first event is sent.
pub async fn record_export(
    db: &Db,
    actor: &Actor,
    filter: &EventFilter,
    format: ExportFormat,
) -> Result<(), sqlx::Error> {
    let detail = format!("{}, {}", format.as_str(), filter.describe());
    record_alone(
        db,
        actor,
        AuditAction::ExportMade,
        "consent records",
        &detail,
    )
    .await
}

/// Writes the export into `sender` a chunk at a time. A failure part-way ends the body with an
/// error, so the download is cut off visibly instead of ending as if it were complete.
pub async fn stream_export(
    db: Db,
    filter: EventFilter,
    format: ExportFormat,
    sender: tokio::sync::mpsc::Sender<std::io::Result<Bytes>>,
) {
    let query = EventQuery::new(&filter);
    let events = query.events(&db);
    let mut events = std::pin::pin!(events);
    let written = async {
        let mut writer = ExportWriter::start(format, Vec::with_capacity(CHUNK_BYTES))?;
        while let Some(event) = events.try_next().await.map_err(std::io::Error::other)? {
            writer.write(&event)?;
            let output = writer.output();
            if output.len() >= CHUNK_BYTES {
                let chunk = Bytes::from(std::mem::take(output));
                if sender.send(Ok(chunk)).await.is_err() {
                    return Ok(None);
                }
            }
        }
        writer.finish().map(Some)
    };
    match written.await {
        Ok(Some(rest)) => {
            let _ = sender.send(Ok(Bytes::from(rest))).await;
        }
        // The browser went away; nothing is left to send.
        Ok(None) => {}
        Err(error) => {
            tracing::error!(%error, "consent export failed part-way");
            let _ = sender.send(Err(error)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ExportFormat, csv_line, spreadsheet_cell};

    #[test]
    fn formats_are_named_and_unknown_ones_refused() {
        assert_eq!("csv".parse(), Ok(ExportFormat::Csv));
        assert_eq!(ExportFormat::Json.to_string(), "json");
        let error = "xml".parse::<ExportFormat>().unwrap_err();
        assert!(error.contains("use csv or json"), "{error}");
    }

    #[test]
    fn cells_a_spreadsheet_would_run_become_text() {
        for formula in [
            "=HYPERLINK(\"https://evil.example\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(spreadsheet_cell(formula), format!("'{formula}"));
        }
        for text in [
            "Mozilla/5.0",
            "{\"analytics\":true}",
            "203.0.113.0/24",
            "a=b",
            "",
        ] {
            assert_eq!(spreadsheet_cell(text), text);
        }
    }

    #[test]
    fn a_line_quotes_and_neutralises_each_cell() {
        let line = csv_line(["7", "=1,2", "plain"]).expect("written");
        assert_eq!(
            String::from_utf8(line).expect("utf-8"),
            "7,\"'=1,2\",plain\n"
        );
    }
}
