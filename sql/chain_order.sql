-- 0.6.0: the chain is the truth.  Chain ids of streams, chain order,
-- late events re-derived, parked events, the ledger after re-derivation,
-- the clock-skew window, and SQL changes in between.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
DELETE FROM streams;
SELECT streampay_purge_events('infinity') >= 0 AS ledger_reset;
DELETE FROM stream_inbox;

SELECT regress_write_webhook_keys('whsec_chain');
ALTER SYSTEM SET streampay.webhook_secret_file = 'streampay_regress_webhook.key';
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);

-- an event from its parts; o is occurredAt, extra is merged in (ledger, data, ...)
CREATE FUNCTION pg_temp.ev(id text, typ text, stream text, o text, extra jsonb DEFAULT '{}')
RETURNS text LANGUAGE sql AS $$
  SELECT (jsonb_build_object('eventId', id, 'eventType', typ, 'streamId', stream, 'occurredAt', o) || extra)::text
$$;
CREATE FUNCTION pg_temp.send(body text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT streampay_ingest(body, streampay_sign(body, 'whsec_chain'))
$$;
-- the part of an answer that matters here
CREATE FUNCTION pg_temp.brief(r jsonb) RETURNS text LANGUAGE sql AS $$
  SELECT concat_ws(' ', r ->> 'outcome', r ->> 'reason', r ->> 'status', r ->> 'settledAmount',
                   'rederived=' || (r ->> 'rederived'), 'unparked=' || (r ->> 'unparked'))
$$;
CREATE FUNCTION pg_temp.created(id text, stream text, o text, rate text, total text,
                                extra jsonb DEFAULT '{}') RETURNS text LANGUAGE sql AS $$
  SELECT pg_temp.ev(id, 'stream_created', stream, o,
    jsonb_build_object('data', jsonb_build_object(
        'payer', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'recipient', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
        'ratePerSecond', rate, 'totalAmount', total, 'startTime', o)) || extra)
$$;
CREATE FUNCTION pg_temp.state(stream text) RETURNS TABLE (status stream_status, rate numeric, total numeric,
    settled numeric, last_settled timestamp, ledger_sum numeric) LANGUAGE sql AS $$
  SELECT s.status, s.rate_per_second, s.total_amount, s.settled_amount, s.last_settled_at,
         (SELECT sum(e.settled_delta) FROM stream_events e WHERE e.stream_id = s.id)
    FROM streams s WHERE s.id = streampay_stream_id(stream)
$$;

---------------------------------------------------------------------------
-- 1. The chain's id of a stream: any non-empty string
---------------------------------------------------------------------------
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('c-1', '42', '2025-01-01T00:00:00Z', '1', '100000')));
SELECT id = streampay_chain_stream_uuid('stellar-testnet', NULL, '42') AS derived_id, chain_stream_id
  FROM streams;
-- the derivation (C since 0.7.0) is 0.6.0's SQL formula byte for byte,
-- NULLs, uuid spellings and non-ASCII ids included: no input differs
CREATE FUNCTION pg_temp.formula_060(chain_id text, contract_address text, chain_stream_id text)
RETURNS uuid LANGUAGE sql AS $$
    SELECT CASE
        WHEN chain_stream_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        THEN chain_stream_id::uuid
        ELSE substr(encode(sha256(convert_to(concat_ws('/', 'streampay', chain_id,
                 COALESCE(contract_address, ''), chain_stream_id), 'UTF8')), 'hex'), 1, 32)::uuid
    END
$$;
SELECT count(*) AS inputs,
       count(*) FILTER (WHERE streampay_chain_stream_uuid(c, a, k) IS DISTINCT FROM pg_temp.formula_060(c, a, k)) AS differing
  FROM (VALUES ('stellar-testnet'), ('ethereum-mainnet'), (''), (NULL)) c(c),
       (VALUES ('CDLZFC3SYJYDZT7K67VZ75HPJVIEUVNIXF47ZG2FB2RMQQVU2HHGCYSC'), (''), (NULL)) a(a),
       (VALUES ('42'), ('stream_456'), ('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'),
               ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1'),
               ('{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'), ('a0eebc999c0b4ef8bb6d6bb9bd380a11'),
               ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 '), ('g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
               ('flux/über/€'), ('a/b'), (''), (NULL)) k(k);
SELECT count(*) FILTER (WHERE streampay_chain_stream_uuid('stellar-testnet', NULL, k)
                              IS DISTINCT FROM pg_temp.formula_060('stellar-testnet', NULL, k)) AS differing_random
  FROM (SELECT md5(i::text) || repeat(chr(33 + i % 90), i % 7) AS k FROM generate_series(1, 2000) i) r;
