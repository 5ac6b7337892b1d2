-- The unique index on `consent_events.hash` served no query: the chain is walked by id, and the
-- writer matches inserted rows to their ids by idempotency key. Every event added a random key
-- to it, which was the costliest part of recording one (each key dirties its own index page).
-- SHA-256 keeps hashes distinct, and `charter consent verify` still detects any row that breaks
-- the chain. The rows themselves are untouched.
ALTER TABLE consent_events DROP CONSTRAINT consent_events_hash_key;
