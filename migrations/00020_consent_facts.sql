-- +goose Up
-- A consent holds three facts that are never mixed:
--   * the state İYS holds: status, source, consent_date, iys_event_id (the
--     last movement İYS accepted, or a change pulled from İYS); NULL status
--     while İYS holds nothing;
--   * a pending change on its way: pending_* and pending_event_id, whose
--     event's iys_state says where it is (waiting for quota, queued, sent);
--   * the last refusal: refused_event_id, refused_code, refused_at (its
--     message and what to fix come from the code's table).
-- A refused change never becomes the state. Everything that answers "may I
-- message this person?" reads the İYS state, with a pending RET counted as
-- RET at once. The rules a new change is checked against (first record
-- RET, the same status, a date not later) read the state as it will be:
-- the pending change if any, else İYS's.
-- The counters are rebuilt below for both facts.
DROP TRIGGER consents_stats_insert ON consents;
DROP TRIGGER consents_stats_update ON consents;
DROP TRIGGER consents_stats_delete ON consents;
DROP FUNCTION brand_stats_apply;
DROP TABLE brand_stats;

ALTER TABLE consents ALTER COLUMN status DROP NOT NULL,
    ADD COLUMN iys_event_id         bigint,
    ADD COLUMN pending_event_id     bigint,
    ADD COLUMN pending_status       text CHECK (pending_status IN ('ONAY', 'RET')),
    ADD COLUMN pending_source       text,
    ADD COLUMN pending_consent_date timestamptz,
    ADD COLUMN pending_since        timestamptz,
    ADD COLUMN refused_event_id     bigint,
    ADD COLUMN refused_code         text,
    ADD COLUMN refused_at           timestamptz;

-- The three facts of every consent, from its events: the state İYS holds
-- is its last accepted (or pulled) event; what is not final yet is
-- pending; a refusal not followed by another change is the last refusal.
WITH accepted AS (
    SELECT DISTINCT ON (e.recipient_id, e.type) e.recipient_id, e.type, e.id, e.status, e.source, e.consent_date
    FROM consent_events e WHERE e.iys_state = 'kayitli'
    ORDER BY e.recipient_id, e.type, e.id DESC
), open AS (
    SELECT DISTINCT ON (e.recipient_id, e.type) e.recipient_id, e.type, e.id, e.status, e.source, e.consent_date, e.created_at
    FROM consent_events e WHERE e.iys_state IN ('bekliyor', 'gonderildi', 'kota')
    ORDER BY e.recipient_id, e.type, e.id DESC
), refused AS (
    SELECT DISTINCT ON (e.recipient_id, e.type) e.recipient_id, e.type, e.id, e.iys_code, e.created_at
    FROM consent_events e WHERE e.iys_state = 'hata'
    ORDER BY e.recipient_id, e.type, e.id DESC
)
UPDATE consents c SET
    status = a.status, source = COALESCE(a.source, ''), consent_date = a.consent_date, iys_event_id = a.id,
    pending_event_id = o.id, pending_status = o.status, pending_source = o.source,
    pending_consent_date = o.consent_date, pending_since = o.created_at,
    refused_event_id = CASE WHEN f.id > COALESCE(o.id, 0) AND f.id > COALESCE(a.id, 0) THEN f.id END,
    refused_code = CASE WHEN f.id > COALESCE(o.id, 0) AND f.id > COALESCE(a.id, 0) THEN f.iys_code END,
    refused_at = CASE WHEN f.id > COALESCE(o.id, 0) AND f.id > COALESCE(a.id, 0) THEN f.created_at END
FROM consents c0
LEFT JOIN accepted a ON a.recipient_id = c0.recipient_id AND a.type = c0.type
LEFT JOIN open o ON o.recipient_id = c0.recipient_id AND o.type = c0.type
LEFT JOIN refused f ON f.recipient_id = c0.recipient_id AND f.type = c0.type
WHERE c.recipient_id = c0.recipient_id AND c.type = c0.type;

ALTER TABLE consents DROP COLUMN sync_state;
CREATE INDEX consents_pending_idx ON consents (brand_id, type) INCLUDE (pending_status) WHERE pending_event_id IS NOT NULL;

-- Counters of both facts that are counted: what İYS holds (kind 'iys')
-- and what is on its way (kind 'pending'), per brand, channel, recipient
-- type and status.
CREATE TABLE brand_stats (
    brand_id       bigint NOT NULL REFERENCES brands (id),
    type           text NOT NULL,
    recipient_type text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('iys', 'pending')),
    status         text NOT NULL,
    n              bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (brand_id, type, recipient_type, kind, status)
);

