-- Drafts written in the admin area (one per document and locale), the settings admins change, and
-- invitations to new accounts.
-- Unlike revisions, a draft is working text and may be rewritten (autosave) or removed (when it
-- is published); publishing copies it into an immutable revision.
CREATE TABLE drafts (
    document_id  BIGINT  NOT NULL REFERENCES documents (id),
    locale       TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    -- The revision number the draft was started from (0 when the locale had none), so an editor
    -- learns when someone published in between.
    base_number  BIGINT  NOT NULL,
    -- What the publish form was last given, kept so a refused publish loses no typing.
    class        TEXT    NOT NULL DEFAULT 'editorial' CHECK (class IN ('editorial', 'material')),
    summary      TEXT    NOT NULL DEFAULT '',
    effective_on TEXT    NOT NULL DEFAULT '',
    updated_at   BIGINT  NOT NULL,
    updated_by   BIGINT  NOT NULL REFERENCES admin_users (id),
    PRIMARY KEY (document_id, locale)
);

-- Site-wide settings admins change in the browser (for example the notice period), one row each;
-- a setting without a row has its default.
CREATE TABLE settings (
    name       TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at BIGINT  NOT NULL,
    updated_by BIGINT  NOT NULL REFERENCES admin_users (id)
);

-- An invitation to create an account: a one-time link whose token's SHA-256 is kept here, valid
-- until `expires_at` and only until it is accepted. Inviting the same address again replaces
-- the pending invitation.
CREATE TABLE admin_invitations (
    token_sha256 TEXT   PRIMARY KEY CHECK (char_length(token_sha256) = 64),
    email        TEXT   NOT NULL CHECK (email = lower(email)),
    role         TEXT   NOT NULL CHECK (role IN ('editor', 'publisher', 'admin')),
    invited_by   BIGINT NOT NULL REFERENCES admin_users (id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    accepted_at  BIGINT
);

CREATE INDEX admin_invitations_by_email ON admin_invitations (email);
