-- +goose Up
-- Lists are sorted the Turkish way (Çağla before Yönetici, ı before i):
-- the collation "turkish" is ICU's tr when the server has ICU, the
-- system's tr_TR locale otherwise, and the database's own order as a last
-- resort, so that the migration runs on any PostgreSQL.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'turkish' AND collnamespace = 'public'::regnamespace) THEN
        RETURN;
    END IF;
    BEGIN
        CREATE COLLATION public.turkish (provider = icu, locale = 'tr-TR');
    EXCEPTION WHEN OTHERS THEN
        BEGIN
            CREATE COLLATION public.turkish (locale = 'tr_TR.utf8');
        EXCEPTION WHEN OTHERS THEN
            CREATE COLLATION public.turkish FROM "default";
        END;
    END;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP COLLATION IF EXISTS public.turkish;
