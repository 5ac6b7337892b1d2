-- Documents are the policies Charter publishes (privacy, cookies, terms, sub-processors, custom).
-- A document has a stable slug used in every public URL, so the slug is unique and never reused.
-- Timestamps are UTC milliseconds since the Unix epoch in BIGINT columns: the same type and the
-- same ordering on SQLite and PostgreSQL, which lets one query layer serve both.
CREATE TABLE documents (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       TEXT   NOT NULL UNIQUE,
    kind       TEXT   NOT NULL CHECK (kind IN ('privacy', 'cookies', 'terms', 'subprocessors', 'custom')),
    created_at BIGINT NOT NULL
);

-- A document's title per locale. The default locale's title is the fallback for the others.
CREATE TABLE document_titles (
    document_id BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    locale      TEXT   NOT NULL,
    title       TEXT   NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    PRIMARY KEY (document_id, locale)
);
