-- iysgate's database schema as the migrations leave it (pg_dump --schema-only,
-- tidied). Generated: do not edit. When a migration changes the schema, run
--   go test ./app/pg -run TestSchemaFile -update-schema
-- and commit the result with the migration.

CREATE COLLATION public.turkish (provider = icu, locale = 'tr-TR');

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TYPE public.river_job_state AS ENUM (
    'available',
    'cancelled',
    'completed',
    'discarded',
    'pending',
    'retryable',
    'running',
    'scheduled'
);

CREATE FUNCTION public.audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE FUNCTION public.brand_stats_apply() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

CREATE FUNCTION public.iys_take_turn(p_scope text, p_kind text, p_rate integer, p_window interval, p_hourly integer, p_hour interval, p_margin interval, OUT wait interval, OUT of_kind boolean, OUT rate integer) RETURNS record
    LANGUAGE plpgsql
    AS $$
DECLARE
    t timestamptz;
    b iys_budget;
    held timestamptz;
    hw interval;
    n integer;
BEGIN
    INSERT INTO iys_budget (scope, rate) VALUES (p_scope, p_rate) ON CONFLICT DO NOTHING;
    SELECT * INTO b FROM iys_budget WHERE scope = p_scope FOR UPDATE;
    -- The start is stamped once the row is ours: a turn that waited for
    -- another's lock starts when it gets it, not when it asked.
    t := clock_timestamp();
    -- A quiet second raises a slowed rate by one; a lowered setting applies.
    IF b.rate < p_rate AND b.slowed_at <= t - interval '1 second' THEN
        b.rate := b.rate + 1;
        b.slowed_at := t;
    END IF;
    b.rate := least(b.rate, p_rate);
    rate := b.rate;
    wait := interval '0';
    of_kind := true;

    SELECT until INTO held FROM iys_limit_holds WHERE scope = p_scope AND kind = p_kind AND until > t;
    IF held IS NOT NULL THEN
        wait := held - t;
    END IF;
    IF p_hourly > 0 THEN
        -- A start counts for the hour and the margin, as the wait says.
        DELETE FROM iys_hourly_calls WHERE scope = p_scope AND kind = p_kind AND at <= t - p_hour - p_margin;
        SELECT count(*) INTO n FROM iys_hourly_calls WHERE scope = p_scope AND kind = p_kind;
        IF n >= p_hourly THEN
            SELECT at + p_hour + p_margin - t INTO hw FROM iys_hourly_calls
            WHERE scope = p_scope AND kind = p_kind ORDER BY at DESC OFFSET p_hourly - 1 LIMIT 1;
            wait := greatest(wait, hw);
        END IF;
    END IF;
    IF wait > interval '0' THEN
        UPDATE iys_budget SET rate = b.rate, slowed_at = b.slowed_at, used_at = t WHERE scope = p_scope;
        RETURN;
    END IF;

    of_kind := false;
    SELECT until - t INTO wait FROM iys_limit_holds WHERE scope = p_scope AND kind = '' AND until > t;
    wait := coalesce(wait, interval '0');
    b.starts := ARRAY(SELECT s FROM unnest(b.starts) s WHERE s > t - p_window ORDER BY s);
    n := cardinality(b.starts);
    IF n >= b.rate THEN
        wait := greatest(wait, b.starts[n - b.rate + 1] + p_window - t);
    END IF;
    IF wait <= interval '0' THEN
        wait := interval '0';
        b.starts := b.starts || t;
        IF p_hourly > 0 THEN
            INSERT INTO iys_hourly_calls (scope, kind, at) VALUES (p_scope, p_kind, t);
        END IF;
    END IF;
    UPDATE iys_budget SET rate = b.rate, slowed_at = b.slowed_at, starts = b.starts, used_at = t WHERE scope = p_scope;
END
$$;

CREATE FUNCTION public.quota_ledger_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'quota_ledger is append-only';
END;
$$;

CREATE FUNCTION public.river_job_state_in_bitmask(bitmask bit, state public.river_job_state) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE state
        WHEN 'available' THEN get_bit(bitmask, 7)
        WHEN 'cancelled' THEN get_bit(bitmask, 6)
        WHEN 'completed' THEN get_bit(bitmask, 5)
        WHEN 'discarded' THEN get_bit(bitmask, 4)
        WHEN 'pending'   THEN get_bit(bitmask, 3)
        WHEN 'retryable' THEN get_bit(bitmask, 2)
        WHEN 'running'   THEN get_bit(bitmask, 1)
        WHEN 'scheduled' THEN get_bit(bitmask, 0)
        ELSE 0
    END = 1;
$$;

CREATE FUNCTION public.webhook_consent_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

CREATE FUNCTION public.webhook_consent_refused() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

CREATE FUNCTION public.webhook_import_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

CREATE FUNCTION public.webhook_import_data(import_id bigint, endpoint_brand bigint) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
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

CREATE FUNCTION public.webhook_quota_moved() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

CREATE TABLE public.api_tokens (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    name text NOT NULL,
    prefix text NOT NULL,
    token_hash bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone
);

ALTER TABLE public.api_tokens ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.api_tokens_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    actor_id bigint,
    actor text NOT NULL,
    ip text DEFAULT ''::text NOT NULL,
    action text NOT NULL,
    entity text DEFAULT ''::text NOT NULL,
    entity_id text DEFAULT ''::text NOT NULL,
    before jsonb,
    after jsonb
);

ALTER TABLE public.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.brand_stats (
    brand_id bigint NOT NULL,
    type text NOT NULL,
    recipient_type text NOT NULL,
    kind text NOT NULL,
    status text NOT NULL,
    n bigint DEFAULT 0 NOT NULL,
    CONSTRAINT brand_stats_kind_check CHECK ((kind = ANY (ARRAY['iys'::text, 'pending'::text])))
);

