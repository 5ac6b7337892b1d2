//! The two-level alignment: blocks first (patience), then words inside each pair of blocks that
//! changed (Myers). Work stays proportional to the size of the texts and their changes: the
//! block level compares whole blocks by key, pairing inside a changed stretch only looks a few
//! blocks ahead, and the word level only ever sees two blocks.

use super::{
    Block, BlockKind, Change, ChangeClass, Comparison, Counts, LinkChange, Op, Run, Section, Style,
    blocks::{self, CODE, EMPHASIS, STRIKE, STRONG, SourceBlock, Token},
};
use similar::{Algorithm, DiffOp, TextDiff, capture_diff_deadline, capture_diff_slices_deadline};
use std::{
    collections::{HashMap, VecDeque},
    ops::Range,
    time::{Duration, Instant},
};

/// A comparison that adds and removes at most this many words, moving none, is editorial-size.
pub const EDITORIAL_MAX_WORDS: usize = 20;
/// How far ahead, in blocks, an edited block may find its new form inside a changed stretch.
const PAIRING_WINDOW: usize = 8;
/// Two blocks of the same kind below this share of common words are a removal and an addition,
/// not one edited block.
const MIN_SIMILARITY: f32 = 0.4;
/// The same, when one block replaced exactly one other: the place itself says they belong
/// together, so fewer common words suffice.
const MIN_SIMILARITY_IN_PLACE: f32 = 0.25;
/// Equal stretches of at most this many punctuation or space tokens between two changes are
/// folded into them, so a rewritten sentence reads as one deletion and one insertion.
const MAX_FOLDED_TOKENS: usize = 3;
/// A guard against pathological input: past it the aligners settle for a good alignment
/// instead of a minimal one.
const DEADLINE: Duration = Duration::from_millis(500);

/// Compares two Markdown texts.
pub fn compare(old_source: &str, new_source: &str) -> Comparison {
    let old = blocks::parse(old_source);
    let new = blocks::parse(new_source);
    let mut builder = Builder::new(&old, &new);
    builder.align();
    builder.finish(old_source == new_source)
}

/// A unified diff of two Markdown sources, line by line, as `diff -u` or `git diff` print it.
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(DEADLINE)
        .diff_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

struct Builder<'a> {
    old: &'a [SourceBlock],
    new: &'a [SourceBlock],
    out: Vec<Block>,
    links: Vec<LinkChange>,
    counts: Counts,
    moved_old: HashMap<usize, u32>,
    moved_new: HashMap<usize, u32>,
    deadline: Instant,
}

impl<'a> Builder<'a> {
    fn new(old: &'a [SourceBlock], new: &'a [SourceBlock]) -> Self {
        Builder {
            old,
            new,
            out: Vec::with_capacity(old.len().max(new.len())),
            links: Vec::new(),
            counts: Counts::default(),
            moved_old: HashMap::new(),
            moved_new: HashMap::new(),
            deadline: Instant::now() + DEADLINE,
        }
    }

    fn align(&mut self) {
        let old_keys: Vec<&str> = self.old.iter().map(|b| b.key.as_str()).collect();
        let new_keys: Vec<&str> = self.new.iter().map(|b| b.key.as_str()).collect();
        let ops = capture_diff_deadline(
            Algorithm::Patience,
            &old_keys,
            0..old_keys.len(),
            &new_keys,
            0..new_keys.len(),
            Some(self.deadline),
        );
        self.find_moves(&ops);
        for op in ops {
            match op {
                DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => {
                    for k in 0..len {
                        self.unchanged(old_index + k, new_index + k);
                    }
                }
                DiffOp::Delete {
                    old_index, old_len, ..
                } => (old_index..old_index + old_len).for_each(|i| self.removed(i)),
                DiffOp::Insert {
                    new_index, new_len, ..
                } => (new_index..new_index + new_len).for_each(|j| self.added(j)),
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => self.replace(
                    old_index..old_index + old_len,
                    new_index..new_index + new_len,
                ),
            }
        }
    }

