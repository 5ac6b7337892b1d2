//! The renderer and sanitiser: server-only, since revisions are rendered once, when published.

use super::TocEntry;
use ammonia::Url;
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use sha2::{Digest, Sha256};
use std::{
    borrow::Cow,
    collections::{HashMap, HashSet},
};

/// The largest Markdown source a revision may have.
pub const MAX_SOURCE_BYTES: usize = 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error(
        "the text has {size} bytes; a revision may have at most {max} bytes (1 MiB)",
        max = MAX_SOURCE_BYTES
    )]
    TooLarge { size: usize },
    #[error("the text is empty")]
    Empty,
}

/// The Markdown dialect of every revision, shared with the diff engine so both read a text the
/// same way.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// The hosts, besides relative addresses on the site itself, that a revision may show images
/// from (the site's own host and `CHARTER_IMAGE_HOSTS`). Images from anywhere else are dropped:
/// a reader's browser would tell that host who reads which policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageHosts(Vec<String>);

impl ImageHosts {
    /// None: relative addresses only (the demo content, tests, the command line).
    pub fn site_only() -> &'static Self {
        static SITE_ONLY: ImageHosts = ImageHosts(Vec::new());
        &SITE_ONLY
    }

    /// `hosts`, compared without regard to case.
    pub fn new(hosts: impl IntoIterator<Item = String>) -> Self {
        Self(
            hosts
                .into_iter()
                .map(|host| host.to_ascii_lowercase())
                .collect(),
        )
    }

    /// Whether an image at `src` may be shown: a relative address, or one on an allowed host.
    fn allows(&self, src: &str) -> bool {
        // Resolved as a browser would (`//host`, `/\host` and `https:host` included) against a
        // base no real address can have.
        const BASE: &str = "https://relative.invalid/";
        let Ok(base) = Url::parse(BASE) else {
            return false;
        };
        let Ok(url) = Url::options().base_url(Some(&base)).parse(src) else {
            return false;
        };
        match url.host_str() {
            Some("relative.invalid") => url.scheme() == "https" && url.port().is_none(),
            Some(host) => {
                matches!(url.scheme(), "http" | "https")
                    && self.0.iter().any(|allowed| allowed == host)
            }
            None => false,
        }
    }
}

/// Renders `source`. `external_label` is appended, visually hidden, to links that leave the
/// site, in the revision's language (for example "(external link)"); images are kept only
/// from `images`.
pub fn render(
    source: &str,
    external_label: &str,
    images: &ImageHosts,
) -> Result<Rendered, RenderError> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(RenderError::TooLarge { size: source.len() });
    }
    if source.trim().is_empty() {
        return Err(RenderError::Empty);
    }
    // The renderer's own ids carry this prefix through sanitising, which keeps only prefixed ids
    // and removes the prefix, so raw HTML in the source can set no id. Raw HTML could only name
    // it by containing its own hash.
    let marker = format!(
        "m{}-",
        &hex::encode(Sha256::digest(source.as_bytes()))[..32]
    );
    let mut events: Vec<Event> = Parser::new_ext(source, options()).collect();
    let toc = anchor_headings(&mut events, &marker);
    let events = mark_footnotes_and_tasks(events, &marker);
    let events = mark_external_links(events, external_label);
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Ok(Rendered {
        html: sanitizer(marker, images.clone()).clean(&html).to_string(),
        toc,
    })
}

/// Gives every heading a unique id from its text and returns the table of contents.
/// Ids of the page a revision is shown in (the layout, the banner, the policy page's own
/// sections): a heading never takes one, so `# Main` becomes `main-2`, not a second `main`.
const PAGE_IDS: &[&str] = &[
    "main",
    "leptos",
    "consent-heading",
    "cookie-table-heading",
    "toc-heading",
    "upcoming-heading",
    "upcoming-changes-heading",
    "documents-heading",
    "diff-summary-heading",
];