CREATE TABLE public.brands (
    id bigint NOT NULL,
    company_id bigint NOT NULL,
    name text NOT NULL,
    brand_code text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    four_eyes boolean DEFAULT false NOT NULL,
    CONSTRAINT brands_name_check CHECK ((name <> ''::text))
);

ALTER TABLE public.brands ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.brands_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.companies (
    id bigint NOT NULL,
    title text NOT NULL,
    iys_code text,
    tax_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    integrator_assigned boolean DEFAULT false NOT NULL,
    integrator_confirmed_by text,
    integrator_confirmed_at timestamp with time zone,
    data_declared boolean DEFAULT false NOT NULL,
    data_declared_by text,
    data_declared_at timestamp with time zone,
    CONSTRAINT companies_title_check CHECK ((title <> ''::text))
);

ALTER TABLE public.companies ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.companies_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.consent_events (
    id bigint NOT NULL,
    recipient_id bigint NOT NULL,
    type text NOT NULL,
    brand_id bigint NOT NULL,
    status text NOT NULL,
    source text DEFAULT ''::text NOT NULL,
    consent_date timestamp with time zone,
    origin text NOT NULL,
    actor_id bigint,
    actor text NOT NULL,
    iys_state text DEFAULT 'pending'::text NOT NULL,
    iys_code text,
    iys_message text,
    iys_transaction_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    import_id bigint,
    batch_id bigint,
    batch_index integer,
    request_index integer,
    import_row integer,
    iys_uncertain boolean DEFAULT false NOT NULL,
    CONSTRAINT consent_events_iys_state_check CHECK ((iys_state = ANY (ARRAY['quota'::text, 'pending'::text, 'sent'::text, 'registered'::text, 'refused'::text]))),
    CONSTRAINT consent_events_origin_check CHECK ((origin = ANY (ARRAY['manual'::text, 'import'::text, 'iys'::text])))
);

ALTER TABLE public.consent_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.consent_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.consents (
    recipient_id bigint NOT NULL,
    type text NOT NULL,
    brand_id bigint NOT NULL,
    recipient_type text NOT NULL,
    status text,
    source text DEFAULT ''::text NOT NULL,
    consent_date timestamp with time zone,
    last_event_id bigint,
    sort_key bigint NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    iys_event_id bigint,
    pending_event_id bigint,
    pending_status text,
    pending_source text,
    pending_consent_date timestamp with time zone,
    pending_since timestamp with time zone,
    refused_event_id bigint,
    refused_code text,
    refused_at timestamp with time zone,
    CONSTRAINT consents_pending_status_check CHECK ((pending_status = ANY (ARRAY['ONAY'::text, 'RET'::text]))),
    CONSTRAINT consents_status_check CHECK ((status = ANY (ARRAY['ONAY'::text, 'RET'::text]))),
    CONSTRAINT consents_type_check CHECK ((type = ANY (ARRAY['ARAMA'::text, 'MESAJ'::text, 'EPOSTA'::text])))
);

CREATE TABLE public.goose_db_version (
    id integer NOT NULL,
    version_id bigint NOT NULL,
    is_applied boolean NOT NULL,
    tstamp timestamp without time zone DEFAULT now() NOT NULL
);

ALTER TABLE public.goose_db_version ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.goose_db_version_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.import_approval_items (
    import_id bigint NOT NULL,
    seq integer NOT NULL,
    brand_id bigint NOT NULL,
    company_id bigint NOT NULL,
    row_no integer NOT NULL,
    type text NOT NULL,
    recipient text NOT NULL,
    recipient_type text NOT NULL,
    status text NOT NULL,
    source text NOT NULL,
    consent_date timestamp with time zone,
    first_name text NOT NULL,
    last_name text NOT NULL,
    seen_event_id bigint,
    batch_no integer
);

CREATE TABLE public.import_brands (
    import_id bigint NOT NULL,
    brand_id bigint NOT NULL
);

CREATE TABLE public.import_chunks (
    import_id bigint NOT NULL,
    seq integer NOT NULL,
    data bytea NOT NULL
);

CREATE TABLE public.import_rows (
    import_id bigint NOT NULL,
    row_no integer NOT NULL,
    cells text NOT NULL,
    problems text DEFAULT ''::text NOT NULL,
    flags smallint DEFAULT 0 NOT NULL,
    channels text DEFAULT '---'::text NOT NULL,
    brand_code text DEFAULT ''::text NOT NULL,
    recipient_type text DEFAULT ''::text NOT NULL,
    source text DEFAULT ''::text NOT NULL,
    consent_date timestamp with time zone,
    first_name text DEFAULT ''::text NOT NULL,
    last_name text DEFAULT ''::text NOT NULL,
    phone text DEFAULT ''::text NOT NULL,
    email text DEFAULT ''::text NOT NULL,
    phone_as_written text DEFAULT ''::text NOT NULL,
    email_as_written text DEFAULT ''::text NOT NULL
);

CREATE VIEW public.import_items AS
 SELECT r.import_id,
    r.row_no,
    ch.type,
    r.brand_code,
        CASE
            WHEN (ch.n = 3) THEN r.email
            ELSE r.phone
        END AS recipient,
    r.recipient_type,
        CASE substr(r.channels, ch.n, 1)
            WHEN 'O'::text THEN 'ONAY'::text
            WHEN 'R'::text THEN 'RET'::text
            ELSE ''::text
        END AS status,
    r.source,
    r.consent_date,
    r.first_name,
    r.last_name,
    (((r.flags)::integer & (2 << ch.n)) <> 0) AS parse_error
   FROM (public.import_rows r
     CROSS JOIN ( VALUES (1,'ARAMA'::text), (2,'MESAJ'::text), (3,'EPOSTA'::text)) ch(n, type))
  WHERE (substr(r.channels, ch.n, 1) <> '-'::text);

CREATE TABLE public.import_verdicts (
    import_id bigint NOT NULL,
    row_no integer NOT NULL,
    arama text,
    mesaj text,
    eposta text,
    seen_arama bigint,
    seen_mesaj bigint,
    seen_eposta bigint
);