-- +goose StatementBegin
CREATE FUNCTION brand_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO brand_stats AS s (brand_id, type, recipient_type, kind, status, n)
        SELECT brand_id, type, recipient_type, kind, st, -count(*) FROM (
            SELECT brand_id, type, recipient_type, 'iys' AS kind, status AS st FROM old_rows WHERE status IS NOT NULL
            UNION ALL
            SELECT brand_id, type, recipient_type, 'pending', pending_status FROM old_rows WHERE pending_status IS NOT NULL) x
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (brand_id, type, recipient_type, kind, status) DO UPDATE SET n = s.n + EXCLUDED.n;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO brand_stats AS s (brand_id, type, recipient_type, kind, status, n)
        SELECT brand_id, type, recipient_type, kind, st, count(*) FROM (
            SELECT brand_id, type, recipient_type, 'iys' AS kind, status AS st FROM new_rows WHERE status IS NOT NULL
            UNION ALL
            SELECT brand_id, type, recipient_type, 'pending', pending_status FROM new_rows WHERE pending_status IS NOT NULL) x
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (brand_id, type, recipient_type, kind, status) DO UPDATE SET n = s.n + EXCLUDED.n;
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

INSERT INTO brand_stats (brand_id, type, recipient_type, kind, status, n)
SELECT brand_id, type, recipient_type, kind, st, count(*) FROM (
    SELECT brand_id, type, recipient_type, 'iys' AS kind, status AS st FROM consents WHERE status IS NOT NULL
    UNION ALL
    SELECT brand_id, type, recipient_type, 'pending', pending_status FROM consents WHERE pending_status IS NOT NULL) x
GROUP BY 1, 2, 3, 4, 5;

-- Search that finds what people type: names (and e-mail addresses) folded
-- the Turkish way (I, İ and ı all as i, then lower case) and matched by
-- trigrams anywhere in the text; phone numbers by their last digits, on
-- the reversed number. A phone's digits are not in the trigram text: ten
-- digits make only a thousand trigrams, each in a million numbers, which no
-- trigram index can narrow. Searches walk the newest recipients first
-- (recipients_kind_sort_idx for every brand, recipients_list_idx for one)
-- and fall back on these indexes when matches are rare (store.searchQueries).
ALTER TABLE recipients ADD COLUMN search text GENERATED ALWAYS AS
    (lower(translate(first_name || ' ' || last_name || CASE WHEN kind = 'email' THEN ' ' || recipient ELSE '' END, 'Iİı', 'iii'))) STORED;
DROP INDEX recipients_name_idx;
DROP INDEX recipients_recipient_idx; -- the old prefix search's
CREATE INDEX recipients_search_idx ON recipients USING gin (search gin_trgm_ops);
CREATE INDEX recipients_phone_suffix_idx ON recipients (reverse(recipient) text_pattern_ops) WHERE kind = 'phone';
-- The walk reads only these two indexes (an index-only scan: 30,000
-- entries in a few milliseconds, where fetching each row from the table
-- took ten times as long), so they hold every column it tests.
DROP INDEX recipients_list_idx;
CREATE INDEX recipients_list_idx ON recipients (brand_id, kind, sort_key DESC) INCLUDE (id, recipient_type, recipient, search);
CREATE INDEX recipients_kind_sort_idx ON recipients (kind, sort_key DESC) INCLUDE (id, brand_id, recipient_type, recipient, search);

-- E-mail addresses are one recipient whatever their case, as at İYS: the
-- recipients of a brand and recipient type whose addresses differ only by
-- case become one (the already lower-cased one, else the oldest), with
-- every event of each; per channel, the state İYS holds is the later of
-- the accepted movements (İYS takes only later consent dates), a pending
-- change stays pending (the latest), a refusal stays a refusal (the
-- latest). Each merge is written to the audit log.
-- +goose StatementBegin
DO $$
DECLARE
    g record;
    m bigint;
    target bigint;
    t record;
