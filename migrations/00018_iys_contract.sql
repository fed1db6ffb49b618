-- +goose Up
-- Delivery to İYS as İYS's document describes it (issue #13): lists of at
-- most 1000 with no key twice, several lists of a company in flight at once,
-- each batch worked when it falls due; companies stopped by İYS's answer;
-- what the integrator query says per brand and channel.

ALTER TABLE sync_batches
    -- The methods the current request was sent with; its result is read
    -- from the same (v1: iysgate before this migration).
    ADD COLUMN api text NOT NULL DEFAULT 'v1' CHECK (api IN ('v1', 'v2')),
    -- İYS's subRequestId of each item of the current request, by its
    -- request_index.
    ADD COLUMN sub_request_ids text[],
    -- When the batch is to be worked next: sent, polled, asked about, or
    -- tried again after a failure.
    ADD COLUMN next_at timestamptz NOT NULL DEFAULT now(),
    -- An earlier, not yet final change of one of its keys, found when none
    -- of its items could go: the batch is looked at again once it is final.
    ADD COLUMN blocked_by bigint,
    -- Failures in a row, for the backoff.
    ADD COLUMN failures integer NOT NULL DEFAULT 0,
    -- Until when one run works the batch's current step (a run that died
    -- leaves it to lapse): runs of one company may work side by side.
    ADD COLUMN leased_until timestamptz;
CREATE INDEX sync_batches_due_idx ON sync_batches (company_id, next_at)
    WHERE status IN ('bekliyor', 'gonderiliyor', 'gonderildi');

-- The open changes of a key, found by one probe: an item may go only when
-- none of its key's earlier changes is open, and that is asked of every
-- item of every list sent (an index over every change lets the planner
-- pick a scan of them all once the table's statistics change).
CREATE INDEX consent_events_open_key_idx ON consent_events (recipient_id, type, id)
    WHERE iys_state IN ('bekliyor', 'kota', 'gonderildi');

-- A change an earlier request may have delivered: İYS's answer was lost.
-- When İYS later says it holds the same movement, it is this delivery's.
ALTER TABLE consent_events ADD COLUMN iys_uncertain boolean NOT NULL DEFAULT false;

-- A company whose delivery İYS's answer stopped (not assigned to us, its
-- İYS subscription closed, an unknown code…), until a person resumes it.
CREATE TABLE iys_delivery_holds (
    company_id bigint PRIMARY KEY REFERENCES companies (id),
    code       text NOT NULL,
    reason     text NOT NULL,
    since      timestamptz NOT NULL DEFAULT now()
);

-- İYS's answer to the integrator query per company: when it was asked, and
-- what went wrong if it could not be read.
CREATE TABLE iys_integrator_checks (
    company_id bigint PRIMARY KEY REFERENCES companies (id),
    checked_at timestamptz NOT NULL,
    listed     boolean NOT NULL,
    error_code text,
    error      text
);
-- What İYS lets the agency do per brand and channel: 'write', 'read' or ''.
CREATE TABLE iys_integrator_access (
    company_id bigint NOT NULL REFERENCES companies (id),
    brand_code text NOT NULL,
    type       text NOT NULL CHECK (type IN ('ARAMA', 'MESAJ', 'EPOSTA')),
    access     text NOT NULL,
    brand_name text NOT NULL DEFAULT '',
    PRIMARY KEY (company_id, brand_code, type)
);

-- İYS's hourly lockouts (H084 token, H086 single status, H089 history)
-- beyond the process that met them: a token request during H084's hour
-- restarts the hour, so a restarted process must not ask before it ends.
CREATE TABLE iys_limit_holds (
    kind  text PRIMARY KEY,
    until timestamptz NOT NULL
);

