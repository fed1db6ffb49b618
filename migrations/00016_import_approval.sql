-- +goose Up
-- Approval runs as a job (jobs.ApproveImportWorker) instead of inside the
-- request: the import waits in 'approving' while its consents are written
-- in chunks, and becomes 'approved' in one short transaction at the end.
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check CHECK (status IN
    ('uploaded', 'parsing', 'validating', 'preview', 'approving', 'approved', 'sending', 'done', 'failed', 'discarded'));

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

-- +goose Down
DROP TABLE import_approval_items;
UPDATE sync_batches SET status = 'bekliyor' WHERE status = 'hazirlaniyor';
ALTER TABLE sync_batches DROP CONSTRAINT sync_batches_status_check;
ALTER TABLE sync_batches ADD CONSTRAINT sync_batches_status_check CHECK (status IN
    ('bekliyor', 'gonderiliyor', 'gonderildi', 'tamam', 'hata'));
ALTER TABLE imports DROP COLUMN approve_prepared, DROP COLUMN approve_done, DROP COLUMN approve_total;
UPDATE imports SET status = 'preview' WHERE status = 'approving';
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check CHECK (status IN
    ('uploaded', 'parsing', 'validating', 'preview', 'approved', 'sending', 'done', 'failed', 'discarded'));
