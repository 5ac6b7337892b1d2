//! `charter log verify`: recomputes the whole tree from the stored leaves and checks it
//! against the stored hashes, against every signed checkpoint, and against a checkpoint kept
//! outside the database, reporting the first leaf that cannot be trusted.

use super::{
    EvidenceError, LogKey,
    checkpoints::{self, CheckpointError},
    tree::{hash_from_bytes, to_u64},
};
use crate::db::Db;
use futures_util::TryStreamExt;
use sqlx::Row;
use tlog_tiles::{
    Checkpoint, Hash, HashReader, record_hash, split_stored_hash_index, stored_hash_count,
    stored_hash_index, stored_hashes_for_record_hash, tree_hash,
};

/// Stored checkpoints read per query.
const CHECKPOINTS_PER_READ: i64 = 1000;

/// What verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogReport {
    Intact {
        size: u64,
        /// Signed checkpoints the tree was found consistent with (the one kept outside
        /// included).
        checkpoints: u64,
        /// The largest size a checkpoint covers: later leaves are not yet signed for.
        signed_size: u64,
    },
    Broken {
        /// The first leaf index that cannot be trusted. When only a checkpoint's root
        /// disagrees, the tree cannot tell which of the leaves it covers changed: this is the
        /// first of them that an earlier, matching checkpoint does not vouch for.
        first_bad_index: u64,
        reason: String,
    },
}

/// The stored hashes of a tree, all in memory, at their stored hash index.
struct Recomputed(Vec<Hash>);

impl HashReader for Recomputed {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|index| {
                usize::try_from(*index)
                    .ok()
                    .and_then(|index| self.0.get(index).copied())
                    .ok_or(tlog_tiles::Error::InvalidInput(format!(
                        "hash {index} is beyond the tree"
                    )))
            })
            .collect()
    }
}

fn broken(first_bad_index: u64, reason: impl Into<String>) -> LogReport {
    LogReport::Broken {
        first_bad_index,
        reason: reason.into(),
    }
}

/// Verifies the log; `outside` is a signed checkpoint kept away from the database.
pub async fn verify(
    db: &Db,
    key: &LogKey,
    outside: Option<&str>,
) -> Result<LogReport, EvidenceError> {
    let mut recomputed = Recomputed(Vec::new());
    let mut size = 0u64;
    {
        let mut leaves =
            sqlx::query("SELECT leaf_index, bytes FROM log_leaves ORDER BY leaf_index")
                .fetch(db.reader());
        while let Some(row) = leaves.try_next().await? {
            let index = to_u64(row.try_get("leaf_index")?)?;
            if index != size {
                return Ok(broken(
                    size,
                    format!("leaf {size} is missing: the next stored leaf is {index}"),
                ));
            }
            let bytes: String = row.try_get("bytes")?;
            let hashes =
                stored_hashes_for_record_hash(size, record_hash(bytes.as_bytes()), &recomputed)?;
            recomputed.0.extend(hashes);
            size += 1;
        }
    }

    if let Some(report) = compare_stored_hashes(db, &recomputed, size).await? {
        return Ok(report);
    }

    let outside = outside
        .map(|note| {
            key.open(note).map_err(|error: CheckpointError| {
                EvidenceError::Key(format!("the checkpoint given cannot be used: {error}"))
            })
        })
        .transpose()?;
    let mut checked = 0u64;
    let mut vouched = 0u64;
    let mut signed_size = 0u64;
    // The size the stored checkpoints vouch for below the one given.
    let mut vouched_below_outside = 0u64;
    // A page of checkpoints at a time: at one a minute they number half a million a year.
    let mut after = None;
    loop {
        let page = checkpoints::list(db, after, CHECKPOINTS_PER_READ).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.size);
        for checkpoint in &page {
            let opened = match key.open(&checkpoint.note) {
                Ok(opened) if opened.size() == checkpoint.size => opened,
                Ok(opened) => {
                    return Ok(broken(
                        vouched,
                        format!(
                            "the checkpoint kept as size {} signs size {}",
                            checkpoint.size,
                            opened.size()
                        ),
                    ));
                }
                Err(error) => {
                    return Ok(broken(
                        vouched,
                        format!("the checkpoint kept as size {}: {error}", checkpoint.size),
                    ));
                }
            };
            if let Some(report) =
                against(&recomputed, size, &opened, vouched, "a stored checkpoint")?
            {
                return Ok(report);
            }
            vouched = opened.size();
            signed_size = signed_size.max(opened.size());
            if outside
                .as_ref()
                .is_some_and(|outside| opened.size() <= outside.size())
            {
                vouched_below_outside = opened.size();
            }
            checked += 1;
        }
    }
    if let Some(outside) = outside {
        if let Some(report) = against(
            &recomputed,
            size,
            &outside,
            vouched_below_outside,
            "the checkpoint given",
        )? {
            return Ok(report);
        }
        signed_size = signed_size.max(outside.size());
        checked += 1;
    }
    Ok(LogReport::Intact {
        size,
        checkpoints: checked,
        signed_size,
    })
}

