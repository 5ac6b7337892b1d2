//! Reading the consent log for admins: counting, listing and exporting the events a filter
//! selects. Nothing here writes; the log is only ever appended to by its writer (`log`).

use super::log::{EVENT_COLUMNS, Event, event_from_row};
use crate::{
    clock::Timestamp,
    consent::records::{CategoryTotal, EventFilter, RecordRow},
    db::{Conditions, Db, FilterValue, decode_error},
};
use sqlx::Row;
use std::collections::BTreeMap;

/// The `WHERE` clause selecting what `filter` selects.
fn event_conditions(filter: &EventFilter) -> Conditions {
    let mut conditions = Conditions::default();
    if let Some(from) = filter.days.from {
        conditions.push("recorded_at >= $?", FilterValue::Int(from.as_millis()));
    }
    if let Some(until) = filter.days.until {
        conditions.push("recorded_at < $?", FilterValue::Int(until.as_millis()));
    }
    if let Some(action) = filter.action {
        conditions.push("action = $?", FilterValue::Text(action.as_str().to_owned()));
    }
    if let Some(method) = filter.method {
        conditions.push("method = $?", FilterValue::Text(method.as_str().to_owned()));
    }
    conditions
}

/// The events a filter selects, oldest first, read as the database returns them: an export of
/// millions of events never holds more than one in memory.
pub struct EventQuery {
    sql: String,
    conditions: Conditions,
}

impl EventQuery {
    pub fn new(filter: &EventFilter) -> Self {
        let conditions = event_conditions(filter);
        EventQuery {
            sql: format!(
                "SELECT {EVENT_COLUMNS} FROM consent_events{} ORDER BY id",
                conditions.where_clause()
            ),
            conditions,
        }
    }

    pub fn events<'a>(
        &'a self,
        db: &'a Db,
    ) -> impl futures_util::Stream<Item = Result<Event, sqlx::Error>> + Send + 'a {
        use futures_util::StreamExt;
        self.conditions
            .bind(sqlx::query(&self.sql))
            .fetch(db.reader())
            .map(|row| row.and_then(|row| event_from_row(&row)))
    }
}

/// The newest events `filter` selects that are older than `before`, at most `limit`, as the
/// records page lists them.
pub async fn newest_events(
    db: &Db,
    filter: &EventFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<RecordRow>, sqlx::Error> {
    let mut conditions = event_conditions(filter);
    if let Some(before) = before {
        conditions.push("id < $?", FilterValue::Int(before));
    }
    let rows = conditions
        .newest(
            db.reader(),
            "id, recorded_at, subject_id, action, method, choices, locale, configuration_version
             FROM consent_events",
            limit,
        )
        .await?;
    rows.iter()
        .map(|row| {
            let choices: String = row.try_get("choices")?;
            let choices: BTreeMap<String, bool> =
                serde_json::from_str(&choices).map_err(|e| decode_error("choices", e))?;
            Ok(RecordRow {
                id: row.try_get("id")?,
                recorded_at: Timestamp::from_millis(row.try_get("recorded_at")?),
                subject: row.try_get("subject_id")?,
                action: row.try_get("action")?,
                method: row.try_get("method")?,
                choices: choices.into_iter().collect(),
                locale: row.try_get("locale")?,
                configuration_version: row.try_get("configuration_version")?,
            })
        })
        .collect()
}

/// How many events `filter` selects, and how often they allowed and refused each category.
/// The database groups by the stored choices, of which there are few distinct ones, so this
/// reads a handful of rows however many events there are.
pub async fn choice_totals(
    db: &Db,
    filter: &EventFilter,
) -> Result<(i64, Vec<CategoryTotal>), sqlx::Error> {
    let conditions = event_conditions(filter);
    let sql = format!(
        "SELECT choices, COUNT(*) AS events FROM consent_events{} GROUP BY choices",
        conditions.where_clause()
    );
    let rows = conditions
        .bind(sqlx::query(&sql))
        .fetch_all(db.reader())
        .await?;
    let mut total = 0;
    let mut categories: BTreeMap<String, CategoryTotal> = BTreeMap::new();
    for row in &rows {
        let events: i64 = row.try_get("events")?;
        let choices: String = row.try_get("choices")?;
        let choices: BTreeMap<String, bool> =
            serde_json::from_str(&choices).map_err(|e| decode_error("choices", e))?;
        total += events;
        for (category, allowed) in choices {
            let counts = categories.entry(category.clone()).or_insert(CategoryTotal {
                category,
                allowed: 0,
                refused: 0,
            });
            if allowed {
                counts.allowed += events;
            } else {
                counts.refused += events;
            }
        }
    }
    Ok((total, categories.into_values().collect()))
}
