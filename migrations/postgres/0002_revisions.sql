-- A revision is one published text of a document in one locale. Revisions are numbered per
-- document and locale (1, 2, 3, ...) and are evidence of what was published when: once written,
-- a row is never changed or removed. Drafts live elsewhere; this table holds only published text.
CREATE TABLE revisions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id   BIGINT NOT NULL REFERENCES documents (id),
    locale        TEXT   NOT NULL,
    number        BIGINT NOT NULL CHECK (number >= 1),
    -- The Markdown as published, its SHA-256 (hex), and the HTML and table of contents (JSON)
    -- rendered from it at publish time, so pages never re-render policy text per request.
    source        TEXT   NOT NULL,
    source_sha256 TEXT   NOT NULL CHECK (char_length(source_sha256) = 64),
    html          TEXT   NOT NULL,
    toc           TEXT   NOT NULL,
    published_at  BIGINT NOT NULL,
    effective_at  BIGINT NOT NULL CHECK (effective_at >= published_at),
    class         TEXT   NOT NULL CHECK (class IN ('editorial', 'material')),
    -- A material change must tell readers in plain language what changes.
    summary       TEXT   NOT NULL CHECK (class = 'editorial' OR char_length(btrim(summary)) > 0),
    author        TEXT   NOT NULL,
    UNIQUE (document_id, locale, number)
);

-- "Current" and "upcoming" are found by effective date within a document and locale.
CREATE INDEX revisions_by_effective ON revisions (document_id, locale, effective_at);

-- The database itself refuses to rewrite history, whatever code path asks.
CREATE FUNCTION charter_refuse_revision_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published revisions are immutable and cannot be deleted'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER revisions_are_immutable
BEFORE UPDATE OR DELETE ON revisions
FOR EACH ROW EXECUTE FUNCTION charter_refuse_revision_change();

CREATE TRIGGER revisions_are_not_truncated
BEFORE TRUNCATE ON revisions
FOR EACH STATEMENT EXECUTE FUNCTION charter_refuse_revision_change();
