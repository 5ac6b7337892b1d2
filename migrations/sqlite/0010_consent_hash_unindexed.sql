-- The unique index on `consent_events.hash` served no query: the chain is walked by id, and the
-- writer matches inserted rows to their ids by idempotency key. Every event added a random key
-- to it, which was the costliest part of recording one (each key dirties its own index page).
-- SHA-256 keeps hashes distinct, and `charter consent verify` still detects any row that breaks
-- the chain.
--
-- SQLite cannot drop a column's UNIQUE constraint, so the table is rebuilt: every row is copied
-- with its id and every column as it is, and the indexes and the triggers that keep it
-- append-only are created again. Dropping a table does not fire its DELETE trigger.
CREATE TABLE consent_events_rebuilt (
    id                    INTEGER PRIMARY KEY,
    subject_id            TEXT    NOT NULL CHECK (length(subject_id) = 32),
    action                TEXT    NOT NULL CHECK (action IN ('grant', 'deny', 'update', 'withdraw', 'expire', 'gpc_opt_out')),
    -- JSON object: category key -> chosen (true) or refused (false).
    choices               TEXT    NOT NULL,
    method                TEXT    NOT NULL CHECK (method IN ('accept_all', 'reject_all', 'custom', 'settings_page', 'gpc', 'api')),
    configuration_version TEXT    NOT NULL REFERENCES consent_configurations (version),
    banner_sha256         TEXT    NOT NULL REFERENCES consent_banners (sha256),
    -- JSON array of the ids of the policy revisions in force when the choice was made.
    revisions             TEXT    NOT NULL,
    locale                TEXT    NOT NULL,
    recorded_at           BIGINT  NOT NULL,
    user_agent            TEXT    NOT NULL,
    -- The client address truncated to its /24 (IPv4) or /48 (IPv6) network.
    ip_prefix             TEXT    NOT NULL,
    idempotency_key       TEXT    NOT NULL UNIQUE,
    prev_hash             TEXT    NOT NULL CHECK (length(prev_hash) = 64),
    hash                  TEXT    NOT NULL CHECK (length(hash) = 64)
);

INSERT INTO consent_events_rebuilt
    (id, subject_id, action, choices, method, configuration_version, banner_sha256, revisions,
     locale, recorded_at, user_agent, ip_prefix, idempotency_key, prev_hash, hash)
SELECT id, subject_id, action, choices, method, configuration_version, banner_sha256, revisions,
       locale, recorded_at, user_agent, ip_prefix, idempotency_key, prev_hash, hash
FROM consent_events ORDER BY id;

DROP TABLE consent_events;
ALTER TABLE consent_events_rebuilt RENAME TO consent_events;

CREATE INDEX consent_events_by_subject ON consent_events (subject_id, id);
CREATE INDEX consent_events_by_time ON consent_events (recorded_at);

CREATE TRIGGER consent_events_are_immutable BEFORE UPDATE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent events are immutable'); END;
CREATE TRIGGER consent_events_are_permanent BEFORE DELETE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent events cannot be deleted'); END;
