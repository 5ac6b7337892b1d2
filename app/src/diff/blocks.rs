//! Reads a Markdown text into the blocks the diff aligns. A block holds its text with
//! whitespace normalised, as spans of one formatting each; it is split into word tokens only
//! when the block has to be diffed word by word, which most blocks of a revision never are.

use super::{BlockKind, CELL_BREAK};
use crate::markdown;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::{cell::OnceCell, ops::Range};
use unicode_segmentation::UnicodeSegmentation;

pub(super) const STRONG: u8 = 1;
pub(super) const EMPHASIS: u8 = 1 << 1;
pub(super) const CODE: u8 = 1 << 2;
pub(super) const STRIKE: u8 = 1 << 3;
/// Inside a link. The target is kept apart, so a changed target alone does not change the words.
pub(super) const LINK: u8 = 1 << 4;

/// A stretch of a block's text with one formatting; consecutive spans differ in formatting.
#[derive(Clone, Debug)]
pub(super) struct Span {
    start: u32,
    end: u32,
    pub flags: u8,
    /// Index into the block's `links` when the span is inside a link.
    pub link: Option<u16>,
}

/// A word, a run of punctuation, one normalised space or a cell break, with its formatting.
#[derive(Clone, Debug)]
pub(super) struct Token {
    start: u32,
    end: u32,
    pub flags: u8,
    pub link: Option<u16>,
    /// Whether the token holds a letter or digit (and so counts as a word).
    pub word: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Link {
    pub text: String,
    pub href: String,
}

#[derive(Clone, Debug)]
pub(super) struct SourceBlock {
    pub kind: BlockKind,
    text: String,
    spans: Vec<Span>,
    pub links: Vec<Link>,
    /// Kind, words and formatting, whitespace normalised: equal keys read the same.
    pub key: String,
    tokens: OnceCell<Vec<Token>>,
    /// Hashes of the lowercased words, sorted, for a cheap similarity between two blocks.
    word_hashes: OnceCell<Vec<u64>>,
}

impl SourceBlock {
    fn new(kind: BlockKind) -> Self {
        SourceBlock {
            kind,
            text: String::new(),
            spans: Vec::new(),
            links: Vec::new(),
            key: String::new(),
            tokens: OnceCell::new(),
            word_hashes: OnceCell::new(),
        }
    }

    fn slice(&self, start: u32, end: u32) -> &str {
        &self.text[start as usize..end as usize]
    }

    /// The whole block as `(text, formatting)` stretches.
    pub fn spans(&self) -> impl Iterator<Item = (&str, &Span)> {
        self.spans
            .iter()
            .map(|span| (self.slice(span.start, span.end), span))
    }

    pub fn tokens(&self) -> &[Token] {
        self.tokens.get_or_init(|| tokenize(self))
    }

    pub fn token_text(&self, token: &Token) -> &str {
        self.slice(token.start, token.end)
    }

    /// The tokens in `range` as stretches of one formatting each: `(text, first token)`.
    /// Tokens lie end to end in the text, so each stretch is one slice of it.
    pub fn stretches(&self, range: Range<usize>) -> impl Iterator<Item = (&str, &Token)> {
        let tokens = &self.tokens()[range];
        let mut start = 0;
        std::iter::from_fn(move || {
            let first = tokens.get(start)?;
            let len = tokens[start..]
                .iter()
                .take_while(|t| t.flags == first.flags && t.link == first.link)
                .count();
            let last = &tokens[start + len - 1];
            start += len;
            Some((self.slice(first.start, last.end), first))
        })
    }

    pub fn words(&self) -> usize {
        self.tokens().iter().filter(|t| t.word).count()
    }

    fn word_hashes(&self) -> &[u64] {
        self.word_hashes.get_or_init(|| word_hashes(self))
    }

    pub fn href(&self, link: Option<u16>) -> Option<&str> {
        link.and_then(|index| self.links.get(usize::from(index)))
            .map(|link| link.href.as_str())
    }

