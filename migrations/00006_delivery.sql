-- +goose Up
-- Delivery to İYS: events know their import and their sync batch; batches
-- keep İYS's request id; pull cursors per brand and source.

ALTER TABLE consent_events
    ADD COLUMN import_id   bigint,
    ADD COLUMN batch_id    bigint,
    ADD COLUMN batch_index integer,
    -- Position in the İYS request that carries it now (İYS answers by index).
    ADD COLUMN request_index integer,
    DROP CONSTRAINT consent_events_iys_state_check,
    -- kota: stored, waiting for a package before it can be sent.
    ADD CONSTRAINT consent_events_iys_state_check
        CHECK (iys_state IN ('bekliyor', 'kota', 'gonderildi', 'kayitli', 'hata'));
CREATE INDEX consent_events_batch_idx ON consent_events (batch_id, batch_index) WHERE batch_id IS NOT NULL;
CREATE INDEX consent_events_import_idx ON consent_events (import_id) WHERE import_id IS NOT NULL;
-- Events waiting for a batch (company not ready for İYS yet, or no quota).
CREATE INDEX consent_events_unbatched_idx ON consent_events (brand_id, id)
    WHERE batch_id IS NULL AND iys_state IN ('bekliyor', 'kota');

CREATE TABLE sync_batches (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    company_id  bigint NOT NULL REFERENCES companies (id),
    brand_id    bigint NOT NULL REFERENCES brands (id),
    import_id   bigint,
    kind        text NOT NULL CHECK (kind IN ('async', 'single')),
    -- bekliyor: not sent; gonderiliyor: sent, answer unknown (resolved by
    -- querying İYS, never by sending again); gonderildi: İYS has the
    -- request id; tamam: every item final; hata: gave up (items stay pending).
    status      text NOT NULL DEFAULT 'bekliyor'
                CHECK (status IN ('bekliyor', 'gonderiliyor', 'gonderildi', 'tamam', 'hata')),
    request_id  text,
    items       integer NOT NULL,
    accepted    integer NOT NULL DEFAULT 0,
    refused     integer NOT NULL DEFAULT 0,
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    finished_at timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sync_batches_open_idx ON sync_batches (brand_id, id) WHERE status <> 'tamam';
CREATE INDEX sync_batches_import_idx ON sync_batches (import_id) WHERE import_id IS NOT NULL;

CREATE TABLE pull_cursors (
    brand_id        bigint NOT NULL REFERENCES brands (id),
    source          text NOT NULL CHECK (source IN ('HS', 'IYS')),
    cursor          text NOT NULL DEFAULT '',
    last_success_at timestamptz,
    last_attempt_at timestamptz,
    last_error      text,
    pulled          bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (brand_id, source)
);

-- +goose Down
DROP TABLE pull_cursors, sync_batches;
DROP INDEX consent_events_batch_idx, consent_events_import_idx, consent_events_unbatched_idx;
ALTER TABLE consent_events DROP COLUMN import_id, DROP COLUMN batch_id, DROP COLUMN batch_index, DROP COLUMN request_index,
    DROP CONSTRAINT consent_events_iys_state_check,
    ADD CONSTRAINT consent_events_iys_state_check CHECK (iys_state IN ('bekliyor', 'gonderildi', 'kayitli', 'hata'));