CREATE VIEW public.import_item_results AS
 SELECT i.import_id,
    i.row_no,
    i.type,
    i.brand_code,
    i.recipient,
    i.recipient_type,
    i.status,
    i.source,
    i.consent_date,
    i.first_name,
    i.last_name,
        CASE
            WHEN i.parse_error THEN 'error'::text
            WHEN (v.row_no IS NULL) THEN
            CASE
                WHEN (done.row_no IS NOT NULL) THEN 'new'::text
                ELSE NULL::text
            END
            ELSE
            CASE
                CASE i.type
                    WHEN 'ARAMA'::text THEN v.arama
                    WHEN 'MESAJ'::text THEN v.mesaj
                    ELSE v.eposta
                END
                WHEN 'n'::text THEN 'new'::text
                WHEN 'c'::text THEN 'changed'::text
                WHEN 'u'::text THEN 'unchanged'::text
                WHEN 'e'::text THEN 'error'::text
                WHEN 'f'::text THEN 'error'::text
                WHEN 'r'::text THEN 'error'::text
                WHEN 'd'::text THEN 'error'::text
                ELSE NULL::text
            END
        END AS outcome,
        CASE i.type
            WHEN 'ARAMA'::text THEN v.seen_arama
            WHEN 'MESAJ'::text THEN v.seen_mesaj
            ELSE v.seen_eposta
        END AS seen_event_id
   FROM ((public.import_items i
     LEFT JOIN public.import_verdicts v ON (((v.import_id = i.import_id) AND (v.row_no = i.row_no))))
     LEFT JOIN public.import_verdicts done ON (((done.import_id = i.import_id) AND (done.row_no = 0))));

CREATE TABLE public.import_mappings (
    import_id bigint NOT NULL,
    brand_id bigint,
    header jsonb NOT NULL,
    samples jsonb NOT NULL,
    columns jsonb,
    source text,
    profile_id bigint,
    problem text DEFAULT ''::text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT import_mappings_source_check CHECK ((source = ANY (ARRAY['auto'::text, 'profile'::text, 'user'::text])))
);

