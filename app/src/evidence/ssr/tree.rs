//! The tree in the database: appending leaves, and the root and proofs of any size, computed
//! from the stored hashes with Go's sumdb/tlog algorithms (`tlog_tiles`).

use super::{EvidenceError, Leaf};
use crate::db::{Backend, placeholders};
use sqlx::{AnyConnection, Row};
use std::{
    cell::RefCell,
    collections::{BTreeSet, HashMap},
};
use tlog_tiles::{
    Hash, HashReader, prove_record, prove_tree, record_hash, stored_hash_index,
    stored_hashes_for_record_hash, tree_hash,
};

/// The PostgreSQL advisory lock every extension of the tree holds until it commits, so
/// instances sharing a database take turns and each extends the tree its predecessor left.
/// It is the consent chain's lock too: the consent writer extends both in one transaction.
pub const TREE_LOCK: i64 = 7269736;

/// Rows per multi-row `INSERT`, far below either backend's limit on parameters.
const ROWS_PER_INSERT: usize = 500;

/// The backend behind a connection; the `Any` driver names it.
pub fn backend_of(conn: &AnyConnection) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// Appends `leaves`, in order, within the caller's write transaction (`Db::begin_write`, which
/// on PostgreSQL is READ COMMITTED, so the size read after the lock is the committed one).
/// Returns the index of the first.
/// Its callers report database failures; a tree that cannot be extended fails their
/// transaction as one.
pub async fn append(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    leaves: &[Leaf],
) -> Result<u64, sqlx::Error> {
    Ok(append_leaves(tx, leaves).await?)
}

