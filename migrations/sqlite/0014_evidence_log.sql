-- The evidence log: one append-only Merkle tree (RFC 6962 hashing) whose leaves are every
-- consent event, published revision, inventory activation and audit entry, each in the
-- canonical, type-tagged encoding `docs/evidence.md` specifies. Signed checkpoints commit to the
-- tree's size and root, so a cut tail, a forged end or a rewrite with recomputed hashes is
-- caught by anyone holding an earlier checkpoint.

-- `leaf_index` is the position in the tree, unique by the primary key: two writers can never
-- both extend the tree from the same size. `bytes` is what the leaf hash is computed over.
CREATE TABLE log_leaves (
    leaf_index INTEGER PRIMARY KEY CHECK (leaf_index >= 0),
    kind       TEXT    NOT NULL CHECK (kind IN ('consent-event', 'revision', 'inventory-activation', 'audit')),
    source_id  BIGINT  NOT NULL,
    bytes      TEXT    NOT NULL,
    UNIQUE (kind, source_id)
);

-- The tree's hashes as Go's sumdb/tlog stores them (`hash_index` is its stored hash index):
-- every leaf hash and every complete subtree's hash, about two per leaf, so a root or a proof
-- reads at most a few dozen rows whatever the size.
CREATE TABLE log_hashes (
    hash_index INTEGER PRIMARY KEY CHECK (hash_index >= 0),
    hash       BLOB    NOT NULL CHECK (length(hash) = 32)
);

-- Signed checkpoints (C2SP tlog-checkpoint bodies in C2SP signed notes), one per size, kept
-- forever: an older one is what a later tree must be consistent with.
CREATE TABLE log_checkpoints (
    tree_size BIGINT  PRIMARY KEY CHECK (tree_size >= 0),
    note      TEXT    NOT NULL,
    signed_at BIGINT  NOT NULL
);

-- The random salt of each consent event's commitments to its IP prefix and user agent. A
-- salt may be deleted (retention), after which the commitment reveals nothing; it is never
-- changed.
CREATE TABLE consent_event_salts (
    event_id BIGINT PRIMARY KEY REFERENCES consent_events (id),
    salt     TEXT   NOT NULL CHECK (length(salt) = 32)
);

CREATE TRIGGER log_leaves_are_immutable BEFORE UPDATE ON log_leaves
BEGIN SELECT RAISE(ABORT, 'evidence log leaves are immutable'); END;
CREATE TRIGGER log_leaves_are_permanent BEFORE DELETE ON log_leaves
BEGIN SELECT RAISE(ABORT, 'evidence log leaves cannot be deleted'); END;
CREATE TRIGGER log_hashes_are_immutable BEFORE UPDATE ON log_hashes
BEGIN SELECT RAISE(ABORT, 'evidence log hashes are immutable'); END;
CREATE TRIGGER log_hashes_are_permanent BEFORE DELETE ON log_hashes
BEGIN SELECT RAISE(ABORT, 'evidence log hashes cannot be deleted'); END;
CREATE TRIGGER log_checkpoints_are_immutable BEFORE UPDATE ON log_checkpoints
BEGIN SELECT RAISE(ABORT, 'signed checkpoints are immutable'); END;
CREATE TRIGGER log_checkpoints_are_permanent BEFORE DELETE ON log_checkpoints
BEGIN SELECT RAISE(ABORT, 'signed checkpoints cannot be deleted'); END;
CREATE TRIGGER consent_event_salts_are_immutable BEFORE UPDATE ON consent_event_salts
BEGIN SELECT RAISE(ABORT, 'commitment salts are never changed, only deleted'); END;