    /// Dice coefficient of the two blocks' words: 1 for the same words, 0 for none in common.
    pub fn similarity(&self, other: &SourceBlock) -> f32 {
        let (a, b) = (self.word_hashes(), other.word_hashes());
        let total = a.len() + b.len();
        if total == 0 {
            return 1.0;
        }
        let (mut i, mut j, mut common) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    common += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        (2 * common) as f32 / total as f32
    }
}

/// The blocks of `source`, in order.
pub(super) fn parse(source: &str) -> Vec<SourceBlock> {
    let mut reader = Reader::default();
    for event in Parser::new_ext(source, markdown::options()) {
        reader.event(event);
    }
    reader.finish_block();
    reader.blocks
}

#[derive(Default)]
struct Reader {
    blocks: Vec<SourceBlock>,
    open: Option<SourceBlock>,
    /// One entry per open list: whether it is ordered.
    lists: Vec<bool>,
    quotes: usize,
    in_code_block: bool,
    in_table_head: bool,
    cells_in_row: usize,
    strong: usize,
    emphasis: usize,
    strike: usize,
    link: Option<u16>,
    /// A footnote's label, put before the first block of its definition.
    footnote: Option<String>,
}

impl Reader {
    fn event(&mut self, event: Event) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text, 0),
            Event::Code(text) => self.text(&text, CODE),
            Event::Html(html) | Event::InlineHtml(html) => self.text(&html, 0),
            Event::SoftBreak | Event::HardBreak => self.text(" ", 0),
            Event::FootnoteReference(label) => self.text(&format!("[{label}]"), 0),
            Event::TaskListMarker(done) => self.text(if done { "☑ " } else { "☐ " }, 0),
            Event::Rule | Event::InlineMath(_) | Event::DisplayMath(_) => {}
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Heading { level, .. } => self.begin(BlockKind::Heading { level: level as u8 }),
            Tag::Paragraph => {
                // A paragraph inside a list item continues the item's block.
                let in_item = matches!(
                    self.open.as_ref().map(|b| b.kind),
                    Some(BlockKind::ListItem { .. })
                );
                if in_item {
                    self.text(" ", 0);
                } else if self.quotes > 0 {
                    self.begin(BlockKind::Quote);
                } else {
                    self.begin(BlockKind::Paragraph);
                }
            }
            Tag::List(start) => {
                self.finish_block();
                self.lists.push(start.is_some());
            }
            Tag::Item => {
                let ordered = self.lists.last().copied().unwrap_or(false);
                let depth = u8::try_from(self.lists.len().saturating_sub(1)).unwrap_or(u8::MAX);
                self.begin(BlockKind::ListItem { ordered, depth });
            }
            Tag::BlockQuote(_) => {
                self.finish_block();
                self.quotes += 1;
            }
            Tag::CodeBlock(_) => {
                self.begin(BlockKind::Code);
                self.in_code_block = true;
            }
            Tag::HtmlBlock => self.begin(BlockKind::Paragraph),
            Tag::TableHead => {
                self.in_table_head = true;
                self.begin_row();
            }
            Tag::TableRow => self.begin_row(),
            Tag::TableCell => {
                if self.cells_in_row > 0 {
                    self.push_cell_break();
                }
                self.cells_in_row += 1;
            }
            Tag::FootnoteDefinition(label) => {
                self.finish_block();
                self.footnote = Some(format!("[{label}] "));
            }
            Tag::Strong => self.strong += 1,
            Tag::Emphasis => self.emphasis += 1,
            Tag::Strikethrough => self.strike += 1,
            Tag::Link { dest_url, .. } => {
                let block = self.ensure_block();
                let index = u16::try_from(block.links.len()).ok();
                block.links.push(Link {
                    text: String::new(),
                    href: dest_url.to_string(),
                });
                self.link = index;
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) | TagEnd::HtmlBlock | TagEnd::TableHead | TagEnd::TableRow => {
                self.in_table_head = false;
                self.finish_block();
            }
            TagEnd::Paragraph => {
                let in_item = matches!(
                    self.open.as_ref().map(|b| b.kind),
                    Some(BlockKind::ListItem { .. })
                );
                if !in_item {
                    self.finish_block();
                }
            }
            TagEnd::Item | TagEnd::FootnoteDefinition => self.finish_block(),
            TagEnd::List(_) => {
                self.finish_block();
                self.lists.pop();
            }
            TagEnd::BlockQuote(_) => {
                self.finish_block();
                self.quotes = self.quotes.saturating_sub(1);
            }
            TagEnd::CodeBlock => {
                self.in_code_block = false;
                self.finish_block();
            }
            TagEnd::Strong => self.strong = self.strong.saturating_sub(1),
            TagEnd::Emphasis => self.emphasis = self.emphasis.saturating_sub(1),
            TagEnd::Strikethrough => self.strike = self.strike.saturating_sub(1),
            TagEnd::Link => self.link = None,
            _ => {}
        }
    }

    fn begin_row(&mut self) {
        self.cells_in_row = 0;
        self.begin(BlockKind::TableRow {
            header: self.in_table_head,
        });
    }

    fn begin(&mut self, kind: BlockKind) {
        self.finish_block();
        self.open = Some(SourceBlock::new(kind));
        if let Some(label) = self.footnote.take() {
            self.text(&label, 0);
        }
    }

    /// The open block, opening a paragraph for text that arrives outside any block.
    fn ensure_block(&mut self) -> &mut SourceBlock {
        if self.open.is_none() {
            self.begin(BlockKind::Paragraph);
        }
        self.open
            .get_or_insert_with(|| SourceBlock::new(BlockKind::Paragraph))
    }

    fn flags(&self, extra: u8) -> u8 {
        let mut flags = extra;
        if self.strong > 0 {
            flags |= STRONG;
        }
        if self.emphasis > 0 {
            flags |= EMPHASIS;
        }
        if self.strike > 0 {
            flags |= STRIKE;
        }
        if self.link.is_some() {
            flags |= LINK;
        }
        flags
    }

    fn text(&mut self, text: &str, extra_flags: u8) {
        let flags = self.flags(extra_flags);
        let link = self.link;
        let keep_whitespace = self.in_code_block;
        let block = self.ensure_block();
        if let Some(link) = link.and_then(|index| block.links.get_mut(usize::from(index))) {
            link.text.push_str(text);
        }
        let before = block.text.len();
        if keep_whitespace {
            block.text.push_str(text);
        } else {
            // One space stands for any run of whitespace, and none opens a block.
            let mut after_space = block.text.is_empty() || block.text.ends_with([' ', CELL_BREAK]);
            for c in text.chars() {
                if c.is_whitespace() {
                    if !after_space {
                        block.text.push(' ');
                        after_space = true;
                    }
                } else {
                    block.text.push(c);
                    after_space = false;
                }
            }
        }
        extend_spans(block, before, flags, link);
    }

    fn push_cell_break(&mut self) {
        let block = self.ensure_block();
        if block.text.ends_with(' ') {
            block.text.pop();
            trim_spans(block);
        }
        let before = block.text.len();
        block.text.push(CELL_BREAK);
        extend_spans(block, before, 0, None);
    }

    fn finish_block(&mut self) {
        self.link = None;
        let Some(mut block) = self.open.take() else {
            return;
        };
        let kept = block
            .text
            .trim_end_matches(|c: char| c.is_whitespace() && c != CELL_BREAK);
        block.text.truncate(kept.len());
        trim_spans(&mut block);
        if block.text.is_empty() {
            return;
        }
        block.key = key(&block);
        self.blocks.push(block);
    }
}

