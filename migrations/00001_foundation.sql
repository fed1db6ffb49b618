-- +goose Up
-- The foundation: companies and brands (the domains of the roles), users and
-- their brand roles, API tokens, web sessions, login throttling and the audit
-- log. Later migrations add consents, imports, quota and sync.

CREATE TABLE companies (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title      text NOT NULL CHECK (title <> ''),
    iys_code   text UNIQUE,
    tax_id     text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE brands (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id bigint NOT NULL REFERENCES companies (id),
    name       text NOT NULL CHECK (name <> ''),
    brand_code text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX brands_company_idx ON brands (company_id);

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL CHECK (email = lower(email) AND email <> ''),
    name          text NOT NULL CHECK (name <> ''),
    phone         text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    is_admin      boolean NOT NULL DEFAULT false,
    disabled_at   timestamptz,
    -- Web sessions started before this moment are ended (password change).
    sessions_valid_after timestamptz NOT NULL DEFAULT '2000-01-01 00:00:00+00',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_idx ON users (email);

-- A user's role in a brand. Admin is global (users.is_admin) and has no rows.
CREATE TABLE memberships (
    user_id    bigint NOT NULL REFERENCES users (id),
    brand_id   bigint NOT NULL REFERENCES brands (id),
    role       text NOT NULL CHECK (role IN ('yonetici', 'personel', 'musteri')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, brand_id)
);
CREATE INDEX memberships_brand_idx ON memberships (brand_id);

-- API tokens are shown once; only their SHA-256 is kept.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id),
    name         text NOT NULL,
    prefix       text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Web sessions, in the layout of github.com/gofiber/storage/postgres.
CREATE TABLE web_sessions (
    k varchar(64) PRIMARY KEY NOT NULL DEFAULT '',
    v bytea NOT NULL,
    e bigint NOT NULL DEFAULT 0
);
CREATE INDEX web_sessions_e_idx ON web_sessions (e);

-- Login attempts, kept for throttling (per account and per IP); old rows are
-- pruned by a periodic job.
CREATE TABLE login_attempts (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email   text NOT NULL,
    ip      text NOT NULL,
    success boolean NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email, at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, at);

-- The audit log is append-only: a trigger refuses updates and deletes.
CREATE TABLE audit_log (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor_id  bigint REFERENCES users (id),
    actor     text NOT NULL,
    ip        text NOT NULL DEFAULT '',
    action    text NOT NULL,
    entity    text NOT NULL DEFAULT '',
    entity_id text NOT NULL DEFAULT '',
    before    jsonb,
    after     jsonb
);
CREATE INDEX audit_log_action_idx ON audit_log (action, id);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log, login_attempts, web_sessions, api_tokens, memberships, users, brands, companies;
DROP FUNCTION audit_log_append_only;