fn anchor_headings(events: &mut [Event], marker: &str) -> Vec<TocEntry> {
    let mut toc = Vec::new();
    let mut used: HashMap<String, usize> =
        PAGE_IDS.iter().map(|id| ((*id).to_owned(), 1)).collect();
    let mut index = 0;
    while index < events.len() {
        if let Event::Start(Tag::Heading { level, .. }) = &events[index] {
            let level = *level;
            let text = heading_text(&events[index + 1..]);
            let base = slugify(&text);
            let base = if base.is_empty() {
                "section".to_owned()
            } else {
                base
            };
            let count = used.entry(base.clone()).or_insert(0);
            *count += 1;
            let id = if *count == 1 {
                base
            } else {
                format!("{base}-{count}")
            };
            if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[index] {
                *slot = Some(CowStr::from(format!("{marker}{id}")));
            }
            if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
                toc.push(TocEntry {
                    level: level as u8,
                    id,
                    text,
                });
            }
        }
        index += 1;
    }
    toc
}

fn heading_text(events: &[Event]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text.trim().to_owned()
}

/// `8. Data retention` → `8-data-retention`; letters of any script are kept, lowercased.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.extend(c.to_lowercase());
        } else if c.is_whitespace() || c == '-' || c == '_' {
            pending_dash = true;
        }
    }
    slug
}

/// Footnotes get ids of the renderer's own (`fn-` and their label), and task list items a
/// ticked or empty box as text rather than a form field.
fn mark_footnotes_and_tasks<'a>(events: Vec<Event<'a>>, marker: &str) -> Vec<Event<'a>> {
    let own = |name: &str| CowStr::from(format!("{marker}fn-{name}"));
    events
        .into_iter()
        .map(|event| match event {
            Event::Start(Tag::FootnoteDefinition(name)) => {
                Event::Start(Tag::FootnoteDefinition(own(&name)))
            }
            Event::FootnoteReference(name) => Event::FootnoteReference(own(&name)),
            Event::TaskListMarker(done) => {
                Event::Text(CowStr::from(if done { "\u{2611} " } else { "\u{2610} " }))
            }
            other => other,
        })
        .collect()
}

fn is_external(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//")
}

