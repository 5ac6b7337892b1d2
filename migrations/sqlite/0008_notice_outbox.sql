-- The notices owed for material revisions. Publishing a material revision creates its campaign
-- and one outbox row per recipient in the revision's own transaction, so a published change can
-- never lack its notices, and the unique keys make sure nothing is queued twice.
CREATE TABLE notice_campaigns (
    id          INTEGER PRIMARY KEY,
    revision_id INTEGER NOT NULL UNIQUE REFERENCES revisions (id),
    created_at  BIGINT  NOT NULL
);

-- One message per campaign and recipient. A worker claims due rows (`sending`, until
-- `lease_until`, after which another may take it over), and marks them `sent`, or `queued` again
-- with a later `next_attempt_at` after a transient failure, or `failed` with the server's reply.
CREATE TABLE notice_outbox (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES notice_campaigns (id),
    recipient_id    INTEGER NOT NULL REFERENCES notice_recipients (id),
    state           TEXT    NOT NULL DEFAULT 'queued'
                            CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    lease_until     BIGINT,
    last_error      TEXT,
    sent_at         BIGINT,
    UNIQUE (campaign_id, recipient_id)
);

CREATE INDEX notice_outbox_due ON notice_outbox (state, next_attempt_at);
