-- +goose Up
-- Consents: companies' İYS settings and onboarding, recipients, the current
-- consent per channel, its append-only history, and per-brand counters.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE companies
    ADD COLUMN integrator_assigned     boolean NOT NULL DEFAULT false,
    ADD COLUMN integrator_confirmed_by text,
    ADD COLUMN integrator_confirmed_at timestamptz,
    ADD COLUMN data_declared           boolean NOT NULL DEFAULT false,
    ADD COLUMN data_declared_by        text,
    ADD COLUMN data_declared_at        timestamptz;

-- The six steps of İYS onboarding, one row per company and step once touched.
CREATE TABLE onboarding_steps (
    company_id bigint NOT NULL REFERENCES companies (id),
    step       smallint NOT NULL CHECK (step BETWEEN 1 AND 6),
    status     text NOT NULL CHECK (status IN ('bekliyor', 'devam', 'tamam', 'sorun')),
    note       text NOT NULL DEFAULT '',
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, step)
);

-- A recipient (phone or e-mail address) of a brand, per recipient type.
-- sort_key orders Onaylar newest first. It is not the primary key on
-- purpose: only the list index can then give that order, so the planner
-- walks a brand's own index instead of scanning the primary key backwards
-- through other brands' rows.
CREATE SEQUENCE recipients_sort_key_seq;
CREATE TABLE recipients (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id       bigint NOT NULL REFERENCES brands (id),
    kind           text NOT NULL CHECK (kind IN ('phone', 'email')),
    recipient      text NOT NULL,
    recipient_type text NOT NULL CHECK (recipient_type IN ('BIREYSEL', 'TACIR')),
    first_name     text NOT NULL DEFAULT '',
    last_name      text NOT NULL DEFAULT '',
    sort_key       bigint NOT NULL DEFAULT nextval('recipients_sort_key_seq'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (brand_id, recipient, recipient_type)
);
ALTER SEQUENCE recipients_sort_key_seq OWNED BY recipients.sort_key;
CREATE INDEX recipients_list_idx ON recipients (brand_id, kind, sort_key DESC);
CREATE INDEX recipients_recipient_idx ON recipients (recipient text_pattern_ops);
CREATE INDEX recipients_name_idx ON recipients USING gin (lower(first_name || ' ' || last_name) gin_trgm_ops);

-- The current consent of a recipient on one channel.
CREATE TABLE consents (
    recipient_id  bigint NOT NULL REFERENCES recipients (id),
    type          text NOT NULL CHECK (type IN ('ARAMA', 'MESAJ', 'EPOSTA')),
    brand_id      bigint NOT NULL REFERENCES brands (id),
    recipient_type text NOT NULL,
    status        text NOT NULL CHECK (status IN ('ONAY', 'RET')),
    source        text NOT NULL DEFAULT '',
    consent_date  timestamptz,
    sync_state    text NOT NULL DEFAULT 'bekliyor'
                  CHECK (sync_state IN ('bekliyor', 'gonderildi', 'kayitli', 'hata')),
    last_event_id bigint,
    -- The recipient's sort key (it never changes), so that filtered Onaylar
    -- pages walk this table's index in the list's order.
    sort_key      bigint NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (recipient_id, type)
);
CREATE INDEX consents_filter_idx ON consents (brand_id, type, status, sort_key DESC);
CREATE INDEX consents_date_idx ON consents (brand_id, type, consent_date)
    INCLUDE (recipient_type, status, sort_key, recipient_id);

-- Every change of a consent, with its origin and its İYS outcome.
CREATE TABLE consent_events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient_id   bigint NOT NULL REFERENCES recipients (id),
    type           text NOT NULL,
    brand_id       bigint NOT NULL REFERENCES brands (id),
    status         text NOT NULL,
    source         text NOT NULL DEFAULT '',
    consent_date   timestamptz,
    origin         text NOT NULL CHECK (origin IN ('manual', 'import', 'iys')),
    actor_id       bigint REFERENCES users (id),
    actor          text NOT NULL,
    iys_state      text NOT NULL DEFAULT 'bekliyor'
                   CHECK (iys_state IN ('bekliyor', 'gonderildi', 'kayitli', 'hata')),
    iys_code       text,
    iys_message    text,
    iys_transaction_id text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_events_recipient_idx ON consent_events (recipient_id, id);
CREATE INDEX consent_events_brand_idx ON consent_events (brand_id, id);

-- Counters per brand, channel, recipient type and status, kept by statement
-- triggers (one aggregate per statement, so bulk imports pay once).
CREATE TABLE brand_stats (
    brand_id       bigint NOT NULL REFERENCES brands (id),
    type           text NOT NULL,
    recipient_type text NOT NULL,
    status         text NOT NULL,
    n              bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (brand_id, type, recipient_type, status)
);

-- +goose StatementBegin
CREATE FUNCTION brand_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO brand_stats AS s (brand_id, type, recipient_type, status, n)
        SELECT brand_id, type, recipient_type, status, -count(*) FROM old_rows GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (brand_id, type, recipient_type, status) DO UPDATE SET n = s.n + EXCLUDED.n;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO brand_stats AS s (brand_id, type, recipient_type, status, n)
        SELECT brand_id, type, recipient_type, status, count(*) FROM new_rows GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (brand_id, type, recipient_type, status) DO UPDATE SET n = s.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER consents_stats_insert AFTER INSERT ON consents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION brand_stats_apply();
CREATE TRIGGER consents_stats_update AFTER UPDATE ON consents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION brand_stats_apply();
CREATE TRIGGER consents_stats_delete AFTER DELETE ON consents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION brand_stats_apply();

-- +goose Down
DROP TABLE brand_stats, consent_events, consents, recipients, onboarding_steps;
DROP SEQUENCE IF EXISTS recipients_sort_key_seq;
DROP FUNCTION brand_stats_apply;
ALTER TABLE companies DROP COLUMN integrator_assigned, DROP COLUMN integrator_confirmed_by,
    DROP COLUMN integrator_confirmed_at, DROP COLUMN data_declared, DROP COLUMN data_declared_by,
    DROP COLUMN data_declared_at;
