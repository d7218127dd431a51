--@ item 3
--@ what a role with DELETE on stream_events sets streampay.allow_event_purge = on in a fresh session: DELETE FROM stream_events fails with 42501 and the ledger is unchanged
SELECT adv.mk(1), adv.mk(2);
CREATE ROLE adv_user LOGIN;
GRANT SELECT, DELETE ON stream_events TO adv_user;
GRANT SELECT ON streams TO adv_user;
:snap
--@ session u adv_user
SET streampay.allow_event_purge = on;
:ok 'SET streampay.allow_event_purge (library not loaded)'
DELETE FROM stream_events;
:expect 42501 'DELETE FROM stream_events'
--@ session u2 adv_user
SET streampay.allow_event_purge = on;
:ok 'SET streampay.allow_event_purge (second session)'
BEGIN;
DELETE FROM stream_events WHERE stream_id = '00000000-0000-0000-0000-000000000001';
:expect 42501 'DELETE of one stream''s events in a transaction'
ROLLBACK;
--@ session main
:same 'ledger unchanged'
