-- +goose Up
-- Users are deleted softly ("Sil"): the row stays, so that the events and
-- audit entries it made keep their author, but the user leaves every list
-- and cannot sign in; the address is freed for a new account.
ALTER TABLE users ADD COLUMN deleted_at timestamptz;

-- +goose Down
ALTER TABLE users DROP COLUMN deleted_at;
