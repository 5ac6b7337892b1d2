//! The visitor's own consent pages: `/cookies/settings` shows the choice in force and changes
//! or withdraws it as easily as it was given; `/cookies/receipts` lists every event recorded
//! for this browser's consent subject, with a JSON download.

use super::banner::{BannerCategory, BannerUse, BannerView, categories_view, get_banner, gpc_note};
use crate::{
    clock::Timestamp,
    errors::{AppError, Loaded},
    i18n::Locale,
    ui::DateTime,
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One recorded event, as its subject sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: i64,
    pub recorded_at: Timestamp,
    pub action: String,
    pub method: String,
    pub choices: BTreeMap<String, bool>,
    pub configuration_version: String,
    pub hash: String,
    /// The event's index in the evidence log, once it has a leaf.
    pub leaf_index: Option<u64>,
}

#[server]
pub async fn get_receipts() -> Result<Vec<Receipt>, AppError> {
    use super::ssr::{consent_cookie, logged_events_of};
    let state = crate::state::app_state()?;
    let headers: axum::http::HeaderMap = leptos_axum::extract()
        .await
        .map_err(|_| AppError::Internal)?;
    let Some(cookie) = state.consent.verified(consent_cookie(&headers)) else {
        return Ok(Vec::new());
    };
    let events = logged_events_of(&state.db, &cookie.subject).await?;
    Ok(events
        .into_iter()
        .map(|(event, leaf_index)| Receipt {
            leaf_index,
            id: event.id,
            recorded_at: event.recorded_at,
            action: event.action,
            method: event.method,
            choices: serde_json::from_value(event.choices).unwrap_or_default(),
            configuration_version: event.configuration_version,
            hash: event.hash,
        })
        .collect())
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let settings = Resource::new(Locale::current, |locale| {
        get_banner(locale, BannerUse::Settings)
    });
    view! {
        <Title text=tr!("settings-title") />
        <h1>{move_tr!("settings-title")}</h1>
        <Loaded resource=settings render=settings_view />
    }
}

/// Two plain forms: a change or a withdrawal is posted and answered 303 back to this page,
/// which then shows the choice in force.
fn settings_view(view: BannerView) -> impl IntoView {
    let current = view.current.clone();
    let status = match &current {
        Some(current) => {
            let allowed: Vec<String> = view
                .categories
                .iter()
                .filter(|c| c.always_on || current.choices.get(&c.key) == Some(&true))
                .map(|c| c.title.clone())
                .collect();
            let at = current.at;
            view! {
                <p class="settings-status" role="status">
                    {move_tr!("settings-chosen-on")} " " <DateTime at /> ". "
                    {move_tr!("settings-allowed")} " " {allowed.join(", ")} "."
                </p>
            }
            .into_any()
        }
        None => view! {
            <p class="settings-status" role="status">{move_tr!("settings-no-choice")}</p>
        }
        .into_any(),
    };
    let categories = categories_view("settings", &view.categories, current.as_ref());
    let gpc = gpc_note(&view);
    let hidden = move || {
        view! {
            <input type="hidden" name="method" value="settings_page" />
            <input type="hidden" name="configuration_version" value=view.configuration_version.clone() />
            <input type="hidden" name="idempotency_key" value=view.idempotency_key.clone().unwrap_or_default() />
            <input type="hidden" name="locale" value=view.locale.as_str() />
            <input type="hidden" name="return_to" value="/cookies/settings" />
        }
    };
    view! {
        {status}
        {gpc}
        <form method="post" action="/cookies/consent" class="settings-form">
            {hidden.clone()}
            <fieldset>
                <legend>{move_tr!("consent-categories")}</legend>
                {categories}
            </fieldset>
            <button type="submit" class="consent-button">
                {move_tr!("consent-save")}
            </button>
        </form>
        <form method="post" action="/cookies/consent" class="settings-withdraw">
            {hidden}
            <p>{move_tr!("settings-withdraw-explained")}</p>
            <button type="submit" class="consent-button">
                {move_tr!("settings-withdraw")}
            </button>
        </form>
        <p><a href="/cookies/receipts">{move_tr!("settings-receipts-link")}</a></p>
    }
}

/// The categories and services of the inventory in force at `at`, or now: what a Cookie
/// Policy revision's table lists.
#[server]
pub async fn get_cookie_table(
    locale: Locale,
    at: Option<Timestamp>,
) -> Result<Vec<BannerCategory>, AppError> {
    use crate::inventory::ssr::{active, in_force_at};
    let state = crate::state::app_state()?;
    let configuration = match at {
        Some(at) => in_force_at(&state.db, at).await?,
        None => active(&state.db).await?,
    }
    .ok_or(AppError::Internal)?;
    Ok(super::banner::categories_in(
        &configuration.inventory,
        locale,
    ))
}

