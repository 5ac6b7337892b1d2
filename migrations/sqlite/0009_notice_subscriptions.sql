-- Visitors who asked on the public site for change notices of one document (`scope` is its
-- slug) or of every document (`*`). A subscription counts only once its address was confirmed
-- through the link mailed to it within 48 hours; until then the address gets nothing but that
-- confirmation. Unsubscribing ends it; subscribing again later starts it afresh. `token` is the
-- secret in its confirmation and unsubscribe links.
CREATE TABLE notice_subscriptions (
    id                   INTEGER PRIMARY KEY,
    email                TEXT    NOT NULL CHECK (email = lower(email)),
    scope                TEXT    NOT NULL,
    locale               TEXT    NOT NULL,
    token                TEXT    NOT NULL UNIQUE CHECK (length(token) = 32),
    requested_at         BIGINT  NOT NULL,
    confirmation_sent_at BIGINT,
    confirmed_at         BIGINT,
    unsubscribed_at      BIGINT,
    UNIQUE (email, scope)
);

-- A notice now goes to an account holder or to a confirmed subscriber, never both: SQLite
-- cannot relax a NOT NULL column, so the outbox is rebuilt with its rows kept as they are.
CREATE TABLE notice_outbox_addressed (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES notice_campaigns (id),
    recipient_id    INTEGER REFERENCES notice_recipients (id),
    subscription_id INTEGER REFERENCES notice_subscriptions (id),
    state           TEXT    NOT NULL DEFAULT 'queued'
                            CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    lease_until     BIGINT,
    last_error      TEXT,
    sent_at         BIGINT,
    CHECK ((recipient_id IS NULL) <> (subscription_id IS NULL)),
    UNIQUE (campaign_id, recipient_id),
    UNIQUE (campaign_id, subscription_id)
);

INSERT INTO notice_outbox_addressed
    (id, campaign_id, recipient_id, state, attempts, next_attempt_at, lease_until, last_error,
     sent_at)
SELECT id, campaign_id, recipient_id, state, attempts, next_attempt_at, lease_until, last_error,
       sent_at
FROM notice_outbox;

DROP TABLE notice_outbox;
ALTER TABLE notice_outbox_addressed RENAME TO notice_outbox;
CREATE INDEX notice_outbox_due ON notice_outbox (state, next_attempt_at);
