-- The cookie inventory as an admin is editing it: one draft at a time, in the TOML of
-- `charter inventory import`. The draft is working text and may be invalid while it is being
-- written; it is checked when it is reviewed, and only a valid draft is put in force (as a new
-- immutable consent configuration), after which the draft is removed.
CREATE TABLE inventory_draft (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    source     TEXT    NOT NULL,
    updated_at BIGINT  NOT NULL,
    updated_by BIGINT  NOT NULL REFERENCES admin_users (id)
);
