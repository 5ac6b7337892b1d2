-- Subscription links no longer carry the one token that viewed, confirmed and ended a
-- subscription, stored as typed. Each link now has its own random token for one purpose
-- (`confirm` or `unsubscribe`: the confirmation link cannot unsubscribe, an unsubscribe link
-- cannot confirm), and the database keeps only its SHA-256. Tokens are made when a message is
-- sent, so every notice to a subscriber carries its own unsubscribe link, and all of them
-- keep working.
--
-- Existing rows keep working: SQLite cannot hash in SQL, so the plain tokens of active
-- subscriptions (as unsubscribe tokens, for the links in notices already delivered) and of
-- pending ones (as confirmation tokens, still expiring 48 hours after the request) are moved
-- into `notice_subscription_legacy_tokens`, which the application empties at start-up right
-- after migrating, storing each token's hash in `notice_subscription_tokens` instead. Tokens
-- of ended subscriptions are dropped: their links only ever said "unsubscribed".
CREATE TABLE notice_subscription_legacy_tokens (
    subscription_id INTEGER NOT NULL,
    purpose         TEXT    NOT NULL,
    token           TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);

INSERT INTO notice_subscription_legacy_tokens (subscription_id, purpose, token, created_at)
SELECT id,
       CASE WHEN confirmed_at IS NULL THEN 'confirm' ELSE 'unsubscribe' END,
       token,
       COALESCE(confirmed_at, requested_at)
FROM notice_subscriptions
WHERE unsubscribed_at IS NULL;

-- The plain `token` column goes. SQLite cannot drop a UNIQUE column, so the subscriptions are
-- rebuilt with their ids, and with them the outbox that refers to them, which changes too: a
-- row without a campaign is a subscription's confirmation message, queued by `/subscribe` and
-- sent by the notice worker like any notice. Renaming a table rewrites the references to it,
-- so the old outbox refers to the old subscriptions until both are dropped.
ALTER TABLE notice_outbox RENAME TO notice_outbox_old;
ALTER TABLE notice_subscriptions RENAME TO notice_subscriptions_old;

CREATE TABLE notice_subscriptions (
    id                   INTEGER PRIMARY KEY,
    email                TEXT    NOT NULL CHECK (email = lower(email)),
    scope                TEXT    NOT NULL,
    locale               TEXT    NOT NULL,
    requested_at         BIGINT  NOT NULL,
    confirmation_sent_at BIGINT,
    confirmed_at         BIGINT,
    unsubscribed_at      BIGINT,
    UNIQUE (email, scope)
);

INSERT INTO notice_subscriptions
    (id, email, scope, locale, requested_at, confirmation_sent_at, confirmed_at, unsubscribed_at)
SELECT id, email, scope, locale, requested_at, confirmation_sent_at, confirmed_at, unsubscribed_at
FROM notice_subscriptions_old;

CREATE TABLE notice_outbox (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER REFERENCES notice_campaigns (id),
    recipient_id    INTEGER REFERENCES notice_recipients (id),
    subscription_id INTEGER REFERENCES notice_subscriptions (id),
    state           TEXT    NOT NULL DEFAULT 'queued'
                            CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    lease_until     BIGINT,
    last_error      TEXT,
    sent_at         BIGINT,
    -- A notice goes to an account holder or to a subscriber; a confirmation to a subscriber.
    CHECK (CASE WHEN campaign_id IS NULL
                THEN recipient_id IS NULL AND subscription_id IS NOT NULL
                ELSE (recipient_id IS NULL) <> (subscription_id IS NULL) END),
    UNIQUE (campaign_id, recipient_id),
    UNIQUE (campaign_id, subscription_id)
);

INSERT INTO notice_outbox
    (id, campaign_id, recipient_id, subscription_id, state, attempts, next_attempt_at,
     lease_until, last_error, sent_at)
SELECT id, campaign_id, recipient_id, subscription_id, state, attempts, next_attempt_at,
       lease_until, last_error, sent_at
FROM notice_outbox_old;

DROP TABLE notice_outbox_old;
DROP TABLE notice_subscriptions_old;
CREATE INDEX notice_outbox_due ON notice_outbox (state, next_attempt_at);

-- The SHA-256 (hex) of every link token. A confirmation token holds for 48 hours and only for
-- the request it was made for; an unsubscribe token holds as long as the subscription.
CREATE TABLE notice_subscription_tokens (
    hash            TEXT    PRIMARY KEY CHECK (length(hash) = 64),
    subscription_id INTEGER NOT NULL REFERENCES notice_subscriptions (id),
    purpose         TEXT    NOT NULL CHECK (purpose IN ('confirm', 'unsubscribe')),
    created_at      BIGINT  NOT NULL
);

-- How many subscription requests came per clock hour from each client network (its IPv4 /24
-- or IPv6 /48) and from everyone (`*`), in the database so that several instances share one
-- limit. Rows of past hours are deleted as new requests come.
CREATE TABLE notice_subscription_requests (
    bucket   TEXT   NOT NULL,
    hour     BIGINT NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (bucket, hour)
);

CREATE INDEX notice_subscription_requests_by_hour ON notice_subscription_requests (hour);