-- the backend's own test payload names streams like this
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('c-2', 'stream_456', '2025-01-01T00:00:00Z', '2', '1000')));
-- later events find their stream through it; so do the id forms
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('c-3', 'stream_paused', '42', '2025-01-01T00:01:40Z')));
SELECT streampay_accrued('42', '2025-01-02') AS by_chain_id,
       streampay_accrued(streampay_stream_id('42'), '2025-01-02') AS by_uuid,
       streampay_claimable('stream_456', '2025-01-01 00:00:10') AS claimable_456;
-- the write helpers take the uuid: streampay_stream_id() names it (a SQL
-- change: see section 4 for what that means for later webhook events)
SELECT status, settled_amount FROM streampay_pause(streampay_stream_id('stream_456'), '2025-01-01 00:00:30');
-- a uuid streamId is the row's id, as before 0.6.0
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('c-4', '30000000-0000-0000-0000-000000000001',
                                                 '2025-01-01T00:00:00Z', '1', '10')));
SELECT chain_stream_id FROM streams WHERE id = '30000000-0000-0000-0000-000000000001';
-- 32 hex digits without dashes are a chain id, not a uuid, in ingest and
-- in the id forms alike; other spellings of a uuid still name the row
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('c-6', '0123456789abcdef0123456789abcdef',
                                                 '2025-01-01T00:00:00Z', '1', '10')));
SELECT streampay_accrued('0123456789abcdef0123456789abcdef', '2025-01-01 00:00:04') AS hex_chain_id,
       streampay_accrued('{30000000-0000-0000-0000-000000000001}', '2025-01-01 00:00:04') AS braced_uuid;
-- one call site, many rows: each text is resolved on its own
SELECT k, streampay_accrued(k, '2025-01-01 00:00:04') AS accrued
  FROM (VALUES ('42'), ('stream_456'), ('0123456789abcdef0123456789abcdef')) v(k) ORDER BY k;
-- not a stream at all: the id forms say so
SELECT streampay_accrued('43', '2025-01-02');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- an empty or blank streamId is not an id (22023, nothing kept)
SELECT pg_temp.send(pg_temp.ev('c-5', 'stream_paused', ' ', '2025-01-01T00:00:00Z'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send(pg_temp.ev('c-5', 'stream_paused', '', '2025-01-01T00:00:00Z'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a chain id determines the row's id (that keeps it unique per chain and
-- contract): a stream inserted in SQL with a chain id takes the derived id
\set VERBOSITY terse
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_stream_id)
VALUES (gen_random_uuid(), 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10, 'sql-1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_stream_id)
VALUES (streampay_chain_stream_uuid('stellar-testnet', NULL, 'sql-1'), 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10, 'sql-1');
SELECT streampay_stream_id('sql-1') = streampay_chain_stream_uuid('stellar-testnet', NULL, 'sql-1') AS found;
-- a stream without one may get it later, only the one its id derives from
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES (streampay_chain_stream_uuid('stellar-testnet', NULL, 'sql-2'), 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10);
\set VERBOSITY terse
UPDATE streams SET chain_stream_id = 'sql-3' WHERE id = streampay_chain_stream_uuid('stellar-testnet', NULL, 'sql-2');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
UPDATE streams SET chain_stream_id = 'sql-2' WHERE id = streampay_chain_stream_uuid('stellar-testnet', NULL, 'sql-2')
RETURNING chain_stream_id;
-- and it is set once, whatever writes it: UPDATE, MERGE, ON CONFLICT DO UPDATE
UPDATE streams SET chain_stream_id = '44' WHERE chain_stream_id = '42';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
MERGE INTO streams s USING (VALUES ('42')) v(k) ON s.chain_stream_id = v.k
WHEN MATCHED THEN UPDATE SET chain_stream_id = '44';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
SELECT id, payer, recipient, rate_per_second, start_time, total_amount FROM streams WHERE chain_stream_id = '42'
ON CONFLICT (id) DO UPDATE SET chain_stream_id = '44';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- (the same statements that leave it alone are accepted)
MERGE INTO streams s USING (VALUES ('42')) v(k) ON s.chain_stream_id = v.k
WHEN MATCHED THEN UPDATE SET metadata = '{"merged": true}';
SELECT chain_stream_id, metadata FROM streams WHERE chain_stream_id = '42';

-- two contracts on one chain number their streams alike
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('k-1', '7', '2025-01-01T00:00:00Z', '1', '1000',
        '{"contractAddress": "CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW"}')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('k-2', '7', '2025-01-01T00:00:00Z', '3', '1000',
        '{"contractAddress": "CBQHNAXSI55GX2GN6D67GK7BHVPSLJUGZQEU7WJ5LKR5PNUCGLIMAO4K"}')));
-- the same chain id again from the same contract is a second creation: refused
SELECT pg_temp.send(pg_temp.created('k-3', '7', '2025-01-01T00:00:00Z', '1', '1000',
        '{"contractAddress": "CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW"}'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- an event that does not say which contract is ambiguous: refused, nothing kept
SELECT pg_temp.send(pg_temp.ev('k-4', 'stream_paused', '7', '2025-01-01T00:00:10Z'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS kept FROM stream_inbox WHERE event_id = 'k-4';
-- with its contract it is not
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('k-4', 'stream_paused', '7', '2025-01-01T00:00:10Z',
        '{"contractAddress": "CBQHNAXSI55GX2GN6D67GK7BHVPSLJUGZQEU7WJ5LKR5PNUCGLIMAO4K"}')));
SELECT streampay_accrued('7', '2025-01-02');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT streampay_accrued(streampay_stream_id('7', 'stellar-testnet', 'CBQHNAXSI55GX2GN6D67GK7BHVPSLJUGZQEU7WJ5LKR5PNUCGLIMAO4K'),
                         '2025-01-02') AS paused_at_10s_of_rate_3;

---------------------------------------------------------------------------
-- 2. Replay identity is the parsed event
---------------------------------------------------------------------------
-- the same event, keys in another order and other whitespace: a duplicate
SELECT pg_temp.send('{ "occurredAt" : "2025-01-01T00:01:40Z", "streamId":"42",
                      "eventType":"stream_paused","eventId":"c-3" }') ->> 'outcome' AS respelled;
-- the same id with another value stays an error
SELECT pg_temp.send(pg_temp.ev('c-3', 'stream_paused', '42', '2025-01-01T00:01:41Z'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE

---------------------------------------------------------------------------
-- 3. Chain order: events 1, 3, 2 arriving in that order (README's example)
---------------------------------------------------------------------------
-- 1: created at 00:00 (rate 1, total 1000); 2: rate 2 at 00:01:40;
-- 3: paused at 00:03:20
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('w-1', 'w', '2025-01-01T00:00:00Z', '1', '1000')));
SELECT * FROM pg_temp.state('w');
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('w-3', 'stream_paused', 'w', '2025-01-01T00:03:20Z')));
SELECT * FROM pg_temp.state('w');
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('w-2', 'rate_changed', 'w', '2025-01-01T00:01:40Z',
                                             '{"data": {"ratePerSecond": "2"}}')));
