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
        INSERT INTO brand_stats AS s (brand_id, type, recipient_type, status, n)
        SELECT brand_id, type, recipient_type, status, -count(*) FROM old_rows GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (brand_id, type, recipient_type, status) DO UPDATE SET n = s.n + EXCLUDED.n;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO brand_stats AS s (brand_id, type, recipient_type, status, n)
        SELECT brand_id, type, recipient_type, status, count(*) FROM new_rows GROUP BY 1, 2, 3, 4
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (brand_id, type, recipient_type, status) DO UPDATE SET n = s.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
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
    status text NOT NULL,
    n bigint DEFAULT 0 NOT NULL
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
    iys_state text DEFAULT 'bekliyor'::text NOT NULL,
    iys_code text,
    iys_message text,
    iys_transaction_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    import_id bigint,
    batch_id bigint,
    batch_index integer,
    request_index integer,
    CONSTRAINT consent_events_iys_state_check CHECK ((iys_state = ANY (ARRAY['bekliyor'::text, 'kota'::text, 'gonderildi'::text, 'kayitli'::text, 'hata'::text]))),
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
    status text NOT NULL,
    source text DEFAULT ''::text NOT NULL,
    consent_date timestamp with time zone,
    sync_state text DEFAULT 'bekliyor'::text NOT NULL,
    last_event_id bigint,
    sort_key bigint NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT consents_status_check CHECK ((status = ANY (ARRAY['ONAY'::text, 'RET'::text]))),
    CONSTRAINT consents_sync_state_check CHECK ((sync_state = ANY (ARRAY['bekliyor'::text, 'gonderildi'::text, 'kayitli'::text, 'hata'::text]))),
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
    email text DEFAULT ''::text NOT NULL
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
    CONSTRAINT imports_mode_check CHECK ((mode = ANY (ARRAY['all'::text, 'new_only'::text]))),
    CONSTRAINT imports_status_check CHECK ((status = ANY (ARRAY['uploaded'::text, 'parsing'::text, 'validating'::text, 'preview'::text, 'approved'::text, 'sending'::text, 'done'::text, 'failed'::text, 'discarded'::text])))
);

ALTER TABLE public.imports ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.imports_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
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
    status text DEFAULT 'bekliyor'::text NOT NULL,
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
    CONSTRAINT sync_batches_kind_check CHECK ((kind = ANY (ARRAY['async'::text, 'single'::text]))),
    CONSTRAINT sync_batches_status_check CHECK ((status = ANY (ARRAY['bekliyor'::text, 'gonderiliyor'::text, 'gonderildi'::text, 'tamam'::text, 'hata'::text])))
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
    ADD CONSTRAINT brand_stats_pkey PRIMARY KEY (brand_id, type, recipient_type, status);

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

ALTER TABLE ONLY public.import_brands
    ADD CONSTRAINT import_brands_pkey PRIMARY KEY (import_id, brand_id);

ALTER TABLE ONLY public.import_chunks
    ADD CONSTRAINT import_chunks_pkey PRIMARY KEY (import_id, seq);

ALTER TABLE ONLY public.import_repeats
    ADD CONSTRAINT import_repeats_pkey PRIMARY KEY (import_id, row_no);

ALTER TABLE ONLY public.import_rows
    ADD CONSTRAINT import_rows_pkey PRIMARY KEY (import_id, row_no);

ALTER TABLE ONLY public.import_verdicts
    ADD CONSTRAINT import_verdicts_pkey PRIMARY KEY (import_id, row_no);

ALTER TABLE ONLY public.imports
    ADD CONSTRAINT imports_pkey PRIMARY KEY (id);

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
    ADD CONSTRAINT recipients_brand_id_recipient_recipient_type_key UNIQUE (brand_id, recipient, recipient_type);

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

CREATE INDEX api_tokens_user_idx ON public.api_tokens USING btree (user_id);

CREATE INDEX audit_log_action_idx ON public.audit_log USING btree (action, id);

CREATE INDEX brands_company_idx ON public.brands USING btree (company_id);