    /// A block removed in one place and inserted, reading the same, in another has moved.
    fn find_moves(&mut self, ops: &[DiffOp]) {
        let mut removed: HashMap<&str, VecDeque<usize>> = HashMap::new();
        for op in ops.iter().filter(|op| !matches!(op, DiffOp::Equal { .. })) {
            for i in op.old_range() {
                removed
                    .entry(self.old[i].key.as_str())
                    .or_default()
                    .push_back(i);
            }
        }
        if removed.is_empty() {
            return;
        }
        let mut next_id = 0;
        for op in ops.iter().filter(|op| !matches!(op, DiffOp::Equal { .. })) {
            for j in op.new_range() {
                let found = removed
                    .get_mut(self.new[j].key.as_str())
                    .and_then(VecDeque::pop_front);
                if let Some(i) = found {
                    next_id += 1;
                    self.moved_old.insert(i, next_id);
                    self.moved_new.insert(j, next_id);
                }
            }
        }
    }

    /// A stretch where old blocks were replaced by new ones: each old block is paired with the
    /// most similar new block a little ahead, if one is similar enough, and diffed word by word;
    /// the rest are removals and additions.
    fn replace(&mut self, old: Range<usize>, new: Range<usize>) {
        let min_similarity = if old.len() == 1 && new.len() == 1 {
            MIN_SIMILARITY_IN_PLACE
        } else {
            MIN_SIMILARITY
        };
        let mut next = new.start;
        for i in old {
            if self.moved_old.contains_key(&i) {
                self.removed(i);
                continue;
            }
            let window = next..(next + PAIRING_WINDOW).min(new.end);
            let mut best: Option<(usize, f32)> = None;
            for j in window {
                if self.moved_new.contains_key(&j) {
                    continue;
                }
                if let Some(score) = self.pairing_score(i, j, min_similarity)
                    && best.is_none_or(|(_, best_score)| score > best_score)
                {
                    best = Some((j, score));
                }
            }
            match best {
                Some((j, _)) => {
                    (next..j).for_each(|k| self.added(k));
                    self.changed(i, j);
                    next = j + 1;
                }
                None => self.removed(i),
            }
        }
        (next..new.end).for_each(|k| self.added(k));
    }

    fn pairing_score(&self, i: usize, j: usize, min_similarity: f32) -> Option<f32> {
        let (a, b) = (&self.old[i], &self.new[j]);
        let similarity = a.similarity(b);
        let pairable = match (a.kind, b.kind) {
            // A heading of the same level in the same place was renamed, whatever its words.
            (BlockKind::Heading { level: x }, BlockKind::Heading { level: y }) => x == y,
            (x, y) => family(x) == family(y) && similarity >= min_similarity,
        };
        pairable.then_some(similarity)
    }

    fn unchanged(&mut self, i: usize, j: usize) {
        let (a, b) = (&self.old[i], &self.new[j]);
        let before = self.links.len();
        for (old_link, new_link) in a.links.iter().zip(&b.links) {
            if old_link.href != new_link.href {
                self.links.push(LinkChange {
                    text: new_link.text.trim().to_owned(),
                    before: old_link.href.clone(),
                    after: new_link.href.clone(),
                });
            }
        }
        let change = if self.links.len() > before {
            Change::Relinked
        } else {
            Change::Unchanged
        };
        self.push(b, change, whole(b, Op::Same));
    }

    fn removed(&mut self, i: usize) {
        let a = &self.old[i];
        match self.moved_old.get(&i) {
            Some(&id) => self.push(
                a,
                Change::MovedAway { id, to_section: 0 },
                whole(a, Op::Same),
            ),
            None => {
                self.counts.words_removed += a.words();
                self.push(a, Change::Removed, whole(a, Op::Removed));
            }
        }
    }

    fn added(&mut self, j: usize) {
        let b = &self.new[j];
        match self.moved_new.get(&j) {
            Some(&id) => {
                self.counts.words_moved += b.words();
                self.push(
                    b,
                    Change::MovedHere {
                        id,
                        from_section: 0,
                    },
                    whole(b, Op::Same),
                );
            }
            None => {
                self.counts.words_added += b.words();
                self.push(b, Change::Added, whole(b, Op::Added));
            }
        }
    }

