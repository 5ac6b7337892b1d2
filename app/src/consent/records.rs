//! `/admin/consent`: the consent records, for admins. A filter by days, action and method
//! selects events; the page shows how many there are, what they chose per category and the
//! newest of them, and links to the export of exactly that set as CSV or JSON
//! (`/admin/consent/export`, streamed by the server binary). The filter is a plain GET form.

use super::{Action, Method};
use crate::{
    clock::{DayRange, Timestamp},
    errors::{AppError, Loaded},
    ui::Instant,
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use strum::VariantArray;

/// The filter fields as the address carries them; [`EventFilter::parse`] checks them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecordsQuery {
    pub from: String,
    pub to: String,
    pub action: String,
    pub method: String,
    /// Paging: only events older than this id.
    pub before: String,
}

impl RecordsQuery {
    /// The query string of this filter, without paging: what the export links carry.
    pub fn filter_pairs(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("from", self.from.as_str()),
                ("to", &self.to),
                ("action", &self.action),
                ("method", &self.method),
            ])
            .finish()
    }
}

/// Which consent events to count, list or export.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub days: DayRange,
    pub action: Option<Action>,
    pub method: Option<Method>,
}

impl EventFilter {
    pub fn parse(query: &RecordsQuery) -> Result<Self, String> {
        fn named<T: std::str::FromStr<Err = super::UnknownName>>(
            text: &str,
        ) -> Result<Option<T>, String> {
            match text.trim() {
                "" => Ok(None),
                name => name
                    .parse()
                    .map(Some)
                    .map_err(|e: super::UnknownName| e.to_string()),
            }
        }
        Ok(EventFilter {
            days: DayRange::parse(&query.from, &query.to)?,
            action: named(&query.action)?,
            method: named(&query.method)?,
        })
    }

    /// The filter in words, for the audit entry of an export.
    pub fn describe(&self) -> String {
        let day = |at: Option<Timestamp>, open: &str| at.map_or(open.to_owned(), |at| at.rfc3339());
        format!(
            "recorded from {} until {}; action {}; method {}",
            day(self.days.from, "the start"),
            day(self.days.until, "now"),
            self.action.map_or("any", Action::as_str),
            self.method.map_or("any", Method::as_str),
        )
    }
}

/// How often the selected events allowed and refused one category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryTotal {
    pub category: String,
    pub allowed: i64,
    pub refused: i64,
}

/// One event as the records page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRow {
    pub id: i64,
    pub recorded_at: Timestamp,
    pub subject: String,
    pub action: String,
    pub method: String,
    /// Category and whether it was allowed, in key order.
    pub choices: Vec<(String, bool)>,
    pub locale: String,
    pub configuration_version: String,
}

/// The records page's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsView {
    /// Every event the filter selects.
    pub total: i64,
    pub categories: Vec<CategoryTotal>,
    /// The newest of them, one page.
    pub events: Vec<RecordRow>,
    /// The `before` of the next (older) page, when there is one.
    pub older: Option<i64>,
}

/// How many events one page of the records lists.
pub const RECORDS_PAGE_SIZE: i64 = 50;

#[server(endpoint = "admin/consent-records")]
pub async fn get_consent_records(query: RecordsQuery) -> Result<RecordsView, AppError> {
    use crate::admin::{
        Role,
        ssr::guard::{SignedOut, require},
    };
    require(Role::Admin, SignedOut::SignIn).await?;
    let filter = EventFilter::parse(&query).map_err(|e| AppError::Invalid(e).answered())?;
    let before = match query.before.trim() {
        "" => None,
        before => Some(before.parse::<i64>().map_err(|_| {
            AppError::Invalid(format!("`{before}` is not an event number")).answered()
        })?),
    };
    let state = crate::state::app_state()?;
    let (total, categories) = super::ssr::choice_totals(&state.db, &filter).await?;
    let mut events =
        super::ssr::newest_events(&state.db, &filter, before, RECORDS_PAGE_SIZE + 1).await?;
    let older = (events.len() as i64 > RECORDS_PAGE_SIZE).then(|| {
        events.truncate(RECORDS_PAGE_SIZE as usize);
        events.last().map_or(0, |event| event.id)
    });
    Ok(RecordsView {
        total,
        categories,
        events,
        older,
    })
}

fn records_query() -> Memo<RecordsQuery> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|query| {
            let field = |name: &str| query.get(name).unwrap_or_default();
            RecordsQuery {
                from: field("from"),
                to: field("to"),
                action: field("action"),
                method: field("method"),
                before: field("before"),
            }
        })
    })
}

#[component]
pub fn ConsentRecordsPage() -> impl IntoView {
    let query = records_query();
    let records = Resource::new(move || query.get(), get_consent_records);
    view! {
        <Title text=tr!("consent-records-title") />
        <nav class="breadcrumbs"><a href="/admin">{move_tr!("admin-home-title")}</a></nav>
        <h1>{move_tr!("consent-records-title")}</h1>
        {move || records_filter_form(query.get())}
        <Loaded resource=records render=records_view />
    }
}

