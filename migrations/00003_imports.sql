-- +goose Up
-- Imports: the uploaded file (bytes in PostgreSQL, chunked), its parsed rows
-- with their cells and problems, and one item per consent a row yields,
-- with the outcome the validation found.

CREATE TABLE imports (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id),
    actor         text NOT NULL,
    brand_id      bigint REFERENCES brands (id),
    filename      text NOT NULL,
    size_bytes    bigint NOT NULL DEFAULT 0,
    status        text NOT NULL DEFAULT 'uploaded' CHECK (status IN
                  ('uploaded', 'parsing', 'validating', 'preview', 'approved', 'sending', 'done', 'failed', 'discarded')),
    rows_done     integer NOT NULL DEFAULT 0,
    rows_total    integer NOT NULL DEFAULT 0,
    header        jsonb,
    summary       jsonb,
    error_code    text,
    error_message text,
    mode          text CHECK (mode IN ('all', 'new_only')),
    approved_by   text,
    approved_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX imports_user_idx ON imports (user_id, id DESC);

CREATE TABLE import_chunks (
    import_id bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    seq       integer NOT NULL,
    data      bytea NOT NULL,
    PRIMARY KEY (import_id, seq)
);

-- import_rows and import_items have no foreign key to imports on purpose:
-- its check would run once for each of millions of COPYed rows. They are
-- written only by the parse job and deleted with their import explicitly.
CREATE TABLE import_rows (
    import_id bigint NOT NULL,
    row_no    integer NOT NULL,
    cells     jsonb NOT NULL,
    problems  jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (import_id, row_no)
);

CREATE TABLE import_items (
    import_id      bigint NOT NULL,
    row_no         integer NOT NULL,
    type           text NOT NULL,
    brand_code     text NOT NULL,
    recipient      text NOT NULL,
    recipient_type text NOT NULL,
    status         text NOT NULL,
    source         text NOT NULL DEFAULT '',
    consent_date   timestamptz,
    first_name     text NOT NULL DEFAULT '',
    last_name      text NOT NULL DEFAULT '',
    problems       jsonb NOT NULL DEFAULT '[]',
    outcome        text CHECK (outcome IN ('new', 'changed', 'unchanged', 'error')),
    PRIMARY KEY (import_id, row_no, type)
);

-- The validation's verdict per item, COPYed in bulk: rewriting millions
-- of wide import_items rows with an UPDATE cost more than everything else.
CREATE TABLE import_outcomes (
    import_id bigint NOT NULL,
    row_no    integer NOT NULL,
    type      text NOT NULL,
    outcome   text NOT NULL CHECK (outcome IN ('new', 'changed', 'unchanged', 'error')),
    problems  jsonb,
    -- The key's last event when validated (NULL: no record); approval
    -- refuses to write over a key that changed since.
    seen_event_id bigint,
    PRIMARY KEY (import_id, row_no, type)
);

-- Items with their outcome: set at parse time for stateless errors,
-- otherwise by the validation.
CREATE VIEW import_item_results AS
SELECT i.import_id, i.row_no, i.type, i.brand_code, i.recipient, i.recipient_type, i.status, i.source,
       i.consent_date, i.first_name, i.last_name,
       COALESCE(o.outcome, i.outcome) AS outcome,
       CASE WHEN o.problems IS NULL THEN i.problems ELSE i.problems || o.problems END AS problems,
       o.seen_event_id
FROM import_items i
LEFT JOIN import_outcomes o ON o.import_id = i.import_id AND o.row_no = i.row_no AND o.type = i.type;

-- +goose Down
DROP VIEW import_item_results;
DROP TABLE import_outcomes, import_items, import_rows, import_chunks, imports;