    /// An edited block: its words diffed, with small equal stretches folded into the changes
    /// around them.
    fn changed(&mut self, i: usize, j: usize) {
        let (a, b) = (&self.old[i], &self.new[j]);
        let old_tokens: Vec<(&str, u8)> = a
            .tokens()
            .iter()
            .map(|t| (a.token_text(t), t.flags))
            .collect();
        let new_tokens: Vec<(&str, u8)> = b
            .tokens()
            .iter()
            .map(|t| (b.token_text(t), t.flags))
            .collect();
        let ops = capture_diff_slices_deadline(
            Algorithm::Myers,
            &old_tokens,
            &new_tokens,
            Some(self.deadline),
        );
        let mut runs = Runs::default();
        let mut removed: Vec<(&SourceBlock, &Token)> = Vec::new();
        let mut added: Vec<(&SourceBlock, &Token)> = Vec::new();
        for (index, op) in ops.iter().enumerate() {
            let old_range = op.old_range();
            let new_range = op.new_range();
            let is_equal = matches!(op, DiffOp::Equal { .. });
            let between_changes = index > 0 && index + 1 < ops.len();
            let foldable = is_equal
                && between_changes
                && old_range.len() <= MAX_FOLDED_TOKENS
                && a.tokens()[old_range.clone()].iter().all(|t| !t.word);
            if is_equal && !foldable {
                self.counts.words_removed += flush(&mut runs, &mut removed, Op::Removed);
                self.counts.words_added += flush(&mut runs, &mut added, Op::Added);
                stretches(&mut runs, b, new_range, Op::Same);
            } else {
                removed.extend(a.tokens()[old_range].iter().map(|t| (a, t)));
                added.extend(b.tokens()[new_range].iter().map(|t| (b, t)));
            }
        }
        self.counts.words_removed += flush(&mut runs, &mut removed, Op::Removed);
        self.counts.words_added += flush(&mut runs, &mut added, Op::Added);

        for new_link in &b.links {
            let same_text = |l: &&blocks::Link| l.text == new_link.text;
            let kept = a
                .links
                .iter()
                .filter(same_text)
                .any(|l| l.href == new_link.href);
            if let Some(old_link) = a.links.iter().find(same_text)
                && !kept
            {
                self.links.push(LinkChange {
                    text: new_link.text.trim().to_owned(),
                    before: old_link.href.clone(),
                    after: new_link.href.clone(),
                });
            }
        }
        self.push(b, Change::Changed, runs.0);
    }

    fn push(&mut self, source: &SourceBlock, change: Change, runs: Vec<Run>) {
        self.out.push(Block {
            kind: source.kind,
            change,
            runs,
            section: 0,
            mark: None,
        });
    }

    /// Assigns sections, jump marks and the moved blocks' cross-references, and classifies.
    fn finish(self, identical: bool) -> Comparison {
        let Builder {
            mut out,
            links,
            counts,
            ..
        } = self;
        let mut sections = vec![Section {
            title: String::new(),
            level: 0,
            touched: false,
        }];
        let mut moved_sections: HashMap<u32, (usize, usize)> = HashMap::new();
        let mut changes = 0;
        let mut previous_changed = false;
        for block in &mut out {
            if let BlockKind::Heading { level } = block.kind {
                sections.push(Section {
                    title: block.plain_text().trim().to_owned(),
                    level,
                    touched: false,
                });
            }
            let section = sections.len() - 1;
            block.section = section;
            match block.change {
                Change::MovedAway { id, .. } => moved_sections.entry(id).or_default().0 = section,
                Change::MovedHere { id, .. } => moved_sections.entry(id).or_default().1 = section,
                _ => {}
            }
            let changed = block.change != Change::Unchanged;
            if changed {
                sections[section].touched = true;
                if !previous_changed {
                    changes += 1;
                    block.mark = Some(changes);
                }
            }
            previous_changed = changed;
        }
        for block in &mut out {
            match &mut block.change {
                Change::MovedAway { id, to_section } => {
                    *to_section = moved_sections.get(id).map_or(0, |s| s.1);
                }
                Change::MovedHere { id, from_section } => {
                    *from_section = moved_sections.get(id).map_or(0, |s| s.0);
                }
                _ => {}
            }
        }

        let words_changed = out
            .iter()
            .any(|b| !matches!(b.change, Change::Unchanged | Change::Relinked));
        let class = if identical {
            ChangeClass::Identical
        } else if !words_changed && links.is_empty() {
            ChangeClass::WhitespaceOnly
        } else if !words_changed {
            ChangeClass::LinksOnly
        } else if counts.words_moved == 0
            && counts.words_added + counts.words_removed <= EDITORIAL_MAX_WORDS
        {
            ChangeClass::Editorial
        } else {
            ChangeClass::Substantive
        };
        Comparison {
            class,
            counts,
            links,
            sections,
            blocks: out,
            changes,
        }
    }
}