SELECT * FROM pg_temp.state('w');
-- the rows written: in order, then a rewind and the replay, told apart
SELECT event_type, occurred_at, from_status, to_status, settled_delta, settled_amount,
       external_event_id, rederived_event_id
  FROM stream_events WHERE stream_id = streampay_stream_id('w') ORDER BY event_id;
-- the same events in chain order into another stream give the same state
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('v-1', 'v', '2025-01-01T00:00:00Z', '1', '1000')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('v-2', 'rate_changed', 'v', '2025-01-01T00:01:40Z',
                                             '{"data": {"ratePerSecond": "2"}}')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('v-3', 'stream_paused', 'v', '2025-01-01T00:03:20Z')));
SELECT (SELECT row(status, rate, total, settled, last_settled, ledger_sum)::text FROM pg_temp.state('w')) =
       (SELECT row(status, rate, total, settled, last_settled, ledger_sum)::text FROM pg_temp.state('v'))
       AS same_state;

-- the tiebreaks: same occurredAt, then ledger, then eventIndex, then eventId;
-- an absent position sorts first
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('t-1', 't', '2025-01-01T00:00:00Z', '1', '1000',
                                                 '{"ledger": 10, "eventIndex": 0}')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('t-9', 'stream_resumed', 't', '2025-01-01T00:01:00Z',
                                             '{"ledger": 20, "eventIndex": 5}')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('t-8', 'stream_paused', 't', '2025-01-01T00:01:00Z',
                                             '{"ledger": 20, "eventIndex": 4}')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('t-2', 'topped_up', 't', '2025-01-01T00:01:00Z',
                                             '{"data": {"amount": "5"}}')));
SELECT event_id, chain_ledger, chain_event_index, state
  FROM stream_inbox WHERE chain_stream_id = 't'
 ORDER BY occurred_at, COALESCE(chain_ledger, -1), COALESCE(chain_event_index, -1), event_id;
SELECT event_type, chain_ledger, chain_event_index, rederived_event_id IS NOT NULL AS rederived
  FROM stream_events WHERE stream_id = streampay_stream_id('t') ORDER BY event_id;