fn records_filter_form(query: RecordsQuery) -> impl IntoView {
    let options = |names: Vec<&'static str>, selected: String| {
        view! {
            <option value="" selected=selected.is_empty()>{move_tr!("filter-any")}</option>
            {names
                .into_iter()
                .map(|name| view! { <option value=name selected={selected == name}>{name}</option> })
                .collect_view()}
        }
    };
    view! {
        <form method="get" action="/admin/consent" class="admin-filter">
            <label for="records-from">{move_tr!("filter-from")}</label>
            <input id="records-from" name="from" type="date" value=query.from />
            <label for="records-to">{move_tr!("filter-to")}</label>
            <input id="records-to" name="to" type="date" value=query.to />
            <label for="records-action">{move_tr!("consent-records-action")}</label>
            <select id="records-action" name="action">
                {options(Action::VARIANTS.iter().copied().map(Action::as_str).collect(), query.action)}
            </select>
            <label for="records-method">{move_tr!("consent-records-method")}</label>
            <select id="records-method" name="method">
                {options(Method::VARIANTS.iter().copied().map(Method::as_str).collect(), query.method)}
            </select>
            <button type="submit">{move_tr!("filter-apply")}</button>
        </form>
    }
}

fn records_view(records: RecordsView) -> impl IntoView {
    let query = records_query().get_untracked();
    let filter = query.filter_pairs();
    let total = records.total;
    let older = records.older.map(|before| {
        let href = format!("/admin/consent?{filter}&before={before}");
        view! { <p><a href=href rel="next">{move_tr!("audit-log-older")}</a></p> }
    });
    let with_share = move |count: i64| {
        let all = total.max(1) as f64;
        format!("{count} ({:.1} %)", count as f64 * 100.0 / all)
    };
    view! {
        <section aria-labelledby="records-totals">
            <h2 id="records-totals">{move_tr!("consent-records-totals")}</h2>
            <p class="records-total">
                {move || tr!("consent-records-count", { "count" => total })}
            </p>
            <table class="records-totals">
                <thead>
                    <tr>
                        <th scope="col">{move_tr!("consent-records-category")}</th>
                        <th scope="col">{move_tr!("consent-records-allowed")}</th>
                        <th scope="col">{move_tr!("consent-records-refused")}</th>
                    </tr>
                </thead>
                <tbody>
                    {records
                        .categories
                        .into_iter()
                        .map(|category| {
                            view! {
                                <tr>
                                    <th scope="row">{category.category}</th>
                                    <td>{with_share(category.allowed)}</td>
                                    <td>{with_share(category.refused)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <p class="records-export">
                {move_tr!("consent-records-export")} " "
                <a href=format!("/admin/consent/export?format=csv&{filter}") download="">
                    "CSV"
                </a> " · "
                <a href=format!("/admin/consent/export?format=json&{filter}") download="">
                    "JSON"
                </a>
            </p>
        </section>
        <section aria-labelledby="records-events">
            <h2 id="records-events">{move_tr!("consent-records-newest")}</h2>
            <table class="records-events">
                <thead>
                    <tr>
                        <th scope="col">{move_tr!("admin-audit-when")}</th>
                        <th scope="col">{move_tr!("consent-records-subject")}</th>
                        <th scope="col">{move_tr!("consent-records-action")}</th>
                        <th scope="col">{move_tr!("consent-records-method")}</th>
                        <th scope="col">{move_tr!("consent-records-choices")}</th>
                        <th scope="col">{move_tr!("consent-records-locale")}</th>
                        <th scope="col">{move_tr!("consent-records-configuration")}</th>
                        <th scope="col">{move_tr!("consent-records-evidence")}</th>
                    </tr>
                </thead>
                <tbody>
                    {records.events.into_iter().map(record_row).collect_view()}
                </tbody>
            </table>
            {older}
        </section>
    }
}

fn record_row(event: RecordRow) -> impl IntoView {
    let choices = event
        .choices
        .iter()
        .map(|(category, allowed)| format!("{category} {}", if *allowed { "✓" } else { "✗" }))
        .collect::<Vec<_>>()
        .join(", ");
    let version = event
        .configuration_version
        .chars()
        .take(12)
        .collect::<String>();
    view! {
        <tr>
            <td><Instant at=event.recorded_at /></td>
            <td><code>{event.subject}</code></td>
            <td><code>{event.action}</code></td>
            <td><code>{event.method}</code></td>
            <td>{choices}</td>
            <td>{event.locale}</td>
            <td><code title=event.configuration_version>{version}</code></td>
            <td>
                <a href=format!("/admin/consent/records/{}/bundle", event.id) download="">
                    {move_tr!("consent-records-bundle")}
                </a>
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked_and_described() {
        let query = RecordsQuery {
            from: "2026-11-01".to_owned(),
            to: "2026-11-30".to_owned(),
            action: "grant".to_owned(),
            ..RecordsQuery::default()
        };
        let filter = EventFilter::parse(&query).unwrap();
        assert_eq!(filter.action, Some(Action::Grant));
        assert_eq!(filter.method, None);
        assert_eq!(
            filter.describe(),
            "recorded from 2026-11-01T00:00:00Z until 2026-12-01T00:00:00Z; action grant; \
             method any"
        );
        let bad = RecordsQuery {
            method: "telepathy".to_owned(),
            ..RecordsQuery::default()
        };
        assert_eq!(
            EventFilter::parse(&bad),
            Err("unknown method `telepathy`".to_owned())
        );
    }
}
