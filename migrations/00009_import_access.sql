-- +goose Up
-- Access to an import follows the brands its rows may be sent for, not the
-- brand codes its rows happen to name: a row that names another company's
-- brand (a typo) is refused and gives that company no access. The set is
-- written when the import is validated (the named brands the uploader may
-- record consents for) and, for an upload with a chosen brand, at upload.
CREATE TABLE import_brands (
    import_id bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    brand_id  bigint NOT NULL REFERENCES brands (id),
    PRIMARY KEY (import_id, brand_id)
);
CREATE INDEX import_brands_brand_idx ON import_brands (brand_id, import_id);

-- Imports validated before this migration: the brands of the events they
-- wrote, the chosen brand, and the named brands the uploader holds a role
-- in today (an Admin's uploads: every named brand that exists).
INSERT INTO import_brands (import_id, brand_id)
SELECT DISTINCT import_id, brand_id FROM consent_events WHERE import_id IS NOT NULL
UNION
SELECT id, brand_id FROM imports WHERE brand_id IS NOT NULL
UNION
SELECT DISTINCT r.import_id, b.id
FROM import_rows r
JOIN imports im ON im.id = r.import_id
JOIN users u ON u.id = im.user_id
JOIN brands b ON b.brand_code = r.brand_code
WHERE u.is_admin OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = im.user_id AND m.brand_id = b.id);

-- Uploaded files are bounded per company (the company an upload is charged
-- to: its chosen brand's, else the uploader's first) and deleted after a
-- retention period once their import has ended; file_deleted_at records it.
ALTER TABLE imports ADD COLUMN company_id bigint REFERENCES companies (id),
                    ADD COLUMN file_deleted_at timestamptz;
UPDATE imports SET file_deleted_at = updated_at
WHERE status = 'discarded' AND NOT EXISTS (SELECT 1 FROM import_chunks c WHERE c.import_id = imports.id);
UPDATE imports im SET company_id = COALESCE(
    (SELECT b.company_id FROM brands b WHERE b.id = im.brand_id),
    (SELECT min(b.company_id) FROM memberships m JOIN brands b ON b.id = m.brand_id WHERE m.user_id = im.user_id));
CREATE INDEX imports_company_files_idx ON imports (company_id) WHERE file_deleted_at IS NULL;

-- Login throttling counts failures per account, per account and address,
-- and (for accounts that do not exist) per address; an attempt refused by
-- the throttle itself is recorded but never counted, so that a trickle of
-- attempts cannot keep a lock on.
ALTER TABLE login_attempts ADD COLUMN throttled boolean NOT NULL DEFAULT false,
                           ADD COLUMN known boolean NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE login_attempts DROP COLUMN throttled, DROP COLUMN known;
DROP INDEX imports_company_files_idx;
ALTER TABLE imports DROP COLUMN company_id, DROP COLUMN file_deleted_at;
DROP TABLE import_brands;
