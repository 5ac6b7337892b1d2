-- The company's other sites, which embed the banner with `/embed/v1.js`. The consent API
-- answers cross-origin requests only from these origins. `origin` is `scheme://host[:port]`,
-- where the host may start with `*.` for every subdomain of a domain. `model` is how a site
-- asks: `opt-in` (no optional cookie before a choice) or `opt-out` (optional categories on
-- until the visitor opts out, with a "Your Privacy Choices" link).
CREATE TABLE consent_sites (
    id         INTEGER PRIMARY KEY,
    origin     TEXT    NOT NULL UNIQUE,
    model      TEXT    NOT NULL CHECK (model IN ('opt-in', 'opt-out')),
    created_at BIGINT  NOT NULL,
    created_by TEXT    NOT NULL
);

-- Every event now names the site it came from (the origin of the page, Charter's own for its
-- pages) and the page's path. Events recorded before keep empty values, which the chain hash
-- leaves out, so their hashes still verify.
ALTER TABLE consent_events ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE consent_events ADD COLUMN page TEXT NOT NULL DEFAULT '';
