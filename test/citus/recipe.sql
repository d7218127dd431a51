-- streampay on Citus: distribute the extension's tables (README, "Scaling
-- out with Citus").  Run on the coordinator once every worker is added
-- (citus_add_node) and streampay is installed there (CREATE EXTENSION
-- streampay on the coordinator creates it on every worker).
\ir node.sql
-- the ledger first, then the streams in its colocation group: a stream's
-- events live in the shard of the same hash range, on the same node
SELECT create_distributed_table('stream_events', 'stream_id');
SELECT create_distributed_table('streams', 'id', colocate_with => 'stream_events');
-- a worker cannot NOTIFY inside a two-phase commit (the ledger trigger
-- refuses with 55000 while it is on)
SELECT nodeport, success, result FROM run_command_on_workers($$ALTER SYSTEM SET streampay.notify = off$$) ORDER BY nodeport;
SELECT nodeport, success, result FROM run_command_on_workers($$SELECT pg_reload_conf()$$) ORDER BY nodeport;
