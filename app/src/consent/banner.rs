//! The consent banner, on every page while the visitor has no valid choice. It is a region, not
//! a wall: the page stays readable. Accept all, Reject all and Customise are buttons of equal
//! size and weight. Without JavaScript it is a plain form that posts to `/cookies/consent` and
//! comes back (303) without the banner. The region around it is an island: where the wasm has
//! loaded, the same form is sent to `POST /api/consent` in the background and the banner goes
//! away without a reload.

use crate::{errors::AppError, i18n::Locale};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_router::hooks::use_location;
use serde::{Deserialize, Serialize};

/// Why the visitor is asked (again).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AskReason {
    /// No choice yet (or one that could not be trusted).
    FirstVisit,
    /// The cookies asked about changed since the visitor chose.
    Changed,
    /// The choice is older than the consent lifetime.
    Expired,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BannerService {
    pub name: String,
    pub provider: String,
    pub purpose: String,
    pub duration: String,
    pub third_party: bool,
    pub cookies: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BannerCategory {
    pub key: String,
    pub title: String,
    pub description: String,
    pub always_on: bool,
    pub services: Vec<BannerService>,
}

/// What the banner needs, or `None` in `ask` when the visitor has a valid choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BannerView {
    pub ask: Option<AskReason>,
    pub configuration_version: String,
    /// Fresh for every rendering of the settings page, so its form sent twice records once.
    /// The banner carries none, so that a page with the banner is the same for every visitor
    /// and can be served from the page cache: its island makes a key when it sends the form,
    /// and a plain post gets one from the server.
    pub idempotency_key: Option<String>,
    pub locale: Locale,
    pub categories: Vec<BannerCategory>,
    /// The choice in force, for the settings page.
    pub current: Option<CurrentChoice>,
    /// Titles of the categories a Global Privacy Control signal refuses, when the request
    /// carried one.
    pub gpc_refused: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentChoice {
    pub choices: std::collections::BTreeMap<String, bool>,
    pub at: crate::clock::Timestamp,
}

/// What a page reads the consent state for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BannerUse {
    /// The banner on every page. Only it records a Global Privacy Control opt-out, so a page
    /// that also shows the settings records it once. Its form is there only while it asks.
    Banner,
    /// The settings page, whose form is always there.
    Settings,
}

/// The categories and services of `inventory`, in `locale`.
#[cfg(feature = "ssr")]
pub fn categories_in(
    inventory: &crate::inventory::Inventory,
    locale: Locale,
) -> Vec<BannerCategory> {
    let text = |texts: &crate::inventory::Texts| texts.get(&locale).cloned().unwrap_or_default();
    inventory
        .categories()
        .iter()
        .map(|category| BannerCategory {
            key: category.key.to_string(),
            title: text(&category.title),
            description: text(&category.description),
            always_on: category.key.is_necessary(),
            services: category
                .services
                .iter()
                .map(|service| BannerService {
                    name: service.name.clone(),
                    provider: service.provider.clone(),
                    purpose: text(&service.purpose),
                    duration: text(&service.duration),
                    third_party: service.party == crate::inventory::Party::Third,
                    cookies: service.cookies.clone(),
                })
                .collect(),
        })
        .collect()
}

/// The consent state and what to ask about.
#[server]
pub async fn get_banner(locale: Locale, usage: BannerUse) -> Result<BannerView, AppError> {
    use super::{
        IdempotencyKey,
        ssr::{Origin, Standing, consent_cookie},
    };
    use crate::inventory::ssr::active;

    let state = crate::state::app_state()?;
    let configuration = active(&state.db).await?.ok_or(AppError::Internal)?;
    let headers: axum::http::HeaderMap = leptos_axum::extract()
        .await
        .map_err(|_| AppError::Internal)?;
    let axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr> =
        leptos_axum::extract()
            .await
            .map_err(|_| AppError::Internal)?;
    let origin = Origin::of(&headers, peer);
    let gpc = if usage == BannerUse::Banner {
        let uri: axum::http::Uri = leptos_axum::extract()
            .await
            .map_err(|_| AppError::Internal)?;
        let place = super::ssr::Place::own(&state.site.base_url, uri.path());
        state
            .consent
            .record_gpc(&state.db, &origin, locale, place, &state.network.writes)
            .await
            .map_err(|error| {
                tracing::error!(%error, "GPC opt-out not recorded");
                AppError::Internal
            })?
    } else {
        None
    };
    if let Some(applied) = &gpc {
        set_cookies(applied);
    }
    // After recording the signal, the browser holds the cookie this response sets.
    let standing = match gpc {
        Some(applied) if applied.cookie.gpc_only => Standing::GpcRecorded(applied.cookie),
        Some(applied) => Standing::Chosen(applied.cookie),
        None => state
            .consent
            .standing(consent_cookie(&headers), &configuration.version),
    };
    let current = standing.chosen().map(|cookie| CurrentChoice {
        choices: cookie
            .choices
            .iter()
            .map(|(key, allowed)| (key.to_string(), *allowed))
            .collect(),
        at: cookie.at,
    });
    let ask = match standing {
        Standing::Chosen(_) => None,
        Standing::Undecided | Standing::GpcRecorded(_) => Some(AskReason::FirstVisit),
        Standing::Outdated(_) => Some(AskReason::Changed),
        Standing::Expired(_) => Some(AskReason::Expired),
    };
    let text = |texts: &crate::inventory::Texts| texts.get(&locale).cloned().unwrap_or_default();
    let categories = categories_in(&configuration.inventory, locale);
    let idempotency_key = if usage == BannerUse::Settings {
        crate::caching::ssr::no_store();
        Some(
            IdempotencyKey::random()
                .map_err(|_| AppError::Internal)?
                .to_string(),
        )
    } else {
        None
    };
    Ok(BannerView {
        ask,
        configuration_version: configuration.version,
        idempotency_key,
        locale,
        gpc_refused: if origin.gpc {
            configuration
                .inventory
                .optional()
                .filter(|category| category.sale_or_sharing)
                .map(|category| text(&category.title))
                .collect()
        } else {
            Vec::new()
        },
        categories,
        current,
    })
}