BEGIN
    FOR g IN SELECT brand_id, recipient_type, lower(recipient) AS addr, array_agg(id ORDER BY (recipient = lower(recipient)) DESC, id) AS ids
             FROM recipients WHERE kind = 'email'
             GROUP BY brand_id, recipient_type, lower(recipient)
             HAVING count(*) > 1 OR bool_or(recipient <> lower(recipient)) LOOP
        target := g.ids[1];
        FOREACH m IN ARRAY g.ids[2:] LOOP
            UPDATE consent_events SET recipient_id = target WHERE recipient_id = m;
            FOR t IN SELECT * FROM consents WHERE recipient_id = m LOOP
                IF NOT EXISTS (SELECT 1 FROM consents WHERE recipient_id = target AND type = t.type) THEN
                    UPDATE consents SET recipient_id = target, sort_key = (SELECT sort_key FROM recipients WHERE id = target)
                    WHERE recipient_id = m AND type = t.type;
                ELSE
                    UPDATE consents c SET
                        status = CASE WHEN t.iys_event_id IS NOT NULL AND (c.iys_event_id IS NULL
                                      OR t.consent_date > c.consent_date OR (t.consent_date IS NOT DISTINCT FROM c.consent_date AND t.iys_event_id > c.iys_event_id))
                                      THEN t.status ELSE c.status END,
                        source = CASE WHEN t.iys_event_id IS NOT NULL AND (c.iys_event_id IS NULL
                                      OR t.consent_date > c.consent_date OR (t.consent_date IS NOT DISTINCT FROM c.consent_date AND t.iys_event_id > c.iys_event_id))
                                      THEN t.source ELSE c.source END,
                        consent_date = CASE WHEN t.iys_event_id IS NOT NULL AND (c.iys_event_id IS NULL
                                      OR t.consent_date > c.consent_date OR (t.consent_date IS NOT DISTINCT FROM c.consent_date AND t.iys_event_id > c.iys_event_id))
                                      THEN t.consent_date ELSE c.consent_date END,
                        iys_event_id = CASE WHEN t.iys_event_id IS NOT NULL AND (c.iys_event_id IS NULL
                                      OR t.consent_date > c.consent_date OR (t.consent_date IS NOT DISTINCT FROM c.consent_date AND t.iys_event_id > c.iys_event_id))
                                      THEN t.iys_event_id ELSE c.iys_event_id END,
                        pending_event_id = CASE WHEN t.pending_event_id > COALESCE(c.pending_event_id, 0) THEN t.pending_event_id ELSE c.pending_event_id END,
                        pending_status = CASE WHEN t.pending_event_id > COALESCE(c.pending_event_id, 0) THEN t.pending_status ELSE c.pending_status END,
                        pending_source = CASE WHEN t.pending_event_id > COALESCE(c.pending_event_id, 0) THEN t.pending_source ELSE c.pending_source END,
                        pending_consent_date = CASE WHEN t.pending_event_id > COALESCE(c.pending_event_id, 0) THEN t.pending_consent_date ELSE c.pending_consent_date END,
                        pending_since = CASE WHEN t.pending_event_id > COALESCE(c.pending_event_id, 0) THEN t.pending_since ELSE c.pending_since END,
                        refused_event_id = CASE WHEN t.refused_event_id > COALESCE(c.refused_event_id, 0) THEN t.refused_event_id ELSE c.refused_event_id END,
                        refused_code = CASE WHEN t.refused_event_id > COALESCE(c.refused_event_id, 0) THEN t.refused_code ELSE c.refused_code END,
                        refused_at = CASE WHEN t.refused_event_id > COALESCE(c.refused_event_id, 0) THEN t.refused_at ELSE c.refused_at END,
                        last_event_id = greatest(c.last_event_id, t.last_event_id), updated_at = now()
                    WHERE c.recipient_id = target AND c.type = t.type;
                    DELETE FROM consents WHERE recipient_id = m AND type = t.type;
                END IF;
            END LOOP;
            UPDATE recipients r SET first_name = COALESCE(NULLIF(r.first_name, ''), o.first_name),
                last_name = COALESCE(NULLIF(r.last_name, ''), o.last_name)
            FROM recipients o WHERE r.id = target AND o.id = m;
            DELETE FROM recipients WHERE id = m;
        END LOOP;
        UPDATE recipients SET recipient = g.addr, updated_at = now() WHERE id = target;
        INSERT INTO audit_log (actor, action, entity, entity_id, before, after)
        VALUES ('iysgate (geçiş)', 'consent_write', 'recipient', target::text,
                jsonb_build_object('recipients', to_jsonb(g.ids)),
                jsonb_build_object('event', 'merge_email_case', 'recipient', g.addr, 'brand_id', g.brand_id, 'recipient_type', g.recipient_type));
    END LOOP;
END
$$;
-- +goose StatementEnd

-- Tarama answers from the same facts: a pending ONAY is not yet İzinli,
-- and has a sheet of its own.
ALTER TABLE scrubs ADD COLUMN n_pending integer NOT NULL DEFAULT 0;

-- +goose Down
-- The three facts cannot be folded back into one state without losing
-- one of them: going back past this migration is refused (restore a
-- backup taken before it instead) rather than leaving a schema the
-- earlier code would misread.
-- +goose StatementBegin
DO $$ BEGIN
    RAISE EXCEPTION 'migration 00020 (consent facts) cannot be undone: restore a backup taken before it';
END $$;
-- +goose StatementEnd
