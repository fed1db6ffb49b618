-- +goose Up
-- Quota: the package catalogue, companies' subscriptions (requested by a
-- Yönetici, approved by an Admin), holds that reserve units for work not yet
-- delivered, and an append-only ledger of every movement.

CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_by text NOT NULL DEFAULT 'sistem',
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO settings (key, value) VALUES ('kdv_rate', '20'), ('scrub_retention_days', '90');

CREATE TABLE packages (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    units         integer NOT NULL UNIQUE CHECK (units > 0),
    price_kurus   bigint NOT NULL CHECK (price_kurus >= 0),  -- KDV hariç, in kuruş
    validity_days integer NOT NULL DEFAULT 365 CHECK (validity_days > 0),
    active        boolean NOT NULL DEFAULT true,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO packages (units, price_kurus) VALUES
    (5000, 75000), (25000, 300000), (75000, 750000), (150000, 1350000),
    (250000, 2000000), (500000, 3500000), (1000000, 6000000);

-- A company's purchase of a package. reserved and spent are kept with the
-- ledger in one transaction; the CHECK is what makes overdrawing impossible
-- whatever the code above it does.
CREATE TABLE subscriptions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id      bigint NOT NULL REFERENCES companies (id),
    package_id      bigint NOT NULL REFERENCES packages (id),
    units           integer NOT NULL CHECK (units > 0),
    price_kurus     bigint NOT NULL,
    kdv_rate        numeric(5, 2) NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'rejected')),
    requested_by_id bigint REFERENCES users (id),
    requested_by    text NOT NULL,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    decided_by      text,
    decided_at      timestamptz,
    reject_reason   text,
    starts_at       timestamptz,
    ends_at         timestamptz,
    reserved        integer NOT NULL DEFAULT 0,
    spent           integer NOT NULL DEFAULT 0,
    CHECK (reserved >= 0 AND spent >= 0 AND reserved + spent <= units),
    CHECK (status <> 'active' OR (starts_at IS NOT NULL AND ends_at > starts_at))
);
CREATE INDEX subscriptions_company_idx ON subscriptions (company_id, status, ends_at);

-- Units held for an approved import (import_id) or a single consent
-- (event_id) until İYS answers: debited as items are accepted, released as
-- they are refused.
CREATE TABLE quota_holds (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id      bigint NOT NULL REFERENCES companies (id),
    subscription_id bigint NOT NULL REFERENCES subscriptions (id),
    import_id       bigint,
    event_id        bigint,
    units           integer NOT NULL CHECK (units >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((import_id IS NULL) <> (event_id IS NULL))
);
CREATE INDEX quota_holds_import_idx ON quota_holds (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX quota_holds_event_idx ON quota_holds (event_id) WHERE event_id IS NOT NULL;

CREATE TABLE quota_ledger (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id      bigint NOT NULL REFERENCES companies (id),
    subscription_id bigint NOT NULL REFERENCES subscriptions (id),
    kind            text NOT NULL CHECK (kind IN ('credit', 'reserve', 'release', 'debit')),
    units           integer NOT NULL CHECK (units > 0),
    reason          text NOT NULL,
    import_id       bigint,
    event_id        bigint,
    batch_id        bigint,
    actor           text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quota_ledger_company_idx ON quota_ledger (company_id, id DESC);

-- +goose StatementBegin
CREATE FUNCTION quota_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'quota_ledger is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER quota_ledger_append_only BEFORE UPDATE OR DELETE ON quota_ledger
    FOR EACH ROW EXECUTE FUNCTION quota_ledger_append_only();
CREATE TRIGGER quota_ledger_no_truncate BEFORE TRUNCATE ON quota_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION quota_ledger_append_only();

-- +goose Down
DROP TABLE quota_ledger, quota_holds, subscriptions, packages, settings;
DROP FUNCTION quota_ledger_append_only;
