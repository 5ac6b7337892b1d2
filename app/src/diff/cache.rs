//! Comparisons already computed. Revisions never change, so a kept comparison never goes stale;
//! the bound only limits memory.

use super::Comparison;
use std::sync::Arc;

/// How many comparisons are kept.
const CACHED_COMPARISONS: usize = 256;

/// Comparisons by the SHA-256 of both sources.
#[derive(Clone)]
pub struct DiffCache(Arc<quick_cache::sync::Cache<(String, String), Arc<Comparison>>>);

impl Default for DiffCache {
    fn default() -> Self {
        DiffCache(Arc::new(quick_cache::sync::Cache::new(CACHED_COMPARISONS)))
    }
}

impl std::fmt::Debug for DiffCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiffCache")
            .field("len", &self.0.len())
            .finish()
    }
}

impl DiffCache {
    /// The comparison of two sources, each given with its SHA-256, computed at most once while
    /// it stays in the cache.
    pub fn compare(&self, before: (&str, &str), after: (&str, &str)) -> Arc<Comparison> {
        let key = (before.0.to_owned(), after.0.to_owned());
        if let Some(found) = self.0.get(&key) {
            return found;
        }
        let comparison = Arc::new(super::compare(before.1, after.1));
        self.0.insert(key, Arc::clone(&comparison));
        comparison
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_compared_once_and_keyed_by_both_hashes() {
        let cache = DiffCache::default();
        let first = cache.compare(("a", "One line.\n"), ("b", "One new line.\n"));
        let again = cache.compare(("a", "ignored"), ("b", "ignored"));
        assert!(
            Arc::ptr_eq(&first, &again),
            "the kept comparison is returned"
        );
        let reversed = cache.compare(("b", "One new line.\n"), ("a", "One line.\n"));
        assert!(
            !Arc::ptr_eq(&first, &reversed),
            "the order of the pair is part of the key"
        );
    }
}
