//! Turns a revision's Markdown into the HTML stored with it, once, at publish time.
//!
//! CommonMark plus tables, footnotes, strikethrough and task lists; every heading gets a stable
//! anchor (`8. Data retention` becomes `#8-data-retention`) and the second and third levels form
//! the table of contents; links to other sites are marked; and the result is sanitised, so raw
//! HTML in the source cannot smuggle in scripts, event handlers or `javascript:` URLs, nor ids,
//! classes, form fields or images from other sites that the page did not make itself.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
mod ssr;
#[cfg(feature = "ssr")]
pub use ssr::{ImageHosts, MAX_SOURCE_BYTES, RenderError, Rendered, options, render, slugify};

/// A heading in a revision's table of contents, with the anchor the renderer gave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub text: String,
}
