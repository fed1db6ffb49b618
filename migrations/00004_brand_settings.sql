-- +goose Up
-- Brand settings: "four eyes" makes a Yönetici's (or Admin's) approval
-- necessary to send an import of the brand; Personel then prepares only.
ALTER TABLE brands ADD COLUMN four_eyes boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE brands DROP COLUMN four_eyes;
