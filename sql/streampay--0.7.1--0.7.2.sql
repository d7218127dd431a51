-- streampay 0.7.1 -> 0.7.2: fixes from two audits of issues 9-13

\echo Use "ALTER EXTENSION streampay UPDATE TO '0.7.2'" to load this file. \quit



-- A key left in the settings of 0.2.0/0.3.0 is readable by every role in a
-- session that has not loaded the library (a placeholder from
-- postgresql.conf); ingestion refuses while it is there, and the update
-- says so too, once, to whoever runs it.
DO $$
BEGIN
    IF COALESCE(pg_catalog.current_setting('streampay.webhook_secret', true), '') OPERATOR(pg_catalog.<>) ''
       OR COALESCE(pg_catalog.current_setting('streampay.webhook_secret_previous', true), '') OPERATOR(pg_catalog.<>) '' THEN
        RAISE WARNING 'streampay.webhook_secret or streampay.webhook_secret_previous still holds a key, which any role can read'
            USING HINT = 'Move the keys to the file named by streampay.webhook_secret_file, then ALTER SYSTEM RESET both settings and reload.';
    END IF;
END
$$;
