-- The admin area: accounts, their sessions, failed sign-ins for throttling, and the audit log.
-- Timestamps are UTC milliseconds, as everywhere.

-- An account. The email is kept lower-cased, so one address is one account. The password is an
-- argon2id PHC string. A removed account is disabled, never deleted: the audit log keeps pointing
-- at who did what.
CREATE TABLE admin_users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT   NOT NULL UNIQUE CHECK (email = lower(email)),
    role          TEXT   NOT NULL CHECK (role IN ('editor', 'publisher', 'admin')),
    password_hash TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    disabled_at   BIGINT
);

-- A signed-in browser. The cookie carries a random token; the row holds its SHA-256, so a copy of
-- the database holds no live session. Sessions live in the database so any instance serves them.
CREATE TABLE admin_sessions (
    token_sha256 TEXT   PRIMARY KEY CHECK (char_length(token_sha256) = 64),
    user_id      BIGINT NOT NULL REFERENCES admin_users (id),
    -- The per-session token every state-changing request must carry.
    csrf_token   TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);

CREATE INDEX admin_sessions_by_user ON admin_sessions (user_id);

-- Failed sign-ins, counted per address tried and per client network to throttle guessing.
CREATE TABLE sign_in_failures (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email     TEXT   NOT NULL,
    ip_prefix TEXT   NOT NULL,
    at        BIGINT NOT NULL
);

CREATE INDEX sign_in_failures_by_email ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_by_ip ON sign_in_failures (ip_prefix, at);

-- Every admin action. `actor` is the account's email at the time (or the address tried, for a
-- failed sign-in); `actor_id` is null when no account matched.
CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor_id   BIGINT REFERENCES admin_users (id),
    actor      TEXT   NOT NULL,
    action     TEXT   NOT NULL,
    object     TEXT   NOT NULL,
    detail     TEXT   NOT NULL,
    ip         TEXT   NOT NULL,
    user_agent TEXT   NOT NULL
);

CREATE INDEX audit_log_by_time ON audit_log (at);

CREATE FUNCTION charter_refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries cannot be changed or deleted'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER audit_log_is_immutable BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION charter_refuse_audit_change();
CREATE TRIGGER audit_log_is_not_truncated BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION charter_refuse_audit_change();
