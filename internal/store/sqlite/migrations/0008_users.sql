-- API identities and their tokens. A token is stored only as its SHA-256
-- (hex); revoking a user revokes every token of theirs at once, and a
-- lookup refuses revoked users and tokens in the same query.
CREATE TABLE users (
    name       TEXT PRIMARY KEY CHECK (name <> ''),
    role       TEXT NOT NULL CHECK (role <> ''),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL CHECK (created_by <> ''),
    revoked_at TEXT
) STRICT;

CREATE TABLE user_tokens (
    hash       TEXT PRIMARY KEY CHECK (length(hash) = 64),
    user_name  TEXT NOT NULL REFERENCES users (name) ON DELETE RESTRICT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;

CREATE INDEX user_tokens_user ON user_tokens (user_name);
