-- +goose Up
-- One vocabulary for stored states (issue #12; 00011 did the onboarding
-- steps): the delivery states of consent events and of sync batches become
-- English identifiers, with their Turkish labels in the code
-- (app/store/states.go, SyncState and BatchState). Their checks, defaults,
-- the partial indexes on them and the webhook functions that test them are
-- rewritten with them; app/store writes the same values into its queries'
-- text so that these indexes still serve them.
--
--   consent_events.iys_state: kota → quota, bekliyor → pending,
--     gonderildi → sent, kayitli → registered, hata → refused
--   sync_batches.status: hazirlaniyor → preparing, bekliyor → waiting,
--     gonderiliyor → sending, gonderildi → sent, tamam → done, hata → failed

DROP INDEX consent_events_open_key_idx, consent_events_unbatched_idx, sync_batches_due_idx, sync_batches_open_idx;

ALTER TABLE consent_events DROP CONSTRAINT consent_events_iys_state_check, ALTER COLUMN iys_state DROP DEFAULT;
-- Renaming a refusal is no new refusal: the consent.refused trigger stays
-- out of this update, whichever names its function reads at the time.
ALTER TABLE consent_events DISABLE TRIGGER webhook_consent_refused;
UPDATE consent_events SET iys_state = CASE iys_state
    WHEN 'kota' THEN 'quota' WHEN 'bekliyor' THEN 'pending' WHEN 'gonderildi' THEN 'sent'
    WHEN 'kayitli' THEN 'registered' WHEN 'hata' THEN 'refused' END;
ALTER TABLE consent_events ENABLE TRIGGER webhook_consent_refused;
ALTER TABLE consent_events ALTER COLUMN iys_state SET DEFAULT 'pending',
    ADD CONSTRAINT consent_events_iys_state_check CHECK (iys_state IN ('quota', 'pending', 'sent', 'registered', 'refused'));

ALTER TABLE sync_batches DROP CONSTRAINT sync_batches_status_check, ALTER COLUMN status DROP DEFAULT;
UPDATE sync_batches SET status = CASE status
    WHEN 'hazirlaniyor' THEN 'preparing' WHEN 'bekliyor' THEN 'waiting' WHEN 'gonderiliyor' THEN 'sending'
    WHEN 'gonderildi' THEN 'sent' WHEN 'tamam' THEN 'done' WHEN 'hata' THEN 'failed' END;
ALTER TABLE sync_batches ALTER COLUMN status SET DEFAULT 'waiting',
    ADD CONSTRAINT sync_batches_status_check CHECK (status IN ('preparing', 'waiting', 'sending', 'sent', 'done', 'failed'));

-- The partial indexes of 00006 and 00018, with the same columns; their
-- predicates are the fragments of app/store/states.go (eventOpen,
-- eventUnsent, batchDue, batchOpen), in the same order.
CREATE INDEX consent_events_open_key_idx ON consent_events (recipient_id, type, id)
    WHERE iys_state IN ('quota', 'pending', 'sent');
CREATE INDEX consent_events_unbatched_idx ON consent_events (brand_id, id)
    WHERE batch_id IS NULL AND iys_state IN ('quota', 'pending');
CREATE INDEX sync_batches_due_idx ON sync_batches (company_id, next_at)
    WHERE status IN ('waiting', 'sending', 'sent');
CREATE INDEX sync_batches_open_idx ON sync_batches (brand_id, id) WHERE status <> 'done';

-- The webhook functions of 00019 that read the states, unchanged but for
-- the values.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION webhook_consent_refused() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND 'consent.refused' = ANY (events)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_deliveries (endpoint_id, type, order_key, event_id)
    SELECT w.id, 'consent.refused', 'r' || e.recipient_id, e.id
    FROM new_rows e JOIN old_rows o ON o.id = e.id
    JOIN webhook_endpoints w ON w.brand_id = e.brand_id AND w.enabled AND 'consent.refused' = ANY (w.events)
    WHERE e.iys_state = 'refused' AND o.iys_state IS DISTINCT FROM 'refused'
    ORDER BY e.id, w.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('iysgate_webhooks', '');
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION webhook_import_data(import_id bigint, endpoint_brand bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'brand_code', (SELECT b.brand_code FROM brands b WHERE b.id = endpoint_brand),
        'import_id', im.id,
        'filename', im.filename,
        'status', im.status,
        'uploaded_by', im.actor,
        'uploaded_at', im.created_at,
        'rows', im.rows_total,
        'brand_codes', (SELECT COALESCE(jsonb_agg(b.brand_code ORDER BY b.brand_code), '[]') FROM brands b
                        WHERE b.id = im.brand_id OR b.id IN (SELECT ib.brand_id FROM import_brands ib WHERE ib.import_id = im.id)),
        'summary', im.summary,
        'mode', im.mode,
        'approved_by', im.approved_by,
        'approved_at', im.approved_at,
        'error', CASE WHEN im.error_code IS NOT NULL THEN jsonb_build_object('code', im.error_code, 'message', im.error_message) END,
        'delivery', CASE WHEN im.status = 'done' THEN (
            SELECT jsonb_build_object('accepted', count(*) FILTER (WHERE e.iys_state = 'registered'),
                                      'refused', count(*) FILTER (WHERE e.iys_state = 'refused'))
            FROM consent_events e WHERE e.import_id = im.id) END)
    FROM imports im WHERE im.id = webhook_import_data.import_id;