/// Wraps links to other sites in a marked anchor with a visually hidden label.
fn mark_external_links<'a>(events: Vec<Event<'a>>, label: &str) -> Vec<Event<'a>> {
    let mut out = Vec::with_capacity(events.len());
    let mut open_external = Vec::new();
    for event in events {
        match event {
            Event::Start(Tag::Link {
                dest_url, title, ..
            }) if is_external(&dest_url) => {
                let mut anchor = format!(
                    "<a class=\"external\" href=\"{}\"",
                    escape_attribute(&dest_url)
                );
                if !title.is_empty() {
                    anchor.push_str(&format!(" title=\"{}\"", escape_attribute(&title)));
                }
                anchor.push('>');
                out.push(Event::InlineHtml(CowStr::from(anchor)));
                open_external.push(true);
            }
            Event::Start(Tag::Link { .. }) => {
                open_external.push(false);
                out.push(event);
            }
            Event::End(TagEnd::Link) => {
                if open_external.pop() == Some(true) {
                    out.push(Event::InlineHtml(CowStr::from(format!(
                        "<span class=\"visually-hidden\"> {}</span></a>",
                        escape_text(label)
                    ))));
                } else {
                    out.push(Event::End(TagEnd::Link));
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn escape_attribute(value: &str) -> String {
    escape_text(value).replace('"', "&quot;")
}

fn escape_text(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// What may survive in a published revision: ammonia's safe defaults (no scripts, styles,
/// event handlers, form fields or dangerous URL schemes), plus what the renderer itself
/// produces: its ids (those prefixed with `marker`), its classes, and images from `images`.
fn sanitizer(marker: String, images: ImageHosts) -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tag_attributes("a", ["class"])
        .add_tag_attributes("span", ["class"])
        .add_tag_attributes("sup", ["class"])
        .add_tag_attributes("div", ["class"])
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("td", ["style"])
        .add_generic_attributes(["id"])
        .attribute_filter(move |element, attribute, value| {
            let kept = match (element, attribute) {
                (_, "id") => return value.strip_prefix(marker.as_str()).map(Cow::Borrowed),
                // The footnote references, to the ids above.
                ("a", "href") => {
                    if let Some(own) = value
                        .strip_prefix('#')
                        .and_then(|id| id.strip_prefix(marker.as_str()))
                    {
                        return Some(Cow::Owned(format!("#{own}")));
                    }
                    true
                }
                ("a", "class") => value == "external",
                ("span", "class") => value == "visually-hidden",
                ("div", "class") => value == "footnote-definition",
                ("sup", "class") => {
                    matches!(value, "footnote-reference" | "footnote-definition-label")
                }
                ("img", "src") => images.allows(value),
                ("th" | "td", "style") => matches!(
                    value,
                    "text-align: left" | "text-align: center" | "text-align: right"
                ),
                _ => true,
            };
            kept.then_some(Cow::Borrowed(value))
        })
        .link_rel(Some("noopener noreferrer"))
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]));
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(source: &str) -> String {
        render(source, "(external link)", ImageHosts::site_only())
            .expect("renders")
            .html
    }

    #[test]
    fn headings_get_stable_unique_anchors_and_a_toc() {
        let rendered = render(
            "# Privacy Policy\n\n## 8. Data retention\n\ntext\n\n### Backups\n\n## Data retention\n",
            "",
            ImageHosts::site_only(),
        )
        .unwrap();
        assert!(
            rendered.html.contains(r#"<h2 id="8-data-retention">"#),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains(r#"<h2 id="data-retention">"#));
        assert!(rendered.html.contains(r#"<h1 id="privacy-policy">"#));
        let ids: Vec<_> = rendered
            .toc
            .iter()
            .map(|e| (e.level, e.id.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                (2, "8-data-retention"),
                (3, "backups"),
                (2, "data-retention")
            ]
        );
        assert_eq!(rendered.toc[0].text, "8. Data retention");
    }

    #[test]
    fn repeated_headings_are_numbered() {
        let rendered = render(
            "## Contact\n\n## Contact\n\n## Contact",
            "",
            ImageHosts::site_only(),
        )
        .unwrap();
        let ids: Vec<_> = rendered.toc.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["contact", "contact-2", "contact-3"]);
    }

    #[test]
    fn slugs_keep_letters_of_any_script() {
        assert_eq!(slugify("8. Data retention"), "8-data-retention");
        assert_eq!(
            slugify("Rechte der Betroffenen (Art. 15–22)"),
            "rechte-der-betroffenen-art-1522"
        );
        assert_eq!(
            slugify("Übermittlung in Drittländer"),
            "übermittlung-in-drittländer"
        );
        assert_eq!(slugify("  --  "), "");
    }

    #[test]
    fn tables_footnotes_strikethrough_and_task_lists_render() {
        let out = html(
            "| Name | Purpose |\n|:--|--:|\n| sid | session |\n\nText[^1] ~~old~~\n\n[^1]: Note.\n\n- [x] done\n- [ ] open\n",
        );
        assert!(out.contains("<table>"), "{out}");
        assert!(
            out.contains(r#"<th style="text-align: left">Name</th>"#),
            "{out}"
        );
        assert!(out.contains("<del>old</del>"), "{out}");
        assert!(
            out.contains(r##"<sup class="footnote-reference"><a href="#fn-1" rel="noopener noreferrer">1</a></sup>"##),
            "{out}"
        );
        assert!(
            out.contains(r#"<div class="footnote-definition" id="fn-1"><sup class="footnote-definition-label">1</sup>"#),
            "{out}"
        );
        assert!(out.contains("<li>\u{2611} done</li>"), "{out}");
        assert!(out.contains("<li>\u{2610} open</li>"), "{out}");
        assert!(!out.contains("<input"), "{out}");
    }

    #[test]
    fn raw_html_sets_no_id_and_only_the_renderers_classes() {
        let out = html(
            "# Terms\n\n<div id=\"main\" class=\"banner\">x</div>\n\n<h2 id=\"terms\">Again</h2>\n\n<p><span class=\"visually-hidden\" id=\"fn-1\">y</span> <a class=\"external evil\" href=\"/a\">z</a></p>\n",
        );
        assert!(out.contains(r#"<h1 id="terms">Terms</h1>"#), "{out}");
        assert_eq!(out.matches("id=").count(), 1, "{out}");
        assert!(!out.contains("main"), "{out}");
        assert!(!out.contains("banner"), "{out}");
        assert!(!out.contains("evil"), "{out}");
        assert!(
            out.contains(r#"<span class="visually-hidden">y</span>"#),
            "{out}"
        );
    }

    #[test]
    fn a_heading_never_takes_an_id_of_the_page_around_it() {
        let out = html("# Main\n\n## Main\n\n## Leptos\n");
        assert!(out.contains(r#"<h1 id="main-2">Main</h1>"#), "{out}");
        assert!(out.contains(r#"<h2 id="main-3">Main</h2>"#), "{out}");
        assert!(out.contains(r#"<h2 id="leptos-2">Leptos</h2>"#), "{out}");
    }

    #[test]
    fn the_renderers_id_prefix_cannot_be_spelled_in_the_source() {
        // Even naming the prefix of another text's ids, in an entity-encoded attribute, sets none.
        let other = "# Terms\n";
        let marker = format!("m{}-", &hex::encode(Sha256::digest(other.as_bytes()))[..32]);
        let out = html(&format!("<div id=\"{marker}main\">x</div>\n"));
        assert!(!out.contains("id="), "{out}");
    }

    #[test]
    fn form_fields_are_dropped() {
        let out = html(
            "<form action=\"https://evil.example\"><label>Password <input type=\"password\" name=\"p\"></label><input type=\"checkbox\"><select><option>a</option></select><textarea>t</textarea><button>Send</button></form>\n",
        );
        for forbidden in [
            "<form",
            "<input",
            "<label",
            "<select",
            "<option",
            "<textarea",
            "<button",
        ] {
            assert!(!out.contains(forbidden), "{forbidden} survived: {out}");
        }
    }

    #[test]
    fn images_come_only_from_the_site_and_the_allowed_hosts() {
        let images = ImageHosts::new(["cdn.example".to_owned(), "Policies.Example".to_owned()]);
        let out = render(
            "![a](/logo.png) ![b](logo.png) ![c](https://cdn.example/c.png) ![d](https://policies.example/d.png)\n\n![e](https://tracker.example/e.png) ![f](//tracker.example/f.png) <img src=\"/\\tracker.example/g.png\"> <img src=\"https://cdn.example@tracker.example/h.png\"> <img src=\"http://relative.invalid:8080/i.png\">\n",
            "",
            &images,
        )
        .expect("renders")
        .html;
        for kept in [
            r#"src="/logo.png""#,
            r#"src="logo.png""#,
            r#"src="https://cdn.example/c.png""#,
            r#"src="https://policies.example/d.png""#,
        ] {
            assert!(out.contains(kept), "{kept} dropped: {out}");
        }
        assert!(!out.contains("tracker"), "{out}");
        assert!(!out.contains("relative.invalid"), "{out}");
        assert_eq!(out.matches("src=").count(), 4, "{out}");
        let site_only = html("![c](https://cdn.example/c.png)\n");
        assert!(!site_only.contains("src="), "{site_only}");
    }

    #[test]
    fn raw_html_cannot_run_script() {
        let out = html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))\n\n<a href=\"javascript:alert(4)\">x</a>\n\n<p style=\"color:red\" onclick=\"alert(5)\">hi</p>\n\n<iframe src=\"https://evil.example\"></iframe>",
        );
        for forbidden in [
            "<script",
            "onerror",
            "javascript:",
            "onclick",
            "<iframe",
            "style=",
        ] {
            assert!(!out.contains(forbidden), "{forbidden} survived: {out}");
        }
        assert!(out.contains("hi"));
    }

    #[test]
    fn external_links_are_marked_internal_ones_are_not() {
        let out = html(
            "See [our DPA](https://vendor.example/dpa \"DPA\") and [history](/policies/privacy/history).",
        );
        assert!(
            out.contains(r#"<a class="external" href="https://vendor.example/dpa" title="DPA" rel="noopener noreferrer">our DPA<span class="visually-hidden"> (external link)</span></a>"#),
            "{out}"
        );
        assert!(
            out.contains(
                r#"<a href="/policies/privacy/history" rel="noopener noreferrer">history</a>"#
            ),
            "{out}"
        );
    }

    #[test]
    fn attribute_values_are_escaped() {
        let out = html(r#"[x](https://a.example/?q="><script>alert(1)</script>)"#);
        assert!(!out.contains("<script"), "{out}");
    }

    #[test]
    fn oversized_and_empty_sources_are_refused() {
        let big = "a".repeat(MAX_SOURCE_BYTES + 1);
        assert_eq!(
            render(&big, "", ImageHosts::site_only()),
            Err(RenderError::TooLarge {
                size: MAX_SOURCE_BYTES + 1
            })
        );
        assert!(render(&"a".repeat(MAX_SOURCE_BYTES), "", ImageHosts::site_only()).is_ok());
        assert_eq!(
            render(" \n ", "", ImageHosts::site_only()),
            Err(RenderError::Empty)
        );
    }
}
