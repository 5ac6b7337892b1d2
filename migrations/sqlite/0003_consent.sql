-- Consent evidence. Every table here is append-only: the database refuses updates and deletes,
-- whatever code path asks, because these rows are what the organisation shows a regulator.

-- Each version of the cookie inventory (categories, services, texts per locale) as the canonical
-- JSON it was hashed from; `version` is that SHA-256. A version is never changed: an edit of the
-- inventory is a new version, so every consent event points at exactly what was asked.
CREATE TABLE consent_configurations (
    version    TEXT   PRIMARY KEY CHECK (length(version) = 64),
    inventory  TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

-- Which configuration the banner asks about now, one row per change, newest last.
CREATE TABLE consent_configuration_activations (
    id           INTEGER PRIMARY KEY,
    version      TEXT    NOT NULL REFERENCES consent_configurations (version),
    activated_at BIGINT  NOT NULL
);

-- The exact text of a banner as shown, by its SHA-256, so an event's hash can be read back.
CREATE TABLE consent_banners (
    sha256                TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    configuration_version TEXT NOT NULL REFERENCES consent_configurations (version),
    locale                TEXT NOT NULL,
    text                  TEXT NOT NULL
);

-- One row per grant, refusal, change, withdrawal, expiry or GPC opt-out. `hash` is the SHA-256
-- of the row's fields and `prev_hash` the previous row's hash (64 zeros for the first), so any
-- rewritten, removed or inserted row breaks the chain (`charter consent verify`).
CREATE TABLE consent_events (
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
    hash                  TEXT    NOT NULL UNIQUE CHECK (length(hash) = 64)
);

CREATE INDEX consent_events_by_subject ON consent_events (subject_id, id);
CREATE INDEX consent_events_by_time ON consent_events (recorded_at);

CREATE TRIGGER consent_configurations_are_immutable BEFORE UPDATE ON consent_configurations
BEGIN SELECT RAISE(ABORT, 'consent configurations are immutable'); END;
CREATE TRIGGER consent_configurations_are_permanent BEFORE DELETE ON consent_configurations
BEGIN SELECT RAISE(ABORT, 'consent configurations cannot be deleted'); END;
CREATE TRIGGER consent_activations_are_immutable BEFORE UPDATE ON consent_configuration_activations
BEGIN SELECT RAISE(ABORT, 'consent configuration activations are immutable'); END;
CREATE TRIGGER consent_activations_are_permanent BEFORE DELETE ON consent_configuration_activations
BEGIN SELECT RAISE(ABORT, 'consent configuration activations cannot be deleted'); END;
CREATE TRIGGER consent_banners_are_immutable BEFORE UPDATE ON consent_banners
BEGIN SELECT RAISE(ABORT, 'consent banners are immutable'); END;
CREATE TRIGGER consent_banners_are_permanent BEFORE DELETE ON consent_banners
BEGIN SELECT RAISE(ABORT, 'consent banners cannot be deleted'); END;
CREATE TRIGGER consent_events_are_immutable BEFORE UPDATE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent events are immutable'); END;
CREATE TRIGGER consent_events_are_permanent BEFORE DELETE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent events cannot be deleted'); END;

-- Secrets the server generates for itself on first start (the consent cookie's signing key),
-- kept here so every instance sharing the database signs and verifies alike.
CREATE TABLE server_secrets (
    name       TEXT   PRIMARY KEY,
    value      TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