CREATE TABLE public.import_profiles (
    id bigint NOT NULL,
    brand_id bigint NOT NULL,
    header_hash bytea NOT NULL,
    header_key text NOT NULL,
    header jsonb NOT NULL,
    columns jsonb NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE public.import_profiles ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.import_profiles_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.import_repeats (
    import_id bigint NOT NULL,
    row_no integer NOT NULL
);

CREATE TABLE public.imports (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    actor text NOT NULL,
    brand_id bigint,
    filename text NOT NULL,
    size_bytes bigint DEFAULT 0 NOT NULL,
    status text DEFAULT 'uploaded'::text NOT NULL,
    rows_done integer DEFAULT 0 NOT NULL,
    rows_total integer DEFAULT 0 NOT NULL,
    header jsonb,
    summary jsonb,
    error_code text,
    error_message text,
    mode text,
    approved_by text,
    approved_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    company_id bigint,
    file_deleted_at timestamp with time zone,
    approve_prepared boolean DEFAULT false NOT NULL,
    approve_done integer DEFAULT 0 NOT NULL,
    approve_total integer DEFAULT 0 NOT NULL,
    rows_without_consent integer DEFAULT 0 NOT NULL,
    CONSTRAINT imports_mode_check CHECK ((mode = ANY (ARRAY['all'::text, 'new_only'::text]))),
    CONSTRAINT imports_status_check CHECK ((status = ANY (ARRAY['uploaded'::text, 'mapping'::text, 'parsing'::text, 'validating'::text, 'preview'::text, 'approving'::text, 'approved'::text, 'sending'::text, 'done'::text, 'failed'::text, 'discarded'::text])))
);

ALTER TABLE public.imports ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.imports_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.iys_budget (
    scope text NOT NULL,
    rate integer NOT NULL,
    slowed_at timestamp with time zone DEFAULT '-infinity'::timestamp with time zone NOT NULL,
    starts timestamp with time zone[] DEFAULT '{}'::timestamp with time zone[] NOT NULL,
    used_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT iys_budget_rate_check CHECK ((rate > 0))
);

CREATE TABLE public.iys_delivery_holds (
    company_id bigint NOT NULL,
    code text NOT NULL,
    reason text NOT NULL,
    since timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.iys_hourly_calls (
    scope text NOT NULL,
    kind text NOT NULL,
    at timestamp with time zone NOT NULL
);

CREATE TABLE public.iys_integrator_access (
    company_id bigint NOT NULL,
    brand_code text NOT NULL,
    type text NOT NULL,
    access text NOT NULL,
    brand_name text DEFAULT ''::text NOT NULL,
    CONSTRAINT iys_integrator_access_type_check CHECK ((type = ANY (ARRAY['ARAMA'::text, 'MESAJ'::text, 'EPOSTA'::text])))
);

CREATE TABLE public.iys_integrator_checks (
    company_id bigint NOT NULL,
    checked_at timestamp with time zone NOT NULL,
    listed boolean NOT NULL,
    error_code text,
    error text
);

CREATE TABLE public.iys_limit_holds (
    kind text NOT NULL,
    until timestamp with time zone NOT NULL,
    scope text DEFAULT ''::text NOT NULL
);

CREATE TABLE public.iys_tokens (
    scope text NOT NULL,
    username text NOT NULL,
    access text DEFAULT ''::text NOT NULL,
    refresh text DEFAULT ''::text NOT NULL,
    renew_at timestamp with time zone DEFAULT '1970-01-01 00:00:00+00'::timestamp with time zone NOT NULL,
    expires timestamp with time zone DEFAULT '1970-01-01 00:00:00+00'::timestamp with time zone NOT NULL,
    refresh_expires timestamp with time zone DEFAULT '1970-01-01 00:00:00+00'::timestamp with time zone NOT NULL
);

CREATE TABLE public.login_attempts (
    id bigint NOT NULL,
    email text NOT NULL,
    ip text NOT NULL,
    success boolean NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    throttled boolean DEFAULT false NOT NULL,
    known boolean DEFAULT true NOT NULL
);

ALTER TABLE public.login_attempts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.login_attempts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.memberships (
    user_id bigint NOT NULL,
    brand_id bigint NOT NULL,
    role text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT memberships_role_check CHECK ((role = ANY (ARRAY['yonetici'::text, 'personel'::text, 'musteri'::text])))
);

CREATE TABLE public.onboarding_steps (
    company_id bigint NOT NULL,
    step smallint NOT NULL,
    status text NOT NULL,
    note text DEFAULT ''::text NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT onboarding_steps_status_check CHECK ((status = ANY (ARRAY['waiting'::text, 'in_progress'::text, 'done'::text, 'problem'::text]))),
    CONSTRAINT onboarding_steps_step_check CHECK (((step >= 1) AND (step <= 6)))
);

CREATE TABLE public.packages (
    id bigint NOT NULL,
    units integer NOT NULL,
    price_kurus bigint NOT NULL,
    validity_days integer DEFAULT 365 NOT NULL,
    active boolean DEFAULT true NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT packages_price_kurus_check CHECK ((price_kurus >= 0)),
    CONSTRAINT packages_units_check CHECK ((units > 0)),
    CONSTRAINT packages_validity_days_check CHECK ((validity_days > 0))
);

ALTER TABLE public.packages ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.packages_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.pull_cursors (
    brand_id bigint NOT NULL,
    source text NOT NULL,
    cursor text DEFAULT ''::text NOT NULL,
    last_success_at timestamp with time zone,
    last_attempt_at timestamp with time zone,
    last_error text,
    pulled bigint DEFAULT 0 NOT NULL,
    CONSTRAINT pull_cursors_source_check CHECK ((source = ANY (ARRAY['HS'::text, 'IYS'::text])))
);

CREATE TABLE public.quota_holds (
    id bigint NOT NULL,
    company_id bigint NOT NULL,
    subscription_id bigint NOT NULL,
    import_id bigint,
    event_id bigint,
    units integer NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT quota_holds_check CHECK (((import_id IS NULL) <> (event_id IS NULL))),
    CONSTRAINT quota_holds_units_check CHECK ((units >= 0))
);

ALTER TABLE public.quota_holds ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.quota_holds_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.quota_ledger (
    id bigint NOT NULL,
    company_id bigint NOT NULL,
    subscription_id bigint NOT NULL,
    kind text NOT NULL,
    units integer NOT NULL,
    reason text NOT NULL,
    import_id bigint,
    event_id bigint,
    batch_id bigint,
    actor text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT quota_ledger_kind_check CHECK ((kind = ANY (ARRAY['credit'::text, 'reserve'::text, 'release'::text, 'debit'::text]))),
    CONSTRAINT quota_ledger_units_check CHECK ((units > 0))
);

ALTER TABLE public.quota_ledger ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.quota_ledger_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.recipients (
    id bigint NOT NULL,
    brand_id bigint NOT NULL,
    kind text NOT NULL,
    recipient text NOT NULL,
    recipient_type text NOT NULL,
    first_name text DEFAULT ''::text NOT NULL,
    last_name text DEFAULT ''::text NOT NULL,
    sort_key bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    search text GENERATED ALWAYS AS (lower(translate((((first_name || ' '::text) || last_name) ||
CASE
    WHEN (kind = 'email'::text) THEN (' '::text || recipient)
    ELSE ''::text
END), 'Iİı'::text, 'iii'::text))) STORED,
    CONSTRAINT recipients_kind_check CHECK ((kind = ANY (ARRAY['phone'::text, 'email'::text]))),
    CONSTRAINT recipients_recipient_type_check CHECK ((recipient_type = ANY (ARRAY['BIREYSEL'::text, 'TACIR'::text])))
);

ALTER TABLE public.recipients ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.recipients_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE SEQUENCE public.recipients_sort_key_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.recipients_sort_key_seq OWNED BY public.recipients.sort_key;

CREATE TABLE public.river_job (
    id bigint NOT NULL,
    state public.river_job_state DEFAULT 'available'::public.river_job_state NOT NULL,
    attempt smallint DEFAULT 0 NOT NULL,
    max_attempts smallint DEFAULT 25 NOT NULL,
    attempted_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    finalized_at timestamp with time zone,
    scheduled_at timestamp with time zone DEFAULT now() NOT NULL,
    priority smallint DEFAULT 1 NOT NULL,
    args jsonb NOT NULL,
    attempted_by text[],
    errors jsonb[],
    kind text NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    queue text DEFAULT 'default'::text NOT NULL,
    tags character varying(255)[] DEFAULT '{}'::character varying[] NOT NULL,
    unique_key bytea,
    unique_states bit(8),
    CONSTRAINT finalized_or_finalized_at_null CHECK ((((finalized_at IS NULL) AND (state <> ALL (ARRAY['cancelled'::public.river_job_state, 'completed'::public.river_job_state, 'discarded'::public.river_job_state]))) OR ((finalized_at IS NOT NULL) AND (state = ANY (ARRAY['cancelled'::public.river_job_state, 'completed'::public.river_job_state, 'discarded'::public.river_job_state]))))),
    CONSTRAINT kind_length CHECK (((char_length(kind) > 0) AND (char_length(kind) < 128))),
    CONSTRAINT max_attempts_is_positive CHECK ((max_attempts > 0)),
    CONSTRAINT priority_in_range CHECK (((priority >= 1) AND (priority <= 4))),
    CONSTRAINT queue_length CHECK (((char_length(queue) > 0) AND (char_length(queue) < 128)))
);

CREATE SEQUENCE public.river_job_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.river_job_id_seq OWNED BY public.river_job.id;

CREATE UNLOGGED TABLE public.river_leader (
    elected_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    leader_id text NOT NULL,
    name text DEFAULT 'default'::text NOT NULL,
    CONSTRAINT leader_id_length CHECK (((char_length(leader_id) > 0) AND (char_length(leader_id) < 128))),
    CONSTRAINT name_length CHECK ((name = 'default'::text))
);

CREATE TABLE public.river_migration (
    line text NOT NULL,
    version bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT line_length CHECK (((char_length(line) > 0) AND (char_length(line) < 128))),
    CONSTRAINT version_gte_1 CHECK ((version >= 1))
);

CREATE TABLE public.river_notification (
    id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    payload text NOT NULL,
    topic text NOT NULL,
    CONSTRAINT topic_length CHECK (((length(topic) > 0) AND (length(topic) < 128)))
);

CREATE SEQUENCE public.river_notification_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.river_notification_id_seq OWNED BY public.river_notification.id;

CREATE TABLE public.river_queue (
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    paused_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE TABLE public.scrub_chunks (
    scrub_id bigint NOT NULL,
    part text NOT NULL,
    seq integer NOT NULL,
    data bytea NOT NULL,
    CONSTRAINT scrub_chunks_part_check CHECK ((part = ANY (ARRAY['in'::text, 'out'::text])))
);

CREATE TABLE public.scrubs (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    actor text NOT NULL,
    brand_id bigint NOT NULL,
    type text NOT NULL,
    recipient_type text NOT NULL,
    filename text NOT NULL,
    size_bytes bigint DEFAULT 0 NOT NULL,
    status text DEFAULT 'uploaded'::text NOT NULL,
    progress integer DEFAULT 0 NOT NULL,
    rows_done integer DEFAULT 0 NOT NULL,
    n_onay integer DEFAULT 0 NOT NULL,
    n_ret integer DEFAULT 0 NOT NULL,
    n_yok integer DEFAULT 0 NOT NULL,
    n_invalid integer DEFAULT 0 NOT NULL,
    result_bytes bigint DEFAULT 0 NOT NULL,
    checked_at timestamp with time zone,
    error_code text,
    error_message text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    n_pending integer DEFAULT 0 NOT NULL,
    CONSTRAINT scrubs_recipient_type_check CHECK ((recipient_type = ANY (ARRAY['BIREYSEL'::text, 'TACIR'::text]))),
    CONSTRAINT scrubs_status_check CHECK ((status = ANY (ARRAY['uploaded'::text, 'working'::text, 'done'::text, 'failed'::text]))),
    CONSTRAINT scrubs_type_check CHECK ((type = ANY (ARRAY['ARAMA'::text, 'MESAJ'::text, 'EPOSTA'::text])))
);

ALTER TABLE public.scrubs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.scrubs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.settings (
    key text NOT NULL,
    value text NOT NULL,
    updated_by text DEFAULT 'sistem'::text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.subscriptions (
    id bigint NOT NULL,
    company_id bigint NOT NULL,
    package_id bigint NOT NULL,
    units integer NOT NULL,
    price_kurus bigint NOT NULL,
    kdv_rate numeric(5,2) NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    requested_by_id bigint,
    requested_by text NOT NULL,
    requested_at timestamp with time zone DEFAULT now() NOT NULL,
    decided_by text,
    decided_at timestamp with time zone,
    reject_reason text,
    starts_at timestamp with time zone,
    ends_at timestamp with time zone,
    reserved integer DEFAULT 0 NOT NULL,
    spent integer DEFAULT 0 NOT NULL,
    CONSTRAINT subscriptions_check CHECK (((reserved >= 0) AND (spent >= 0) AND ((reserved + spent) <= units))),
    CONSTRAINT subscriptions_check1 CHECK (((status <> 'active'::text) OR ((starts_at IS NOT NULL) AND (ends_at > starts_at)))),
    CONSTRAINT subscriptions_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'active'::text, 'rejected'::text]))),
    CONSTRAINT subscriptions_units_check CHECK ((units > 0))
);

