//! Comparison pages: `/policies/{slug}/diff/{a}..{b}` shows what changed between two revisions
//! of a document in one locale, inline (the default), side by side (`?view=side-by-side`) or as
//! the changed sections only (`?view=changes`). Every view is a complete server-rendered page;
//! once hydrated, `n` and `p` jump to the next and previous change.

use crate::{
    diff::{Block, BlockKind, CELL_BREAK, Change, ChangeClass, Comparison, Op, Run, Section},
    errors::{AppError, Loaded},
    i18n::Locale,
    policies::slug_param,
    revisions::{DocumentInLocale, RevisionMeta},
    ui::{ClassLabel, DateTime},
};
use leptos::prelude::*;
use leptos_fluent::{move_tr, tr};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr, sync::Arc};

/// Two revision numbers of one document, older first, as written in a comparison URL (`2..3`;
/// `3..2` names the same pair).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RevisionRange {
    pub older: i64,
    pub newer: i64,
}

impl FromStr for RevisionRange {
    type Err = AppError;

    fn from_str(range: &str) -> Result<Self, Self::Err> {
        let (a, b) = range.split_once("..").ok_or(AppError::BadRange)?;
        let number = |text: &str| match text.parse::<i64>() {
            Ok(n) if n >= 1 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
            _ => Err(AppError::BadRange),
        };
        let (a, b) = (number(a)?, number(b)?);
        Ok(RevisionRange {
            older: a.min(b),
            newer: a.max(b),
        })
    }
}

impl fmt::Display for RevisionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.older, self.newer)
    }
}

/// Everything a comparison page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparisonView {
    pub context: DocumentInLocale,
    pub before: RevisionMeta,
    pub after: RevisionMeta,
    pub comparison: Comparison,
}

impl ComparisonView {
    fn href(&self) -> String {
        format!(
            "{}/diff/{}..{}",
            self.context.document.href(),
            self.before.number,
            self.after.number
        )
    }
}

#[server]
pub async fn get_comparison(
    slug: String,
    range: String,
    locale: Locale,
) -> Result<ComparisonView, AppError> {
    use crate::{clock::Timestamp, revisions::ssr as revisions};
    let state = crate::state::app_state()?;
    let range: RevisionRange = range.parse().map_err(AppError::answered)?;
    let context = revisions::document_in_locale(
        &state.db,
        &revisions::parse_slug(&slug)?,
        locale,
        Timestamp::now(),
    )
    .await?
    .ok_or_else(|| AppError::NotFound.answered())?;
    let (before, before_source) = ssr::source_or_missing(&state.db, &context, range.older).await?;
    let (after, after_source) = ssr::source_or_missing(&state.db, &context, range.newer).await?;
    let comparison = state.diffs.compare(
        (&before.source_sha256, &before_source),
        (&after.source_sha256, &after_source),
    );
    Ok(ComparisonView {
        context,
        before,
        after,
        comparison: Comparison::clone(&comparison),
    })
}

#[cfg(feature = "ssr")]
pub mod ssr {
    pub mod http;

    use crate::{
        db::Db,
        errors::AppError,
        revisions::{DocumentInLocale, RevisionMeta, ssr as revisions},
    };

    /// A revision's metadata and source, or an error naming the number that does not exist.
    pub async fn source_or_missing(
        db: &Db,
        context: &DocumentInLocale,
        number: i64,
    ) -> Result<(RevisionMeta, String), AppError> {
        match revisions::source(db, context, number).await? {
            Some(found) => Ok(found),
            None => {
                let latest = revisions::latest_number(db, context).await?.unwrap_or(0);
                Err(AppError::NoSuchRevision { number, latest }.answered())
            }
        }
    }
}

/// How a comparison is laid out; each has its own URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Inline,
    SideBySide,
    Changes,
}

impl Layout {
    const ALL: [Layout; 3] = [Layout::Inline, Layout::SideBySide, Layout::Changes];

    fn from_query(value: Option<String>) -> Layout {
        match value.as_deref() {
            Some("side-by-side") => Layout::SideBySide,
            Some("changes") => Layout::Changes,
            _ => Layout::Inline,
        }
    }

