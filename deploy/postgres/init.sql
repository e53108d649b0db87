-- TataMutasi: one database and one login role per service, so each service (and its
-- migration job) can reach only its own data.
--
-- The postgres image runs this once, with psql, when its data volume is empty
-- (/docker-entrypoint-initdb.d). The role passwords are read from the compose secret
-- files with psql's backquote expansion, so no password is written in this file.
-- To re-run it, remove the volume: `docker compose -f deploy/compose.yaml down -v`.
-- To rotate a password later: ALTER ROLE <name> PASSWORD '...'; then update the secret file
-- and restart the service.

\set ON_ERROR_STOP on

\set pegawai_password `cat /run/secrets/pegawai_db_password`
\set formasi_password `cat /run/secrets/formasi_db_password`
\set matching_password `cat /run/secrets/matching_db_password`
\set audit_password `cat /run/secrets/audit_db_password`

CREATE FUNCTION pg_temp.create_service_role(role_name text, role_password text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF role_password IS NULL OR length(role_password) < 16 THEN
        RAISE EXCEPTION 'the password of role % is missing or shorter than 16 characters '
                        '(secret file /run/secrets/%_db_password)', role_name, role_name;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
        EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', role_name, role_password);
    END IF;
END
$$;

SELECT pg_temp.create_service_role('pegawai', :'pegawai_password');
SELECT pg_temp.create_service_role('formasi', :'formasi_password');
SELECT pg_temp.create_service_role('matching', :'matching_password');
SELECT pg_temp.create_service_role('audit', :'audit_password');

-- The owner may create tables in its database's public schema (PostgreSQL 15+ no longer
-- lets every role do that); nobody else may even connect.
CREATE DATABASE pegawai OWNER pegawai;
CREATE DATABASE formasi OWNER formasi;
CREATE DATABASE matching OWNER matching;
CREATE DATABASE audit OWNER audit;

REVOKE ALL ON DATABASE pegawai FROM PUBLIC;
REVOKE ALL ON DATABASE formasi FROM PUBLIC;
REVOKE ALL ON DATABASE matching FROM PUBLIC;
REVOKE ALL ON DATABASE audit FROM PUBLIC;
