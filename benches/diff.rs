//! The diff engine on three generated policies (`cargo bench --bench diff`):
//!
//! 1. one word edited in an 8,000-word policy (target: under 2 ms);
//! 2. half of the paragraphs of that policy rewritten and several sections moved (under 10 ms);
//! 3. a 20,000-word policy against an 8,000-word rewrite of it (under 25 ms).
//!
//! Before timing, it prints each case's word counts, classification and the peak heap the
//! comparison allocated (target for case 3: under 50 MB), measured by a counting allocator.

use app::diff::{ChangeClass, compare};
use criterion::{Criterion, criterion_group, criterion_main};
use std::{
    alloc::{GlobalAlloc, Layout, System},
    hint::black_box,
    sync::atomic::{AtomicUsize, Ordering},
};

struct PeakCounter;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for PeakCounter {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: PeakCounter = PeakCounter;

const VOCABULARY: &[&str] = &[
    "we",
    "process",
    "personal",
    "data",
    "to",
    "provide",
    "the",
    "service",
    "and",
    "your",
    "account",
    "for",
    "as",
    "long",
    "is",
    "needed",
    "our",
    "processors",
    "may",
    "store",
    "it",
    "in",
    "countries",
    "outside",
    "European",
    "Economic",
    "Area",
    "under",
    "standard",
    "contractual",
    "clauses",
    "you",
    "can",
    "ask",
    "access",
    "correction",
    "erasure",
    "or",
    "a",
    "copy",
    "of",
    "at",
    "any",
    "time",
    "by",
    "writing",
    "controller",
    "requests",
    "are",
    "answered",
    "within",
    "one",
    "month",
    "API",
    "prompts",
    "completions",
    "logs",
    "deleted",
    "after",
    "thirty",
    "days",
    "billing",
    "records",
    "kept",
    "six",
    "years",
    "tax",
    "law",
    "requires",
    "security",
    "measures",
    "include",
    "encryption",
    "transit",
    "rest",
    "with",
    "access",
    "limited",
    "staff",
    "who",
    "need",
    "consent",
    "withdraw",
    "legitimate",
    "interests",
    "contract",
    "legal",
    "obligation",
    "cookies",
    "analytics",
    "marketing",
];

/// A deterministic stream of numbers (a linear congruential generator), so every run compares
/// the same texts.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % below
    }

    fn sentence(&mut self, words: usize) -> String {
        let mut sentence = String::new();
        for i in 0..words {
            if i > 0 {
                sentence.push(' ');
            }
            sentence.push_str(VOCABULARY[self.next(VOCABULARY.len())]);
        }
        sentence.push('.');
        sentence
    }
}

/// A section: a heading, then paragraphs of about 60 words and now and then a list.
#[derive(Clone)]
struct PolicySection {
    heading: String,
    paragraphs: Vec<String>,
}

fn policy(words: usize, seed: u64) -> Vec<PolicySection> {
    let mut numbers = Numbers(seed);
    let mut sections = Vec::new();
    let mut count = 0;
    while count < words {
        let mut section = PolicySection {
            heading: format!("{}. {}", sections.len() + 1, numbers.sentence(3)),
            paragraphs: Vec::new(),
        };
        for _ in 0..5 {
            let paragraph = if numbers.next(5) == 0 {
                (0..4)
                    .map(|_| format!("- {}", numbers.sentence(10)))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                (0..4)
                    .map(|_| numbers.sentence(15))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            count += paragraph.split_whitespace().count();
            section.paragraphs.push(paragraph);
        }
        sections.push(section);
    }
    sections
}

fn markdown(sections: &[PolicySection]) -> String {
    let mut text = String::from("# Privacy Policy\n\n");
    for section in sections {
        text.push_str(&format!("## {}\n\n", section.heading));
        for paragraph in &section.paragraphs {
            text.push_str(paragraph);
            text.push_str("\n\n");
        }
    }
    text
}

/// Replaces about one word in four of `paragraph`, keeping it recognisably the same paragraph.
fn rewrite(paragraph: &str, numbers: &mut Numbers) -> String {
    paragraph
        .split(' ')
        .map(|word| {
            if numbers.next(4) == 0 && !word.starts_with('-') {
                VOCABULARY[numbers.next(VOCABULARY.len())].to_owned()
            } else {
                word.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

struct Case {
    name: &'static str,
    old: String,
    new: String,
}

fn cases() -> Vec<Case> {
    let base = policy(8_000, 1);
    let old = markdown(&base);

    let one_word = {
        let middle = old.len() / 2;
        let at = middle + old[middle..].find(" data ").unwrap_or(0);
        format!("{} records {}", &old[..at], &old[at + " data ".len()..])
    };

    let half_rewritten = {
        let mut numbers = Numbers(2);
        let mut sections: Vec<PolicySection> = base
            .iter()
            .map(|section| PolicySection {
                heading: section.heading.clone(),
                paragraphs: section
                    .paragraphs
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        if i % 2 == 0 {
                            rewrite(p, &mut numbers)
                        } else {
                            p.clone()
                        }
                    })
                    .collect(),
            })
            .collect();
        // Move four sections from the front half to the end.
        for index in [9, 7, 4, 2] {
            let section = sections.remove(index);
            sections.push(section);
        }
        markdown(&sections)
    };

    let long = policy(20_000, 3);
    let shortened = {
        let mut numbers = Numbers(4);
        let kept: Vec<PolicySection> = long
            .iter()
            .take(long.len() * 2 / 5)
            .map(|section| PolicySection {
                heading: section.heading.clone(),
                paragraphs: section
                    .paragraphs
                    .iter()
                    .map(|p| rewrite(p, &mut numbers))
                    .collect(),
            })
            .collect();
        markdown(&kept)
    };

    vec![
        Case {
            name: "one word in 8,000",
            old: old.clone(),
            new: one_word,
        },
        Case {
            name: "half rewritten, sections moved",
            old,
            new: half_rewritten,
        },
        Case {
            name: "20,000 words against an 8,000-word rewrite",
            old: markdown(&long),
            new: shortened,
        },
    ]
}

fn report(cases: &[Case]) {
    for case in cases {
        let words = |text: &str| text.split_whitespace().count();
        let before = CURRENT.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let comparison = compare(&case.old, &case.new);
        let peak = PEAK.load(Ordering::Relaxed) - before;
        assert_ne!(comparison.class, ChangeClass::Identical);
        println!(
            "{}: {} → {} words; {:?}, +{} −{} moved {}, {} changes; peak heap {:.1} MB",
            case.name,
            words(&case.old),
            words(&case.new),
            comparison.class,
            comparison.counts.words_added,
            comparison.counts.words_removed,
            comparison.counts.words_moved,
            comparison.changes,
            peak as f64 / 1_000_000.0,
        );
    }
}

fn bench(c: &mut Criterion) {
    let cases = cases();
    report(&cases);
    let mut group = c.benchmark_group("diff");
    for case in &cases {
        group.bench_function(case.name, |b| {
            b.iter(|| compare(black_box(&case.old), black_box(&case.new)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