ALTER TABLE public.subscriptions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.subscriptions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.sync_batches (
    id bigint NOT NULL,
    company_id bigint NOT NULL,
    brand_id bigint NOT NULL,
    import_id bigint,
    kind text NOT NULL,
    status text DEFAULT 'waiting'::text NOT NULL,
    request_id text,
    items integer NOT NULL,
    accepted integer DEFAULT 0 NOT NULL,
    refused integer DEFAULT 0 NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    sent_at timestamp with time zone,
    finished_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    api text DEFAULT 'v1'::text NOT NULL,
    sub_request_ids text[],
    next_at timestamp with time zone DEFAULT now() NOT NULL,
    blocked_by bigint,
    failures integer DEFAULT 0 NOT NULL,
    leased_until timestamp with time zone,
    CONSTRAINT sync_batches_api_check CHECK ((api = ANY (ARRAY['v1'::text, 'v2'::text]))),
    CONSTRAINT sync_batches_kind_check CHECK ((kind = ANY (ARRAY['async'::text, 'single'::text]))),
    CONSTRAINT sync_batches_status_check CHECK ((status = ANY (ARRAY['preparing'::text, 'waiting'::text, 'sending'::text, 'sent'::text, 'done'::text, 'failed'::text])))
);

ALTER TABLE public.sync_batches ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.sync_batches_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.users (
    id bigint NOT NULL,
    email text NOT NULL,
    name text NOT NULL,
    phone text DEFAULT ''::text NOT NULL,
    password_hash text NOT NULL,
    is_admin boolean DEFAULT false NOT NULL,
    disabled_at timestamp with time zone,
    sessions_valid_after timestamp with time zone DEFAULT '2000-01-01 00:00:00+00'::timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    deleted_at timestamp with time zone,
    CONSTRAINT users_email_check CHECK (((email = lower(email)) AND (email <> ''::text))),
    CONSTRAINT users_name_check CHECK ((name <> ''::text))
);