/// Covers the text appended since `before` by a span, extending the last span when the
/// formatting is the same.
fn extend_spans(block: &mut SourceBlock, before: usize, flags: u8, link: Option<u16>) {
    let (start, end) = (offset(before), offset(block.text.len()));
    if start == end {
        return;
    }
    match block.spans.last_mut() {
        Some(last) if last.flags == flags && last.link == link && last.end == start => {
            last.end = end;
        }
        _ => block.spans.push(Span {
            start,
            end,
            flags,
            link,
        }),
    }
}

/// Drops whatever spans lie beyond the (shortened) text.
fn trim_spans(block: &mut SourceBlock) {
    let len = offset(block.text.len());
    block.spans.retain(|span| span.start < len);
    if let Some(last) = block.spans.last_mut() {
        last.end = last.end.min(len);
    }
}

fn offset(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Splits the block's spans at Unicode word boundaries.
fn tokenize(block: &SourceBlock) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(block.text.len() / 3);
    for span in &block.spans {
        let text = block.slice(span.start, span.end);
        let mut at = span.start;
        for segment in text.split_word_bounds() {
            let end = at + offset(segment.len());
            tokens.push(Token {
                start: at,
                end,
                flags: span.flags,
                link: span.link,
                word: segment.chars().any(char::is_alphanumeric),
            });
            at = end;
        }
    }
    tokens
}

