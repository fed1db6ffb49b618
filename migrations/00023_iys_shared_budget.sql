-- +goose Up
-- İYS's limits and its access token shared by every node of an
-- installation (issue #17): İYS counts calls per IP address, and nodes that
-- each kept their own token and their own count spent the budget twice and
-- could lock the agency out of tokens for an hour.
--
-- A scope is the İYS these rows are about, by its address: every node
-- calling one İYS shares its rows; a rehearsal simulator's rows are not
-- the real İYS's, and each process's in-process simulator has its own.
-- The holds kept before this migration get scope '' and lapse.

-- Holds of any length now (a per-second refusal's second, "" = every kind),
-- per scope; the rows before this migration are the configured İYS's.
ALTER TABLE iys_limit_holds ADD COLUMN scope text NOT NULL DEFAULT '';
ALTER TABLE iys_limit_holds DROP CONSTRAINT iys_limit_holds_pkey;
ALTER TABLE iys_limit_holds ADD PRIMARY KEY (scope, kind);

-- The per-second budget: the starts of the last window, oldest first, and
-- the rate, halved after İYS's 429 and raised by one per quiet second.
-- Every turn locks the row, so turns are taken one at a time.
CREATE TABLE iys_budget (
    scope     text PRIMARY KEY,
    rate      integer NOT NULL CHECK (rate > 0),
    slowed_at timestamptz NOT NULL DEFAULT '-infinity',
    starts    timestamptz[] NOT NULL DEFAULT '{}',
    used_at   timestamptz NOT NULL DEFAULT now()
);

-- The starts of the kinds with an hourly budget (token, single status,
-- history) within the last hour.
CREATE TABLE iys_hourly_calls (
    scope text NOT NULL,
    kind  text NOT NULL,
    at    timestamptz NOT NULL
);
CREATE INDEX iys_hourly_calls_idx ON iys_hourly_calls (scope, kind, at);

-- The access token of an account, renewed by one node at a time under the
-- row's lock; the others use it. Times are the renewing node's.
CREATE TABLE iys_tokens (
    scope           text NOT NULL,
    username        text NOT NULL,
    access          text NOT NULL DEFAULT '',
    refresh         text NOT NULL DEFAULT '',
    renew_at        timestamptz NOT NULL DEFAULT 'epoch',
    expires         timestamptz NOT NULL DEFAULT 'epoch',
    refresh_expires timestamptz NOT NULL DEFAULT 'epoch',
    PRIMARY KEY (scope, username)
);

-- iys_take_turn takes the start of one call of kind now, if the scope's
-- budget allows: no hold of the kind or of every kind, fewer than hourly
-- starts of the kind within hour (hourly 0: none), fewer than the rate
-- within window. It answers wait 0 when it took the start; otherwise it
-- took nothing, and wait is how long until one may be, of_kind whether
-- that is the kind's (a hold of it, its hourly budget) rather than every
-- call's. Times are the database's: the nodes' clocks may differ. rate is
-- the budget's rate now.
-- +goose StatementBegin
CREATE FUNCTION iys_take_turn(p_scope text, p_kind text, p_rate integer, p_window interval,
                              p_hourly integer, p_hour interval, p_margin interval,
                              OUT wait interval, OUT of_kind boolean, OUT rate integer)
LANGUAGE plpgsql AS $$
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
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION iys_take_turn;
DROP TABLE iys_tokens, iys_hourly_calls, iys_budget;
DELETE FROM iys_limit_holds WHERE scope <> '';
ALTER TABLE iys_limit_holds DROP CONSTRAINT iys_limit_holds_pkey;
ALTER TABLE iys_limit_holds DROP COLUMN scope;
ALTER TABLE iys_limit_holds ADD PRIMARY KEY (kind);