ALTER TABLE public.users ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.users_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.web_sessions (
    k character varying(64) DEFAULT ''::character varying NOT NULL,
    v bytea NOT NULL,
    e bigint DEFAULT 0 NOT NULL
);

CREATE TABLE public.webhook_deliveries (
    endpoint_id bigint NOT NULL,
    id bigint NOT NULL,
    type text NOT NULL,
    order_key text NOT NULL,
    event_id bigint,
    data jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    state text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    first_failed_at timestamp with time zone,
    last_attempt_at timestamp with time zone,
    response_code integer,
    last_error text,
    delivered_at timestamp with time zone,
    CONSTRAINT webhook_deliveries_check CHECK (((event_id IS NULL) <> (data IS NULL))),
    CONSTRAINT webhook_deliveries_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'delivered'::text, 'failed'::text])))
);

ALTER TABLE public.webhook_deliveries ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.webhook_deliveries_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.webhook_endpoints (
    id bigint NOT NULL,
    brand_id bigint NOT NULL,
    url text NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    events text[] NOT NULL,
    secret bytea NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    disabled_reason text,
    disabled_at timestamp with time zone,
    failing_since timestamp with time zone,
    failures integer DEFAULT 0 NOT NULL,
    paused_until timestamp with time zone,
    created_by text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT webhook_endpoints_events_check CHECK ((cardinality(events) > 0)),
    CONSTRAINT webhook_endpoints_url_check CHECK ((url <> ''::text))
);

ALTER TABLE public.webhook_endpoints ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.webhook_endpoints_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.webhook_quota_state (
    company_id bigint NOT NULL,
    low boolean NOT NULL
);

ALTER TABLE ONLY public.recipients ALTER COLUMN sort_key SET DEFAULT nextval('public.recipients_sort_key_seq'::regclass);

ALTER TABLE ONLY public.river_job ALTER COLUMN id SET DEFAULT nextval('public.river_job_id_seq'::regclass);

ALTER TABLE ONLY public.river_notification ALTER COLUMN id SET DEFAULT nextval('public.river_notification_id_seq'::regclass);

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.brand_stats
    ADD CONSTRAINT brand_stats_pkey PRIMARY KEY (brand_id, type, recipient_type, kind, status);

ALTER TABLE ONLY public.brands
    ADD CONSTRAINT brands_brand_code_key UNIQUE (brand_code);

ALTER TABLE ONLY public.brands
    ADD CONSTRAINT brands_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.companies
    ADD CONSTRAINT companies_iys_code_key UNIQUE (iys_code);

ALTER TABLE ONLY public.companies
    ADD CONSTRAINT companies_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.consent_events
    ADD CONSTRAINT consent_events_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.consents
    ADD CONSTRAINT consents_pkey PRIMARY KEY (recipient_id, type);

ALTER TABLE ONLY public.goose_db_version
    ADD CONSTRAINT goose_db_version_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.import_approval_items
    ADD CONSTRAINT import_approval_items_pkey PRIMARY KEY (import_id, seq);

ALTER TABLE ONLY public.import_brands
    ADD CONSTRAINT import_brands_pkey PRIMARY KEY (import_id, brand_id);

ALTER TABLE ONLY public.import_chunks
    ADD CONSTRAINT import_chunks_pkey PRIMARY KEY (import_id, seq);

ALTER TABLE ONLY public.import_mappings
    ADD CONSTRAINT import_mappings_pkey PRIMARY KEY (import_id);

ALTER TABLE ONLY public.import_profiles
    ADD CONSTRAINT import_profiles_brand_id_header_hash_key UNIQUE (brand_id, header_hash);

ALTER TABLE ONLY public.import_profiles
    ADD CONSTRAINT import_profiles_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.import_repeats
    ADD CONSTRAINT import_repeats_pkey PRIMARY KEY (import_id, row_no);

ALTER TABLE ONLY public.import_rows
    ADD CONSTRAINT import_rows_pkey PRIMARY KEY (import_id, row_no);

ALTER TABLE ONLY public.import_verdicts
    ADD CONSTRAINT import_verdicts_pkey PRIMARY KEY (import_id, row_no);

ALTER TABLE ONLY public.imports
    ADD CONSTRAINT imports_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.iys_budget
    ADD CONSTRAINT iys_budget_pkey PRIMARY KEY (scope);

ALTER TABLE ONLY public.iys_delivery_holds
    ADD CONSTRAINT iys_delivery_holds_pkey PRIMARY KEY (company_id);

ALTER TABLE ONLY public.iys_integrator_access
    ADD CONSTRAINT iys_integrator_access_pkey PRIMARY KEY (company_id, brand_code, type);

ALTER TABLE ONLY public.iys_integrator_checks
    ADD CONSTRAINT iys_integrator_checks_pkey PRIMARY KEY (company_id);

ALTER TABLE ONLY public.iys_limit_holds
    ADD CONSTRAINT iys_limit_holds_pkey PRIMARY KEY (scope, kind);

ALTER TABLE ONLY public.iys_tokens
    ADD CONSTRAINT iys_tokens_pkey PRIMARY KEY (scope, username);

ALTER TABLE ONLY public.login_attempts
    ADD CONSTRAINT login_attempts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_pkey PRIMARY KEY (user_id, brand_id);

ALTER TABLE ONLY public.onboarding_steps
    ADD CONSTRAINT onboarding_steps_pkey PRIMARY KEY (company_id, step);

ALTER TABLE ONLY public.packages
    ADD CONSTRAINT packages_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.packages
    ADD CONSTRAINT packages_units_key UNIQUE (units);

ALTER TABLE ONLY public.pull_cursors
    ADD CONSTRAINT pull_cursors_pkey PRIMARY KEY (brand_id, source);

ALTER TABLE ONLY public.quota_holds
    ADD CONSTRAINT quota_holds_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.quota_ledger
    ADD CONSTRAINT quota_ledger_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.recipients
    ADD CONSTRAINT recipients_brand_recipient_type_key UNIQUE (brand_id, recipient, recipient_type) INCLUDE (id);

