-- +goose Up
-- Import staging, built for a million-row workbook: one narrow row per
-- workbook row instead of a row plus up to three item rows with jsonb
-- problems, and the validation's verdicts as one small row per workbook
-- row. The items (one per channel a row yields) are derived in SQL by the
-- views below when they are needed (preview, approval).

-- Imports still being read or waiting in preview lose their rows with the
-- old tables: they end with a message asking to upload the file again.
UPDATE imports SET status = 'failed', error_code = 'INTERNAL',
    error_message = 'Liste, uygulama güncellenirken işleniyordu; dosyayı yeniden yükleyin.', updated_at = now()
WHERE status IN ('uploaded', 'parsing', 'validating', 'preview');

DROP VIEW import_item_results;
DROP TABLE import_outcomes, import_items, import_rows;

-- One row per data row of the workbook, COPYed by the parse job. No
-- foreign key to imports on purpose (its check would run for each of
-- millions of COPYed rows); rows are deleted with their import explicitly.
--
--   cells     the row's cells as uploaded, joined with U+001F (a cell can
--             hold that character only in CSV text; such a row is stored as
--             U+001E followed by a JSON array instead);
--   problems  the stateless problems as compact tokens "mask:CODE:field",
--             separated by spaces; message, hint and severity come from the
--             consent package's table when shown. mask says which of the
--             row's items (1 ARAMA, 2 MESAJ, 4 EPOSTA) a problem concerns.
--             A row whose problems do not fit the tokens is stored as
--             U+001E followed by JSON;
--   flags     1 the row has an error, 2 a warning; 4/8/16: the ARAMA/MESAJ/
--             EPOSTA item has an error, 32/64/128: a warning;
--   channels  one character per channel (ARAMA, MESAJ, EPOSTA): '-' no item,
--             'O' ONAY, 'R' RET, '?' no usable status;
--   phone     the recipient of the ARAMA and MESAJ items, email that of the
--             EPOSTA item; the other fields are shared by the row's items.
CREATE TABLE import_rows (
    import_id      bigint NOT NULL,
    row_no         integer NOT NULL,
    cells          text NOT NULL,
    problems       text NOT NULL DEFAULT '',
    flags          smallint NOT NULL DEFAULT 0,
    channels       text NOT NULL DEFAULT '---',
    brand_code     text NOT NULL DEFAULT '',
    recipient_type text NOT NULL DEFAULT '',
    source         text NOT NULL DEFAULT '',
    consent_date   timestamptz,
    first_name     text NOT NULL DEFAULT '',
    last_name      text NOT NULL DEFAULT '',
    phone          text NOT NULL DEFAULT '',
    email          text NOT NULL DEFAULT '',
    PRIMARY KEY (import_id, row_no)
);

-- The validation's verdicts, per workbook row and channel: 'n' new, 'c'
-- changed, 'u' unchanged (NO_CHANGE), 'e' refused by the stateless rules,
-- 'f' BRAND_FORBIDDEN, 'r' FIRST_RECORD_RET, 'd' DATE_NOT_LATER; NULL where
-- the row has no item for the channel. Only rows with a verdict other than
-- 'n' and 'e' are written (a million-row first upload then writes only its
-- refused rows); the row (import_id, 0) marks a validated import, whose
-- rows without a verdict row have 'e' where the parse found an error and
-- 'n' elsewhere. seen_* is the key's last event when validated (NULL: no
-- record); approval refuses to write over a key that changed since.
CREATE TABLE import_verdicts (
    import_id   bigint NOT NULL,
    row_no      integer NOT NULL,
    arama       text,
    mesaj       text,
    eposta      text,
    seen_arama  bigint,
    seen_mesaj  bigint,
    seen_eposta bigint,
    PRIMARY KEY (import_id, row_no)
);

-- The rows whose phone or e-mail key (brand, recipient, recipient type)
-- occurs more than once in the import, found by the parse job: the
-- validation collapses their consents in consent-date order.
CREATE TABLE import_repeats (
    import_id bigint NOT NULL,
    row_no    integer NOT NULL,
    PRIMARY KEY (import_id, row_no)
);

-- The items of the rows: one per channel a row yields.
CREATE VIEW import_items AS
SELECT r.import_id, r.row_no, ch.type, r.brand_code,
       CASE WHEN ch.n = 3 THEN r.email ELSE r.phone END AS recipient,
       r.recipient_type,
       CASE substr(r.channels, ch.n, 1) WHEN 'O' THEN 'ONAY' WHEN 'R' THEN 'RET' ELSE '' END AS status,
       r.source, r.consent_date, r.first_name, r.last_name,
       r.flags & (2 << ch.n) <> 0 AS parse_error
FROM import_rows r
CROSS JOIN (VALUES (1, 'ARAMA'), (2, 'MESAJ'), (3, 'EPOSTA')) ch (n, type)
WHERE substr(r.channels, ch.n, 1) <> '-';

-- Items with their outcome: 'error' at parse time for stateless errors,
-- otherwise the validation's (NULL before it).
CREATE VIEW import_item_results AS
SELECT i.import_id, i.row_no, i.type, i.brand_code, i.recipient, i.recipient_type, i.status, i.source,
       i.consent_date, i.first_name, i.last_name,
       CASE WHEN i.parse_error THEN 'error'
            WHEN v.row_no IS NULL THEN CASE WHEN done.row_no IS NOT NULL THEN 'new' END
            ELSE CASE CASE i.type WHEN 'ARAMA' THEN v.arama WHEN 'MESAJ' THEN v.mesaj ELSE v.eposta END
                 WHEN 'n' THEN 'new' WHEN 'c' THEN 'changed' WHEN 'u' THEN 'unchanged'
                 WHEN 'e' THEN 'error' WHEN 'f' THEN 'error' WHEN 'r' THEN 'error' WHEN 'd' THEN 'error' END
       END AS outcome,
       CASE i.type WHEN 'ARAMA' THEN v.seen_arama WHEN 'MESAJ' THEN v.seen_mesaj ELSE v.seen_eposta END AS seen_event_id
FROM import_items i
LEFT JOIN import_verdicts v ON v.import_id = i.import_id AND v.row_no = i.row_no
LEFT JOIN import_verdicts done ON done.import_id = i.import_id AND done.row_no = 0;

-- +goose Down
DROP VIEW import_item_results, import_items;
DROP TABLE import_repeats, import_verdicts, import_rows;

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

CREATE TABLE import_outcomes (
    import_id bigint NOT NULL,
    row_no    integer NOT NULL,
    type      text NOT NULL,
    outcome   text NOT NULL CHECK (outcome IN ('new', 'changed', 'unchanged', 'error')),
    problems  jsonb,
    seen_event_id bigint,
    PRIMARY KEY (import_id, row_no, type)
);

CREATE VIEW import_item_results AS
SELECT i.import_id, i.row_no, i.type, i.brand_code, i.recipient, i.recipient_type, i.status, i.source,
       i.consent_date, i.first_name, i.last_name,
       COALESCE(o.outcome, i.outcome) AS outcome,
       CASE WHEN o.problems IS NULL THEN i.problems ELSE i.problems || o.problems END AS problems,
       o.seen_event_id
FROM import_items i
LEFT JOIN import_outcomes o ON o.import_id = i.import_id AND o.row_no = i.row_no AND o.type = i.type;