-- a negative rate is the event's format, not its position: refused, not parked
SELECT pg_temp.send(pg_temp.ev('t-x', 'rate_changed', 't', '2025-01-01T00:02:00Z',
                               '{"data": {"ratePerSecond": "-1"}}'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a position is a non-negative JSON integer
SELECT pg_temp.send(pg_temp.ev('t-x', 'stream_paused', 't', '2025-01-01T00:02:00Z', '{"ledger": -1}'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send(pg_temp.ev('t-x', 'stream_paused', 't', '2025-01-01T00:02:00Z', '{"eventIndex": "3"}'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send(pg_temp.ev('t-x', 'stream_paused', 't', '2025-01-01T00:02:00Z', '{"ledger": 1.5}'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE

---------------------------------------------------------------------------
-- 4. Parked events, each reason, and how they come back
---------------------------------------------------------------------------
-- stream_unknown: events before their stream_created
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('u-2', 'stream_paused', 'u', '2025-01-01T00:00:10Z')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('u-3', 'stream_resumed', 'u', '2025-01-01T00:00:20Z')));
SELECT event_id, reason, stream_id IS NULL AS no_stream_yet FROM streampay_parked
 WHERE chain_stream_id = 'u' ORDER BY event_id;
-- before_creation: an event that sits before the creation in chain order
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('u-0', 'settled', 'u', '2024-12-31T23:59:00Z')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('u-1', 'u', '2025-01-01T00:00:00Z', '1', '1000')));
SELECT event_id, reason FROM streampay_parked WHERE chain_stream_id = 'u' ORDER BY event_id;
SELECT * FROM pg_temp.state('u');

-- invalid_transition: a completion reported before the stream is done here
-- (total 40 at rate 1 is done at 00:40), then the late rate change that
-- makes it done by 00:30
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('r-1', 'r', '2025-01-01T00:00:00Z', '1', '40')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('r-3', 'stream_completed', 'r', '2025-01-01T00:00:30Z')));
SELECT event_id, reason FROM streampay_parked WHERE chain_stream_id = 'r';
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('r-2', 'rate_changed', 'r', '2025-01-01T00:00:10Z',
                                             '{"data": {"ratePerSecond": "2"}}')));
SELECT * FROM pg_temp.state('r');
-- and the other way round: a late rate cut makes an applied completion invalid
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('o-1', 'o', '2025-01-01T00:00:00Z', '1', '20')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('o-3', 'stream_completed', 'o', '2025-01-01T00:00:20Z')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('o-2', 'rate_changed', 'o', '2025-01-01T00:00:05Z',
                                             '{"data": {"ratePerSecond": "0.5"}}')));
SELECT event_id, reason FROM streampay_parked WHERE chain_stream_id = 'o';
SELECT * FROM pg_temp.state('o');

-- amount_mismatch: a settlement computed on chain after a pause not yet here
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('m-1', 'm', '2025-01-01T00:00:00Z', '1', '1000')));
-- (on chain the pause at 00:10 settled everything: the settle at 01:00 has 0)
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('m-3', 'settled', 'm', '2025-01-01T00:01:00Z',
                                             '{"data": {"amount": "0"}}')));
SELECT message FROM streampay_parked WHERE event_id = 'm-3';
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('m-2', 'stream_paused', 'm', '2025-01-01T00:00:10Z')));
SELECT count(*) AS parked FROM streampay_parked WHERE chain_stream_id = 'm';
SELECT * FROM pg_temp.state('m');

-- a late event makes an applied one invalid: it is parked, and its effect undone
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('x-1', 'x', '2025-01-01T00:00:00Z', '1', '1000')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('x-2', 'stream_paused', 'x', '2025-01-01T00:00:10Z')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('x-4', 'stream_resumed', 'x', '2025-01-01T00:00:40Z')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('x-3', 'stream_cancelled', 'x', '2025-01-01T00:00:20Z')));
SELECT event_id, reason FROM streampay_parked WHERE chain_stream_id = 'x';
SELECT * FROM pg_temp.state('x');

-- rule_violation: a top-up that overflows decimal(20,9) (at most
-- 99999999999.999999999) only after an earlier one that arrives late.  The
-- overflow (22003) is the event's position, not the delivery: it parks, and
-- both arrival orders end alike (it failed every retry of the late one)
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('f-1', 'f', '2025-01-01T00:00:00Z', '1', '90000000000')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('f-3', 'topped_up', 'f', '2025-01-01T00:02:00Z',
                                             '{"data": {"amount": "9000000000"}}')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('f-2', 'topped_up', 'f', '2025-01-01T00:01:00Z',
                                             '{"data": {"amount": "9000000000"}}')));
SELECT pg_temp.send(pg_temp.ev('f-2', 'topped_up', 'f', '2025-01-01T00:01:00Z',
                               '{"data": {"amount": "9000000000"}}')) ->> 'outcome' AS redelivered;