CREATE INDEX consent_events_batch_idx ON public.consent_events USING btree (batch_id, batch_index) WHERE (batch_id IS NOT NULL);

CREATE INDEX consent_events_brand_idx ON public.consent_events USING btree (brand_id, id);

CREATE INDEX consent_events_import_idx ON public.consent_events USING btree (import_id) WHERE (import_id IS NOT NULL);

CREATE INDEX consent_events_recipient_idx ON public.consent_events USING btree (recipient_id, id);

CREATE INDEX consent_events_unbatched_idx ON public.consent_events USING btree (brand_id, id) WHERE ((batch_id IS NULL) AND (iys_state = ANY (ARRAY['bekliyor'::text, 'kota'::text])));

CREATE INDEX consents_date_idx ON public.consents USING btree (brand_id, type, consent_date) INCLUDE (recipient_type, status, sort_key, recipient_id);

CREATE INDEX consents_filter_idx ON public.consents USING btree (brand_id, type, status, sort_key DESC);

CREATE INDEX import_brands_brand_idx ON public.import_brands USING btree (brand_id, import_id);

CREATE INDEX imports_company_files_idx ON public.imports USING btree (company_id) WHERE (file_deleted_at IS NULL);

CREATE INDEX imports_user_idx ON public.imports USING btree (user_id, id DESC);

CREATE INDEX login_attempts_email_idx ON public.login_attempts USING btree (email, at);

CREATE INDEX login_attempts_ip_idx ON public.login_attempts USING btree (ip, at);

CREATE INDEX memberships_brand_idx ON public.memberships USING btree (brand_id);

CREATE INDEX quota_holds_event_idx ON public.quota_holds USING btree (event_id) WHERE (event_id IS NOT NULL);

CREATE INDEX quota_holds_import_idx ON public.quota_holds USING btree (import_id) WHERE (import_id IS NOT NULL);

CREATE INDEX quota_ledger_company_idx ON public.quota_ledger USING btree (company_id, id DESC);

CREATE INDEX recipients_list_idx ON public.recipients USING btree (brand_id, kind, sort_key DESC);

CREATE INDEX recipients_name_idx ON public.recipients USING gin (lower(((first_name || ' '::text) || last_name)) public.gin_trgm_ops);

CREATE INDEX recipients_recipient_idx ON public.recipients USING btree (recipient text_pattern_ops);

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

CREATE INDEX sync_batches_import_idx ON public.sync_batches USING btree (import_id) WHERE (import_id IS NOT NULL);

CREATE INDEX sync_batches_open_idx ON public.sync_batches USING btree (brand_id, id) WHERE (status <> 'tamam'::text);

CREATE UNIQUE INDEX users_email_idx ON public.users USING btree (email);

CREATE INDEX web_sessions_e_idx ON public.web_sessions USING btree (e);

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.audit_log_append_only();

CREATE TRIGGER consents_stats_delete AFTER DELETE ON public.consents REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.brand_stats_apply();

CREATE TRIGGER consents_stats_insert AFTER INSERT ON public.consents REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.brand_stats_apply();

CREATE TRIGGER consents_stats_update AFTER UPDATE ON public.consents REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.brand_stats_apply();

CREATE TRIGGER quota_ledger_append_only BEFORE DELETE OR UPDATE ON public.quota_ledger FOR EACH ROW EXECUTE FUNCTION public.quota_ledger_append_only();

CREATE TRIGGER quota_ledger_no_truncate BEFORE TRUNCATE ON public.quota_ledger FOR EACH STATEMENT EXECUTE FUNCTION public.quota_ledger_append_only();

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

ALTER TABLE ONLY public.imports
    ADD CONSTRAINT imports_brand_id_fkey FOREIGN KEY (brand_id) REFERENCES public.brands(id);

ALTER TABLE ONLY public.imports
    ADD CONSTRAINT imports_company_id_fkey FOREIGN KEY (company_id) REFERENCES public.companies(id);

ALTER TABLE ONLY public.imports
    ADD CONSTRAINT imports_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

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