/// What a page says when the request carried a Global Privacy Control signal: that it is
/// honoured, and which categories it refuses.
pub fn gpc_note(view: &BannerView) -> Option<impl IntoView + use<>> {
    (!view.gpc_refused.is_empty()).then(|| {
        let refused = view.gpc_refused.join(", ");
        view! {
            <p class="consent-gpc" role="note">
                {move_tr!("consent-gpc-honoured")} " " <strong>{refused}</strong> "."
            </p>
        }
    })
}

/// Adds the cookies an applied choice sets to the response the server function is building.
#[cfg(feature = "ssr")]
fn set_cookies(applied: &super::ssr::Applied) {
    let response = expect_context::<leptos_axum::ResponseOptions>();
    for cookie in &applied.set_cookies {
        if let Ok(value) = axum::http::HeaderValue::from_str(cookie) {
            response.append_header(axum::http::header::SET_COOKIE, value);
        }
    }
}

/// Shows the banner while the visitor has no valid choice.
#[component]
pub fn ConsentBanner() -> impl IntoView {
    let banner = Resource::new(Locale::current, |locale| {
        get_banner(locale, BannerUse::Banner)
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match banner.await {
                    Ok(view) if view.ask.is_some() => Some(view! { <Banner view /> }),
                    Ok(_) => None,
                    Err(error) => {
                        tracing::warn!(%error, "consent banner unavailable");
                        None
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn Banner(view: BannerView) -> impl IntoView {
    let location = use_location();
    let return_to = move || {
        format!(
            "{}{}",
            location.pathname.get_untracked(),
            location.search.get_untracked()
        )
    };
    let button = |method: &'static str, label: String| {
        view! {
            <button type="submit" name="method" value=method class="consent-button">
                {label}
            </button>
        }
    };
    let categories = categories_view("banner", &view.categories, None);
    let reason = match view.ask {
        Some(AskReason::Changed) => Some(
            view! {
                <p class="consent-reason">
                    {move_tr!("consent-reason-changed")} " "
                    <a href="/policies/cookies/history">{move_tr!("consent-reason-see-changes")}</a>
                </p>
            }
            .into_any(),
        ),
        Some(AskReason::Expired) => Some(
            view! {
                <p class="consent-reason">{move_tr!("consent-reason-expired")}</p>
            }
            .into_any(),
        ),
        _ => None,
    };
    let gpc = gpc_note(&view);
    view! {
        <BannerRegion>
            <h2 id="consent-heading">{move_tr!("consent-banner-heading")}</h2>
            {reason}
            {gpc}
            <p>
                {move_tr!("consent-banner-body")} " "
                <a href="/policies/cookies">{move_tr!("consent-cookie-policy")}</a>
                " · "
                <a href="/policies/privacy">{move_tr!("consent-privacy-policy")}</a>
            </p>
            <form method="post" action="/cookies/consent" class="consent-form">
                <input type="hidden" name="configuration_version" value=view.configuration_version.clone() />
                <input type="hidden" name="idempotency_key" value="" />
                <input type="hidden" name="locale" value=view.locale.as_str() />
                <input type="hidden" name="return_to" value=return_to />
                <div class="consent-actions">
                    {button("accept_all", tr!("consent-accept-all"))}
                    {button("reject_all", tr!("consent-reject-all"))}
                    <details class="consent-customise">
                        <summary class="consent-button">{move_tr!("consent-customise")}</summary>
                        <fieldset>
                            <legend>{move_tr!("consent-categories")}</legend>
                            {categories}
                        </fieldset>
                        {button("custom", tr!("consent-save"))}
                    </details>
                </div>
                <p class="consent-error" role="alert" hidden>
                    {move_tr!("consent-failed")}
                </p>
            </form>
        </BannerRegion>
    }
}

/// The banner's region: the only part of the banner that ships to the browser. Its form is
/// rendered on the server; hydrated, a press of one of its buttons sends the same fields to
/// `POST /api/consent` and hides the region once the choice is recorded.
#[island]
fn BannerRegion(children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    crate::islands::browser::listen("submit", background::submit);
    view! {
        <section class="consent-banner" aria-labelledby="consent-heading">
            {children()}
        </section>
    }
}

/// The banner form sent by `fetch`. The JSON API is the one the embed will use too; the body is
/// built with the browser's own `JSON`, which keeps serde out of the wasm.
#[cfg(feature = "hydrate")]
mod background {
    use crate::islands::browser::{field, post};
    use wasm_bindgen::JsCast;
    use web_sys::{HtmlFormElement, HtmlInputElement, SubmitEvent};

    pub fn submit(event: SubmitEvent) {
        let Some(form) = event
            .target()
            .and_then(|target| target.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let Some(region) = form.closest(".consent-banner").ok().flatten() else {
            return;
        };
        let Some(method) = event
            .submitter()
            .and_then(|button| button.get_attribute("value"))
        else {
            return;
        };
        event.prevent_default();
        let body = js_sys::Object::new();
        let set = |object: &js_sys::Object, key: &str, value: wasm_bindgen::JsValue| {
            let _ = js_sys::Reflect::set(object, &key.into(), &value);
        };
        set(&body, "method", method.as_str().into());
        remember_key(&form);
        for name in ["configuration_version", "idempotency_key", "locale"] {
            set(&body, name, field(&form, name).into());
        }
        if method == "custom" {
            let choices = js_sys::Object::new();
            if let Ok(boxes) = form.query_selector_all("input[name=category]") {
                for input in (0..boxes.length())
                    .filter_map(|i| boxes.item(i))
                    .filter_map(|node| node.dyn_into::<HtmlInputElement>().ok())
                {
                    set(&choices, &input.value(), input.checked().into());
                }
            }
            set(&body, "choices", choices.into());
        }
        let error = form.query_selector(".consent-error").ok().flatten();
        let json = js_sys::JSON::stringify(&body)
            .ok()
            .and_then(|json| json.as_string())
            .unwrap_or_default();
        wasm_bindgen_futures::spawn_local(async move {
            match post("/api/consent", "application/json", &json)
                .await
                .map(|answer| answer.status)
            {
                Some(200 | 201) => {
                    let _ = region.set_attribute("hidden", "");
                }
                // The cookies asked about changed while the page was open: the page asks anew.
                Some(409) => {
                    let _ = leptos::prelude::window().location().reload();
                }
                _ => {
                    if let Some(error) = error {
                        let _ = error.remove_attribute("hidden");
                    }
                }
            }
        });
    }

    /// Gives the form a key the first time it is sent and keeps it, so a second press while the
    /// first is on its way is the same request and records once.
    fn remember_key(form: &HtmlFormElement) {
        let Some(input) = form
            .query_selector("input[name=idempotency_key]")
            .ok()
            .flatten()
            .and_then(|input| input.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        if input.value().is_empty()
            && let Ok(crypto) = leptos::prelude::window().crypto()
        {
            input.set_value(&crypto.random_uuid());
        }
    }
}

/// Every category; `current` ticks the ones the choice in force allows (none on the banner).
pub(super) fn categories_view(
    form: &str,
    categories: &[BannerCategory],
    current: Option<&CurrentChoice>,
) -> impl IntoView + use<> {
    categories
        .iter()
        .map(|category| {
            let allowed = current
                .and_then(|current| current.choices.get(&category.key).copied())
                .unwrap_or(false);
            category_view(form, category, allowed)
        })
        .collect_view()
}

/// A category with its services and its checkbox; `necessary` is shown ticked and fixed.
fn category_view(form: &str, category: &BannerCategory, allowed: bool) -> impl IntoView + use<> {
    // The banner may stay in the page, hidden, beside the settings form: ids name their form.
    let id = format!("{form}-{}", category.key);
    let services = category
        .services
        .iter()
        .map(|service| {
            let party = service.third_party;
            view! {
                <li>
                    <strong>{service.name.clone()}</strong>
                    " (" {service.provider.clone()}
                    {party.then(|| view! { ", " {move_tr!("consent-third-party")} })}
                    "): " {service.purpose.clone()} " " {service.duration.clone()}
                </li>
            }
        })
        .collect_view();
    let input = if category.always_on {
        view! { <input type="checkbox" id=id.clone() checked disabled /> }.into_any()
    } else {
        view! {
            <input
                type="checkbox"
                id=id.clone()
                name="category"
                value=category.key.clone()
                checked=allowed
            />
        }
        .into_any()
    };
    view! {
        <div class="consent-category">
            {input}
            <label for=id>
                <strong>{category.title.clone()}</strong>
                {category.always_on.then(|| view! { " " {move_tr!("consent-always-on")} })}
            </label>
            <p>{category.description.clone()}</p>
            {(!category.services.is_empty()).then(|| view! { <ul class="consent-services">{services}</ul> })}
        </div>
    }
}
