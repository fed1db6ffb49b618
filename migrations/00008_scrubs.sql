-- +goose Up
-- Tarama (list scrub): an uploaded campaign list checked against the stored
-- consents of one brand and channel. The list and the result workbook are
-- kept in PostgreSQL in chunks, as imports keep their files, until
-- expires_at (the scrub_retention_days setting when it was uploaded): the
-- result is the evidence that the list was checked before sending.
CREATE TABLE scrubs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id),
    actor          text NOT NULL,
    brand_id       bigint NOT NULL REFERENCES brands (id),
    type           text NOT NULL CHECK (type IN ('ARAMA', 'MESAJ', 'EPOSTA')),
    recipient_type text NOT NULL CHECK (recipient_type IN ('BIREYSEL', 'TACIR')),
    filename       text NOT NULL,
    size_bytes     bigint NOT NULL DEFAULT 0,
    status         text NOT NULL DEFAULT 'uploaded' CHECK (status IN ('uploaded', 'working', 'done', 'failed')),
    -- progress in per mille of the list read, for the page's bar
    progress       integer NOT NULL DEFAULT 0,
    rows_done      integer NOT NULL DEFAULT 0,
    n_onay         integer NOT NULL DEFAULT 0,
    n_ret          integer NOT NULL DEFAULT 0,
    n_yok          integer NOT NULL DEFAULT 0,
    n_invalid      integer NOT NULL DEFAULT 0,
    result_bytes   bigint NOT NULL DEFAULT 0,
    checked_at     timestamptz,
    error_code     text,
    error_message  text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);
CREATE INDEX scrubs_brand_idx ON scrubs (brand_id, id DESC);
CREATE INDEX scrubs_expires_idx ON scrubs (expires_at);

-- part 'in' is the uploaded list (deleted once checked), 'out' the result.
CREATE TABLE scrub_chunks (
    scrub_id bigint NOT NULL REFERENCES scrubs (id) ON DELETE CASCADE,
    part     text NOT NULL CHECK (part IN ('in', 'out')),
    seq      integer NOT NULL,
    data     bytea NOT NULL,
    PRIMARY KEY (scrub_id, part, seq)
);

-- +goose Down
DROP TABLE scrub_chunks, scrubs;
