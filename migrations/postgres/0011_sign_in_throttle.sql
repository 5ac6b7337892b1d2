-- Sign-in throttling counts each attempt before its password is checked, and prunes what has
-- left its window (issue 16). None of this is evidence (the audit log is), so old rows may go.

-- Pruning finds rows by age alone.
CREATE INDEX sign_in_failures_by_time ON sign_in_failures (at);

-- No address longer than RFC 5321's 254 characters is stored; the code refuses them first.
-- NOT VALID: rows from before may be longer, and leave with the window.
ALTER TABLE sign_in_failures
    ADD CONSTRAINT sign_in_failures_email_length CHECK (char_length(email) <= 254) NOT VALID;

-- A throttled sign-in is audited once per window for each address and network, not once per
-- request, because the audit log is permanent. One row per pair; `at` is when its refusal was
-- last audited.
CREATE TABLE sign_in_refusals_audited (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email     TEXT   NOT NULL CHECK (char_length(email) <= 254),
    ip_prefix TEXT   NOT NULL,
    at        BIGINT NOT NULL,
    UNIQUE (email, ip_prefix)
);

CREATE INDEX sign_in_refusals_audited_by_time ON sign_in_refusals_audited (at);