/// Kinds whose blocks may be paired as one edited block.
fn family(kind: BlockKind) -> u8 {
    match kind {
        BlockKind::Paragraph | BlockKind::Quote => 0,
        BlockKind::ListItem { .. } => 1,
        BlockKind::TableRow { .. } => 2,
        BlockKind::Code => 3,
        BlockKind::Heading { .. } => 4,
    }
}

fn style(block: &SourceBlock, flags: u8, link: Option<u16>) -> Style {
    Style {
        strong: flags & STRONG != 0,
        emphasis: flags & EMPHASIS != 0,
        code: flags & CODE != 0,
        strike: flags & STRIKE != 0,
        link: block.href(link).map(str::to_owned),
    }
}

fn whole(block: &SourceBlock, op: Op) -> Vec<Run> {
    let mut runs = Runs::default();
    for (text, span) in block.spans() {
        runs.push(op, text, style(block, span.flags, span.link));
    }
    runs.0
}

fn stretches(runs: &mut Runs, block: &SourceBlock, range: Range<usize>, op: Op) {
    for (text, first) in block.stretches(range) {
        runs.push(op, text, style(block, first.flags, first.link));
    }
}

/// Appends the pending tokens as runs of `op` and returns how many words they held.
fn flush(runs: &mut Runs, pending: &mut Vec<(&SourceBlock, &Token)>, op: Op) -> usize {
    let words = pending.iter().filter(|(_, token)| token.word).count();
    for (block, token) in pending.drain(..) {
        runs.push(
            op,
            block.token_text(token),
            style(block, token.flags, token.link),
        );
    }
    words
}

/// Runs, merging each token into the previous run when operation and style agree.
#[derive(Default)]
struct Runs(Vec<Run>);

