-- +goose Up
-- Column mapping (issue #15). An import whose header row does not map by
-- itself (a required column missing, or two columns claiming one) waits
-- in the status 'mapping' until a user says which column feeds which
-- field; the answer is kept as a profile of the brand, so that the next
-- file with the same headers maps without asking.
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check CHECK (status IN
    ('uploaded', 'mapping', 'parsing', 'validating', 'preview', 'approved', 'sending', 'done', 'failed', 'discarded'));

-- A brand's saved mappings, one per set of headers. header_key is
-- importer.HeaderKey of the header row (the headers folded and sorted: the
-- same headers in any order, case or spelling of Turkish letters have one
-- key), header_hash its SHA-256 (the key of a wide header is too long for
-- an index). header is the header row the mapping was last saved for, and
-- columns the template column (marka_kodu, telefon, …) or '' (ignored) of
-- each of its cells.
CREATE TABLE import_profiles (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id    bigint NOT NULL REFERENCES brands (id),
    header_hash bytea NOT NULL,
    header_key  text NOT NULL,
    header      jsonb NOT NULL,
    columns     jsonb NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (brand_id, header_hash)
);

-- How an import's header row was mapped, written by the parse job: the
-- header row, the first values of each column (for the mapping form),
-- the column of each cell as applied (NULL while the import waits for a
-- mapping) and where it came from: the headers themselves ('auto'), a
-- profile ('profile', profile_id), or a user ('user'; profile_id is the
-- profile it was saved as). brand_id is the brand whose profiles apply:
-- the brand chosen at upload, or the uploader's only brand; NULL when
-- there is none (a mapping is then used for the file alone). problem is
-- why the import waited (the header error, in Turkish).
CREATE TABLE import_mappings (
    import_id  bigint PRIMARY KEY REFERENCES imports (id) ON DELETE CASCADE,
    brand_id   bigint REFERENCES brands (id),
    header     jsonb NOT NULL,
    samples    jsonb NOT NULL,
    columns    jsonb,
    source     text CHECK (source IN ('auto', 'profile', 'user')),
    profile_id bigint REFERENCES import_profiles (id) ON DELETE SET NULL,
    problem    text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE import_mappings, import_profiles;
UPDATE imports SET status = 'failed', error_code = 'HEADER_MISSING_COLUMNS',
    error_message = 'Dosyanın sütunları eşleştirilmeden liste işlenemez; dosyayı yeniden yükleyin.', updated_at = now()
WHERE status = 'mapping';
ALTER TABLE imports DROP CONSTRAINT imports_status_check;
ALTER TABLE imports ADD CONSTRAINT imports_status_check CHECK (status IN
    ('uploaded', 'parsing', 'validating', 'preview', 'approved', 'sending', 'done', 'failed', 'discarded'));
