//! The company's other sites: the origins that embed the consent banner with `/embed/v1.js`,
//! each with the way it asks (opt-in or opt-out). Admins keep the list on `/admin/sites`; the
//! consent API answers cross-origin requests only from these origins (`ssr::cors`).

use crate::{
    clock::Timestamp,
    errors::{AppError, Loaded},
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// How a site asks for consent.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::EnumString,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ConsentModel {
    /// No optional cookie before a choice; the banner asks on the first visit (EU law).
    #[default]
    OptIn,
    /// No banner on the first visit: optional categories are on until the visitor opts out
    /// through the "Your Privacy Choices" link, and a GPC signal opts out of sale and sharing
    /// (US state laws).
    OptOut,
}

impl ConsentModel {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A registered site, as the sites page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteRow {
    pub id: i64,
    pub origin: String,
    pub model: ConsentModel,
    pub created_at: Timestamp,
    pub created_by: String,
}

/// What the sites form sent its page back with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "kebab-case")]
pub enum SitesNotice {
    Added { origin: String },
    Removed { origin: String },
    AlreadyRegistered { origin: String },
    BadOrigin { value: String },
}

/// The sites page's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SitesView {
    pub sites: Vec<SiteRow>,
    /// The tag a site adds, with a content-addressed script and its integrity value.
    pub snippet: String,
    pub csrf_token: String,
}

#[server(endpoint = "admin/sites")]
pub async fn get_sites() -> Result<SitesView, AppError> {
    use crate::admin::{
        Role,
        ssr::guard::{SignedOut, require},
    };
    let session = require(Role::Admin, SignedOut::SignIn).await?;
    let state = crate::state::app_state()?;
    Ok(SitesView {
        sites: ssr::list(state.db.reader())
            .await?
            .into_iter()
            .map(|site| SiteRow {
                id: site.id,
                origin: site.origin.to_string(),
                model: site.model,
                created_at: site.created_at,
                created_by: site.created_by,
            })
            .collect(),
        snippet: crate::embed::ssr::snippet(&state.site.base_url),
        csrf_token: session.csrf_token,
    })
}

/// `/admin/sites`, for admins; the forms post to `/admin/sites` (`ssr::http`).
#[component]
pub fn SitesPage() -> impl IntoView {
    let sites = Resource::new(|| (), |()| get_sites());
    view! {
        <Title text=tr!("admin-sites-title") />
        <nav class="breadcrumbs"><a href="/admin">{move_tr!("admin-home-title")}</a></nav>
        <h1>{move_tr!("admin-sites-title")}</h1>
        <Loaded resource=sites render=sites_view />
    }
}

fn sites_view(view: SitesView) -> impl IntoView {
    let notice = crate::ui::notice_of::<SitesNotice>().map(|notice| match notice {
        SitesNotice::Added { origin } => tr!("admin-sites-added", { "origin" => origin }),
        SitesNotice::Removed { origin } => tr!("admin-sites-removed", { "origin" => origin }),
        SitesNotice::AlreadyRegistered { origin } => {
            tr!("admin-sites-already", { "origin" => origin })
        }
        SitesNotice::BadOrigin { value } => tr!("admin-sites-bad-origin", { "value" => value }),
    });
    let csrf = view.csrf_token.clone();
    let rows = view
        .sites
        .into_iter()
        .map(|site| {
            let model = match site.model {
                ConsentModel::OptIn => tr!("admin-sites-model-opt-in"),
                ConsentModel::OptOut => tr!("admin-sites-model-opt-out"),
            };
            let action = format!("/admin/sites/{}/remove", site.id);
            view! {
                <tr>
                    <td><code>{site.origin}</code></td>
                    <td>{model}</td>
                    <td><crate::ui::DateTime at=site.created_at />" · "{site.created_by}</td>
                    <td>
                        <form method="post" action=action>
                            <input type="hidden" name="csrf" value=csrf.clone() />
                            <button type="submit">{move_tr!("admin-sites-remove")}</button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {notice.map(|text| view! { <p class="admin-notice" role="status">{text}</p> })}
        <p>{move_tr!("admin-sites-intro")}</p>
        <h2>{move_tr!("admin-sites-snippet")}</h2>
        <pre class="snippet"><code>{view.snippet}</code></pre>
        <table class="admin-table">
            <thead>
                <tr>
                    <th scope="col">{move_tr!("admin-sites-origin")}</th>
                    <th scope="col">{move_tr!("admin-sites-model")}</th>
                    <th scope="col">{move_tr!("admin-sites-added-by")}</th>
                    <th scope="col"><span class="visually-hidden">{move_tr!("admin-sites-remove")}</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <h2>{move_tr!("admin-sites-add")}</h2>
        <form method="post" action="/admin/sites" class="admin-form">
            <input type="hidden" name="csrf" value=view.csrf_token />
            <label for="site-origin">{move_tr!("admin-sites-origin")}</label>
            <input
                id="site-origin"
                name="origin"
                required
                maxlength="280"
                placeholder="https://www.example.com"
                aria-describedby="site-origin-hint"
            />
            <p class="editor-hint" id="site-origin-hint">{move_tr!("admin-sites-origin-hint")}</p>
            <fieldset>
                <legend>{move_tr!("admin-sites-model")}</legend>
                <label>
                    <input type="radio" name="model" value="opt-in" checked />
                    {move_tr!("admin-sites-model-opt-in")}
                </label>
                <label>
                    <input type="radio" name="model" value="opt-out" />
                    {move_tr!("admin-sites-model-opt-out")}
                </label>
            </fieldset>
            <button type="submit">{move_tr!("admin-sites-add")}</button>
        </form>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_keep_their_stored_names() {
        assert_eq!(
            crate::stored_names::stored_names::<ConsentModel>(),
            ["opt-in", "opt-out"],
            "stored names never change"
        );
        crate::stored_names::assert_serde_uses_stored_names::<ConsentModel>();
    }
}
