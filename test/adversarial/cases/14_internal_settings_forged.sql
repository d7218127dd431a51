--@ item 3
--@ what a non-superuser in a fresh session sets streampay.event_source = 'webhook' and streampay.external_event_id = 'forged' before the library loads: its UPDATE succeeds with WARNINGs and the ledger rows say source 'sql', external_event_id NULL
--@ present WARNING:
SELECT adv.mk(1), adv.mk(2);
CREATE ROLE adv_user LOGIN;
GRANT SELECT, UPDATE ON streams TO adv_user;
--@ session u adv_user
SET streampay.event_source = 'webhook';
:ok 'SET streampay.event_source (library not loaded)'
SET streampay.external_event_id = 'forged';
:ok 'SET streampay.external_event_id (library not loaded)'
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id = adv.id(1);
:ok 'UPDATE by the non-superuser'
SET streampay.event_source = 'webhook';
:expect 42501 'SET streampay.event_source (library loaded)'
UPDATE streams SET status = 'paused', last_settled_at = '2024-02-01' WHERE id = adv.id(2);
:ok 'second UPDATE'
--@ session main
SELECT adv.a((SELECT count(*) FROM stream_events WHERE event_type = 'paused' AND source = 'sql' AND external_event_id IS NULL AND actor = 'adv_user') = 2,
             'both paused events: source sql, no external id, actor adv_user');
SELECT adv.a(NOT EXISTS (SELECT FROM stream_events WHERE source = 'webhook' OR external_event_id IS NOT NULL), 'no forged webhook row');