/// Compares the tree recomputed from the leaves with a signed checkpoint; `vouched` is the
/// size an earlier checkpoint already vouched for.
fn against(
    recomputed: &Recomputed,
    size: u64,
    checkpoint: &Checkpoint,
    vouched: u64,
    which: &str,
) -> Result<Option<LogReport>, EvidenceError> {
    if checkpoint.size() > size {
        return Ok(Some(broken(
            size,
            format!(
                "{which} signs {} leaves, but the log has {size}: its tail was cut",
                checkpoint.size()
            ),
        )));
    }
    let root = tree_hash(checkpoint.size(), recomputed)?;
    if root != *checkpoint.hash() {
        return Ok(Some(broken(
            vouched,
            format!(
                "the leaves do not hash to the root {which} signed for {} leaves: one of \
                 leaves {vouched} to {} was changed, inserted, removed or reordered",
                checkpoint.size(),
                checkpoint.size() - 1
            ),
        )));
    }
    Ok(None)
}

/// Compares the stored hashes with those recomputed from the leaves, in stored order, so the
/// first difference names the first leaf whose hash was changed, or whose leaf was.
async fn compare_stored_hashes(
    db: &Db,
    recomputed: &Recomputed,
    size: u64,
) -> Result<Option<LogReport>, EvidenceError> {
    let first_leaf = |index: u64| {
        let (level, n) = split_stored_hash_index(index);
        n << level
    };
    let mut hashes = sqlx::query("SELECT hash_index, hash FROM log_hashes ORDER BY hash_index")
        .fetch(db.reader());
    let mut expected = 0u64;
    let total = stored_hash_count(size);
    while let Some(row) = hashes.try_next().await? {
        let index = to_u64(row.try_get("hash_index")?)?;
        if index >= total {
            return Ok(Some(broken(
                size,
                format!("hashes are stored for leaves past the last of {size}: its tail was cut"),
            )));
        }
        if index != expected {
            return Ok(Some(broken(
                first_leaf(expected),
                format!("the tree's hash {expected} is missing"),
            )));
        }
        let bytes: Vec<u8> = row.try_get("hash")?;
        let stored = hash_from_bytes(&bytes)?;
        let leaf = first_leaf(index);
        if Some(&stored)
            != recomputed
                .0
                .get(usize::try_from(index).unwrap_or(usize::MAX))
        {
            let what = if index == stored_hash_index(0, leaf) {
                format!("leaf {leaf} does not match its stored hash: it was changed")
            } else {
                format!("the stored hash {index} over leaves from {leaf} does not match them")
            };
            return Ok(Some(broken(leaf, what)));
        }
        expected += 1;
    }
    if expected < total {
        return Ok(Some(broken(
            first_leaf(expected),
            format!("the tree's hash {expected} is missing"),
        )));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_recomputed_in_memory_answer_the_tlog_algorithms() {
        let mut recomputed = Recomputed(Vec::new());
        for n in 0..5u64 {
            let hashes =
                stored_hashes_for_record_hash(n, record_hash(&[n as u8]), &recomputed).unwrap();
            recomputed.0.extend(hashes);
        }
        assert_eq!(recomputed.0.len() as u64, stored_hash_count(5));
        assert!(tree_hash(5, &recomputed).is_ok());
        assert!(recomputed.read_hashes(&[99]).is_err());
    }
}