async fn append_leaves(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    leaves: &[Leaf],
) -> Result<u64, EvidenceError> {
    lock(tx).await?;
    let conn: &mut AnyConnection = tx;
    let backend = backend_of(conn);
    let first = size(&mut *conn).await?;
    if leaves.is_empty() {
        return Ok(first);
    }
    let record_hashes: Vec<Hash> = leaves
        .iter()
        .map(|leaf| record_hash(leaf.bytes.as_bytes()))
        .collect();
    let new_hashes = with_stored_hashes(&mut *conn, |known| {
        let mut new = Vec::with_capacity(2 * leaves.len());
        for (offset, hash) in record_hashes.iter().enumerate() {
            let n = first + offset as u64;
            let stored = stored_hashes_for_record_hash(n, *hash, &*known)?;
            let start = stored_hash_index(0, n);
            for (k, hash) in stored.into_iter().enumerate() {
                // Later leaves of this batch complete subtrees over earlier ones.
                known.insert(start + k as u64, hash);
                new.push((start + k as u64, hash));
            }
        }
        Ok(new)
    })
    .await?;

    for (chunk_index, chunk) in leaves.chunks(ROWS_PER_INSERT).enumerate() {
        let rows = (0..chunk.len())
            .map(|row| format!("({})", placeholders(backend, row * 4, 4)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql =
            format!("INSERT INTO log_leaves (leaf_index, kind, source_id, bytes) VALUES {rows}");
        let mut query = sqlx::query(&sql);
        for (offset, leaf) in chunk.iter().enumerate() {
            let index = first + (chunk_index * ROWS_PER_INSERT + offset) as u64;
            query = query
                .bind(to_i64(index)?)
                .bind(leaf.kind.as_str())
                .bind(leaf.source_id)
                .bind(leaf.bytes.as_str());
        }
        query.execute(&mut *conn).await?;
    }
    for chunk in new_hashes.chunks(ROWS_PER_INSERT) {
        let rows = (0..chunk.len())
            .map(|row| format!("({})", placeholders(backend, row * 2, 2)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("INSERT INTO log_hashes (hash_index, hash) VALUES {rows}");
        let mut query = sqlx::query(&sql);
        for (index, hash) in chunk {
            query = query.bind(to_i64(*index)?).bind(hash.0.to_vec());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(first)
}

/// The leaf indexes of the records of `kind` with these ids, by id; a record without a leaf
/// is absent.
pub async fn leaf_indexes(
    db: &crate::db::Db,
    kind: super::LeafKind,
    ids: &[i64],
) -> Result<HashMap<i64, u64>, EvidenceError> {
    let mut indexes = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS_PER_INSERT) {
        // The kind is one of a few fixed names, written in: `placeholders` numbers nothing on
        // SQLite, which must not be mixed with a numbered parameter.
        let sql = format!(
            "SELECT source_id, leaf_index FROM log_leaves WHERE kind = '{}' AND source_id IN ({})",
            kind.as_str(),
            placeholders(db.backend(), 0, chunk.len())
        );
        let mut query = sqlx::query_as::<_, (i64, i64)>(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for (id, index) in query.fetch_all(db.reader()).await? {
            indexes.insert(id, to_u64(index)?);
        }
    }
    Ok(indexes)
}

/// Takes the tree's lock until `tx` ends (on PostgreSQL; on SQLite the write transaction
/// holds the database's one write lock already). Taking it again in the same transaction is
/// harmless.
pub async fn lock(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), sqlx::Error> {
    if backend_of(tx) == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(TREE_LOCK)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// How many leaves the tree has.
pub async fn size(conn: &mut AnyConnection) -> Result<u64, EvidenceError> {
    let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM log_leaves")
        .fetch_one(&mut *conn)
        .await?;
    u64::try_from(next).map_err(|_| EvidenceError::Tree(format!("negative tree size {next}")))
}

/// The stored RFC 6962 hash of leaf `index`.
pub async fn leaf_hash(conn: &mut AnyConnection, index: u64) -> Result<Hash, EvidenceError> {
    let wanted = BTreeSet::from([stored_hash_index(0, index)]);
    read_hashes(conn, &wanted)
        .await?
        .into_values()
        .next()
        .ok_or_else(|| EvidenceError::Tree(format!("leaf {index} has no stored hash")))
}

/// The root of the tree's first `size` leaves (the empty tree's for 0).
pub async fn root(conn: &mut AnyConnection, size: u64) -> Result<Hash, EvidenceError> {
    with_stored_hashes(conn, |known| Ok(tree_hash(size, &*known)?)).await
}

/// The RFC 6962 audit path of leaf `index` in the tree of `size` leaves (`index < size`).
pub async fn inclusion_proof(
    conn: &mut AnyConnection,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, EvidenceError> {
    if index >= size {
        return Err(EvidenceError::Tree(format!(
            "leaf {index} is not in a tree of {size} leaves"
        )));
    }
    with_stored_hashes(conn, |known| Ok(prove_record(size, index, &*known)?)).await
}

/// The RFC 6962 consistency proof from the tree of `from` leaves to the tree of `to`
/// (`0 < from <= to`).
pub async fn consistency_proof(
    conn: &mut AnyConnection,
    from: u64,
    to: u64,
) -> Result<Vec<Hash>, EvidenceError> {
    if from == 0 || from > to {
        return Err(EvidenceError::Tree(format!(
            "no consistency proof from {from} to {to} leaves"
        )));
    }
    with_stored_hashes(conn, |known| Ok(prove_tree(to, from, &*known)?)).await
}

/// Stored hashes by index: those read from the database, those a computation adds, and the
/// indexes it asked for that were not there.
#[derive(Default)]
pub struct KnownHashes {
    known: HashMap<u64, Hash>,
    missing: RefCell<BTreeSet<u64>>,
}

impl KnownHashes {
    pub fn insert(&mut self, index: u64, hash: Hash) {
        self.known.insert(index, hash);
    }
}

impl HashReader for KnownHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        Ok(indexes
            .iter()
            .map(|index| {
                self.known.get(index).copied().unwrap_or_else(|| {
                    self.missing.borrow_mut().insert(*index);
                    Hash::default()
                })
            })
            .collect())
    }
}

/// Runs `compute` over the stored hashes it reads. Which hashes the tlog algorithms read
/// depends only on the sizes and indexes involved, never on hash values, so a first run over
/// nothing learns the indexes, one query reads them all, and the second run is the real one.
async fn with_stored_hashes<T>(
    conn: &mut AnyConnection,
    mut compute: impl FnMut(&mut KnownHashes) -> Result<T, EvidenceError>,
) -> Result<T, EvidenceError> {
    let mut dry_run = KnownHashes::default();
    let value = compute(&mut dry_run)?;
    let needed = dry_run.missing.into_inner();
    if needed.is_empty() {
        return Ok(value);
    }
    let mut known = KnownHashes {
        known: read_hashes(conn, &needed).await?,
        missing: RefCell::default(),
    };
    if let Some(absent) = needed.iter().find(|index| !known.known.contains_key(index)) {
        return Err(EvidenceError::Tree(format!(
            "stored hash {absent} is missing"
        )));
    }
    compute(&mut known)
}

async fn read_hashes(
    conn: &mut AnyConnection,
    indexes: &BTreeSet<u64>,
) -> Result<HashMap<u64, Hash>, EvidenceError> {
    let backend = backend_of(conn);
    let sql = format!(
        "SELECT hash_index, hash FROM log_hashes WHERE hash_index IN ({})",
        placeholders(backend, 0, indexes.len())
    );
    let mut query = sqlx::query(&sql);
    for index in indexes {
        query = query.bind(to_i64(*index)?);
    }
    let mut hashes = HashMap::with_capacity(indexes.len());
    for row in query.fetch_all(&mut *conn).await? {
        let index: i64 = row.try_get("hash_index")?;
        let bytes: Vec<u8> = row.try_get("hash")?;
        hashes.insert(to_u64(index)?, hash_from_bytes(&bytes)?);
    }
    Ok(hashes)
}

pub fn hash_from_bytes(bytes: &[u8]) -> Result<Hash, EvidenceError> {
    <[u8; 32]>::try_from(bytes)
        .map(Hash)
        .map_err(|_| EvidenceError::Tree(format!("a stored hash has {} bytes", bytes.len())))
}

pub fn to_i64(value: u64) -> Result<i64, EvidenceError> {
    i64::try_from(value).map_err(|_| EvidenceError::Tree(format!("{value} is out of range")))
}

pub fn to_u64(value: i64) -> Result<u64, EvidenceError> {
    u64::try_from(value).map_err(|_| EvidenceError::Tree(format!("{value} is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlog_tiles::{check_record, check_tree, node_hash};

    /// RFC 6962's tree hash, straight from its definition, to check the stored-hash algorithms
    /// against.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => tlog_tiles::EMPTY_HASH,
            1 => leaves[0],
            n => {
                // The largest power of two below n.
                let k = n.next_power_of_two() / 2;
                node_hash(reference_root(&leaves[..k]), reference_root(&leaves[k..]))
            }
        }
    }

    fn appended(count: u64) -> (Vec<Hash>, KnownHashes) {
        let mut known = KnownHashes::default();
        let mut leaves = Vec::new();
        for n in 0..count {
            let hash = record_hash(format!("leaf {n}").as_bytes());
            leaves.push(hash);
            let stored = stored_hashes_for_record_hash(n, hash, &known).unwrap();
            for (k, hash) in stored.into_iter().enumerate() {
                known.insert(stored_hash_index(0, n) + k as u64, hash);
            }
        }
        assert!(known.missing.borrow().is_empty());
        (leaves, known)
    }

    #[test]
    fn leaf_and_node_hashes_are_rfc_6962() {
        // SHA-256 of 0x00 alone (the empty leaf) and of the empty string (the empty tree).
        assert_eq!(
            hex::encode(record_hash(b"").0),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        assert_eq!(
            hex::encode(tlog_tiles::EMPTY_HASH.0),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let (a, b) = (record_hash(b"a"), record_hash(b"b"));
        let mut bytes = vec![1u8];
        bytes.extend_from_slice(&a.0);
        bytes.extend_from_slice(&b.0);
        use sha2::Digest;
        assert_eq!(
            node_hash(a, b).0.as_slice(),
            sha2::Sha256::digest(&bytes).as_slice()
        );
    }

    #[test]
    fn roots_and_proofs_over_stored_hashes_match_the_definition() {
        let (leaves, known) = appended(70);
        for size in 1..=70u64 {
            let root = tree_hash(size, &known).unwrap();
            assert_eq!(
                root,
                reference_root(&leaves[..size as usize]),
                "size {size}"
            );
            for index in 0..size {
                let proof = prove_record(size, index, &known).unwrap();
                check_record(&proof, size, root, index, leaves[index as usize]).unwrap();
                let wrong = record_hash(b"forged");
                assert!(check_record(&proof, size, root, index, wrong).is_err());
            }
            for from in 1..=size {
                let old = tree_hash(from, &known).unwrap();
                let proof = prove_tree(size, from, &known).unwrap();
                check_tree(&proof, size, root, from, old).unwrap();
            }
        }
    }
}
