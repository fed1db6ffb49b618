-- +goose Up
-- One vocabulary for stored states: English identifiers, with the Turkish
-- labels in the code (app/store/states.go). Onboarding steps were stored
-- in Turkish.
ALTER TABLE onboarding_steps DROP CONSTRAINT onboarding_steps_status_check;
UPDATE onboarding_steps SET status = CASE status
    WHEN 'bekliyor' THEN 'waiting' WHEN 'devam' THEN 'in_progress' WHEN 'tamam' THEN 'done' WHEN 'sorun' THEN 'problem' END;
ALTER TABLE onboarding_steps ADD CONSTRAINT onboarding_steps_status_check
    CHECK (status IN ('waiting', 'in_progress', 'done', 'problem'));

-- +goose Down
ALTER TABLE onboarding_steps DROP CONSTRAINT onboarding_steps_status_check;
UPDATE onboarding_steps SET status = CASE status
    WHEN 'waiting' THEN 'bekliyor' WHEN 'in_progress' THEN 'devam' WHEN 'done' THEN 'tamam' WHEN 'problem' THEN 'sorun' END;
ALTER TABLE onboarding_steps ADD CONSTRAINT onboarding_steps_status_check
    CHECK (status IN ('bekliyor', 'devam', 'tamam', 'sorun'));
