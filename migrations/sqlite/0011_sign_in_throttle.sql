-- Sign-in throttling counts each attempt before its password is checked, and prunes what has
-- left its window (issue 16). None of this is evidence (the audit log is), so old rows may go.

-- Pruning finds rows by age alone.
CREATE INDEX sign_in_failures_by_time ON sign_in_failures (at);

-- No address longer than RFC 5321's 254 characters is stored; the code refuses them first.
-- SQLite cannot add a CHECK to an existing table, so a trigger guards new rows.
CREATE TRIGGER sign_in_failures_email_length BEFORE INSERT ON sign_in_failures
WHEN length(NEW.email) > 254
BEGIN SELECT RAISE(ABORT, 'sign-in addresses are at most 254 characters'); END;

-- A throttled sign-in is audited once per window for each address and network, not once per
-- request, because the audit log is permanent. One row per pair; `at` is when its refusal was
-- last audited.
CREATE TABLE sign_in_refusals_audited (
    id        INTEGER PRIMARY KEY,
    email     TEXT    NOT NULL CHECK (length(email) <= 254),
    ip_prefix TEXT    NOT NULL,
    at        BIGINT  NOT NULL,
    UNIQUE (email, ip_prefix)
);

CREATE INDEX sign_in_refusals_audited_by_time ON sign_in_refusals_audited (at);
