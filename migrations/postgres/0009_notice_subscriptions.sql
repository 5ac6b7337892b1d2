-- Visitors who asked on the public site for change notices of one document (`scope` is its
-- slug) or of every document (`*`). A subscription counts only once its address was confirmed
-- through the link mailed to it within 48 hours; until then the address gets nothing but that
-- confirmation. Unsubscribing ends it; subscribing again later starts it afresh. `token` is the
-- secret in its confirmation and unsubscribe links.
CREATE TABLE notice_subscriptions (
    id                   BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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

-- A notice now goes to an account holder or to a confirmed subscriber, never both.
ALTER TABLE notice_outbox ALTER COLUMN recipient_id DROP NOT NULL;
ALTER TABLE notice_outbox ADD COLUMN subscription_id BIGINT REFERENCES notice_subscriptions (id);
ALTER TABLE notice_outbox ADD CONSTRAINT notice_outbox_one_addressee
    CHECK ((recipient_id IS NULL) <> (subscription_id IS NULL));
ALTER TABLE notice_outbox ADD CONSTRAINT notice_outbox_campaign_subscription
    UNIQUE (campaign_id, subscription_id);