    fn query(self) -> &'static str {
        match self {
            Layout::Inline => "inline",
            Layout::SideBySide => "side-by-side",
            Layout::Changes => "changes",
        }
    }

    fn label(self) -> String {
        match self {
            Layout::Inline => tr!("diff-view-inline"),
            Layout::SideBySide => tr!("diff-view-side-by-side"),
            Layout::Changes => tr!("diff-view-changes"),
        }
    }
}

#[component]
pub fn ComparisonPage() -> impl IntoView {
    let slug = slug_param();
    let params = use_params_map();
    let range = move || params.read().get("range").unwrap_or_default();
    let comparison = Resource::new(
        move || (slug(), range(), Locale::current()),
        |(slug, range, locale)| get_comparison(slug, range, locale),
    );
    view! { <Loaded resource=comparison render=comparison_view /> }
}

fn comparison_view(view: ComparisonView) -> impl IntoView {
    let view = Arc::new(view);
    let query = use_query_map();
    let layout = move || Layout::from_query(query.read().get("view"));
    let title = view.context.document.title.clone();
    let (before, after) = (view.before.number, view.after.number);
    let page_title = tr!(
        "diff-page-title", { "title" => title.clone(), "before" => before, "after" => after }
    );
    let body = {
        let view = Arc::clone(&view);
        move || {
            let comparison = &view.comparison;
            if comparison.class == ChangeClass::Identical {
                return view! { <p class="notice">{move_tr!("diff-identical-body")}</p> }
                    .into_any();
            }
            match layout() {
                Layout::Inline => inline_view(comparison).into_any(),
                Layout::SideBySide => side_by_side_view(comparison).into_any(),
                Layout::Changes => changes_view(comparison, &view.href()).into_any(),
            }
        }
    };
    view! {
        <Title text=page_title />
        <nav class="breadcrumbs">
            <a href=view.context.document.href()>{title.clone()}</a>
            " › "
            <a href=format!("{}/history", view.context.document.href())>
                {move_tr!("history-heading")}
            </a>
        </nav>
        <h1>{tr!("diff-heading", { "title" => title })}</h1>
        <Summary view=Arc::clone(&view) />
        <LayoutTabs href=view.href() locale=view.context.locale current=layout />
        <div class="diff" lang=view.context.locale.as_str()>{body}</div>
        {(view.comparison.class != ChangeClass::Identical).then(|| view! { <ChangeNavigation /> })}
    }
}

