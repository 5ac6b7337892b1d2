//! Widgets every slice shows the same way: dates, exact instants, a revision's class, and the
//! notice a form endpoint sent its page back with.

use crate::{clock::Timestamp, revisions::RevisionClass};
use leptos::prelude::*;
use leptos_fluent::tr;

/// A date in the reader's language, with the exact instant machine-readable.
#[component]
pub fn DateTime(at: Timestamp) -> impl IntoView {
    let date = at.datetime().date();
    let day = date.day().to_string();
    let year = date.year().to_string();
    let month = date.month();
    view! {
        <time datetime=at.rfc3339()>
            {move || {
                tr!(
                    "date-long", {
                    "day" => day.clone(),
                    "month" => month_name(month),
                    "year" => year.clone()
                }
                )
            }}
        </time>
    }
}

fn month_name(month: time::Month) -> String {
    use time::Month::*;
    match month {
        January => tr!("month-1"),
        February => tr!("month-2"),
        March => tr!("month-3"),
        April => tr!("month-4"),
        May => tr!("month-5"),
        June => tr!("month-6"),
        July => tr!("month-7"),
        August => tr!("month-8"),
        September => tr!("month-9"),
        October => tr!("month-10"),
        November => tr!("month-11"),
        December => tr!("month-12"),
    }
}

#[component]
pub fn ClassLabel(class: RevisionClass) -> impl IntoView {
    view! {
        <span class=format!("class-label class-{class}")>
            {move || match class {
                RevisionClass::Editorial => tr!("class-editorial"),
                RevisionClass::Material => tr!("class-material"),
            }}
        </span>
    }
}

/// An exact instant for admin tables and exports: `2026-12-03 07:42:18.123Z`, machine-readable
/// in `datetime`.
#[component]
pub fn Instant(at: Timestamp) -> impl IntoView {
    let at = at.rfc3339();
    view! { <time datetime=at.clone()>{at.replace('T', " ")}</time> }
}

/// The typed notice a form endpoint sent this page back with (`crate::http::back_with`): its
/// query string read as `N`, or `None` when there is none or it does not parse.
pub fn notice_of<N: serde::de::DeserializeOwned>() -> Option<N> {
    let search = leptos_router::hooks::use_location().search.get_untracked();
    serde_urlencoded::from_str(&search).ok()
}