ALTER TABLE ONLY public.recipients
    ADD CONSTRAINT recipients_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.river_job
    ADD CONSTRAINT river_job_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.river_leader
    ADD CONSTRAINT river_leader_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.river_migration
    ADD CONSTRAINT river_migration_pkey1 PRIMARY KEY (line, version);

ALTER TABLE ONLY public.river_notification
    ADD CONSTRAINT river_notification_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.river_queue
    ADD CONSTRAINT river_queue_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.scrub_chunks
    ADD CONSTRAINT scrub_chunks_pkey PRIMARY KEY (scrub_id, part, seq);

ALTER TABLE ONLY public.scrubs
    ADD CONSTRAINT scrubs_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.settings
    ADD CONSTRAINT settings_pkey PRIMARY KEY (key);

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.sync_batches
    ADD CONSTRAINT sync_batches_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.web_sessions
    ADD CONSTRAINT web_sessions_pkey PRIMARY KEY (k);

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (endpoint_id, id);

ALTER TABLE ONLY public.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_quota_state
    ADD CONSTRAINT webhook_quota_state_pkey PRIMARY KEY (company_id);

CREATE INDEX api_tokens_user_idx ON public.api_tokens USING btree (user_id);

CREATE INDEX audit_log_action_idx ON public.audit_log USING btree (action, id);

CREATE INDEX brands_company_idx ON public.brands USING btree (company_id);

CREATE INDEX consent_events_batch_idx ON public.consent_events USING btree (batch_id, batch_index) WHERE (batch_id IS NOT NULL);

CREATE INDEX consent_events_brand_created_idx ON public.consent_events USING btree (brand_id, created_at);

CREATE INDEX consent_events_brand_idx ON public.consent_events USING btree (brand_id, id);

CREATE INDEX consent_events_import_idx ON public.consent_events USING btree (import_id, import_row) WHERE (import_id IS NOT NULL);

CREATE INDEX consent_events_open_key_idx ON public.consent_events USING btree (recipient_id, type, id) WHERE (iys_state = ANY (ARRAY['quota'::text, 'pending'::text, 'sent'::text]));

CREATE INDEX consent_events_recipient_idx ON public.consent_events USING btree (recipient_id, id);

CREATE INDEX consent_events_unbatched_idx ON public.consent_events USING btree (brand_id, id) WHERE ((batch_id IS NULL) AND (iys_state = ANY (ARRAY['quota'::text, 'pending'::text])));

CREATE INDEX consents_date_idx ON public.consents USING btree (brand_id, type, consent_date) INCLUDE (recipient_type, status, sort_key, recipient_id);

CREATE INDEX consents_filter_idx ON public.consents USING btree (brand_id, type, status, sort_key DESC);

CREATE INDEX consents_pending_idx ON public.consents USING btree (brand_id, type) INCLUDE (pending_status) WHERE (pending_event_id IS NOT NULL);

CREATE INDEX import_brands_brand_idx ON public.import_brands USING btree (brand_id, import_id);

CREATE INDEX imports_company_files_idx ON public.imports USING btree (company_id) WHERE (file_deleted_at IS NULL);

CREATE INDEX imports_user_idx ON public.imports USING btree (user_id, id DESC);

CREATE INDEX iys_hourly_calls_idx ON public.iys_hourly_calls USING btree (scope, kind, at);

CREATE INDEX login_attempts_email_idx ON public.login_attempts USING btree (email, at);

CREATE INDEX login_attempts_ip_idx ON public.login_attempts USING btree (ip, at);

CREATE INDEX memberships_brand_idx ON public.memberships USING btree (brand_id);

CREATE INDEX quota_holds_event_idx ON public.quota_holds USING btree (event_id) WHERE (event_id IS NOT NULL);

CREATE INDEX quota_holds_import_idx ON public.quota_holds USING btree (import_id) WHERE (import_id IS NOT NULL);

CREATE INDEX quota_ledger_company_idx ON public.quota_ledger USING btree (company_id, id DESC);

CREATE INDEX quota_ledger_debit_idx ON public.quota_ledger USING btree (company_id, created_at) WHERE (kind = 'debit'::text);

CREATE INDEX recipients_kind_sort_idx ON public.recipients USING btree (kind, sort_key DESC) INCLUDE (id, brand_id, recipient_type, recipient, search);

CREATE INDEX recipients_list_idx ON public.recipients USING btree (brand_id, kind, sort_key DESC) INCLUDE (id, recipient_type, recipient, search);

CREATE INDEX recipients_phone_suffix_idx ON public.recipients USING btree (reverse(recipient) text_pattern_ops) WHERE (kind = 'phone'::text);

CREATE INDEX recipients_search_idx ON public.recipients USING gin (search public.gin_trgm_ops);

CREATE INDEX river_job_args_index ON public.river_job USING gin (args);

CREATE INDEX river_job_kind ON public.river_job USING btree (kind);

CREATE INDEX river_job_metadata_index ON public.river_job USING gin (metadata);

CREATE INDEX river_job_prioritized_fetching_index ON public.river_job USING btree (state, queue, priority, scheduled_at, id);

CREATE INDEX river_job_state_and_finalized_at_index ON public.river_job USING btree (state, finalized_at) WHERE (finalized_at IS NOT NULL);

CREATE UNIQUE INDEX river_job_unique_idx ON public.river_job USING btree (unique_key) WHERE ((unique_key IS NOT NULL) AND (unique_states IS NOT NULL) AND public.river_job_state_in_bitmask(unique_states, state));

CREATE INDEX river_notification_created_at_idx ON public.river_notification USING btree (created_at);

CREATE INDEX river_notification_topic_id_idx ON public.river_notification USING btree (topic, id);

CREATE INDEX scrubs_brand_idx ON public.scrubs USING btree (brand_id, id DESC);

