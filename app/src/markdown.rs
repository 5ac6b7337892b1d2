//! Turns a revision's Markdown into the HTML stored with it, once, at publish time.
//!
//! CommonMark plus tables, footnotes, strikethrough and task lists; every heading gets a stable
//! anchor (`8. Data retention` becomes `#8-data-retention`) and the second and third levels form
//! the table of contents; links to other sites are marked; and the result is sanitised, so raw
//! HTML in the source cannot smuggle in scripts, event handlers or `javascript:` URLs.

use crate::revisions::TocEntry;
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::{HashMap, HashSet};

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

/// Renders `source`. `external_label` is appended, visually hidden, to links that leave the
/// site, in the revision's language (for example "(external link)").
pub fn render(source: &str, external_label: &str) -> Result<Rendered, RenderError> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(RenderError::TooLarge { size: source.len() });
    }
    if source.trim().is_empty() {
        return Err(RenderError::Empty);
    }
    let mut events: Vec<Event> = Parser::new_ext(source, options()).collect();
    let toc = anchor_headings(&mut events);
    let events = mark_external_links(events, external_label);
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Ok(Rendered {
        html: sanitizer().clean(&html).to_string(),
        toc,
    })
}

/// Gives every heading a unique id from its text and returns the table of contents.
fn anchor_headings(events: &mut [Event]) -> Vec<TocEntry> {
    let mut toc = Vec::new();
    let mut used: HashMap<String, usize> = HashMap::new();
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
                *slot = Some(CowStr::from(id.clone()));
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
/// event handlers or dangerous URL schemes), plus what the renderer itself produces.
fn sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("a", ["class"])
        .add_tag_attributes("span", ["class"])
        .add_tag_attributes("sup", ["class", "id"])
        .add_tag_attributes("div", ["class", "id"])
        .add_tag_attributes("li", ["id"])
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("td", ["style"])
        .add_generic_attributes(["id"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("input", "type") => (value == "checkbox").then_some(value.into()),
            ("a" | "span", "class") => {
                matches!(value, "external" | "visually-hidden").then_some(value.into())
            }
            ("th" | "td", "style") => matches!(
                value,
                "text-align: left" | "text-align: center" | "text-align: right"
            )
            .then_some(value.into()),
            _ => Some(value.into()),
        })
        .link_rel(Some("noopener noreferrer"))
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]));
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(source: &str) -> String {
        render(source, "(external link)").expect("renders").html
    }

    #[test]
    fn headings_get_stable_unique_anchors_and_a_toc() {
        let rendered = render(
            "# Privacy Policy\n\n## 8. Data retention\n\ntext\n\n### Backups\n\n## Data retention\n",
            "",
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
        let rendered = render("## Contact\n\n## Contact\n\n## Contact", "").unwrap();
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
        assert!(out.contains(r#"class="footnote-definition""#), "{out}");
        assert!(
            out.contains(r#"<input type="checkbox" disabled="" checked="">"#)
                || out.contains("checked"),
            "{out}"
        );
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
            render(&big, ""),
            Err(RenderError::TooLarge {
                size: MAX_SOURCE_BYTES + 1
            })
        );
        assert!(render(&"a".repeat(MAX_SOURCE_BYTES), "").is_ok());
        assert_eq!(render(" \n ", ""), Err(RenderError::Empty));
    }
}