-- in chain order: the second top-up is the one that does not fit
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('g-1', 'g', '2025-01-01T00:00:00Z', '1', '90000000000')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('g-2', 'topped_up', 'g', '2025-01-01T00:01:00Z',
                                             '{"data": {"amount": "9000000000"}}')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('g-3', 'topped_up', 'g', '2025-01-01T00:02:00Z',
                                             '{"data": {"amount": "9000000000"}}')));
SELECT chain_stream_id, event_id, state, park_reason, park_message FROM stream_inbox
 WHERE chain_stream_id IN ('f', 'g') ORDER BY chain_stream_id, event_id;
SELECT * FROM pg_temp.state('f');
SELECT (SELECT row(status, rate, total, settled, last_settled, ledger_sum)::text FROM pg_temp.state('f')) =
       (SELECT row(status, rate, total, settled, last_settled, ledger_sum)::text FROM pg_temp.state('g'))
       AS same_state,
       (SELECT array_agg(row(right(event_id, 1), state, park_reason)::text ORDER BY event_id)
          FROM stream_inbox WHERE chain_stream_id = 'f') =
       (SELECT array_agg(row(right(event_id, 1), state, park_reason)::text ORDER BY event_id)
          FROM stream_inbox WHERE chain_stream_id = 'g') AS same_inbox;

-- ambiguous: contracts X and Y both create stream 'amb<n>'; E, a pause at
-- 00:10 without contractAddress, names both.  Whatever arrives first, E is
-- applied to neither (it was applied to whichever creation came first)
\set X '{"contractAddress": "CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW"}'
\set Y '{"contractAddress": "CBQHNAXSI55GX2GN6D67GK7BHVPSLJUGZQEU7WJ5LKR5PNUCGLIMAO4K"}'
-- E first: it waits for a creation, the first takes it, the second takes it back
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('amb1-e', 'stream_paused', 'amb1', '2025-01-01T00:00:10Z')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb1-x', 'amb1', '2025-01-01T00:00:00Z', '1', '1000', :'X')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb1-y', 'amb1', '2025-01-01T00:00:00Z', '1', '1000', :'Y')));
-- E between the creations: applied to X's stream, then taken out of it
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb2-x', 'amb2', '2025-01-01T00:00:00Z', '1', '1000', :'X')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('amb2-e', 'stream_paused', 'amb2', '2025-01-01T00:00:10Z')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb2-y', 'amb2', '2025-01-01T00:00:00Z', '1', '1000', :'Y')));
-- E first, then the creations the other way round
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('amb3-e', 'stream_paused', 'amb3', '2025-01-01T00:00:10Z')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb3-y', 'amb3', '2025-01-01T00:00:00Z', '1', '1000', :'Y')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb3-x', 'amb3', '2025-01-01T00:00:00Z', '1', '1000', :'X')));
-- E last: refused (22023, nothing kept), so the indexer can resend it with its contract
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb4-x', 'amb4', '2025-01-01T00:00:00Z', '1', '1000', :'X')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb4-y', 'amb4', '2025-01-01T00:00:00Z', '1', '1000', :'Y')));
SELECT pg_temp.send(pg_temp.ev('amb4-e', 'stream_paused', 'amb4', '2025-01-01T00:00:10Z'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT chain_stream_id, right(contract_address, 4) AS contract, status, settled_amount, last_settled_at
  FROM streams WHERE chain_stream_id LIKE 'amb_' ORDER BY 1, 2;
SELECT count(DISTINCT row(right(contract_address, 4), status, rate_per_second, total_amount, settled_amount,
                          last_settled_at)) AS distinct_rows,
       count(*) AS streams
  FROM streams WHERE chain_stream_id LIKE 'amb_';
SELECT event_id, state, park_reason, stream_id IS NULL AS no_stream, chain_id FROM stream_inbox
 WHERE event_id LIKE 'amb_-e' ORDER BY 1;
SELECT message FROM streampay_parked WHERE event_id = 'amb1-e';
-- a redelivery of a parked ambiguous event is a duplicate, as for any parked one
SELECT pg_temp.send(pg_temp.ev('amb1-e', 'stream_paused', 'amb1', '2025-01-01T00:00:10Z')) ->> 'outcome' AS again;
-- the neighbour: with contractAddress it names one stream, in any order
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('amb1-n', 'stream_paused', 'amb1', '2025-01-01T00:00:20Z', :'Y')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('amb5-n', 'stream_paused', 'amb5', '2025-01-01T00:00:20Z', :'Y')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb5-x', 'amb5', '2025-01-01T00:00:00Z', '1', '1000', :'X')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb5-y', 'amb5', '2025-01-01T00:00:00Z', '1', '1000', :'Y')));
SELECT chain_stream_id, right(contract_address, 4) AS contract, status, settled_amount, last_settled_at
  FROM streams WHERE chain_stream_id IN ('amb1', 'amb5') ORDER BY 1, 2;