CREATE INDEX scrubs_expires_idx ON public.scrubs USING btree (expires_at);

CREATE INDEX subscriptions_company_idx ON public.subscriptions USING btree (company_id, status, ends_at);

CREATE INDEX sync_batches_brand_idx ON public.sync_batches USING btree (brand_id, id);

CREATE INDEX sync_batches_due_idx ON public.sync_batches USING btree (company_id, next_at) WHERE (status = ANY (ARRAY['waiting'::text, 'sending'::text, 'sent'::text]));

CREATE INDEX sync_batches_import_idx ON public.sync_batches USING btree (import_id) WHERE (import_id IS NOT NULL);

CREATE INDEX sync_batches_open_idx ON public.sync_batches USING btree (brand_id, id) WHERE (status <> 'done'::text);

CREATE UNIQUE INDEX users_email_idx ON public.users USING btree (email);

CREATE INDEX web_sessions_e_idx ON public.web_sessions USING btree (e);

CREATE INDEX webhook_deliveries_pending_idx ON public.webhook_deliveries USING btree (endpoint_id, id) WHERE (state = 'pending'::text);

CREATE INDEX webhook_endpoints_brand_idx ON public.webhook_endpoints USING btree (brand_id);

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.audit_log_append_only();

CREATE TRIGGER consents_stats_delete AFTER DELETE ON public.consents REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.brand_stats_apply();

CREATE TRIGGER consents_stats_insert AFTER INSERT ON public.consents REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.brand_stats_apply();

CREATE TRIGGER consents_stats_update AFTER UPDATE ON public.consents REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.brand_stats_apply();

CREATE TRIGGER quota_ledger_append_only BEFORE DELETE OR UPDATE ON public.quota_ledger FOR EACH ROW EXECUTE FUNCTION public.quota_ledger_append_only();

CREATE TRIGGER quota_ledger_no_truncate BEFORE TRUNCATE ON public.quota_ledger FOR EACH STATEMENT EXECUTE FUNCTION public.quota_ledger_append_only();

CREATE TRIGGER webhook_consent_changed AFTER INSERT ON public.consent_events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.webhook_consent_changed();

CREATE TRIGGER webhook_consent_refused AFTER UPDATE ON public.consent_events REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.webhook_consent_refused();

CREATE TRIGGER webhook_import_changed AFTER UPDATE ON public.imports REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.webhook_import_changed();

CREATE TRIGGER webhook_quota_moved AFTER INSERT ON public.quota_ledger REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.webhook_quota_moved();

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.brand_stats
    ADD CONSTRAINT brand_stats_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.brands
    ADD CONSTRAINT brands_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.companies(id);

ALTER TABLE ONLY public.consent_events
    ADD CONSTRAINT consent_events_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.consent_events
    ADD CONSTRAINT consent_events_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.consent_events
    ADD CONSTRAINT consent_events_recipient_id_fkey FOREIGN KEY (recipient_id) REFERENCES public.recipients(id);

ALTER TABLE ONLY public.consents
    ADD CONSTRAINT consents_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.consents
    ADD CONSTRAINT consents_recipient_id_fkey FOREIGN KEY (recipient_id) REFERENCES public.recipients(id);

ALTER TABLE ONLY public.import_brands
    ADD CONSTRAINT import_brands_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.import_brands
    ADD CONSTRAINT import_brands_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.imports(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.import_chunks
    ADD CONSTRAINT import_chunks_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.imports(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.import_mappings
    ADD CONSTRAINT import_mappings_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.import_mappings
    ADD CONSTRAINT import_mappings_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.imports(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.import_mappings
    ADD CONSTRAINT import_mappings_profile_id_fkey FOREIGN KEY (profile_id) REFERENCES public.import_profiles(id) ON DELETE SET NULL;

ALTER TABLE ONLY public.import_profiles
    ADD CONSTRAINT import_profiles_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.imports
    ADD CONSTRAINT imports_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.imports
    ADD CONSTRAINT imports_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.companies(id);

ALTER TABLE ONLY public.imports
    ADD CONSTRAINT imports_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.iys_delivery_holds
    ADD CONSTRAINT iys_delivery_holds_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.companies(id);

ALTER TABLE ONLY public.iys_integrator_access
    ADD CONSTRAINT iys_integrator_access_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.companies(id);

ALTER TABLE ONLY public.iys_integrator_checks
    ADD CONSTRAINT iys_integrator_checks_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.companies(id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.onboarding_steps
    ADD CONSTRAINT onboarding_steps_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.companies(id);

ALTER TABLE ONLY public.pull_cursors
    ADD CONSTRAINT pull_cursors_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.quota_holds
    ADD CONSTRAINT quota_holds_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.companies(id);

ALTER TABLE ONLY public.quota_holds
    ADD CONSTRAINT quota_holds_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES public.subscriptions(id);

ALTER TABLE ONLY public.quota_ledger
    ADD CONSTRAINT quota_ledger_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.companies(id);

ALTER TABLE ONLY public.quota_ledger
    ADD CONSTRAINT quota_ledger_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES public.subscriptions(id);

ALTER TABLE ONLY public.recipients
    ADD CONSTRAINT recipients_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.scrub_chunks
    ADD CONSTRAINT scrub_chunks_scrub_id_fkey FOREIGN KEY (scrub_id) REFERENCES public.scrubs(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.scrubs
    ADD CONSTRAINT scrubs_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.scrubs
    ADD CONSTRAINT scrubs_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.companies(id);

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_package_id_fkey FOREIGN KEY (package_id) REFERENCES public.packages(id);

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_requested_by_id_fkey FOREIGN KEY (requested_by_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.sync_batches
    ADD CONSTRAINT sync_batches_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.sync_batches
    ADD CONSTRAINT sync_batches_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.companies(id);

ALTER TABLE ONLY public.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.webhook_quota_state
    ADD CONSTRAINT webhook_quota_state_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.companies(id);
