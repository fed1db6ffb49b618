-- +goose Up
-- Approval runs as a job (jobs.ApproveImportWorker) instead of inside the
-- request: the import waits in 'approving' while its consents are written
-- in chunks, and becomes 'approved' in one short transaction at the end.
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check CHECK (status IN
    ('uploaded', 'mapping', 'parsing', 'validating', 'preview', 'approving', 'approved', 'sending', 'done', 'failed', 'discarded'));

-- The approval's progress: items written of approve_total, once the job
-- has decided them (approve_prepared).
ALTER TABLE imports ADD COLUMN approve_prepared boolean NOT NULL DEFAULT false,
    ADD COLUMN approve_done integer NOT NULL DEFAULT 0,
    ADD COLUMN approve_total integer NOT NULL DEFAULT 0;

-- A batch of an approval still being written: never sent, never the
-- object of a job; it becomes 'bekliyor' when its import is approved. It
-- is its company's head meanwhile, so no later change overtakes the
-- import's consents.
ALTER TABLE sync_batches DROP CONSTRAINT sync_batches_status_check;
ALTER TABLE sync_batches ADD CONSTRAINT sync_batches_status_check CHECK (status IN
    ('hazirlaniyor', 'bekliyor', 'gonderiliyor', 'gonderildi', 'tamam', 'hata'));

-- The items an approval writes, decided once when it starts: seq is the
-- order of the events (consent date, row, channel), the chunks' cursor;
-- batch_no numbers a brand's items in that order for its batches (NULL:
-- the company is not ready for İYS, the events wait unbatched for the
-- sweep). Deleted when the approval ends.
CREATE TABLE import_approval_items (
    import_id      bigint NOT NULL,
    seq            integer NOT NULL,
    brand_id       bigint NOT NULL,
    company_id     bigint NOT NULL,
    row_no         integer NOT NULL,
    type           text NOT NULL,
    recipient      text NOT NULL,
    recipient_type text NOT NULL,
    status         text NOT NULL,
    source         text NOT NULL,
    consent_date   timestamptz,
    first_name     text NOT NULL,
    last_name      text NOT NULL,
    seen_event_id  bigint,
    batch_no       integer,
    PRIMARY KEY (import_id, seq)
);

-- The preview shows a phone or e-mail address that is not valid as the
-- file wrote it (phone and email hold only normalised recipients); empty
-- when valid or absent.
ALTER TABLE import_rows ADD COLUMN phone_as_written text NOT NULL DEFAULT '',
    ADD COLUMN email_as_written text NOT NULL DEFAULT '';

-- Rows that yield no consent at all (no recipient, an unknown recipient
-- type, no permission): error rows the channel counts cannot show.
ALTER TABLE imports ADD COLUMN rows_without_consent integer NOT NULL DEFAULT 0;

-- The file row an import's event came from, for the outcome per consent
-- on a sent import's preview; the import index serves both.
ALTER TABLE consent_events ADD COLUMN import_row integer;
DROP INDEX consent_events_import_idx;
CREATE INDEX consent_events_import_idx ON consent_events (import_id, import_row) WHERE import_id IS NOT NULL;

-- +goose Down
DROP INDEX consent_events_import_idx;
CREATE INDEX consent_events_import_idx ON consent_events (import_id) WHERE import_id IS NOT NULL;
ALTER TABLE consent_events DROP COLUMN import_row;
ALTER TABLE imports DROP COLUMN rows_without_consent;
ALTER TABLE import_rows DROP COLUMN phone_as_written, DROP COLUMN email_as_written;
DROP TABLE import_approval_items;
UPDATE sync_batches SET status = 'bekliyor' WHERE status = 'hazirlaniyor';
ALTER TABLE sync_batches DROP CONSTRAINT sync_batches_status_check;
ALTER TABLE sync_batches ADD CONSTRAINT sync_batches_status_check CHECK (status IN
    ('bekliyor', 'gonderiliyor', 'gonderildi', 'tamam', 'hata'));
ALTER TABLE imports DROP COLUMN approve_prepared, DROP COLUMN approve_done, DROP COLUMN approve_total;
UPDATE imports SET status = 'preview' WHERE status = 'approving';
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check CHECK (status IN
    ('uploaded', 'mapping', 'parsing', 'validating', 'preview', 'approved', 'sending', 'done', 'failed', 'discarded'));