-- a stream with no contract and one with a contract share the id too
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb6-n', 'amb6', '2025-01-01T00:00:00Z', '1', '1000')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb6-y', 'amb6', '2025-01-01T00:00:00Z', '1', '1000', :'Y')));
SELECT pg_temp.send(pg_temp.ev('amb6-e', 'stream_paused', 'amb6', '2025-01-01T00:00:10Z'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- taking events out replays what stays: E1 (top-up) and E3 (resume) name
-- both, the pause between them names X's
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb7-x', 'amb7', '2025-01-01T00:00:00Z', '1', '1000', :'X')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('amb7-1', 'topped_up', 'amb7', '2025-01-01T00:00:10Z',
                                             '{"data": {"amount": "5"}}')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('amb7-2', 'stream_paused', 'amb7', '2025-01-01T00:00:20Z', :'X')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('amb7-3', 'stream_resumed', 'amb7', '2025-01-01T00:00:30Z')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb7-y', 'amb7', '2025-01-01T00:00:00Z', '1', '1000', :'Y')));
SELECT right(contract_address, 4) AS contract, status, total_amount, settled_amount, last_settled_at
  FROM streams WHERE chain_stream_id = 'amb7' ORDER BY 1;
SELECT event_id, state, park_reason FROM stream_inbox WHERE chain_stream_id = 'amb7'
 ORDER BY occurred_at, event_id;
-- the one exception: history before a change made in SQL is not rewritten,
-- so an event applied before it stays applied
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb8-x', 'amb8', '2025-01-01T00:00:00Z', '1', '1000', :'X')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('amb8-e', 'stream_paused', 'amb8', '2025-01-01T00:00:10Z')));
SELECT status FROM streampay_resume(streampay_stream_id('amb8', 'stellar-testnet',
                                    'CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW'), '2025-01-01 00:00:30');
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('amb8-y', 'amb8', '2025-01-01T00:00:00Z', '1', '1000', :'Y')));
SELECT event_id, state, park_reason FROM stream_inbox WHERE event_id = 'amb8-e';

-- before_sql_change: a change made in SQL is never rewritten
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('q-1', 'q', '2025-01-01T00:00:00Z', '1', '1000')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('q-2', 'stream_paused', 'q', '2025-01-01T00:00:10Z')));
SELECT status FROM streampay_resume(streampay_stream_id('q'), '2025-01-01 00:00:50');
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('q-3', 'topped_up', 'q', '2025-01-01T00:00:30Z',
                                             '{"data": {"amount": "5"}}')));
SELECT event_id, reason FROM streampay_parked WHERE chain_stream_id = 'q';
-- what SQL settled is all still there, and later webhook events apply on top of it
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('q-4', 'stream_paused', 'q', '2025-01-01T00:01:00Z')));
SELECT * FROM pg_temp.state('q');
-- a late event after the SQL change in time is still parked when its
-- re-derivation would cross it: the SQL pause at 00:50 sits between the
-- creation and the resume at 01:00, and a top-up at 00:55 would be replayed
-- from the creation's state, which is before the pause
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('p-1', 'p', '2025-01-01T00:00:00Z', '1', '1000')));
SELECT status FROM streampay_pause(streampay_stream_id('p'), '2025-01-01 00:00:50');
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('p-3', 'stream_resumed', 'p', '2025-01-01T00:01:00Z')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('p-2', 'topped_up', 'p', '2025-01-01T00:00:55Z',
                                             '{"data": {"amount": "5"}}')));
SELECT event_id, reason FROM streampay_parked WHERE chain_stream_id = 'p';
SELECT * FROM pg_temp.state('p');
-- a stream created by webhook with a uuid streamId is re-derived like any other
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('s-2', 'stream_paused', '30000000-0000-0000-0000-000000000001',
                                             '2025-01-01T00:00:05Z')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('s-1', 'settled', '30000000-0000-0000-0000-000000000001',
                                             '2025-01-01T00:00:01Z')));
-- a stream created in SQL: its history before the first webhook event is
-- SQL's, so an event before that one is parked, not replayed
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('30000000-0000-0000-0000-000000000003', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 10);
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('s-4', 'stream_paused', '30000000-0000-0000-0000-000000000003',
                                             '2025-01-01T00:00:05Z')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('s-3', 'settled', '30000000-0000-0000-0000-000000000003',
                                             '2025-01-01T00:00:01Z')));
SELECT status, settled_amount, last_settled_at FROM streams WHERE id = '30000000-0000-0000-0000-000000000003';

-- the ledger still adds up, everywhere
SELECT count(*) AS streams, count(*) FILTER (WHERE s.settled_amount = (SELECT sum(e.settled_delta)
            FROM stream_events e WHERE e.stream_id = s.id)) AS ledger_sums_match
  FROM streams s;
