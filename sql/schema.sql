-- The schema matches ../shared/spec/data-model.md column by column.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- enum values, in order
SELECT e.enumsortorder, e.enumlabel
  FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
 WHERE t.typname = 'stream_status'
 ORDER BY e.enumsortorder;

-- every column: order, type, nullability, default
SELECT ordinal_position AS pos, column_name, data_type,
       character_maximum_length AS len, numeric_precision AS prec,
       numeric_scale AS scale, udt_name, is_nullable, column_default
  FROM information_schema.columns
 WHERE table_schema = 'public' AND table_name = 'streams'
 ORDER BY ordinal_position;

-- primary key and CHECKs (18 also lists NOT NULL as constraints of type 'n':
-- the columns' nullability is checked above)
SELECT c.conname, c.contype, pg_get_constraintdef(c.oid)
  FROM pg_constraint c
 WHERE c.conrelid = 'streams'::regclass AND c.contype <> 'n'
 ORDER BY c.contype, c.conname;

-- the five named indexes (plus the primary key's)
SELECT indexname, indexdef FROM pg_indexes
 WHERE schemaname = 'public' AND tablename = 'streams'
 ORDER BY indexname;

-- the trigger
SELECT tgname, tgenabled, pg_get_triggerdef(t.oid)
  FROM pg_trigger t WHERE tgrelid = 'streams'::regclass AND NOT tgisinternal;

-- pg_dump keeps user rows
SELECT pg_catalog.array_length(extconfig, 1) AS config_tables,
       extconfig[1]::regclass AS config_table, extrelocatable
  FROM pg_extension WHERE extname = 'streampay';

-- the now() defaults are UTC whatever the session's TimeZone
SET TimeZone = 'Asia/Kolkata';
BEGIN;
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('00000000-0000-0000-0000-0000000000a1', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2099-01-01', 10);
SELECT created_at = (now() AT TIME ZONE 'UTC') AS created_is_utc,
       updated_at = (now() AT TIME ZONE 'UTC') AS updated_is_utc,
       last_settled_at = (now() AT TIME ZONE 'UTC') AS last_settled_is_utc,
       status, chain_id, settled_amount, end_time IS NULL AS indefinite
  FROM streams WHERE id = '00000000-0000-0000-0000-0000000000a1';
ROLLBACK;
RESET TimeZone;

-- every SQL-visible function has a comment and truthful markings
SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args,
       p.provolatile, p.proisstrict, p.proparallel,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS has_comment
  FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
  JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'streampay'
 ORDER BY 1, 2;
