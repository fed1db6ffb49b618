-- +goose Up
-- GET /api/v1/deliveries pages a user's brands' batches newest first
-- (brand_id = ANY(…) AND id < cursor): every batch, not only the open
-- ones that sync_batches_open_idx holds.
CREATE INDEX sync_batches_brand_idx ON sync_batches (brand_id, id);

-- +goose Down
DROP INDEX sync_batches_brand_idx;