-- Batches of up to 10,000 items made before İYS's limit of 1000 was known,
-- and batches holding two changes of one key (İYS refuses such a list whole,
-- H194), are split: the n-th change of a key in a batch goes to the n-th
-- part, and parts hold at most 1000. A part keeps its batch's request and
-- each item its position in it, so a request in flight is still polled.
CREATE TEMP TABLE split (event_id bigint, batch_id bigint, part integer, pos integer) ON COMMIT DROP;
INSERT INTO split (event_id, batch_id, part, pos)
SELECT id, batch_id, (k * 1000000 + n / 1000)::int, (n % 1000)::int
FROM (
    SELECT x.id, x.batch_id, x.k, row_number() OVER (PARTITION BY x.batch_id, x.k ORDER BY x.batch_index) - 1 AS n
    FROM (
        SELECT e.id, e.batch_id, e.batch_index,
               row_number() OVER (PARTITION BY e.batch_id, e.recipient_id, e.type ORDER BY e.id) - 1 AS k
        FROM consent_events e JOIN sync_batches b ON b.id = e.batch_id
        WHERE b.status <> 'tamam' AND e.iys_state IN ('bekliyor', 'gonderildi')
    ) x
) y;

CREATE TEMP TABLE parts ON COMMIT DROP AS
SELECT batch_id, part, count(*)::int AS items, NULL::bigint AS new_id
FROM split WHERE part > 0 GROUP BY 1, 2;

-- +goose StatementBegin
DO $$
DECLARE
    p record;
    nid bigint;
BEGIN
    FOR p IN SELECT * FROM parts ORDER BY batch_id, part LOOP
        INSERT INTO sync_batches (company_id, brand_id, import_id, kind, status, request_id, items, attempts, last_error, created_at, sent_at, updated_at)
        SELECT company_id, brand_id, import_id, kind, status, request_id, p.items, attempts, last_error, created_at, sent_at, now()
        FROM sync_batches WHERE id = p.batch_id
        RETURNING id INTO nid;
        UPDATE parts SET new_id = nid WHERE batch_id = p.batch_id AND part = p.part;
    END LOOP;
END
$$;
-- +goose StatementEnd

UPDATE consent_events e SET batch_id = p.new_id, batch_index = s.pos
FROM split s JOIN parts p ON p.batch_id = s.batch_id AND p.part = s.part
WHERE e.id = s.event_id;
UPDATE consent_events e SET batch_index = s.pos FROM split s WHERE e.id = s.event_id AND s.part = 0;
UPDATE sync_batches b SET items = b.items - moved.n
FROM (SELECT batch_id, sum(items) AS n FROM parts GROUP BY 1) moved WHERE b.id = moved.batch_id;

-- Batches caught mid-send by the old client are resolved by asking İYS
-- before anything is sent again: "gonderiliyor", and those it put back to
-- waiting after a send (it did not read İYS's 202, so İYS may hold them).
UPDATE sync_batches SET status = 'gonderiliyor', request_id = NULL
WHERE status = 'bekliyor' AND (attempts > 0 OR sent_at IS NOT NULL);
UPDATE consent_events e SET iys_state = 'gonderildi', iys_uncertain = true
FROM sync_batches b WHERE b.id = e.batch_id AND b.status = 'gonderiliyor' AND e.iys_state = 'bekliyor';
-- A batch the old client gave up on after sending is asked about too when
-- it is retried: its items count as in flight.
UPDATE consent_events e SET iys_state = 'gonderildi', iys_uncertain = true
FROM sync_batches b WHERE b.id = e.batch_id AND b.status = 'hata' AND b.sent_at IS NOT NULL AND e.iys_state = 'bekliyor';
UPDATE consent_events e SET iys_uncertain = true
FROM sync_batches b WHERE b.id = e.batch_id AND b.status = 'gonderildi' AND e.iys_state IN ('bekliyor', 'gonderildi');

-- +goose Down
DROP TABLE iys_limit_holds, iys_integrator_access, iys_integrator_checks, iys_delivery_holds;
DROP INDEX sync_batches_due_idx, consent_events_open_key_idx;
ALTER TABLE consent_events DROP COLUMN iys_uncertain;
ALTER TABLE sync_batches DROP COLUMN api, DROP COLUMN sub_request_ids, DROP COLUMN next_at, DROP COLUMN blocked_by, DROP COLUMN failures,
    DROP COLUMN leased_until;