/// The Cookie Policy's table of cookies, generated from the inventory, so the policy lists
/// exactly what the banner asks about. A revision that is not the current one (`in_force_at`
/// its effective date) lists the inventory in force then, not today's.
#[component]
pub fn CookieTable(in_force_at: Option<Timestamp>) -> impl IntoView {
    let inventory = Resource::new(Locale::current, move |locale| {
        get_cookie_table(locale, in_force_at)
    });
    view! {
        <section class="cookie-table" aria-labelledby="cookie-table-heading">
            <h2 id="cookie-table-heading">{move_tr!("cookie-table-heading")}</h2>
            <p>
                {match in_force_at {
                    Some(at) => view! {
                        {move_tr!("cookie-table-intro-then")} " " <DateTime at /> "."
                    }
                    .into_any(),
                    None => view! { {move_tr!("cookie-table-intro")} }.into_any(),
                }}
            </p>
            <Loaded resource=inventory render=cookie_table_view />
        </section>
    }
}

fn cookie_table_view(categories: Vec<BannerCategory>) -> impl IntoView {
    categories
        .into_iter()
        .map(|category| {
            let rows = category
                .services
                .into_iter()
                .map(|service| {
                    let party = service.third_party;
                    view! {
                        <tr>
                            <th scope="row">{service.name}</th>
                            <td>{service.provider}</td>
                            <td>{service.purpose}</td>
                            <td>{service.duration}</td>
                            <td><code>{service.cookies.join(", ")}</code></td>
                            <td>
                                {move || if party { tr!("cookie-table-third") } else { tr!("cookie-table-first") }}
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            let empty = rows.is_empty();
            view! {
                <h3>{category.title}</h3>
                <p>{category.description}</p>
                {if empty {
                    view! { <p class="notice">{move_tr!("cookie-table-none")}</p> }.into_any()
                } else {
                    view! {
                        <div class="table-scroll">
                            <table>
                                <thead>
                                    <tr>
                                        <th scope="col">{move_tr!("cookie-table-service")}</th>
                                        <th scope="col">{move_tr!("cookie-table-provider")}</th>
                                        <th scope="col">{move_tr!("cookie-table-purpose")}</th>
                                        <th scope="col">{move_tr!("cookie-table-duration")}</th>
                                        <th scope="col">{move_tr!("cookie-table-cookies")}</th>
                                        <th scope="col">{move_tr!("cookie-table-party")}</th>
                                    </tr>
                                </thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    }
                    .into_any()
                }}
            }
        })
        .collect_view()
}

#[component]
pub fn ReceiptsPage() -> impl IntoView {
    let receipts = Resource::new(|| (), |()| get_receipts());
    view! {
        <Title text=tr!("receipts-title") />
        <h1>{move_tr!("receipts-title")}</h1>
        <p>{move_tr!("receipts-intro")}</p>
        <Loaded resource=receipts render=receipts_view />
    }
}

fn receipts_view(receipts: Vec<Receipt>) -> impl IntoView {
    if receipts.is_empty() {
        return view! { <p class="notice">{move_tr!("receipts-none")}</p> }.into_any();
    }
    let rows = receipts
        .into_iter()
        .map(|receipt| {
            let choices = receipt
                .choices
                .iter()
                .map(|(key, allowed)| format!("{key}: {}", if *allowed { "✓" } else { "✗" }))
                .collect::<Vec<_>>()
                .join(", ");
            view! {
                <tr>
                    <td><DateTime at=receipt.recorded_at /></td>
                    <td>{receipt.action}</td>
                    <td>{receipt.method}</td>
                    <td>{choices}</td>
                    <td><code>{receipt.hash.get(..12).unwrap_or(&receipt.hash).to_owned()}</code></td>
                    <td>
                        {receipt.leaf_index.map(|index| {
                            let label = tr!("receipts-bundle-label", {"index" => index.to_string()});
                            view! {
                                {index.to_string()} " "
                                <a href=format!("/cookies/receipts/{}/bundle", receipt.id)
                                    download="" aria-label=label>
                                    {move_tr!("receipts-bundle")}
                                </a>
                            }
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="receipts">
                <thead>
                    <tr>
                        <th scope="col">{move_tr!("receipts-when")}</th>
                        <th scope="col">{move_tr!("receipts-action")}</th>
                        <th scope="col">{move_tr!("receipts-method")}</th>
                        <th scope="col">{move_tr!("receipts-choices")}</th>
                        <th scope="col">{move_tr!("receipts-hash")}</th>
                        <th scope="col">{move_tr!("receipts-entry")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p>
            <a href="/cookies/receipts.json" download type="application/json">
                {move_tr!("receipts-download")}
            </a>
        </p>
    }
    .into_any()
}
