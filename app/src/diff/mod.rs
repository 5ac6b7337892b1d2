//! The diff engine: compares two Markdown texts as prose, the way a reader sees them.
//!
//! It works in two levels. Blocks (headings, paragraphs, list items, table rows, code blocks) are
//! aligned with a patience diff; inside each pair of changed blocks, words are aligned by Unicode
//! word boundaries (UAX #29), so German compounds, French elisions and CJK text diff sensibly.
//! A block deleted in one place and inserted unchanged in another is shown as moved. The whole
//! comparison is classified (identical, whitespace-only, links-only, editorial-size, substantive)
//! with word counts and the sections it touches.
//!
//! This module knows nothing of the web: the comparison pages render its [`Comparison`].

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
mod blocks;
#[cfg(feature = "ssr")]
mod cache;
#[cfg(feature = "ssr")]
mod engine;

#[cfg(feature = "ssr")]
pub use cache::DiffCache;
#[cfg(feature = "ssr")]
pub use engine::{EDITORIAL_MAX_WORDS, compare, unified_diff};

/// What kind of change a comparison shows, from none at all to one that changes meaning.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ChangeClass {
    /// The same text, byte for byte.
    Identical,
    /// Only whitespace or Markdown syntax differs; every block reads the same.
    WhitespaceOnly,
    /// The words are the same; only where some links point changed.
    LinksOnly,
    /// A few words changed (at most [`EDITORIAL_MAX_WORDS`]) and nothing moved.
    Editorial,
    /// Anything larger.
    Substantive,
}

impl ChangeClass {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub words_added: usize,
    pub words_removed: usize,
    /// Words in blocks that moved unchanged to another place.
    pub words_moved: usize,
}

/// A link whose text stayed while its target changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkChange {
    pub text: String,
    pub before: String,
    pub after: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum BlockKind {
    Heading {
        level: u8,
    },
    Paragraph,
    /// `depth` counts from 0 for a top-level list.
    ListItem {
        ordered: bool,
        depth: u8,
    },
    /// One row of a table; its cells are separated by [`CELL_BREAK`] in the runs' text.
    TableRow {
        header: bool,
    },
    Code,
    Quote,
}

/// Separates the cells of a table row inside the runs' text. A tab never survives in prose text
/// (whitespace is normalised to single spaces), so it cannot be confused with content.
pub const CELL_BREAK: char = '\t';

/// Whether a run of text is in both versions, only the old one or only the new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Same,
    Removed,
    Added,
}

/// Inline formatting of a run, as the reader sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Style {
    #[serde(default, skip_serializing_if = "is_false")]
    pub strong: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub emphasis: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub code: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub strike: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

fn is_false(value: &bool) -> bool {
    !value
}

impl Style {
    pub fn is_plain(&self) -> bool {
        *self == Style::default()
    }
}

/// A stretch of text with one operation and one style.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub op: Op,
    pub text: String,
    #[serde(default, skip_serializing_if = "Style::is_plain")]
    pub style: Style,
}

/// What happened to a block between the two versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum Change {
    Unchanged,
    /// Same words; a link in it points somewhere else now.
    Relinked,
    /// Edited in place: its runs hold the word-level changes.
    Changed,
    Added,
    Removed,
    /// The old place of a block that moved; `id` pairs it with its [`Change::MovedHere`].
    MovedAway {
        id: u32,
        to_section: usize,
    },
    /// The new place of a block that moved.
    MovedHere {
        id: u32,
        from_section: usize,
    },
}

/// One block of the comparison, in reading order (old and new interleaved where they differ).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub kind: BlockKind,
    pub change: Change,
    pub runs: Vec<Run>,
    /// Index into [`Comparison::sections`].
    pub section: usize,
    /// Set on the first block of each group of consecutive changes: the number a reader jumps
    /// to with "next change", counted from 1.
    pub mark: Option<u32>,
}

impl Block {
    /// The block's text as it reads in the new version (or the old one, for a removed block).
    pub fn plain_text(&self) -> String {
        let after: String = self
            .runs
            .iter()
            .filter(|run| run.op != Op::Removed)
            .map(|run| run.text.as_str())
            .collect();
        if after.trim().is_empty() {
            self.runs.iter().map(|run| run.text.as_str()).collect()
        } else {
            after
        }
    }
}

/// A heading and the blocks up to the next heading. Section 0 is whatever precedes the first
/// heading and has no title.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub title: String,
    pub level: u8,
    pub touched: bool,
}

impl Section {
    /// The anchor of the section's first block on a comparison page.
    pub fn anchor(index: usize) -> String {
        format!("section-{index}")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    pub class: ChangeClass,
    pub counts: Counts,
    pub links: Vec<LinkChange>,
    pub sections: Vec<Section>,
    pub blocks: Vec<Block>,
    /// How many groups of consecutive changed blocks there are (the highest `mark`).
    pub changes: u32,
}

impl Comparison {
    /// The sections that hold at least one change, with their indices.
    pub fn touched_sections(&self) -> impl Iterator<Item = (usize, &Section)> {
        self.sections
            .iter()
            .enumerate()
            .filter(|(_, section)| section.touched)
    }
}
