-- streampay on Citus: what every node needs before (and after) its tables
-- are distributed.  Idempotent: run it again after citus_add_node.
-- Run on the coordinator; it reaches every node.
SELECT nodeid, success, result FROM run_command_on_all_nodes($node$
DO $$
DECLARE
    g bigint := (SELECT groupid FROM pg_catalog.pg_dist_local_group);
BEGIN
    -- this node's own copy of the extension's tables only: no propagation
    SET LOCAL citus.enable_ddl_propagation = off;
    -- a distributed table's unique keys must contain its distribution column
    IF (SELECT i.indnkeyatts FROM pg_catalog.pg_index i
         WHERE i.indexrelid = 'public.stream_events_pkey'::pg_catalog.regclass) = 1 THEN
        ALTER TABLE public.stream_events DROP CONSTRAINT stream_events_pkey;
        ALTER TABLE public.stream_events
            ADD CONSTRAINT stream_events_pkey PRIMARY KEY (stream_id, event_id);
    END IF;
    IF (SELECT i.indnkeyatts FROM pg_catalog.pg_index i
         WHERE i.indexrelid = 'public.stream_events_external_event_id_key'::pg_catalog.regclass) = 1 THEN
        DROP INDEX public.stream_events_external_event_id_key;
        CREATE UNIQUE INDEX stream_events_external_event_id_key
            ON public.stream_events (stream_id, external_event_id)
            WHERE external_event_id IS NOT NULL;
    END IF;
    -- each node numbers the ledger events it writes from its own range
    -- (group g from g * 2^48), as Citus does for bigint identities
    IF g > 0 AND (SELECT last_value FROM public.stream_events_event_id_seq) < (g << 48) THEN
        EXECUTE pg_catalog.format('ALTER SEQUENCE public.stream_events_event_id_seq RESTART WITH %s',
                                  (g << 48) + 1);
    END IF;
END
$$;
$node$) ORDER BY nodeid;