SELECT reason, count(*) FROM streampay_parked GROUP BY reason ORDER BY reason;

---------------------------------------------------------------------------
-- 5. Clock skew: an indexer's clock a little ahead
---------------------------------------------------------------------------
SELECT current_setting('streampay.max_clock_skew') AS default_skew;
CREATE FUNCTION pg_temp.ahead(seconds int) RETURNS text LANGUAGE sql AS $$
  SELECT to_char(timezone('UTC', clock_timestamp()) + make_interval(secs => seconds), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('z-1', 'z', '2025-01-01T00:00:00Z', '1', '1000000000')));
-- 30 s ahead: applied at its own time
SELECT pg_temp.send(pg_temp.ev('z-2', 'stream_paused', 'z', pg_temp.ahead(30))) ->> 'outcome' AS ahead_30s;
SELECT last_settled_at > timezone('UTC', clock_timestamp()) AS settled_in_the_future FROM streams
 WHERE chain_stream_id = 'z';
-- an implicit-time SQL change after it happens at that time, not before
SELECT last_settled_at = (SELECT last_settled_at FROM streams WHERE chain_stream_id = 'z') AS not_before
  FROM streampay_resume(streampay_stream_id('z'));
-- 2 minutes ahead: in the future, refused, nothing kept (terse: the times vary)
\set VERBOSITY terse
SELECT pg_temp.send(pg_temp.ev('z-3', 'stream_paused', 'z', pg_temp.ahead(120)));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS kept FROM stream_inbox WHERE event_id = 'z-3';
-- SQL writes get the same window for an explicit event time
UPDATE streams SET status = 'paused', last_settled_at = timezone('UTC', clock_timestamp()) + interval '2 minutes'
 WHERE chain_stream_id = 'z';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET status = 'paused', last_settled_at = timezone('UTC', clock_timestamp()) + interval '45 seconds'
 WHERE chain_stream_id = 'z';
SELECT status FROM streams WHERE chain_stream_id = 'z';
-- with no window, 30 s ahead is the future
ALTER SYSTEM SET streampay.max_clock_skew = 0;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SELECT pg_temp.send(pg_temp.ev('z-4', 'stream_resumed', 'z', pg_temp.ahead(30)));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- the edges of a wider window, 600 s: 590 s ahead is accepted and 610 s
-- refused, by a webhook and by a SQL write (10 s either side of the limit
-- is far more than a test statement takes; only the outcomes are shown)
\set VERBOSITY terse
ALTER SYSTEM SET streampay.max_clock_skew = '600s';
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SELECT current_setting('streampay.max_clock_skew') AS skew;
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('ze-1', 'ze', '2025-01-01T00:00:00Z', '1', '1000000000')));
SELECT pg_temp.send(pg_temp.ev('ze-x', 'stream_paused', 'ze', pg_temp.ahead(610)));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.send(pg_temp.ev('ze-2', 'stream_paused', 'ze', pg_temp.ahead(590))) ->> 'outcome' AS ahead_590s;
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('zs-1', 'zs', '2025-01-01T00:00:00Z', '1', '1000000000')));
UPDATE streams SET status = 'paused', last_settled_at = timezone('UTC', clock_timestamp()) + interval '610 seconds'
 WHERE chain_stream_id = 'zs';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE streams SET status = 'paused', last_settled_at = timezone('UTC', clock_timestamp()) + interval '590 seconds'
 WHERE chain_stream_id = 'zs';
SELECT chain_stream_id, status, last_settled_at > timezone('UTC', clock_timestamp()) + interval '580 seconds' AS ahead
  FROM streams WHERE chain_stream_id IN ('ze', 'zs') ORDER BY 1;
\set VERBOSITY default
ALTER SYSTEM RESET streampay.max_clock_skew;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
-- only a superuser sets it
CREATE ROLE streampay_test_skew;
SET ROLE streampay_test_skew;
SET streampay.max_clock_skew = 3600;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- nor call the function that sets streampay_ingest's context
SELECT streampay_set_event_context(ARRAY['streampay.event_source'], ARRAY['webhook']);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- nor can anyone else rewind a stream
SET streampay.rewind_stream = '30000000-0000-0000-0000-000000000001';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE streampay_test_skew;
-- the context function sets streampay's own settings, nothing else
SELECT streampay_set_event_context(ARRAY['search_path'], ARRAY['evil']);
\echo SQLSTATE :LAST_ERROR_SQLSTATE
BEGIN;
SELECT streampay_set_event_context(ARRAY['streampay.chain_ledger'], ARRAY['7']);
SELECT current_setting('streampay.chain_ledger') AS set_for_the_transaction;
ROLLBACK;
SELECT current_setting('streampay.chain_ledger') AS gone_after_it;
SELECT streampay_set_event_context(ARRAY['streampay.chain_ledger', 'streampay.chain_event_index'], ARRAY['7']);
\echo SQLSTATE :LAST_ERROR_SQLSTATE

