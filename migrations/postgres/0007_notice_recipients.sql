-- The people change notices go to. This first table holds the company's account holders, imported
-- from a CSV file (`charter recipients import`): their legal notices are transactional and cannot
-- be unsubscribed from. One address is one recipient: a re-import updates its name and language.
CREATE TABLE notice_recipients (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email      TEXT    NOT NULL UNIQUE CHECK (email = lower(email)),
    name       TEXT    NOT NULL,
    -- The language its notices are written in.
    locale     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
