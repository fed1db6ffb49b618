-- +goose Up
-- Webhooks: a brand's endpoints (a URL the appliance calls on the brand's
-- behalf, the events it wants, the key it is signed with) and the outbox of
-- deliveries to them.
--
-- The outbox is filled by statement-level triggers with transition tables
-- on the tables whose changes are the events (consent_events, imports,
-- quota_ledger): one place that every code path goes through, set-based
-- (an approval of a million rows adds one INSERT … SELECT), in the
-- transaction of the change (a change without its delivery, or a delivery
-- of a change that was rolled back, cannot happen), and writing nothing
-- unless an enabled endpoint subscribes to the event. Payload formats are
-- in docs/webhooks.md.

CREATE TABLE webhook_endpoints (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id        bigint NOT NULL REFERENCES brands (id),
    url             text NOT NULL CHECK (url <> ''),
    description     text NOT NULL DEFAULT '',
    events          text[] NOT NULL CHECK (cardinality(events) > 0),
    -- The Standard Webhooks signing key (the bytes of whsec_<base64>). It
    -- must be recoverable to sign, so it is stored as it is, like İYS's
    -- password would be: backups hold it (they are written 0600).
    secret          bytea NOT NULL,
    enabled         boolean NOT NULL DEFAULT true,
    -- Why and when iysgate turned the endpoint off (a day of failures);
    -- NULL when a person did, or while it is on.
    disabled_reason text,
    disabled_at     timestamptz,
    -- Health, kept by the delivery job: the first failure since the last
    -- success, consecutive failed rounds, and the pause they earned.
    failing_since   timestamptz,
    failures        integer NOT NULL DEFAULT 0,
    paused_until    timestamptz,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_brand_idx ON webhook_endpoints (brand_id);

-- One row per event and endpoint. A consent event's data is read from
-- consent_events when it is sent (its facts do not change), so that a
-- million-row approval writes narrow rows; the other events keep the data
-- as it was (data). order_key names what the order is kept for ('r' and a
-- recipient id, 'i' and an import id, 'q' and a company id): an
-- endpoint's deliveries of one key go out one at a time, in id order.
-- No foreign key to the endpoint on purpose: its check would run for each
-- of a million inserted rows; rows go with their endpoint explicitly.
CREATE TABLE webhook_deliveries (
    endpoint_id     bigint NOT NULL,
    id              bigint GENERATED ALWAYS AS IDENTITY,
    type            text NOT NULL,
    order_key       text NOT NULL,
    event_id        bigint,
    data            jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- pending: to send (or to retry at next_attempt_at); delivered: the
    -- endpoint answered 2xx; failed: given up after a day of failures
    -- ("Yeniden gönder" puts it back).
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    first_failed_at timestamptz,
    last_attempt_at timestamptz,
    response_code   integer,
    last_error      text,
    delivered_at    timestamptz,
    CHECK ((event_id IS NULL) <> (data IS NULL)),
    PRIMARY KEY (endpoint_id, id)
);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (endpoint_id, id) WHERE state = 'pending';

-- Whether a company's quota was low at its last movement, so that
-- quota.low is sent when it becomes low, not at every movement after.
CREATE TABLE webhook_quota_state (
    company_id bigint PRIMARY KEY REFERENCES companies (id),
    low        boolean NOT NULL
);

-- consent.changed: every consent movement recorded (by hand, by an import,
-- pulled from İYS), except a pulled change kept aside as a conflict
-- (CAKISMA: the local record stays as it was).
-- +goose StatementBegin
CREATE FUNCTION webhook_consent_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND 'consent.changed' = ANY (events)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_deliveries (endpoint_id, type, order_key, event_id)
    SELECT w.id, 'consent.changed', 'r' || e.recipient_id, e.id
    FROM new_rows e JOIN webhook_endpoints w ON w.brand_id = e.brand_id AND w.enabled AND 'consent.changed' = ANY (w.events)
    WHERE e.iys_code IS DISTINCT FROM 'CAKISMA'
    ORDER BY e.id, w.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('iysgate_webhooks', '');
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER webhook_consent_changed AFTER INSERT ON consent_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_consent_changed();

-- ============================================================================
-- consent.refused: İYS refused a movement. THE ONE PLACE in SQL where a
-- refusal is recognised (with refusalData in app/store/webhooks.go for its
-- payload). On this schema a refusal is an event whose iys_state becomes
-- 'hata' (with iys_code and iys_message); when consents carry the refusal
-- (refused_event_id, refused_code, refused_at), this function and its
-- trigger move there and nothing else changes.
-- +goose StatementBegin
CREATE FUNCTION webhook_consent_refused() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER webhook_consent_refused AFTER UPDATE ON consent_events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_consent_refused();
-- ============================================================================

-- import.previewed (the import waits in preview) and import.finished
-- (every item is final at İYS: done; or the file could not be read:
-- failed), for the endpoints of the brands the import belongs to (the
-- chosen brand and import_brands), with the import as it is now.
-- +goose StatementBegin
CREATE FUNCTION webhook_import_data(import_id bigint, endpoint_brand bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
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

-- +goose StatementBegin
CREATE FUNCTION webhook_import_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND events && ARRAY['import.previewed', 'import.finished']) THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_deliveries (endpoint_id, type, order_key, data)
    SELECT w.id, t.type, 'i' || im.id, webhook_import_data(im.id, w.brand_id)
    FROM new_rows im JOIN old_rows o ON o.id = im.id
    CROSS JOIN LATERAL (SELECT CASE WHEN im.status = 'preview' THEN 'import.previewed'
                                    WHEN im.status IN ('done', 'failed') THEN 'import.finished' END AS type) t
    JOIN webhook_endpoints w ON w.enabled AND t.type = ANY (w.events)
         AND (w.brand_id = im.brand_id OR w.brand_id IN (SELECT ib.brand_id FROM import_brands ib WHERE ib.import_id = im.id))
    WHERE im.status IS DISTINCT FROM o.status AND t.type IS NOT NULL
    ORDER BY im.id, w.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('iysgate_webhooks', '');
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER webhook_import_changed AFTER UPDATE ON imports
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_import_changed();

-- quota.low: a company's remaining units fall under 10% of the units of
-- its valid packages (the dashboard's warning, store.Quota.Low), checked
-- at every movement of its ledger; sent once when it becomes low, again
-- only after it was not low (a package approved) in between. A package
-- that merely expires moves no ledger row and is noticed at the next
-- movement.
-- +goose StatementBegin
CREATE FUNCTION webhook_quota_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cid bigint;
    q record;
    was boolean;
    is_low boolean;
    n bigint := 0;
    k bigint;
BEGIN
    FOR cid IN SELECT DISTINCT company_id FROM new_rows ORDER BY 1 LOOP
        -- The company's state row is locked before the balance is read, so
        -- that of two transactions moving its units only one sees it
        -- become low.
        INSERT INTO webhook_quota_state (company_id, low) VALUES (cid, false) ON CONFLICT DO NOTHING;
        SELECT s.low INTO was FROM webhook_quota_state s WHERE s.company_id = cid FOR UPDATE;
        SELECT c.title, c.iys_code,
               COALESCE(sum(s.units), 0) AS total, COALESCE(sum(s.spent), 0) AS spent, COALESCE(sum(s.reserved), 0) AS reserved
        INTO q
        FROM companies c
        LEFT JOIN subscriptions s ON s.company_id = c.id AND s.status = 'active' AND s.starts_at <= now() AND s.ends_at > now()
        WHERE c.id = cid GROUP BY c.id;
        is_low := q.total > 0 AND (q.total - q.spent - q.reserved) * 10 < q.total;
        IF is_low IS DISTINCT FROM was THEN
            UPDATE webhook_quota_state SET low = is_low WHERE company_id = cid;
        END IF;
        IF is_low AND NOT was THEN
            INSERT INTO webhook_deliveries (endpoint_id, type, order_key, data)
            SELECT w.id, 'quota.low', 'q' || cid, jsonb_build_object(
                'brand_code', b.brand_code,
                'company', jsonb_build_object('id', cid, 'title', q.title, 'iys_code', q.iys_code),
                'total', q.total, 'spent', q.spent, 'reserved', q.reserved,
                'remaining', q.total - q.spent - q.reserved, 'threshold_percent', 10)
            FROM webhook_endpoints w JOIN brands b ON b.id = w.brand_id
            WHERE b.company_id = cid AND w.enabled AND 'quota.low' = ANY (w.events)
            ORDER BY w.id;
            GET DIAGNOSTICS k = ROW_COUNT;
            n := n + k;
        END IF;
    END LOOP;
    IF n > 0 THEN
        PERFORM pg_notify('iysgate_webhooks', '');
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER webhook_quota_moved AFTER INSERT ON quota_ledger
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_quota_moved();

-- +goose Down
DROP TRIGGER webhook_quota_moved ON quota_ledger;
DROP TRIGGER webhook_import_changed ON imports;
DROP TRIGGER webhook_consent_refused ON consent_events;
DROP TRIGGER webhook_consent_changed ON consent_events;
DROP FUNCTION webhook_quota_moved, webhook_import_changed, webhook_import_data, webhook_consent_refused, webhook_consent_changed;
DROP TABLE webhook_quota_state, webhook_deliveries, webhook_endpoints;