#[component]
fn Summary(view: Arc<ComparisonView>) -> impl IntoView {
    let comparison = &view.comparison;
    let class = comparison.class;
    let counts = comparison.counts;
    let sections = comparison
        .touched_sections()
        .map(|(index, section)| {
            let title = section_title(section);
            view! { <li><a href=format!("#{}", Section::anchor(index))>{title}</a></li> }
        })
        .collect_view();
    let links = (!comparison.links.is_empty()).then(|| {
        let rows = comparison
            .links
            .iter()
            .map(|link| {
                view! {
                    <tr>
                        <th scope="row">{link.text.clone()}</th>
                        <td><code>{link.before.clone()}</code></td>
                        <td><code>{link.after.clone()}</code></td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <h3>{move_tr!("diff-links-heading")}</h3>
            <div class="table-scroll">
                <table class="diff-links">
                    <thead>
                        <tr>
                            <th scope="col">{move_tr!("diff-link-text")}</th>
                            <th scope="col">{move_tr!("diff-link-before")}</th>
                            <th scope="col">{move_tr!("diff-link-after")}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    });
    let touched = comparison.touched_sections().next().is_some();
    view! {
        <section class="diff-summary" aria-labelledby="diff-summary-heading">
            <h2 id="diff-summary-heading">{move_tr!("diff-summary-heading")}</h2>
            <p class=format!("diff-class diff-class-{}", class.as_str())>
                <strong>{move || class_label(class)}</strong>
                " "
                {move || class_explanation(class)}
            </p>
            {(class != ChangeClass::Identical).then(|| view! {
                <ul class="diff-counts">
                    <li class="diff-count-added">
                        {move || tr!("diff-words-added", { "count" => counts.words_added })}
                    </li>
                    <li class="diff-count-removed">
                        {move || tr!("diff-words-removed", { "count" => counts.words_removed })}
                    </li>
                    <li class="diff-count-moved">
                        {move || tr!("diff-words-moved", { "count" => counts.words_moved })}
                    </li>
                </ul>
            })}
            <div class="diff-versions">
                <VersionCard meta=view.before.clone() side=Side::Before />
                <VersionCard meta=view.after.clone() side=Side::After />
            </div>
            {touched.then(|| view! {
                <h3>{move_tr!("diff-sections-heading")}</h3>
                <ul class="diff-sections">{sections}</ul>
            })}
            {links}
        </section>
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Before,
    After,
}

#[component]
fn VersionCard(meta: RevisionMeta, side: Side) -> impl IntoView {
    let number = meta.number;
    let summary = meta.summary.clone();
    view! {
        <div class=format!("diff-version diff-version-{}", if side == Side::Before { "before" } else { "after" })>
            <h3>
                {move || match side {
                    Side::Before => tr!("diff-before", { "number" => number }),
                    Side::After => tr!("diff-after", { "number" => number }),
                }}
            </h3>
            <dl>
                <dt>{move_tr!("history-published")}</dt>
                <dd><DateTime at=meta.published_at /></dd>
                <dt>{move_tr!("history-effective")}</dt>
                <dd><DateTime at=meta.effective_at /></dd>
                <dt>{move_tr!("history-class")}</dt>
                <dd><ClassLabel class=meta.class /></dd>
            </dl>
            {(!summary.is_empty()).then(|| view! { <p class="diff-version-summary">{summary}</p> })}
        </div>
    }
}

#[component]
fn LayoutTabs(
    href: String,
    locale: Locale,
    current: impl Fn() -> Layout + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let tabs = Layout::ALL
        .into_iter()
        .map(|layout| {
            let target = match layout {
                Layout::Inline => href.clone(),
                other => format!("{href}?view={}", other.query()),
            };
            view! {
                <a
                    href=target
                    aria-current=move || (current() == layout).then_some("page")
                >
                    {move || layout.label()}
                </a>
            }
        })
        .collect_view();
    view! {
        <nav class="diff-layouts" aria-label=move || tr!("diff-views-label")>
            {tabs}
            <a class="diff-download" href=format!("{href}.diff?lang={locale}") type="text/x-diff" download>
                {move_tr!("diff-download")}
            </a>
        </nav>
        <p class="diff-keys js-only">{move_tr!("diff-keys")}</p>
    }
}

fn class_label(class: ChangeClass) -> String {
    match class {
        ChangeClass::Identical => tr!("diff-class-identical"),
        ChangeClass::WhitespaceOnly => tr!("diff-class-whitespace-only"),
        ChangeClass::LinksOnly => tr!("diff-class-links-only"),
        ChangeClass::Editorial => tr!("diff-class-editorial"),
        ChangeClass::Substantive => tr!("diff-class-substantive"),
    }
}

fn class_explanation(class: ChangeClass) -> String {
    match class {
        ChangeClass::Identical => tr!("diff-class-identical-explanation"),
        ChangeClass::WhitespaceOnly => tr!("diff-class-whitespace-only-explanation"),
        ChangeClass::LinksOnly => tr!("diff-class-links-only-explanation"),
        ChangeClass::Editorial => tr!("diff-class-editorial-explanation"),
        ChangeClass::Substantive => tr!("diff-class-substantive-explanation"),
    }
}

fn section_title(section: &Section) -> String {
    if section.title.is_empty() {
        tr!("diff-section-start")
    } else {
        section.title.clone()
    }
}

/// Old and new text together: deletions in `<del>`, insertions in `<ins>`.
pub(crate) fn inline_view(comparison: &Comparison) -> impl IntoView + use<> {
    let blocks = group_rows(&comparison.blocks)
        .into_iter()
        .map(|group| group_view(comparison, group, 0))
        .collect_view();
    view! { <div class="diff-inline">{blocks}</div> }
}

/// Old text on the left, new text on the right, block beside block.
fn side_by_side_view(comparison: &Comparison) -> impl IntoView + use<> {
    let rows = comparison
        .blocks
        .iter()
        .enumerate()
        .map(|(index, block)| {
            let anchor = section_anchor(comparison, index);
            let before = match block.change {
                Change::Added | Change::MovedHere { .. } => None,
                _ => Some(block_body(block, Shown::Before)),
            };
            let after = match block.change {
                Change::Removed | Change::MovedAway { .. } => None,
                _ => Some(block_body(block, Shown::After)),
            };
            view! {
                <div
                    class=block_classes(block, "diff-row")
                    id=change_id(block)
                    tabindex=block.mark.map(|_| "-1")
                >
                    {anchor}
                    {change_label(comparison, block)}
                    <div class="diff-before">{before}</div>
                    <div class="diff-after">{after}</div>
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="diff-side-by-side">
            <div class="diff-row diff-columns" aria-hidden="true">
                <div class="diff-before">{move_tr!("diff-column-before")}</div>
                <div class="diff-after">{move_tr!("diff-column-after")}</div>
            </div>
            {rows}
        </div>
    }
}

/// Only the sections with changes; the others collapse to their heading and a link to them in
/// the inline view.
fn changes_view(comparison: &Comparison, href: &str) -> impl IntoView + use<> {
    let mut sections: Vec<(usize, Vec<usize>)> = Vec::new();
    for (index, block) in comparison.blocks.iter().enumerate() {
        match sections.last_mut() {
            Some((section, blocks)) if *section == block.section => blocks.push(index),
            _ => sections.push((block.section, vec![index])),
        }
    }
    let views = sections
        .into_iter()
        .map(|(section, indices)| {
            let info = &comparison.sections[section];
            if info.touched {
                let first = indices[0];
                let last = indices[indices.len() - 1];
                group_rows(&comparison.blocks[first..=last])
                    .into_iter()
                    .map(|group| group_view(comparison, group, first))
                    .collect_view()
                    .into_any()
            } else {
                let count = indices.len();
                let title = section_title(info);
                let target = format!("{href}#{}", Section::anchor(section));
                view! {
                    <div class="diff-collapsed" id=Section::anchor(section)>
                        <p>
                            <strong>{title}</strong> " "
                            <a href=target>
                                {move || tr!("diff-unchanged-section", { "count" => count })}
                            </a>
                        </p>
                    </div>
                }
                .into_any()
            }
        })
        .collect_view();
    view! { <div class="diff-inline diff-changes-only">{views}</div> }
}

/// Blocks grouped so that consecutive table rows form one table.
fn group_rows(blocks: &[Block]) -> Vec<std::ops::Range<usize>> {
    let mut groups: Vec<std::ops::Range<usize>> = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        let is_row = matches!(block.kind, BlockKind::TableRow { .. });
        match groups.last_mut() {
            Some(group)
                if is_row && matches!(blocks[group.start].kind, BlockKind::TableRow { .. }) =>
            {
                group.end = index + 1
            }
            _ => groups.push(index..index + 1),
        }
    }
    groups
}

/// The blocks `group` (indices relative to `offset`) in the inline layout.
fn group_view(comparison: &Comparison, group: std::ops::Range<usize>, offset: usize) -> AnyView {
    let start = offset + group.start;
    let end = offset + group.end;
    let first = &comparison.blocks[start];
    if matches!(first.kind, BlockKind::TableRow { .. }) {
        let rows = (start..end)
            .map(|index| {
                let block = &comparison.blocks[index];
                view! {
                    <tr class=block_classes(block, "diff-block") id=change_id(block) tabindex=block.mark.map(|_| "-1")>
                        {table_cells(block, Shown::Both)}
                        <td class="diff-row-label">
                            {section_anchor(comparison, index)}
                            {change_label(comparison, block)}
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-scroll">
                <table class="diff-table"><tbody>{rows}</tbody></table>
            </div>
        }
        .into_any()
    } else {
        let block = first;
        view! {
            <div class=block_classes(block, "diff-block") id=change_id(block) tabindex=block.mark.map(|_| "-1")>
                {section_anchor(comparison, start)}
                {change_label(comparison, block)}
                {block_body(block, Shown::Both)}
            </div>
        }
        .into_any()
    }
}

/// An empty element carrying the section's anchor, before the section's first block.
fn section_anchor(comparison: &Comparison, index: usize) -> Option<impl IntoView + use<>> {
    let block = &comparison.blocks[index];
    let first_of_section = index == 0 || comparison.blocks[index - 1].section != block.section;
    first_of_section.then(|| {
        view! { <span class="section-anchor" id=Section::anchor(block.section)></span> }
    })
}

fn change_id(block: &Block) -> Option<String> {
    block.mark.map(|mark| format!("change-{mark}"))
}

fn block_classes(block: &Block, base: &str) -> String {
    let change = match block.change {
        Change::Unchanged => "unchanged",
        Change::Relinked => "relinked",
        Change::Changed => "changed",
        Change::Added => "added",
        Change::Removed => "removed",
        Change::MovedAway { .. } => "moved-away",
        Change::MovedHere { .. } => "moved-here",
    };
    let mark = if block.mark.is_some() {
        " diff-change"
    } else {
        ""
    };
    format!("{base} diff-{change}{mark}")
}

/// A visible word for what happened to the block, so the change is never told by colour alone.
fn change_label(comparison: &Comparison, block: &Block) -> AnyView {
    let label = |text: String| view! { <span class="diff-label">{text}</span> }.into_any();
    match block.change {
        Change::Unchanged => ().into_any(),
        Change::Relinked => label(tr!("diff-label-relinked")),
        Change::Changed => label(tr!("diff-label-changed")),
        Change::Added => label(tr!("diff-label-added")),
        Change::Removed => label(tr!("diff-label-removed")),
        Change::MovedAway { id, to_section } => {
            let title = section_title(&comparison.sections[to_section]);
            view! {
                <a class="diff-label" id=format!("moved-from-{id}") href=format!("#moved-to-{id}")>
                    {tr!("diff-label-moved-to", { "section" => title })}
                </a>
            }
            .into_any()
        }
        Change::MovedHere { id, from_section } => {
            let title = section_title(&comparison.sections[from_section]);
            view! {
                <a class="diff-label" id=format!("moved-to-{id}") href=format!("#moved-from-{id}")>
                    {tr!("diff-label-moved-from", { "section" => title })}
                </a>
            }
            .into_any()
        }
    }
}

/// Which runs a rendering shows: both versions (inline) or one side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shown {
    Both,
    Before,
    After,
}

fn shows(shown: Shown, op: Op) -> bool {
    matches!(
        (shown, op),
        (Shown::Both, _) | (_, Op::Same) | (Shown::Before, Op::Removed) | (Shown::After, Op::Added)
    )
}

/// A block as its element: heading, paragraph, list item, quotation or code.
fn block_body(block: &Block, shown: Shown) -> AnyView {
    let runs = runs_view(&block.runs, shown);
    match block.kind {
        BlockKind::Heading { level } => match level {
            1 => view! { <h2>{runs}</h2> }.into_any(),
            2 => view! { <h3>{runs}</h3> }.into_any(),
            3 => view! { <h4>{runs}</h4> }.into_any(),
            4 => view! { <h5>{runs}</h5> }.into_any(),
            _ => view! { <h6>{runs}</h6> }.into_any(),
        },
        BlockKind::Paragraph => view! { <p>{runs}</p> }.into_any(),
        BlockKind::Quote => view! { <blockquote><p>{runs}</p></blockquote> }.into_any(),
        BlockKind::ListItem { ordered, depth } => {
            let class = format!(
                "diff-item diff-depth-{} {}",
                depth.min(5),
                if ordered {
                    "diff-ordered"
                } else {
                    "diff-bullet"
                }
            );
            view! { <ul class=class><li>{runs}</li></ul> }.into_any()
        }
        BlockKind::Code => view! { <pre><code>{runs}</code></pre> }.into_any(),
        BlockKind::TableRow { .. } => view! {
            <table class="diff-table"><tbody><tr>{table_cells(block, shown)}</tr></tbody></table>
        }
        .into_any(),
    }
}

/// A table row's cells: the runs split at the cell breaks.
fn table_cells(block: &Block, shown: Shown) -> AnyView {
    let header = matches!(block.kind, BlockKind::TableRow { header: true });
    let mut cells: Vec<Vec<Run>> = vec![Vec::new()];
    for run in block.runs.iter().filter(|run| shows(shown, run.op)) {
        for (i, piece) in run.text.split(CELL_BREAK).enumerate() {
            if i > 0 {
                cells.push(Vec::new());
            }
            if !piece.is_empty()
                && let Some(cell) = cells.last_mut()
            {
                cell.push(Run {
                    op: run.op,
                    text: piece.to_owned(),
                    style: run.style.clone(),
                });
            }
        }
    }
    cells
        .into_iter()
        .map(|cell| {
            let content = runs_view(&cell, shown);
            if header {
                view! { <th scope="col">{content}</th> }.into_any()
            } else {
                view! { <td>{content}</td> }.into_any()
            }
        })
        .collect_view()
        .into_any()
}

fn runs_view(runs: &[Run], shown: Shown) -> AnyView {
    runs.iter()
        .filter(|run| shows(shown, run.op))
        .map(run_view)
        .collect_view()
        .into_any()
}

fn run_view(run: &Run) -> AnyView {
    let style = &run.style;
    let mut content = run.text.clone().into_any();
    if style.code {
        content = view! { <code>{content}</code> }.into_any();
    }
    if style.strike {
        content = view! { <s>{content}</s> }.into_any();
    }
    if style.emphasis {
        content = view! { <em>{content}</em> }.into_any();
    }
    if style.strong {
        content = view! { <strong>{content}</strong> }.into_any();
    }
    if let Some(href) = style.link.as_deref().filter(|href| is_safe_href(href)) {
        content = view! { <a href=href.to_owned()>{content}</a> }.into_any();
    }
    match run.op {
        Op::Same => content,
        Op::Removed => view! { <del>{content}</del> }.into_any(),
        Op::Added => view! { <ins>{content}</ins> }.into_any(),
    }
}

/// Links in a comparison come from the Markdown source, not the sanitised HTML, so only the
/// schemes a published revision may link to are made clickable.
fn is_safe_href(href: &str) -> bool {
    let lower = href.trim_start().to_ascii_lowercase();
    match lower.split_once(':') {
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => {
            matches!(scheme, "http" | "https" | "mailto" | "tel")
        }
        _ => true,
    }
}

/// `n` and `p` move the focus to the next and previous change, and the address follows, so the
/// change can be linked to. An island with nothing to show: it only listens to the keyboard.
#[island]
fn ChangeNavigation() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;

        crate::islands::browser::listen("keydown", |event: web_sys::KeyboardEvent| {
            if event.ctrl_key() || event.meta_key() || event.alt_key() || event.default_prevented()
            {
                return;
            }
            let typing = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlElement>().ok())
                .is_some_and(|element| {
                    element.is_content_editable()
                        || matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                });
            if typing {
                return;
            }
            let forward = match event.key().as_str() {
                "n" => true,
                "p" => false,
                _ => return,
            };
            let document = document();
            let Ok(changes) = document.query_selector_all(".diff-change") else {
                return;
            };
            let count = changes.length();
            if count == 0 {
                return;
            }
            let active = document.active_element();
            let current = (0..count)
                .find(|&i| changes.item(i).as_ref() == active.as_ref().map(|a| a.as_ref()));
            let next = match (current, forward) {
                (None, true) => 0,
                (None, false) => count - 1,
                (Some(i), true) => (i + 1).min(count - 1),
                (Some(i), false) => i.saturating_sub(1),
            };
            let Some(target) = changes
                .item(next)
                .and_then(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
            else {
                return;
            };
            event.prevent_default();
            let _ = target.focus();
            if let Ok(history) = window().history() {
                let _ = history.replace_state_with_url(
                    &wasm_bindgen::JsValue::NULL,
                    "",
                    Some(&format!("#{}", target.id())),
                );
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_in_either_order() {
        assert_eq!(
            "2..3".parse::<RevisionRange>(),
            Ok(RevisionRange { older: 2, newer: 3 })
        );
        assert_eq!(
            "3..2".parse::<RevisionRange>(),
            Ok(RevisionRange { older: 2, newer: 3 })
        );
        assert_eq!(
            "4..4".parse::<RevisionRange>(),
            Ok(RevisionRange { older: 4, newer: 4 })
        );
        for bad in [
            "",
            "2",
            "2..",
            "..3",
            "0..1",
            "-1..2",
            "+1..2",
            "a..b",
            "1...2",
            "1..2.diff",
        ] {
            assert_eq!(
                bad.parse::<RevisionRange>(),
                Err(AppError::BadRange),
                "{bad}"
            );
        }
    }

    #[test]
    fn only_safe_link_schemes_are_clickable() {
        for safe in [
            "/policies/privacy",
            "#top",
            "https://ico.org.uk/",
            "mailto:privacy@example.com",
            "page?x=a:b",
        ] {
            assert!(is_safe_href(safe), "{safe}");
        }
        for unsafe_href in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,x",
        ] {
            assert!(!is_safe_href(unsafe_href), "{unsafe_href}");
        }
    }
}
