-- API identities and their tokens. A token is stored only as its SHA-256
-- (hex); revoking a user revokes every token of theirs at once, and a
-- lookup refuses revoked users and tokens in the same query.
--
-- Names sort bytewise (COLLATE "C"), as in SQLite, whatever the
-- database's default collation: the user list reads the same on both.
CREATE TABLE users (
    name       TEXT COLLATE "C" PRIMARY KEY CHECK (name <> ''),
    role       TEXT        NOT NULL CHECK (role <> ''),
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT        NOT NULL CHECK (created_by <> ''),
    revoked_at TIMESTAMPTZ
);

CREATE TABLE user_tokens (
    hash       TEXT        PRIMARY KEY CHECK (length(hash) = 64),
    user_name  TEXT COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE RESTRICT,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE INDEX user_tokens_user ON user_tokens (user_name);