fn key(block: &SourceBlock) -> String {
    let mut key = format!("{:?}\u{0}", block.kind);
    key.reserve(block.text.len() + block.spans.len());
    let mut flags = 0;
    for (text, span) in block.spans() {
        if span.flags != flags {
            flags = span.flags;
            // A private-use character marks a change of formatting, so bold text differs from
            // plain text with the same words.
            key.push(char::from_u32(0xE000 + u32::from(flags)).unwrap_or('\u{E000}'));
        }
        key.push_str(text);
    }
    key
}

fn word_hashes(block: &SourceBlock) -> Vec<u64> {
    let mut hashes: Vec<u64> = block
        .tokens()
        .iter()
        .filter(|token| token.word)
        .map(|token| fnv1a(block.token_text(token).chars().flat_map(char::to_lowercase)))
        .collect();
    hashes.sort_unstable();
    hashes
}

/// FNV-1a: plenty for telling words apart in a similarity score, and far cheaper than SipHash
/// for short keys.
fn fnv1a(chars: impl Iterator<Item = char>) -> u64 {
    chars.fold(0xcbf2_9ce4_8422_2325, |hash, c| {
        (hash ^ u64::from(u32::from(c))).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<(BlockKind, String)> {
        parse(source)
            .iter()
            .map(|block| {
                let text = block.spans().map(|(text, _)| text).collect();
                (block.kind, text)
            })
            .collect()
    }

    #[test]
    fn reads_headings_paragraphs_lists_tables_and_code() {
        let source = "# Title\n\nSome   *text*\nwrapped.\n\n- one\n- two\n  - nested\n\n\
                      1. first\n\n   more of first\n\n| A | B |\n|---|---|\n| x | y |\n\n\
                      > quoted\n\n```\nlet x = 1;\n```\n";
        let blocks = texts(source);
        assert_eq!(
            blocks,
            [
                (BlockKind::Heading { level: 1 }, "Title".into()),
                (BlockKind::Paragraph, "Some text wrapped.".into()),
                (
                    BlockKind::ListItem {
                        ordered: false,
                        depth: 0
                    },
                    "one".into()
                ),
                (
                    BlockKind::ListItem {
                        ordered: false,
                        depth: 0
                    },
                    "two".into()
                ),
                (
                    BlockKind::ListItem {
                        ordered: false,
                        depth: 1
                    },
                    "nested".into()
                ),
                (
                    BlockKind::ListItem {
                        ordered: true,
                        depth: 0
                    },
                    "first more of first".into()
                ),
                (BlockKind::TableRow { header: true }, "A\tB".into()),
                (BlockKind::TableRow { header: false }, "x\ty".into()),
                (BlockKind::Quote, "quoted".into()),
                (BlockKind::Code, "let x = 1;".into()),
            ]
        );
    }

    #[test]
    fn formatting_is_part_of_the_key_but_link_targets_are_not() {
        let plain = parse("We keep data.");
        let bold = parse("We keep **data**.");
        assert_ne!(plain[0].key, bold[0].key);
        let a = parse("See [the list](/a).");
        let b = parse("See [the list](/b).");
        assert_eq!(a[0].key, b[0].key);
        assert_eq!(a[0].links[0].href, "/a");
        assert_eq!(a[0].links[0].text, "the list");
    }

    #[test]
    fn whitespace_is_normalised() {
        assert_eq!(
            parse("Data  is\nkept.")[0].key,
            parse("Data is kept.  ")[0].key
        );
    }

    #[test]
    fn words_follow_unicode_boundaries() {
        let block = &parse("Die Datenschutzerklärung gilt. 個人情報を保護します。")[0];
        let words: Vec<&str> = block
            .tokens()
            .iter()
            .filter(|t| t.word)
            .map(|t| block.token_text(t))
            .collect();
        assert!(words.contains(&"Datenschutzerklärung"), "{words:?}");
        // Ideographs are words of their own, so a changed character is a small change.
        assert!(words.contains(&"個"), "{words:?}");
        assert!(words.contains(&"情"), "{words:?}");
    }

    #[test]
    fn similarity_is_dice_over_words() {
        let a = &parse("one two three four")[0];
        let b = &parse("one two three five")[0];
        assert!((a.similarity(b) - 0.75).abs() < 1e-6);
        assert!((a.similarity(a) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn an_empty_text_has_no_blocks() {
        assert!(parse("").is_empty());
        assert!(parse("\n\n   \n").is_empty());
    }
}
