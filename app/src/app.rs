//! The HTML shell and the root component with its routes.

use crate::{
    admin::{
        pages::{AdminHomePage, SignInPage},
        users::{InvitationPage, UsersPage},
    },
    audit::AuditLogPage,
    comparisons::ComparisonPage,
    consent::{
        banner::ConsentBanner,
        pages::{ReceiptsPage, SettingsPage},
        records::ConsentRecordsPage,
    },
    documents::provide_documents,
    editor::pages::{DocumentsPage, DraftComparePage, EditorPage},
    errors::NotFound,
    home::HomePage,
    i18n::I18nProvider,
    inventory::editor::InventoryEditorPage,
    layout::{HeadLinks, SiteFooter, SiteHeader},
    notices::{
        RecipientsPage,
        campaigns::{CampaignPage, CampaignsPage},
        subscriptions::{ConfirmSubscriptionPage, SubscribePage, UnsubscribePage},
    },
    policies::{HistoryPage, PolicyPage, RevisionPage},
    settings::AdminSettingsPage,
    site::provide_site,
    sites::SitesPage,
};
use leptos::prelude::*;
use leptos_meta::{Link, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

/// The document around the app. `<html lang>` is filled in by the i18n provider.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use crate::islands::{IslandScripts, Stylesheet};
    use leptos_meta::MetaTags;
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                // Under the content-hashed name of the release build, cached for good.
                <Stylesheet options=options.clone() />
                <IslandScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <I18nProvider>
            <Layout />
        </I18nProvider>
    }
}

/// Pages are rendered whole before they are sent (`SsrMode::Async`): the status code can follow
/// the data, and the page is complete without JavaScript.
#[component]
fn Layout() -> impl IntoView {
    provide_site();
    provide_documents();
    view! {
        <Router>
            <HeadLinks />
            <SiteHeader />
            <ConsentBanner />
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/policies") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/policies/:slug") view=PolicyPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/policies/:slug/history")
                        view=HistoryPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/policies/:slug/diff/:range")
                        view=ComparisonPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/cookies/settings") view=SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/sign-in") view=SignInPage />
                    <Route path=path!("/admin") view=AdminHomePage ssr=SsrMode::Async />
                    <Route path=path!("/admin/documents") view=DocumentsPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/admin/documents/:slug/:locale")
                        view=EditorPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/admin/documents/:slug/:locale/compare")
                        view=DraftComparePage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/admin/invitations/:token")
                        view=InvitationPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/admin/audit") view=AuditLogPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/admin/consent")
                        view=ConsentRecordsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/admin/inventory")
                        view=InventoryEditorPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/admin/recipients")
                        view=RecipientsPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/admin/notices") view=CampaignsPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/admin/notices/:id")
                        view=CampaignPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/admin/settings")
                        view=AdminSettingsPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/admin/sites") view=SitesPage ssr=SsrMode::Async />
                    <Route path=path!("/cookies/receipts") view=ReceiptsPage ssr=SsrMode::Async />
                    <Route path=path!("/subscribe") view=SubscribePage ssr=SsrMode::Async />
                    <Route
                        path=path!("/subscribe/confirm/:token")
                        view=ConfirmSubscriptionPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/unsubscribe/:token")
                        view=UnsubscribePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/policies/:slug/v/:number")
                        view=RevisionPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
            <SiteFooter />
        </Router>
    }
}
