-- Subscription links no longer carry the one token that viewed, confirmed and ended a
-- subscription, stored as typed. Each link now has its own random token for one purpose
-- (`confirm` or `unsubscribe`: the confirmation link cannot unsubscribe, an unsubscribe link
-- cannot confirm), and the database keeps only its SHA-256. Tokens are made when a message is
-- sent, so every notice to a subscriber carries its own unsubscribe link, and all of them
-- keep working.
--
-- Existing rows keep working, as on SQLite (which cannot hash in SQL, so both backends take
-- one route): the plain tokens of active subscriptions (as unsubscribe tokens, for the links
-- in notices already delivered) and of pending ones (as confirmation tokens, still expiring
-- 48 hours after the request) are moved into `notice_subscription_legacy_tokens`, which the
-- application empties at start-up right after migrating, storing each token's hash in
-- `notice_subscription_tokens` instead. Tokens of ended subscriptions are dropped: their links
-- only ever said "unsubscribed".
CREATE TABLE notice_subscription_legacy_tokens (
    subscription_id BIGINT NOT NULL,
    purpose         TEXT   NOT NULL,
    token           TEXT   NOT NULL,
    created_at      BIGINT NOT NULL
);

INSERT INTO notice_subscription_legacy_tokens (subscription_id, purpose, token, created_at)
SELECT id,
       CASE WHEN confirmed_at IS NULL THEN 'confirm' ELSE 'unsubscribe' END,
       token,
       COALESCE(confirmed_at, requested_at)
FROM notice_subscriptions
WHERE unsubscribed_at IS NULL;

ALTER TABLE notice_subscriptions DROP COLUMN token;

-- An outbox row without a campaign is a subscription's confirmation message, queued by
-- `/subscribe` and sent by the notice worker like any notice.
ALTER TABLE notice_outbox ALTER COLUMN campaign_id DROP NOT NULL;
ALTER TABLE notice_outbox DROP CONSTRAINT notice_outbox_one_addressee;
ALTER TABLE notice_outbox ADD CONSTRAINT notice_outbox_one_addressee
    CHECK (CASE WHEN campaign_id IS NULL
                THEN recipient_id IS NULL AND subscription_id IS NOT NULL
                ELSE (recipient_id IS NULL) <> (subscription_id IS NULL) END);

-- The SHA-256 (hex) of every link token. A confirmation token holds for 48 hours and only for
-- the request it was made for; an unsubscribe token holds as long as the subscription.
CREATE TABLE notice_subscription_tokens (
    hash            TEXT   PRIMARY KEY CHECK (length(hash) = 64),
    subscription_id BIGINT NOT NULL REFERENCES notice_subscriptions (id),
    purpose         TEXT   NOT NULL CHECK (purpose IN ('confirm', 'unsubscribe')),
    created_at      BIGINT NOT NULL
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