---------------------------------------------------------------------------
-- 5b. Deliveries in one statement and in one transaction (0.7.0: the
-- first reads are index probes): each sees what the ones before it wrote
---------------------------------------------------------------------------
SELECT k, pg_temp.brief(pg_temp.send(b)) AS answer, pg_temp.send(b) ->> 'outcome' AS again
  FROM (VALUES (1, pg_temp.created('one-1', 'multi', '2025-01-01T00:00:00Z', '1', '1000')),
               (2, pg_temp.ev('one-2', 'stream_paused', 'multi', '2025-01-01T00:00:10Z')),
               (3, pg_temp.ev('one-3', 'stream_resumed', 'multi', '2025-01-01T00:00:20Z')),
               (4, pg_temp.ev('one-2', 'stream_paused', 'multi', '2025-01-01T00:00:10Z'))) v(k, b)
 ORDER BY k;
BEGIN;
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('one-4', 'stream_paused', 'multi', '2025-01-01T00:00:40Z')));
-- a late one in the same transaction is re-derived against the one before
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('one-5', 'stream_paused', 'multi', '2025-01-01T00:00:30Z')));
-- and a conflicting redelivery of it is refused, the transaction's own write seen
SELECT pg_temp.send(pg_temp.ev('one-5', 'stream_cancelled', 'multi', '2025-01-01T00:00:30Z'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT status, settled, last_settled, ledger_sum FROM pg_temp.state('multi');
SELECT count(*) AS rolled_back_kept FROM stream_inbox WHERE event_id IN ('one-4', 'one-5');

---------------------------------------------------------------------------
-- 5c. A delivery made by a trigger of another delivery's write: each event
-- records its own stream's ledger rows (the outer one does not take the
-- inner one's)
---------------------------------------------------------------------------
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('nest-c1', 'nest-1', '2025-01-01T00:00:00Z', '1', '100000')));
SELECT pg_temp.brief(pg_temp.send(pg_temp.created('nest-c2', 'nest-2', '2025-01-01T00:00:00Z', '1', '100000')));
-- (it runs inside streampay_ingest, under its search_path: names qualified)
CREATE FUNCTION pg_temp.mirror() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b text := pg_temp.ev('nest-p2', 'stream_paused', 'nest-2', '2025-01-01T00:00:30Z');
BEGIN
    IF NEW.chain_stream_id = 'nest-1' AND NEW.status = 'paused' THEN
        PERFORM public.streampay_ingest(b, public.streampay_sign(b, 'whsec_chain'));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER zz_mirror AFTER UPDATE ON streams FOR EACH ROW EXECUTE FUNCTION pg_temp.mirror();
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('nest-p1', 'stream_paused', 'nest-1', '2025-01-01T00:00:30Z')));
DROP TRIGGER zz_mirror ON streams;
SELECT i.event_id,
       (SELECT e.stream_id = i.stream_id AND e.external_event_id = i.event_id
          FROM stream_events e WHERE e.event_id = i.first_ledger_event) AS own_first_row,
       i.ledger_mark = (SELECT max(e.event_id) FROM stream_events e WHERE e.stream_id = i.stream_id) AS own_mark
  FROM stream_inbox i WHERE i.event_id IN ('nest-p1', 'nest-p2') ORDER BY 1;

-- the inbox is read and written with the types the extension gave it: a
-- column whose type was changed is refused, not read as something else
BEGIN;
ALTER TABLE stream_inbox ALTER COLUMN snap_status TYPE text;
SELECT pg_temp.send(pg_temp.ev('nest-p3', 'stream_resumed', 'nest-1', '2025-01-01T00:00:40Z'));
ROLLBACK;
BEGIN;
ALTER TABLE stream_inbox ALTER COLUMN payload TYPE json;
SELECT pg_temp.send(pg_temp.ev('nest-p3', 'stream_resumed', 'nest-1', '2025-01-01T00:00:40Z'));
ROLLBACK;
-- with the types restored (rolled back) the same event applies
SELECT pg_temp.brief(pg_temp.send(pg_temp.ev('nest-p3', 'stream_resumed', 'nest-1', '2025-01-01T00:00:40Z')));

---------------------------------------------------------------------------
-- 6. What was stored for failed deliveries: nothing
---------------------------------------------------------------------------
SELECT count(*) AS kept_from_errors FROM stream_inbox WHERE event_id IN ('c-5', 'k-3', 't-x', 'z-3', 'z-4', 'ze-x', 'amb4-e', 'amb6-e');

ALTER SYSTEM RESET streampay.webhook_secret_file;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
