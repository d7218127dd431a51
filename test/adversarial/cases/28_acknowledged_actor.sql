--@ item 9a
--@ what an 'acknowledged' ledger row (a second settled event at the time of the last settlement) names the role that called streampay_ingest (adv_ingest), not the function's owner
\i :adv_lib/webhook_key.psql
SELECT adv.mk(1);
CREATE ROLE adv_ingest LOGIN;
GRANT EXECUTE ON FUNCTION streampay_ingest(text, text) TO adv_ingest;
--@ session ing adv_ingest
\set p1 '{"eventId":"s1","eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-02-01T00:00:00Z"}'
\set p2 '{"eventId":"s2","eventType":"settled","streamId":"00000000-0000-0000-0000-000000000001","occurredAt":"2024-02-01T00:00:00Z"}'
SELECT streampay_ingest(:'p1', streampay_sign(:'p1', 'whsec_adv_test')) ->> 'settledDelta';
:ok 'settled at 2024-02-01'
SELECT streampay_ingest(:'p2', streampay_sign(:'p2', 'whsec_adv_test')) ->> 'settledDelta';
:ok 'settled again at 2024-02-01 (changes nothing)'
--@ session main
SELECT adv.a(actor = 'adv_ingest', 'the settled row names adv_ingest (' || actor || ')') FROM stream_events WHERE external_event_id = 's1';
SELECT adv.a(event_type = 'acknowledged', 'the second event is recorded as acknowledged (' || event_type || ')') FROM stream_events WHERE external_event_id = 's2';
SELECT adv.a(actor = 'adv_ingest', 'the acknowledged row names adv_ingest (' || actor || ')') FROM stream_events WHERE external_event_id = 's2';