impl Runs {
    fn push(&mut self, op: Op, text: &str, style: Style) {
        match self.0.last_mut() {
            Some(last) if last.op == op && last.style == style => last.text.push_str(text),
            _ => self.0.push(Run {
                op,
                text: text.to_owned(),
                style,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The comparison's runs as text: `[-removed-]` and `{+added+}`, blocks one per line with
    /// their change.
    fn render(comparison: &Comparison) -> String {
        comparison
            .blocks
            .iter()
            .map(|block| {
                let text: String = block
                    .runs
                    .iter()
                    .map(|run| match run.op {
                        Op::Same => run.text.clone(),
                        Op::Removed => format!("[-{}-]", run.text),
                        Op::Added => format!("{{+{}+}}", run.text),
                    })
                    .collect();
                let change = match block.change {
                    Change::Unchanged => "=",
                    Change::Relinked => "link",
                    Change::Changed => "~",
                    Change::Added => "+",
                    Change::Removed => "-",
                    Change::MovedAway { .. } => "moved-away",
                    Change::MovedHere { .. } => "moved-here",
                };
                format!("{change} {text}")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    const POLICY: &str = "# Privacy Policy\n\n\
        We process personal data to provide the service.\n\n\
        ## 1. Who we are\n\n\
        Quillstone AI Ltd is the controller. Write to privacy@quillstone.example.\n\n\
        ## 2. Data we collect\n\n\
        - Account data: name and email address.\n\
        - Billing data: address and VAT number.\n\n\
        ## 3. Retention\n\n\
        We keep account data for 90 days after the account is closed.\n\n\
        See the [sub-processors](/policies/subprocessors) list.\n";

    #[test]
    fn the_same_text_is_identical() {
        let comparison = compare(POLICY, POLICY);
        assert_eq!(comparison.class, ChangeClass::Identical);
        assert_eq!(comparison.changes, 0);
        assert_eq!(comparison.counts, Counts::default());
        assert!(comparison.touched_sections().next().is_none());
        assert!(
            comparison
                .blocks
                .iter()
                .all(|b| b.change == Change::Unchanged)
        );
    }

    #[test]
    fn rewrapped_lines_are_whitespace_only() {
        let rewrapped = POLICY.replace(
            "We keep account data for 90 days after the account is closed.",
            "We keep account data\nfor 90 days   after the account is closed.",
        );
        let comparison = compare(POLICY, &rewrapped);
        assert_eq!(comparison.class, ChangeClass::WhitespaceOnly);
        assert_eq!(comparison.changes, 0);
    }

    #[test]
    fn a_new_link_target_is_links_only_and_names_both_targets() {
        let relinked = POLICY.replace("(/policies/subprocessors)", "(/legal/subprocessors)");
        let comparison = compare(POLICY, &relinked);
        assert_eq!(comparison.class, ChangeClass::LinksOnly);
        assert_eq!(
            comparison.links,
            [LinkChange {
                text: "sub-processors".into(),
                before: "/policies/subprocessors".into(),
                after: "/legal/subprocessors".into(),
            }]
        );
        assert_eq!(comparison.changes, 1);
        let touched: Vec<_> = comparison
            .touched_sections()
            .map(|(_, s)| &s.title)
            .collect();
        assert_eq!(touched, ["3. Retention"]);
    }

    #[test]
    fn a_few_words_are_editorial_and_marked_inside_the_block() {
        let edited = POLICY.replace("for 90 days", "for 60 days");
        let comparison = compare(POLICY, &edited);
        assert_eq!(comparison.class, ChangeClass::Editorial);
        assert_eq!(comparison.counts.words_added, 1);
        assert_eq!(comparison.counts.words_removed, 1);
        assert!(
            render(&comparison).contains(
                "~ We keep account data for [-90-]{+60+} days after the account is closed."
            ),
            "{}",
            render(&comparison)
        );
    }

    #[test]
    fn a_rewritten_sentence_reads_as_one_deletion_and_one_insertion() {
        let edited = POLICY.replace(
            "We keep account data for 90 days after the account is closed.",
            "We keep account data until you ask us to delete it, then for 30 more days.",
        );
        let comparison = compare(POLICY, &edited);
        let text = render(&comparison);
        assert!(
            text.contains("~ We keep account data [-for 90 days after the account is closed-]{+until you ask us to delete it, then for 30 more days+}."),
            "{text}"
        );
    }

    #[test]
    fn new_sections_are_substantive_and_reported() {
        let extended = format!(
            "{POLICY}\n## 4. Model training\n\nWe never use your prompts, completions or files to \
             train or improve any model, ours or anyone else's, unless you opt in.\n"
        );
        let comparison = compare(POLICY, &extended);
        assert_eq!(comparison.class, ChangeClass::Substantive);
        assert_eq!(comparison.counts.words_removed, 0);
        assert!(comparison.counts.words_added > EDITORIAL_MAX_WORDS);
        let touched: Vec<_> = comparison
            .touched_sections()
            .map(|(_, s)| &s.title)
            .collect();
        assert_eq!(touched, ["4. Model training"]);
        assert_eq!(comparison.changes, 1);
    }

    #[test]
    fn a_moved_section_is_shown_as_moved_not_deleted_and_inserted() {
        let old = "## A\n\nAlpha paragraph one.\n\n## B\n\nBeta paragraph two.\n\n## C\n\nGamma \
                   paragraph three.\n\n## D\n\nDelta paragraph four.\n";
        let new = "## A\n\nAlpha paragraph one.\n\n## C\n\nGamma paragraph three.\n\n## D\n\nDelta \
                   paragraph four.\n\n## B\n\nBeta paragraph two.\n";
        let comparison = compare(old, new);
        let text = render(&comparison);
        assert_eq!(comparison.counts.words_added, 0, "{text}");
        assert_eq!(comparison.counts.words_removed, 0, "{text}");
        assert_eq!(comparison.counts.words_moved, 4, "{text}");
        assert_eq!(comparison.class, ChangeClass::Substantive);
        let away: Vec<_> = comparison
            .blocks
            .iter()
            .filter_map(|b| match b.change {
                Change::MovedAway { id, to_section } => Some((id, to_section)),
                _ => None,
            })
            .collect();
        let here: Vec<_> = comparison
            .blocks
            .iter()
            .filter_map(|b| match b.change {
                Change::MovedHere { id, from_section } => Some((id, from_section)),
                _ => None,
            })
            .collect();
        assert_eq!(away.len(), 2, "{text}");
        assert_eq!(here.len(), 2, "{text}");
        // Each end names the section the other end is in.
        let (id, to_section) = away[1];
        assert_eq!(comparison.sections[to_section].title, "B");
        assert!(here.iter().any(|&(other, _)| other == id));
    }

    #[test]
    fn table_cells_are_diffed_per_row() {
        let old =
            "| Service | Purpose |\n|---|---|\n| Stripe | Payments |\n| Plausible | Analytics |\n";
        let new = "| Service | Purpose |\n|---|---|\n| Stripe | Payments and invoices |\n| Plausible | Analytics |\n| Postmark | Email |\n";
        let comparison = compare(old, new);
        let text = render(&comparison);
        assert_eq!(
            text,
            "= Service\tPurpose\n~ Stripe\tPayments{+ and invoices+}\n= Plausible\tAnalytics\n+ {+Postmark\tEmail+}",
        );
        assert!(matches!(
            comparison.blocks[3].kind,
            BlockKind::TableRow { header: false }
        ));
    }

    #[test]
    fn list_items_are_blocks_of_their_own() {
        let old = "- Account data: name and email address.\n- Usage data: pages visited.\n";
        let new = "- Account data: name, email address and company.\n- Device data: browser and \
                   operating system.\n- Usage data: pages visited.\n";
        let comparison = compare(old, new);
        let text = render(&comparison);
        assert_eq!(
            text,
            "~ Account data: name[- and-]{+,+} email address{+ and company+}.\n\
             + {+Device data: browser and operating system.+}\n\
             = Usage data: pages visited."
        );
    }

    #[test]
    fn a_renamed_heading_is_one_changed_heading() {
        let old = "## 1. Who we are\n\nText of the section.\n";
        let new = "## 1. About us\n\nText of the section.\n";
        let comparison = compare(old, new);
        assert_eq!(
            render(&comparison),
            "~ 1. [-Who we are-]{+About us+}\n= Text of the section."
        );
        assert_eq!(comparison.sections[1].title, "1. About us");
        assert!(comparison.sections[1].touched);
        assert_eq!(comparison.class, ChangeClass::Editorial);
    }

    #[test]
    fn german_and_japanese_are_diffed_by_words() {
        let old = "Wir speichern Ihre Kontodaten für 90 Tage.\n\n個人情報を三十日間保存します。\n";
        let new =
            "Wir speichern Ihre Vertragsdaten für 90 Tage.\n\n個人情報を六十日間保存します。\n";
        let comparison = compare(old, new);
        assert_eq!(
            render(&comparison),
            "~ Wir speichern Ihre [-Kontodaten-]{+Vertragsdaten+} für 90 Tage.\n\
             ~ 個人情報を[-三-]{+六+}十日間保存します。"
        );
        assert_eq!(comparison.counts.words_added, 2);
        assert_eq!(comparison.class, ChangeClass::Editorial);
    }

    #[test]
    fn formatting_changes_are_changes() {
        let comparison = compare("We keep data.", "We keep **data**.");
        assert_eq!(comparison.class, ChangeClass::Editorial);
        let changed = &comparison.blocks[0];
        assert!(
            changed
                .runs
                .iter()
                .any(|r| r.op == Op::Added && r.style.strong)
        );
    }

    #[test]
    fn empty_documents_compare() {
        assert_eq!(compare("", "").class, ChangeClass::Identical);
        assert_eq!(compare("", "\n\n").class, ChangeClass::WhitespaceOnly);
        let from_nothing = compare("", POLICY);
        assert_eq!(from_nothing.class, ChangeClass::Substantive);
        assert!(
            from_nothing
                .blocks
                .iter()
                .all(|b| b.change == Change::Added)
        );
        let to_nothing = compare(POLICY, "");
        assert!(
            to_nothing
                .blocks
                .iter()
                .all(|b| b.change == Change::Removed)
        );
        assert_eq!(to_nothing.counts.words_added, 0);
    }

    #[test]
    fn consecutive_changed_blocks_share_one_mark() {
        let edited = POLICY
            .replace("name and email", "name, email")
            .replace("address and VAT", "address, VAT")
            .replace("90 days", "60 days");
        let comparison = compare(POLICY, &edited);
        let marks: Vec<_> = comparison.blocks.iter().filter_map(|b| b.mark).collect();
        assert_eq!(marks, [1, 2]);
        assert_eq!(comparison.changes, 2);
    }

    #[test]
    fn unified_diff_of_the_sources() {
        let edited = POLICY.replace("90 days", "60 days");
        let diff = unified_diff(POLICY, &edited, "a/privacy.md", "b/privacy.md");
        assert!(
            diff.starts_with("--- a/privacy.md\n+++ b/privacy.md\n@@"),
            "{diff}"
        );
        assert!(
            diff.contains("\n-We keep account data for 90 days"),
            "{diff}"
        );
        assert!(
            diff.contains("\n+We keep account data for 60 days"),
            "{diff}"
        );
        assert!(unified_diff(POLICY, POLICY, "a", "b").is_empty());
    }
}