$$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX consent_events_open_key_idx, consent_events_unbatched_idx, sync_batches_due_idx, sync_batches_open_idx;

ALTER TABLE consent_events DROP CONSTRAINT consent_events_iys_state_check, ALTER COLUMN iys_state DROP DEFAULT;
ALTER TABLE consent_events DISABLE TRIGGER webhook_consent_refused;
UPDATE consent_events SET iys_state = CASE iys_state
    WHEN 'quota' THEN 'kota' WHEN 'pending' THEN 'bekliyor' WHEN 'sent' THEN 'gonderildi'
    WHEN 'registered' THEN 'kayitli' WHEN 'refused' THEN 'hata' END;
ALTER TABLE consent_events ENABLE TRIGGER webhook_consent_refused;
ALTER TABLE consent_events ALTER COLUMN iys_state SET DEFAULT 'bekliyor',
    ADD CONSTRAINT consent_events_iys_state_check CHECK (iys_state IN ('bekliyor', 'kota', 'gonderildi', 'kayitli', 'hata'));

ALTER TABLE sync_batches DROP CONSTRAINT sync_batches_status_check, ALTER COLUMN status DROP DEFAULT;
UPDATE sync_batches SET status = CASE status
    WHEN 'preparing' THEN 'hazirlaniyor' WHEN 'waiting' THEN 'bekliyor' WHEN 'sending' THEN 'gonderiliyor'
    WHEN 'sent' THEN 'gonderildi' WHEN 'done' THEN 'tamam' WHEN 'failed' THEN 'hata' END;
ALTER TABLE sync_batches ALTER COLUMN status SET DEFAULT 'bekliyor',
    ADD CONSTRAINT sync_batches_status_check CHECK (status IN ('hazirlaniyor', 'bekliyor', 'gonderiliyor', 'gonderildi', 'tamam', 'hata'));

CREATE INDEX consent_events_open_key_idx ON consent_events (recipient_id, type, id)
    WHERE iys_state IN ('bekliyor', 'kota', 'gonderildi');
CREATE INDEX consent_events_unbatched_idx ON consent_events (brand_id, id)
    WHERE batch_id IS NULL AND iys_state IN ('bekliyor', 'kota');
CREATE INDEX sync_batches_due_idx ON sync_batches (company_id, next_at)
    WHERE status IN ('bekliyor', 'gonderiliyor', 'gonderildi');
CREATE INDEX sync_batches_open_idx ON sync_batches (brand_id, id) WHERE status <> 'tamam';

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION webhook_consent_refused() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND 'consent.refused' = ANY (events)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_deliveries (endpoint_id, type, order_key, event_id)
    SELECT w.id, 'consent.refused', 'r' || e.recipient_id, e.id
    FROM new_rows e JOIN old_rows o ON o.id = e.id
    JOIN webhook_endpoints w ON w.brand_id = e.brand_id AND w.enabled AND 'consent.refused' = ANY (w.events)
    WHERE e.iys_state = 'hata' AND o.iys_state IS DISTINCT FROM 'hata'
    ORDER BY e.id, w.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('iysgate_webhooks', '');
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION webhook_import_data(import_id bigint, endpoint_brand bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'brand_code', (SELECT b.brand_code FROM brands b WHERE b.id = endpoint_brand),
        'import_id', im.id,
        'filename', im.filename,
        'status', im.status,
        'uploaded_by', im.actor,
        'uploaded_at', im.created_at,
        'rows', im.rows_total,
        'brand_codes', (SELECT COALESCE(jsonb_agg(b.brand_code ORDER BY b.brand_code), '[]') FROM brands b
                        WHERE b.id = im.brand_id OR b.id IN (SELECT ib.brand_id FROM import_brands ib WHERE ib.import_id = im.id)),
        'summary', im.summary,
        'mode', im.mode,
        'approved_by', im.approved_by,
        'approved_at', im.approved_at,
        'error', CASE WHEN im.error_code IS NOT NULL THEN jsonb_build_object('code', im.error_code, 'message', im.error_message) END,
        'delivery', CASE WHEN im.status = 'done' THEN (
            SELECT jsonb_build_object('accepted', count(*) FILTER (WHERE e.iys_state = 'kayitli'),
                                      'refused', count(*) FILTER (WHERE e.iys_state = 'hata'))
            FROM consent_events e WHERE e.import_id = im.id) END)
    FROM imports im WHERE im.id = webhook_import_data.import_id;
$$;
-- +goose StatementEnd
