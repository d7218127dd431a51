-- streampay 0.5.0 -> 0.6.0: the chain is the truth
--
-- * streams.chain_stream_id: the chain's id of a stream (any non-empty
--   string: "42", "stream_456"), unique per (chain_id, contract_address);
--   webhook events find their stream through it.  Streams created in SQL
--   keep being found by their uuid.
-- * stream_inbox: every accepted webhook event, parsed, with its chain
--   position (occurredAt, ledger, eventIndex, eventId) and, once applied,
--   the state it left the stream in.  The state of a stream is a function
--   of the set of its events: a late event is applied at its position and
--   the events after it are re-derived from the recorded state before it;
--   an event not valid at its position is parked (streampay_parked) and
--   re-checked at every re-derivation of its stream.
-- * stream_events: the chain position of webhook events, and
--   rederived_event_id / event type 'rewound' for what a re-derivation
--   writes, so per stream the settled deltas still sum to settled_amount.
-- * streampay.max_clock_skew (default 60 s): an explicit event time may be
--   that far ahead of the server's clock.
-- * Replay identity is the parsed event (jsonb equality), not its bytes.
-- * Aggregates over a table row take its columns (issue 12, at the end).

\echo Use "ALTER EXTENSION streampay UPDATE TO '0.6.0'" to load this file. \quit

---------------------------------------------------------------------------
-- The chain's identity of a stream
---------------------------------------------------------------------------

-- Every change to streams and stream_events below is safe to run twice: on
-- a Citus cluster the coordinator's ALTER TABLE reaches the workers before
-- they run this script themselves.
ALTER TABLE @extschema@.streams ADD COLUMN IF NOT EXISTS chain_stream_id varchar(255);
COMMENT ON COLUMN @extschema@.streams.chain_stream_id IS
    'The chain''s id of the stream (the webhook streamId); with chain_id and contract_address it determines id, so it is unique per chain and contract; set once, never changed';

-- The uuid a stream created by a webhook gets: the streamId itself when it
-- is a uuid (as before 0.6.0), else one derived from the chain's identity,
-- so every mirror of the same chain gives the stream the same id.  (The
-- check streams_chain_stream_id_check below spells out the same formula.)
-- (No SET clause, so that it is inlined: every name in it is qualified.)
CREATE FUNCTION @extschema@.streampay_chain_stream_uuid(chain_id text, contract_address text,
                                                       chain_stream_id text)
    RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN chain_stream_id OPERATOR(pg_catalog.~*)
             '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        THEN chain_stream_id::pg_catalog.uuid
        ELSE pg_catalog.substr(pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
                 pg_catalog.concat_ws('/', 'streampay', chain_id, COALESCE(contract_address, ''),
                                      chain_stream_id), 'UTF8')), 'hex'), 1, 32)::pg_catalog.uuid
    END
$$;
COMMENT ON FUNCTION @extschema@.streampay_chain_stream_uuid(text, text, text) IS
    'The streams.id a webhook-created stream gets: its streamId if that is a uuid, else derived (SHA-256) from chain, contract and streamId';

-- A chain stream id determines the row's id: so it is unique per chain and
-- contract through the primary key, which also holds on a Citus cluster,
-- where a unique index must contain the distribution column (id).  The
-- check spells out streampay_chain_stream_uuid() with built-in functions
-- only: on a distributed cluster Citus adds it to the workers' shards
-- before they have run this script (and so before the function exists).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
                    WHERE c.conrelid OPERATOR(pg_catalog.=) '@extschema@.streams'::pg_catalog.regclass
                      AND c.conname OPERATOR(pg_catalog.=) 'streams_chain_stream_id_check') THEN
        ALTER TABLE @extschema@.streams ADD CONSTRAINT streams_chain_stream_id_check
            CHECK (chain_stream_id IS NULL
                   OR (chain_stream_id OPERATOR(pg_catalog.<>) ''
                       AND id OPERATOR(pg_catalog.=) CASE
                           WHEN chain_stream_id OPERATOR(pg_catalog.~*)
                                '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                           THEN chain_stream_id::pg_catalog.uuid
                           ELSE pg_catalog.substr(pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
                                    pg_catalog.concat_ws('/', 'streampay', chain_id, COALESCE(contract_address, ''),
                                                         chain_stream_id), 'UTF8')), 'hex'), 1, 32)::pg_catalog.uuid
                           END));
    END IF;
END
$$;
-- webhook events and streampay_stream_id look a stream up by its chain id
-- (in a DO block: Citus propagates an index from its statement's text, and
-- at the top level of an extension script that text is the whole script)
DO $$
BEGIN
    CREATE INDEX IF NOT EXISTS streams_chain_stream_id_idx ON @extschema@.streams (chain_stream_id)
        WHERE chain_stream_id IS NOT NULL;
END
$$;

-- Find a stream by its uuid or by the chain's id of it.
CREATE FUNCTION @extschema@.streampay_stream_id(stream text, chain_id text DEFAULT NULL,
                                               contract_address text DEFAULT NULL)
    RETURNS uuid
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ids uuid[];
BEGIN
    IF stream IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT pg_catalog.array_agg(s.id ORDER BY s.id) INTO v_ids
      FROM @extschema@.streams s
     WHERE s.chain_stream_id OPERATOR(pg_catalog.=) stream
       AND (streampay_stream_id.chain_id IS NULL
            OR s.chain_id OPERATOR(pg_catalog.=) streampay_stream_id.chain_id)
       AND (streampay_stream_id.contract_address IS NULL
            OR s.contract_address OPERATOR(pg_catalog.=) streampay_stream_id.contract_address);
    IF pg_catalog.cardinality(v_ids) OPERATOR(pg_catalog.=) 1 THEN
        RETURN v_ids[1];
    END IF;
    IF pg_catalog.cardinality(v_ids) OPERATOR(pg_catalog.>) 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'cardinality_violation',
            MESSAGE = pg_catalog.format('stream %s is ambiguous: %s streams have that chain id',
                                        stream, pg_catalog.cardinality(v_ids)),
            DETAIL = pg_catalog.format('Their ids: %s.', pg_catalog.array_to_string(v_ids, ', ')),
            HINT = 'Pass the chain_id and contract_address, or the stream''s uuid.';
    END IF;
    -- not a chain id: a uuid names the row itself (the id forms report a missing one)
    IF stream OPERATOR(pg_catalog.~*) '^\s*\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?\s*$' THEN
        RETURN stream::uuid;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'no_data_found',
        MESSAGE = pg_catalog.format('stream %s does not exist', stream),
        DETAIL = 'No stream has that uuid or chain id.';
END
$$;
COMMENT ON FUNCTION @extschema@.streampay_stream_id(text, text, text) IS
    'The uuid of a stream named by its chain id (streamId), optionally narrowed by chain and contract, or by its uuid';

---------------------------------------------------------------------------
-- The ledger: chain position, and what re-derivations write
---------------------------------------------------------------------------

ALTER TABLE @extschema@.stream_events ADD COLUMN IF NOT EXISTS chain_ledger bigint;
ALTER TABLE @extschema@.stream_events ADD COLUMN IF NOT EXISTS chain_event_index bigint;
ALTER TABLE @extschema@.stream_events ADD COLUMN IF NOT EXISTS rederived_event_id text;
COMMENT ON COLUMN @extschema@.stream_events.chain_ledger IS
    'Webhook events: the chain ledger (Stellar) or block (EVM) the event is in, when the indexer sent it';
COMMENT ON COLUMN @extschema@.stream_events.chain_event_index IS
    'Webhook events: the event''s position inside its ledger or block, when the indexer sent it';
COMMENT ON COLUMN @extschema@.stream_events.rederived_event_id IS
    'Set on rows a re-derivation wrote: the webhook event replayed (for a ''rewound'' row, the late event that caused it); NULL for an event applied in order';

---------------------------------------------------------------------------
-- The inbox: the set of webhook events each stream's state derives from
---------------------------------------------------------------------------

CREATE TABLE @extschema@.stream_inbox (
    event_id           text COLLATE "C" PRIMARY KEY,
    chain_id           varchar(50) NOT NULL,
    contract_address   varchar(255),
    chain_stream_id    varchar(255) NOT NULL,
    stream_id          uuid,
    event_type         text NOT NULL,
    occurred_at        timestamp NOT NULL,
    chain_ledger       bigint CHECK (chain_ledger OPERATOR(pg_catalog.>=) 0),
    chain_event_index  bigint CHECK (chain_event_index OPERATOR(pg_catalog.>=) 0),
    payload            jsonb NOT NULL,
    transaction_hash   varchar(66),
    state              text NOT NULL
        CONSTRAINT stream_inbox_state_check
        CHECK (state OPERATOR(pg_catalog.=) ANY (ARRAY['applied', 'parked']::pg_catalog.text[])),
    park_reason        text,
    park_message       text,
    snap_status        @extschema@.stream_status,
    snap_rate          decimal(20,9),
    snap_total         decimal(20,9),
    snap_settled       decimal(20,9),
    snap_last_settled  timestamp,
    ledger_mark        bigint,
    ledger_mark_at     timestamp,
    first_ledger_event bigint,
    received_at        timestamp NOT NULL
                       DEFAULT pg_catalog.timezone('UTC', pg_catalog.clock_timestamp()),
    CONSTRAINT stream_inbox_parked_check CHECK
        ((state OPERATOR(pg_catalog.=) 'parked') OPERATOR(pg_catalog.=) (park_reason IS NOT NULL))
);
-- chain order within a stream; an absent ledger or index sorts first
CREATE INDEX stream_inbox_order_idx ON @extschema@.stream_inbox
    (stream_id, occurred_at, (COALESCE(chain_ledger, -1)), (COALESCE(chain_event_index, -1)), event_id);
-- events that wait for their stream_created
CREATE INDEX stream_inbox_unresolved_idx ON @extschema@.stream_inbox (chain_stream_id)
    WHERE stream_id IS NULL;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.stream_inbox', '');
COMMENT ON TABLE @extschema@.stream_inbox IS
    'Every accepted webhook event, parsed, in chain order per stream: applied (with the state it left) or parked (with why)';
COMMENT ON COLUMN @extschema@.stream_inbox.payload IS
    'The event as parsed: a redelivery is a duplicate when it is the same JSON value, however spelled';
COMMENT ON COLUMN @extschema@.stream_inbox.ledger_mark IS
    'The stream''s last stream_events.event_id after this event was applied (and ledger_mark_at, when): SQL changes after it freeze the history before it';

CREATE VIEW @extschema@.streampay_parked AS
SELECT i.event_id, i.event_type, i.chain_id, i.contract_address, i.chain_stream_id, i.stream_id,
       i.occurred_at, i.chain_ledger, i.chain_event_index, i.park_reason AS reason,
       i.park_message AS message, i.received_at
  FROM @extschema@.stream_inbox i
 WHERE i.state OPERATOR(pg_catalog.=) 'parked';
COMMENT ON VIEW @extschema@.streampay_parked IS
    'Webhook events kept but not applied, and why; each is re-checked whenever its stream is re-derived';

-- The context of a write, for the triggers: set_config() on one node, SET
-- LOCAL (which Citus forwards to the workers) when streams is distributed.
CREATE FUNCTION @extschema@.streampay_set_event_context(names text[], vals text[]) RETURNS void
    AS 'MODULE_PATHNAME', 'streampay_set_event_context'
    LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION @extschema@.streampay_set_event_context(text[], text[]) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.streampay_set_event_context(text[], text[]) IS
    'Internal to streampay_ingest: sets streampay.* context settings for the transaction, on every node of a Citus cluster';

---------------------------------------------------------------------------
-- Applying one inbox event to its stream (internal)
---------------------------------------------------------------------------

-- Applies ev to its stream through the ordinary trigger rules and returns
-- ev as applied: the state it left, the ledger mark, its first ledger row.
-- The caller stores that in the inbox.  Raises the rule's error when the
-- event is not valid at this point; the caller parks it.
-- No SET clauses: it runs once per event of a replay, always inside
-- streampay_ingest (which pins search_path and TimeZone), and only its
-- owner may call it; every name in it is qualified.
CREATE FUNCTION @extschema@.streampay_apply_event(ev @extschema@.stream_inbox)
    RETURNS @extschema@.stream_inbox
    LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    d jsonb := ev.payload OPERATOR(pg_catalog.->) 'data';
    v_first boolean := ev.first_ledger_event IS NULL;
    v_before @extschema@.streams;
    v_after @extschema@.streams;
    v_expected numeric;
    v_mark bigint;
    v_first_row bigint;
BEGIN
    -- what the ledger trigger writes next to each row of this event
    PERFORM @extschema@.streampay_set_event_context(
        ARRAY['streampay.external_event_id', 'streampay.rederived_event_id',
              'streampay.event_transaction_hash', 'streampay.event_payload_digest',
              'streampay.chain_ledger', 'streampay.chain_event_index'],
        ARRAY[CASE WHEN v_first THEN ev.event_id ELSE '' END,
              CASE WHEN v_first THEN '' ELSE ev.event_id END,
              COALESCE(ev.transaction_hash, ''),
              CASE WHEN v_first
                   THEN pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(ev.payload::text, 'UTF8')), 'hex')
                   ELSE '' END,
              COALESCE(ev.chain_ledger::text, ''), COALESCE(ev.chain_event_index::text, '')]);

    IF ev.event_type OPERATOR(pg_catalog.=) 'stream_created' THEN
        -- the stream was created on chain at occurredAt
        INSERT INTO @extschema@.streams (id, payer, recipient, rate_per_second, start_time,
                                         end_time, total_amount, chain_id, contract_address,
                                         transaction_hash, created_at, asset, chain_stream_id)
        VALUES (ev.stream_id, d OPERATOR(pg_catalog.->>) 'payer', d OPERATOR(pg_catalog.->>) 'recipient',
                (d OPERATOR(pg_catalog.->>) 'ratePerSecond')::numeric,
                @extschema@.streampay_event_time(d OPERATOR(pg_catalog.->>) 'startTime', 'data.startTime', ev.event_id),
                @extschema@.streampay_event_time(d OPERATOR(pg_catalog.->>) 'endTime', 'data.endTime', ev.event_id),
                (d OPERATOR(pg_catalog.->>) 'totalAmount')::numeric,
                ev.chain_id, ev.contract_address, ev.transaction_hash, ev.occurred_at,
                d OPERATOR(pg_catalog.->>) 'asset', ev.chain_stream_id)
        RETURNING * INTO v_after;
    ELSE
        IF ev.event_type OPERATOR(pg_catalog.=) 'settled' THEN
            SELECT * INTO v_before FROM @extschema@.streams s
             WHERE s.id OPERATOR(pg_catalog.=) ev.stream_id FOR NO KEY UPDATE;
        END IF;
        CASE ev.event_type
        WHEN 'stream_paused' THEN
            UPDATE @extschema@.streams s SET status = 'paused', last_settled_at = ev.occurred_at
             WHERE s.id OPERATOR(pg_catalog.=) ev.stream_id RETURNING * INTO v_after;
        WHEN 'stream_resumed' THEN
            UPDATE @extschema@.streams s SET status = 'active', last_settled_at = ev.occurred_at
             WHERE s.id OPERATOR(pg_catalog.=) ev.stream_id RETURNING * INTO v_after;
        WHEN 'stream_cancelled' THEN
            UPDATE @extschema@.streams s SET status = 'cancelled', last_settled_at = ev.occurred_at
             WHERE s.id OPERATOR(pg_catalog.=) ev.stream_id RETURNING * INTO v_after;
        WHEN 'stream_completed' THEN
            UPDATE @extschema@.streams s SET status = 'completed', last_settled_at = ev.occurred_at
             WHERE s.id OPERATOR(pg_catalog.=) ev.stream_id RETURNING * INTO v_after;
        WHEN 'settled' THEN
            IF ev.occurred_at OPERATOR(pg_catalog.>=) v_before.last_settled_at
               AND d OPERATOR(pg_catalog.?) 'amount' THEN
                v_expected := @extschema@.streampay_claimable(v_before, ev.occurred_at);
                IF (d OPERATOR(pg_catalog.->>) 'amount')::numeric OPERATOR(pg_catalog.<>) v_expected THEN
                    RAISE EXCEPTION USING ERRCODE = 'check_violation',
                        MESSAGE = pg_catalog.format('webhook event %s: settled amount does not match stream %s',
                                                    ev.event_id, ev.stream_id),
                        DETAIL = pg_catalog.format('The event says %s; at %s the stream has %s to settle.',
                                                   d OPERATOR(pg_catalog.->>) 'amount', ev.occurred_at, v_expected),
                        HINT = 'amount_mismatch';
                END IF;
            END IF;
            UPDATE @extschema@.streams s SET last_settled_at = ev.occurred_at
             WHERE s.id OPERATOR(pg_catalog.=) ev.stream_id RETURNING * INTO v_after;
        WHEN 'rate_changed' THEN
            UPDATE @extschema@.streams s
               SET rate_per_second = (d OPERATOR(pg_catalog.->>) 'ratePerSecond')::numeric,
                   last_settled_at = ev.occurred_at
             WHERE s.id OPERATOR(pg_catalog.=) ev.stream_id RETURNING * INTO v_after;
        WHEN 'topped_up' THEN
            UPDATE @extschema@.streams s
               SET total_amount = s.total_amount OPERATOR(pg_catalog.+) (d OPERATOR(pg_catalog.->>) 'amount')::numeric,
                   last_settled_at = ev.occurred_at
             WHERE s.id OPERATOR(pg_catalog.=) ev.stream_id RETURNING * INTO v_after;
        END CASE;
        IF v_after.id IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'no_data_found',
                MESSAGE = pg_catalog.format('webhook event %s: stream %s does not exist', ev.event_id, ev.stream_id);
        END IF;
    END IF;

    -- the stream's last ledger row, and the first this event wrote (if any)
    SELECT e.event_id, CASE WHEN e.external_event_id OPERATOR(pg_catalog.=) ev.event_id THEN e.event_id END
      INTO v_mark, v_first_row
      FROM @extschema@.stream_events e
     WHERE e.stream_id OPERATOR(pg_catalog.=) ev.stream_id
     ORDER BY e.event_id DESC LIMIT 1;
    IF v_first AND v_first_row IS NULL THEN
        -- an event writes one row, or a status change and an amount change
        -- (the id is on the first); look the id up only when it is not last
        SELECT e.event_id INTO v_first_row FROM @extschema@.stream_events e
         WHERE e.external_event_id OPERATOR(pg_catalog.=) ev.event_id;
    END IF;
    IF v_first THEN
        IF v_first_row IS NULL THEN
            -- an event that changed nothing still has to be remembered
            INSERT INTO @extschema@.stream_events
                (stream_id, event_type, occurred_at, from_status, to_status, settled_delta,
                 settled_amount, rate_per_second, total_amount, actor, source,
                 external_event_id, transaction_hash, payload_digest, chain_ledger, chain_event_index)
            VALUES (ev.stream_id, 'acknowledged', ev.occurred_at, v_after.status, v_after.status, 0,
                    v_after.settled_amount, v_after.rate_per_second, v_after.total_amount,
                    @extschema@.streampay_caller(), 'webhook', ev.event_id, ev.transaction_hash,
                    pg_catalog.sha256(pg_catalog.convert_to(ev.payload::text, 'UTF8')),
                    ev.chain_ledger, ev.chain_event_index)
            RETURNING event_id INTO v_first_row;
            v_mark := v_first_row;
            -- announced like the C trigger announces the other events
            IF pg_catalog.current_setting('streampay.notify', true) IS DISTINCT FROM 'off' THEN
                PERFORM pg_catalog.pg_notify('streampay_events', pg_catalog.format(
                    '{"eventId":%s,"streamId":"%s","eventType":"acknowledged","status":"%s","occurredAt":"%s"}',
                    v_first_row, ev.stream_id, v_after.status,
                    pg_catalog.to_char(ev.occurred_at, 'YYYY-MM-DD"T"HH24:MI:SS.US')));
            END IF;
        END IF;
    END IF;

    ev.state := 'applied';
    ev.park_reason := NULL;
    ev.park_message := NULL;
    ev.snap_status := v_after.status;
    ev.snap_rate := v_after.rate_per_second;
    ev.snap_total := v_after.total_amount;
    ev.snap_settled := v_after.settled_amount;
    ev.snap_last_settled := v_after.last_settled_at;
    ev.ledger_mark := v_mark;
    ev.ledger_mark_at := pg_catalog.timezone('UTC', pg_catalog.clock_timestamp());
    ev.first_ledger_event := COALESCE(ev.first_ledger_event, v_first_row);
    RETURN ev;
END
$$;
REVOKE ALL ON FUNCTION @extschema@.streampay_apply_event(@extschema@.stream_inbox) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.streampay_apply_event(@extschema@.stream_inbox) IS
    'Internal to streampay_ingest: applies one inbox event through the trigger rules and records the state it left';

-- Records in the inbox what applying ev left (streampay_apply_event's result).
CREATE FUNCTION @extschema@.streampay_record_applied(ev @extschema@.stream_inbox)
    RETURNS void
    LANGUAGE sql VOLATILE
AS $$
    UPDATE @extschema@.stream_inbox i
       SET state = ev.state, park_reason = NULL, park_message = NULL,
           snap_status = ev.snap_status, snap_rate = ev.snap_rate, snap_total = ev.snap_total,
           snap_settled = ev.snap_settled, snap_last_settled = ev.snap_last_settled,
           ledger_mark = ev.ledger_mark, ledger_mark_at = ev.ledger_mark_at,
           first_ledger_event = ev.first_ledger_event
     WHERE i.event_id OPERATOR(pg_catalog.=) ev.event_id
$$;
REVOKE ALL ON FUNCTION @extschema@.streampay_record_applied(@extschema@.stream_inbox) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.streampay_record_applied(@extschema@.stream_inbox) IS
    'Internal to streampay_ingest: stores the state an applied inbox event left';

-- Parks ev with a reason (a short code) and the message that explains it.
CREATE FUNCTION @extschema@.streampay_park_event(ev_id text, reason text, message text)
    RETURNS void
    LANGUAGE sql VOLATILE
AS $$
    UPDATE @extschema@.stream_inbox i
       SET state = 'parked', park_reason = reason, park_message = message,
           snap_status = NULL, snap_rate = NULL, snap_total = NULL, snap_settled = NULL,
           snap_last_settled = NULL, ledger_mark = NULL, ledger_mark_at = NULL
     WHERE i.event_id OPERATOR(pg_catalog.=) ev_id
$$;
REVOKE ALL ON FUNCTION @extschema@.streampay_park_event(text, text, text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.streampay_park_event(text, text, text) IS
    'Internal to streampay_ingest: marks an inbox event parked, with why';

-- Why an event that raised (SQLSTATE, hint) is not valid at its position.
-- 22023 there is the clock running backwards: only a change made in SQL
-- (or before 0.6.0) can have moved the stream past an event's chain time.
CREATE FUNCTION @extschema@.streampay_park_reason(sqlstate text, hint text)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN hint OPERATOR(pg_catalog.=) 'amount_mismatch' THEN 'amount_mismatch'
        WHEN sqlstate OPERATOR(pg_catalog.=) '55000' THEN 'invalid_transition'
        WHEN sqlstate OPERATOR(pg_catalog.=) '22023' THEN 'before_sql_change'
        ELSE 'rule_violation' END
$$;
COMMENT ON FUNCTION @extschema@.streampay_park_reason(text, text) IS
    'Internal to streampay_ingest: the parked reason for a rule error (SQLSTATE, hint)';

---------------------------------------------------------------------------
-- Re-derivation (internal): apply the inbox events of a stream from the
-- chain position of 'late' on, in chain order.
---------------------------------------------------------------------------

-- Returns (rewound, reapplied, unparked): whether the stream was put back
-- to an earlier state, how many already-applied events were replayed, and
-- how many parked events became applied.
CREATE FUNCTION @extschema@.streampay_rederive(stream uuid, late @extschema@.stream_inbox,
                                              OUT rewound boolean, OUT reapplied integer,
                                              OUT unparked integer)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC'
    -- plan with the late event's position: a generic plan cannot see that
    -- "after this position" is a few rows of a long history, and scans it
    SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    v_base @extschema@.stream_inbox;
    v_created @extschema@.stream_inbox;
    v_pos record;
    ev @extschema@.stream_inbox;
    v_was text;
    v_reason text;
    v_state text;
    v_msg text;
    v_hint text;
BEGIN
    rewound := false;
    reapplied := 0;
    unparked := 0;
    SELECT late.occurred_at AS t, COALESCE(late.chain_ledger, -1) AS l,
           COALESCE(late.chain_event_index, -1) AS x, late.event_id AS id INTO v_pos;

    -- the state before the late event: what the last applied event before it left
    IF EXISTS (SELECT 1 FROM @extschema@.stream_inbox i
                WHERE i.stream_id OPERATOR(pg_catalog.=) stream
                  AND i.state OPERATOR(pg_catalog.=) 'applied'
                  AND (i.occurred_at, COALESCE(i.chain_ledger, -1), COALESCE(i.chain_event_index, -1), i.event_id)
                      OPERATOR(pg_catalog.>) (v_pos.t, v_pos.l, v_pos.x, v_pos.id)) THEN
        SELECT * INTO v_base FROM @extschema@.stream_inbox i
         WHERE i.stream_id OPERATOR(pg_catalog.=) stream
           AND i.state OPERATOR(pg_catalog.=) 'applied'
           AND (i.occurred_at, COALESCE(i.chain_ledger, -1), COALESCE(i.chain_event_index, -1), i.event_id)
               OPERATOR(pg_catalog.<) (v_pos.t, v_pos.l, v_pos.x, v_pos.id)
         ORDER BY i.occurred_at DESC, COALESCE(i.chain_ledger, -1) DESC,
                  COALESCE(i.chain_event_index, -1) DESC, i.event_id DESC
         LIMIT 1;
        IF NOT FOUND THEN
            -- nothing recorded before it: it is before the creation, or the
            -- stream's start is not the inbox's (created in SQL, or before 0.6.0)
            SELECT * INTO v_created FROM @extschema@.stream_inbox i
             WHERE i.stream_id OPERATOR(pg_catalog.=) stream
               AND i.event_type OPERATOR(pg_catalog.=) 'stream_created';
            IF FOUND THEN
                PERFORM @extschema@.streampay_park_event(late.event_id, 'before_creation',
                    pg_catalog.format('The event is at %s, before the stream''s creation (event %s at %s).',
                                      late.occurred_at, v_created.event_id, v_created.occurred_at));
            ELSE
                PERFORM @extschema@.streampay_park_event(late.event_id, 'before_sql_change',
                    'The stream''s history before this event was not written by webhook events of this version (created in SQL or before 0.6.0); it is not rewritten.');
            END IF;
            RETURN;
        END IF;
        -- a change made in SQL after that state is a decision taken on it:
        -- never undone here.  "After" by event id, or by the time it was
        -- recorded: on a Citus cluster a stream moved to another node gets
        -- event ids from that node's range, which may be lower.
        IF EXISTS (SELECT 1 FROM @extschema@.stream_events e
                    WHERE e.stream_id OPERATOR(pg_catalog.=) stream
                      AND (e.event_id OPERATOR(pg_catalog.>) v_base.ledger_mark
                           OR e.recorded_at OPERATOR(pg_catalog.>) v_base.ledger_mark_at)
                      AND e.source OPERATOR(pg_catalog.=) 'sql') THEN
            PERFORM @extschema@.streampay_park_event(late.event_id, 'before_sql_change',
                pg_catalog.format('Stream %s was changed in SQL after event %s, which precedes this one; history before a SQL change is not rewritten.',
                                  stream, v_base.event_id));
            RETURN;
        END IF;

        -- rewind: back to the state v_base left; the ledger logs it as 'rewound'
        PERFORM @extschema@.streampay_set_event_context(
            ARRAY['streampay.external_event_id', 'streampay.rederived_event_id',
                  'streampay.event_transaction_hash', 'streampay.event_payload_digest',
                  'streampay.chain_ledger', 'streampay.chain_event_index', 'streampay.rewind_stream'],
            ARRAY['', late.event_id, '', '', COALESCE(late.chain_ledger::text, ''),
                  COALESCE(late.chain_event_index::text, ''), stream::text]);
        BEGIN
            UPDATE @extschema@.streams s
               SET status = v_base.snap_status, rate_per_second = v_base.snap_rate,
                   total_amount = v_base.snap_total, settled_amount = v_base.snap_settled,
                   last_settled_at = v_base.snap_last_settled
             WHERE s.id OPERATOR(pg_catalog.=) stream;
        EXCEPTION WHEN OTHERS THEN
            PERFORM @extschema@.streampay_set_event_context(ARRAY['streampay.rewind_stream'], ARRAY['']);
            RAISE;
        END;
        PERFORM @extschema@.streampay_set_event_context(ARRAY['streampay.rewind_stream'], ARRAY['']);
        rewound := true;
    END IF;

    -- the late event and everything after it, in chain order
    FOR ev IN SELECT * FROM @extschema@.stream_inbox i
               WHERE i.stream_id OPERATOR(pg_catalog.=) stream
                 AND (i.occurred_at, COALESCE(i.chain_ledger, -1), COALESCE(i.chain_event_index, -1), i.event_id)
                     OPERATOR(pg_catalog.>=) (v_pos.t, v_pos.l, v_pos.x, v_pos.id)
               ORDER BY i.occurred_at, COALESCE(i.chain_ledger, -1), COALESCE(i.chain_event_index, -1), i.event_id
    LOOP
        v_was := ev.state;
        IF ev.event_type OPERATOR(pg_catalog.=) 'stream_created' THEN
            -- a creation is applied once, when it arrives; its errors are the delivery's
            IF ev.event_id OPERATOR(pg_catalog.=) late.event_id THEN
                PERFORM @extschema@.streampay_record_applied(@extschema@.streampay_apply_event(ev));
                -- what arrived before it and sits before it in chain order never applies
                UPDATE @extschema@.stream_inbox i
                   SET park_reason = 'before_creation',
                       park_message = pg_catalog.format('The event is at %s, before the stream''s creation (event %s at %s).',
                                                        i.occurred_at, ev.event_id, ev.occurred_at)
                 WHERE i.stream_id OPERATOR(pg_catalog.=) stream
                   AND i.state OPERATOR(pg_catalog.=) 'parked'
                   AND (i.occurred_at, COALESCE(i.chain_ledger, -1), COALESCE(i.chain_event_index, -1), i.event_id)
                       OPERATOR(pg_catalog.<) (v_pos.t, v_pos.l, v_pos.x, v_pos.id);
            END IF;
            CONTINUE;
        END IF;
        v_reason := NULL;
        BEGIN
            PERFORM @extschema@.streampay_record_applied(@extschema@.streampay_apply_event(ev));
        EXCEPTION
            WHEN check_violation OR object_not_in_prerequisite_state OR invalid_parameter_value THEN
                GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT,
                                        v_hint = PG_EXCEPTION_HINT;
                v_reason := @extschema@.streampay_park_reason(v_state, v_hint);
        END;
        IF v_reason IS NOT NULL THEN
            PERFORM @extschema@.streampay_park_event(ev.event_id, v_reason, v_msg);
        ELSIF ev.event_id OPERATOR(pg_catalog.<>) late.event_id THEN
            IF v_was OPERATOR(pg_catalog.=) 'applied' THEN
                reapplied := reapplied OPERATOR(pg_catalog.+) 1;
            ELSE
                unparked := unparked OPERATOR(pg_catalog.+) 1;
            END IF;
        END IF;
    END LOOP;
    PERFORM @extschema@.streampay_set_event_context(ARRAY['streampay.rederived_event_id'], ARRAY['']);
END
$$;
REVOKE ALL ON FUNCTION @extschema@.streampay_rederive(uuid, @extschema@.stream_inbox) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.streampay_rederive(uuid, @extschema@.stream_inbox) IS
    'Internal to streampay_ingest: applies a stream''s inbox events from a late event''s chain position on, rewinding first if needed';

---------------------------------------------------------------------------
-- streampay_ingest: chain identity, chain order, parking, skew
---------------------------------------------------------------------------

-- A chain position field: absent (NULL) or a non-negative JSON integer.
CREATE FUNCTION @extschema@.streampay_event_position(value jsonb, field text, event_id text)
    RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF value IS NULL OR pg_catalog.jsonb_typeof(value) OPERATOR(pg_catalog.=) 'null' THEN
        RETURN NULL;
    END IF;
    IF pg_catalog.jsonb_typeof(value) OPERATOR(pg_catalog.<>) 'number'
       OR (value #>> '{}') OPERATOR(pg_catalog.!~) '^[0-9]{1,18}$' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s has an invalid %s', event_id, field),
            DETAIL = 'A chain position is a non-negative JSON integer below 10^18.';
    END IF;
    RETURN (value #>> '{}')::bigint;
END
$$;
COMMENT ON FUNCTION @extschema@.streampay_event_position(jsonb, text, text) IS
    'Internal to streampay_ingest: a webhook chain position (ledger, eventIndex) as bigint, or 22023';

CREATE OR REPLACE FUNCTION @extschema@.streampay_ingest(payload text, signature text) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC'
AS $$
DECLARE
    j jsonb;
    d jsonb;
    v_event_id text;
    v_event_type text;
    v_key text;
    v_stream_id uuid;
    v_ids uuid[];
    v_at timestamp;
    v_ledger bigint;
    v_index bigint;
    v_seen jsonb;
    v_seen_digest bytea;
    v_chain text;
    v_contract text;
    v_tx text;
    v_family text;
    v_problem text;
    v_amount numeric;
    v_row @extschema@.stream_inbox;
    v_after @extschema@.streams;
    v_settled_before numeric;
    v_r record;
    v_outcome text;
    v_state text;
    v_msg text;
    v_hint text;
    v_newest boolean;
    v_last_t timestamp;
    v_last_l bigint;
    v_last_x bigint;
    v_last_id text;
    -- what a delivery sets, cleared when it is done
    v_reset text[] := ARRAY['streampay.event_source', 'streampay.event_actor',
                            'streampay.external_event_id', 'streampay.rederived_event_id',
                            'streampay.event_transaction_hash', 'streampay.event_payload_digest',
                            'streampay.chain_ledger', 'streampay.chain_event_index'];
BEGIN
    -- 1. authenticity first: nothing is parsed before the signature holds
    PERFORM @extschema@.streampay_verify_signature(payload, signature);

    -- 2. shape: every format error is an error, and nothing is stored
    BEGIN
        j := payload::jsonb;
    EXCEPTION WHEN invalid_text_representation OR untranslatable_character THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_text_representation',
            MESSAGE = 'webhook payload is not valid JSON', DETAIL = SQLERRM;
    END;
    IF pg_catalog.jsonb_typeof(j) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'webhook payload must be a JSON object';
    END IF;
    v_event_id := j OPERATOR(pg_catalog.->>) 'eventId';
    v_event_type := j OPERATOR(pg_catalog.->>) 'eventType';
    v_key := j OPERATOR(pg_catalog.->>) 'streamId';
    IF v_event_id IS NULL OR v_event_id OPERATOR(pg_catalog.=) '' OR v_event_type IS NULL
       OR v_key IS NULL OR (j OPERATOR(pg_catalog.->>) 'occurredAt') IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'webhook payload lacks a required field',
            DETAIL = 'eventId, eventType, streamId and occurredAt are required.';
    END IF;
    -- identities and times are strings: a number or an object is not an id
    IF pg_catalog.jsonb_typeof(j OPERATOR(pg_catalog.->) 'eventId') OPERATOR(pg_catalog.<>) 'string'
       OR pg_catalog.jsonb_typeof(j OPERATOR(pg_catalog.->) 'eventType') OPERATOR(pg_catalog.<>) 'string'
       OR pg_catalog.jsonb_typeof(j OPERATOR(pg_catalog.->) 'streamId') OPERATOR(pg_catalog.<>) 'string'
       OR pg_catalog.jsonb_typeof(j OPERATOR(pg_catalog.->) 'occurredAt') OPERATOR(pg_catalog.<>) 'string' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'webhook payload has a field of the wrong type',
            DETAIL = 'eventId, eventType, streamId and occurredAt must be JSON strings.';
    END IF;
    IF pg_catalog.length(v_event_id) OPERATOR(pg_catalog.>) 200 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'webhook eventId is longer than 200 characters';
    END IF;
    -- the chain's id of the stream: any non-empty string
    IF pg_catalog.btrim(v_key) OPERATOR(pg_catalog.=) '' OR pg_catalog.length(v_key) OPERATOR(pg_catalog.>) 255 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s has an invalid streamId', v_event_id),
            DETAIL = 'A streamId is a non-empty string of at most 255 characters.';
    END IF;
    IF v_event_type OPERATOR(pg_catalog.<>) ALL (ARRAY['stream_created', 'stream_paused', 'stream_resumed',
            'stream_cancelled', 'stream_completed', 'settled', 'rate_changed', 'topped_up']) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s has unknown eventType "%s"',
                                        v_event_id, v_event_type),
            HINT = 'Known types: stream_created, stream_paused, stream_resumed, stream_cancelled, stream_completed, settled, rate_changed, topped_up.';
    END IF;
    v_at := @extschema@.streampay_event_time(j OPERATOR(pg_catalog.->>) 'occurredAt', 'occurredAt', v_event_id);
    -- an event has happened on chain; an indexer's clock may run a little ahead
    IF v_at OPERATOR(pg_catalog.>) (pg_catalog.timezone('UTC', pg_catalog.clock_timestamp())
           OPERATOR(pg_catalog.+) pg_catalog.current_setting('streampay.max_clock_skew')::interval) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s: occurredAt is in the future', v_event_id),
            DETAIL = pg_catalog.format('occurredAt is %s (UTC); streampay.max_clock_skew allows %s ahead of the server clock.',
                                       v_at, pg_catalog.current_setting('streampay.max_clock_skew'));
    END IF;
    IF j OPERATOR(pg_catalog.?) 'ledger' THEN
        v_ledger := @extschema@.streampay_event_position(j OPERATOR(pg_catalog.->) 'ledger', 'ledger', v_event_id);
    END IF;
    IF j OPERATOR(pg_catalog.?) 'eventIndex' THEN
        v_index := @extschema@.streampay_event_position(j OPERATOR(pg_catalog.->) 'eventIndex', 'eventIndex', v_event_id);
    END IF;
    d := COALESCE(j OPERATOR(pg_catalog.->) 'data', '{}'::jsonb);
    IF pg_catalog.jsonb_typeof(d) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s: data must be a JSON object', v_event_id);
    END IF;
    v_chain := j OPERATOR(pg_catalog.->>) 'chainId';
    v_contract := j OPERATOR(pg_catalog.->>) 'contractAddress';
    IF v_event_type OPERATOR(pg_catalog.=) 'stream_created' THEN
        IF v_contract IS NOT NULL AND (d OPERATOR(pg_catalog.->>) 'contractAddress') IS NOT NULL
           AND v_contract OPERATOR(pg_catalog.<>) (d OPERATOR(pg_catalog.->>) 'contractAddress') THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('webhook event %s names two contracts', v_event_id),
                DETAIL = 'contractAddress and data.contractAddress differ.';
        END IF;
        v_contract := COALESCE(v_contract, d OPERATOR(pg_catalog.->>) 'contractAddress');
        v_chain := COALESCE(v_chain, 'stellar-testnet');
    END IF;
    v_tx := j OPERATOR(pg_catalog.->>) 'transactionHash';
    -- the data each type needs, checked now: a parked event must be applicable later
    CASE v_event_type
    WHEN 'stream_created' THEN
        IF NOT (d OPERATOR(pg_catalog.?&) ARRAY['payer', 'recipient', 'ratePerSecond',
                                                 'totalAmount', 'startTime']) THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('webhook event %s lacks a required data field', v_event_id),
                DETAIL = 'stream_created needs data.payer, data.recipient, data.ratePerSecond, data.totalAmount and data.startTime.';
        END IF;
        PERFORM @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'ratePerSecond', 'data.ratePerSecond', v_event_id),
                @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'totalAmount', 'data.totalAmount', v_event_id),
                @extschema@.streampay_event_time(d OPERATOR(pg_catalog.->>) 'startTime', 'data.startTime', v_event_id),
                @extschema@.streampay_event_time(d OPERATOR(pg_catalog.->>) 'endTime', 'data.endTime', v_event_id);
    WHEN 'settled' THEN
        PERFORM @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'amount', 'data.amount', v_event_id);
    WHEN 'rate_changed' THEN
        -- a rate is never negative: that is the event's format, not its position
        v_amount := @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'ratePerSecond',
                                                       'data.ratePerSecond', v_event_id);
        IF v_amount IS NULL OR v_amount OPERATOR(pg_catalog.<) 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('webhook event %s: rate_changed needs a non-negative data.ratePerSecond', v_event_id);
        END IF;
    WHEN 'topped_up' THEN
        -- a top-up adds: a negative amount would be a reduction logged as a top-up
        v_amount := @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'amount',
                                                       'data.amount', v_event_id);
        IF v_amount IS NULL OR v_amount OPERATOR(pg_catalog.<=) 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('webhook event %s: topped_up needs a positive data.amount', v_event_id);
        END IF;
    ELSE
        NULL;
    END CASE;

    -- 3. replay: the same event id is the same event forever.  Deliveries of
    -- one event id take turns (a transaction-scoped advisory lock in
    -- streampay's lock class), so a concurrent duplicate waits for the first
    -- to commit and then finds it here.
    PERFORM pg_catalog.pg_advisory_xact_lock(1937011301, -- 'stre'
                                             pg_catalog.hashtext(v_event_id));
    SELECT i.payload INTO v_seen FROM @extschema@.stream_inbox i
     WHERE i.event_id OPERATOR(pg_catalog.=) v_event_id;
    IF NOT FOUND THEN
        -- events ingested before 0.6.0 are known by the ledger and a digest of their bytes
        SELECT e.payload_digest INTO v_seen_digest FROM @extschema@.stream_events e
         WHERE e.external_event_id OPERATOR(pg_catalog.=) v_event_id;
        IF FOUND THEN
            v_seen := CASE WHEN v_seen_digest OPERATOR(pg_catalog.=)
                                pg_catalog.sha256(pg_catalog.convert_to(payload, 'UTF8'))
                             OR v_seen_digest OPERATOR(pg_catalog.=)
                                pg_catalog.sha256(pg_catalog.convert_to(j::text, 'UTF8'))
                           THEN j ELSE '{}'::jsonb END;
        END IF;
    END IF;
    IF v_seen IS NOT NULL THEN
        IF v_seen OPERATOR(pg_catalog.=) j THEN
            SELECT i.stream_id, i.state, i.park_reason INTO v_r FROM @extschema@.stream_inbox i
             WHERE i.event_id OPERATOR(pg_catalog.=) v_event_id;
            RETURN pg_catalog.jsonb_build_object('duplicate', true, 'outcome', 'duplicate',
                                                 'eventId', v_event_id,
                                                 'streamId', COALESCE(v_r.stream_id::text, v_key),
                                                 'chainStreamId', v_key);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'unique_violation',
            MESSAGE = pg_catalog.format('webhook event %s was already ingested with a different payload', v_event_id),
            HINT = 'An event id identifies one event forever; send a new id for a new event.';
    END IF;

    -- 4. the stream: deliveries of one chain stream take turns; other streams' do not wait
    PERFORM pg_catalog.pg_advisory_xact_lock(1937011302, pg_catalog.hashtext(v_key));
    IF v_event_type OPERATOR(pg_catalog.=) 'stream_created' THEN
        v_stream_id := @extschema@.streampay_chain_stream_uuid(v_chain, v_contract, v_key);
    ELSE
        -- most events name their stream exactly as its creation did: one
        -- primary-key probe; otherwise search by the chain id alone
        v_stream_id := @extschema@.streampay_chain_stream_uuid(COALESCE(v_chain, 'stellar-testnet'), v_contract, v_key);
        SELECT s.chain_id INTO v_family FROM @extschema@.streams s
         WHERE s.id OPERATOR(pg_catalog.=) v_stream_id
           AND s.chain_stream_id OPERATOR(pg_catalog.=) v_key
           AND s.contract_address IS NOT DISTINCT FROM v_contract;
        IF FOUND THEN
            v_ids := ARRAY[v_stream_id];
        ELSE
        SELECT pg_catalog.array_agg(s.id ORDER BY s.id), pg_catalog.min(s.chain_id) INTO v_ids, v_family
          FROM @extschema@.streams s
         WHERE s.chain_stream_id OPERATOR(pg_catalog.=) v_key
           AND (v_chain IS NULL OR s.chain_id OPERATOR(pg_catalog.=) v_chain)
           AND (v_contract IS NULL OR s.contract_address OPERATOR(pg_catalog.=) v_contract);
        IF pg_catalog.cardinality(v_ids) OPERATOR(pg_catalog.>) 1 THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('webhook event %s: streamId %s is ambiguous', v_event_id, v_key),
                DETAIL = pg_catalog.format('%s streams have that chain id: %s.', pg_catalog.cardinality(v_ids),
                                           pg_catalog.array_to_string(v_ids, ', ')),
                HINT = 'Send chainId and contractAddress with the event.';
        END IF;
        END IF;
        v_stream_id := v_ids[1];
        IF v_stream_id IS NULL
           AND v_key OPERATOR(pg_catalog.~*) '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
            -- a stream created in SQL (or before 0.6.0) is known by its uuid
            SELECT s.id, s.chain_id INTO v_stream_id, v_family FROM @extschema@.streams s
             WHERE s.id OPERATOR(pg_catalog.=) v_key::uuid;
            IF FOUND AND v_chain IS NOT NULL AND v_chain OPERATOR(pg_catalog.<>) v_family THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = pg_catalog.format('webhook event %s: stream %s is on chain %s, not %s',
                                                v_event_id, v_stream_id, v_family, v_chain);
            END IF;
        END IF;
        v_chain := COALESCE(v_chain, v_family, 'stellar-testnet');
    END IF;

    -- a transaction hash must have the format of the stream's chain
    IF v_tx IS NOT NULL THEN
        SELECT c.family INTO v_family FROM @extschema@.streampay_chains c
         WHERE c.chain_id OPERATOR(pg_catalog.=) v_chain;
        IF v_family IS NOT NULL THEN
            v_problem := @extschema@.streampay_address_problem(v_tx, v_family, 'transaction');
            IF v_problem IS NOT NULL THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_text_representation',
                    MESSAGE = pg_catalog.format('webhook event %s has an invalid transactionHash', v_event_id),
                    DETAIL = pg_catalog.format('Rejected because of: %s.', v_problem);
            END IF;
        END IF;
        v_tx := pg_catalog.lower(v_tx);
    END IF;

    -- 5. keep it, and apply it at its chain position
    v_row.event_id := v_event_id;
    v_row.chain_id := v_chain;
    v_row.contract_address := v_contract;
    v_row.chain_stream_id := v_key;
    v_row.stream_id := v_stream_id;
    v_row.event_type := v_event_type;
    v_row.occurred_at := v_at;
    v_row.chain_ledger := v_ledger;
    v_row.chain_event_index := v_index;
    v_row.payload := j;
    v_row.transaction_hash := v_tx;
    v_row.state := 'parked';
    v_row.park_reason := 'stream_unknown';
    v_row.park_message := 'No stream_created event for this streamId has arrived yet.';
    v_row.received_at := pg_catalog.timezone('UTC', pg_catalog.clock_timestamp());
    -- the triggers record the caller of this SECURITY DEFINER function (on
    -- a Citus worker the session user is the role Citus connected as)
    PERFORM @extschema@.streampay_set_event_context(
        ARRAY['streampay.event_source', 'streampay.event_actor'],
        ARRAY['webhook', @extschema@.streampay_caller()::text]);

    -- the common case: the stream's newest event, nothing after it to
    -- re-derive.  (The stream's last position by a backward index scan with
    -- LIMIT 1: a generic plan for "any event after mine" may scan the table.)
    v_newest := false;
    IF v_stream_id IS NOT NULL AND v_event_type OPERATOR(pg_catalog.<>) 'stream_created' THEN
        SELECT i.occurred_at, COALESCE(i.chain_ledger, -1), COALESCE(i.chain_event_index, -1), i.event_id
          INTO v_last_t, v_last_l, v_last_x, v_last_id
          FROM @extschema@.stream_inbox i
         WHERE i.stream_id OPERATOR(pg_catalog.=) v_stream_id
         ORDER BY i.occurred_at DESC, COALESCE(i.chain_ledger, -1) DESC,
                  COALESCE(i.chain_event_index, -1) DESC, i.event_id DESC
         LIMIT 1;
        v_newest := NOT FOUND
            OR (v_last_t, v_last_l, v_last_x, v_last_id)
               OPERATOR(pg_catalog.<) (v_at, COALESCE(v_ledger, -1), COALESCE(v_index, -1), v_event_id);
    ELSIF v_event_type OPERATOR(pg_catalog.=) 'stream_created' THEN
        -- a creation with no event of its stream waiting for it
        v_newest := NOT EXISTS (SELECT 1 FROM @extschema@.stream_inbox i
                                 WHERE i.stream_id IS NULL
                                   AND i.chain_stream_id OPERATOR(pg_catalog.=) v_key);
    END IF;
    IF v_newest AND v_event_type OPERATOR(pg_catalog.=) 'stream_created' THEN
        -- a creation's errors are the delivery's: nothing is parked for them
        v_settled_before := 0;
        v_row := @extschema@.streampay_apply_event(v_row);
    ELSIF v_newest THEN
        SELECT s.settled_amount INTO v_settled_before FROM @extschema@.streams s
         WHERE s.id OPERATOR(pg_catalog.=) v_stream_id;
        BEGIN
            v_row := @extschema@.streampay_apply_event(v_row);
        EXCEPTION
            WHEN check_violation OR object_not_in_prerequisite_state OR invalid_parameter_value THEN
                GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT,
                                        v_hint = PG_EXCEPTION_HINT;
                v_row.park_reason := @extschema@.streampay_park_reason(v_state, v_hint);
                v_row.park_message := v_msg;
        END;
    END IF;
    IF v_newest THEN
        INSERT INTO @extschema@.stream_inbox SELECT v_row.*;
        PERFORM @extschema@.streampay_set_event_context(v_reset, ARRAY['', '', '', '', '', '', '', '']);
        IF v_row.state OPERATOR(pg_catalog.=) 'parked' THEN
            RETURN pg_catalog.jsonb_build_object(
                'duplicate', false, 'outcome', 'parked', 'reason', v_row.park_reason,
                'message', v_row.park_message, 'eventId', v_event_id, 'eventType', v_event_type,
                'streamId', v_stream_id, 'chainStreamId', v_key);
        END IF;
        RETURN pg_catalog.jsonb_build_object(
            'duplicate', false, 'outcome', 'applied', 'eventId', v_event_id, 'eventType', v_event_type,
            'streamId', v_stream_id, 'chainStreamId', v_key,
            'status', v_row.snap_status, 'settledAmount', v_row.snap_settled,
            'settledDelta', v_row.snap_settled OPERATOR(pg_catalog.-) v_settled_before,
            'lastSettledAt', v_row.snap_last_settled, 'rederived', 0, 'unparked', 0);
    END IF;

    INSERT INTO @extschema@.stream_inbox SELECT v_row.*;
    IF v_event_type OPERATOR(pg_catalog.=) 'stream_created' THEN
        -- events that arrived before their creation now belong to the stream
        UPDATE @extschema@.stream_inbox i SET stream_id = v_stream_id, chain_id = v_chain
         WHERE i.stream_id IS NULL AND i.chain_stream_id OPERATOR(pg_catalog.=) v_key
           AND (i.chain_id OPERATOR(pg_catalog.=) v_chain
                OR NOT (i.payload OPERATOR(pg_catalog.?) 'chainId'))
           AND (i.contract_address IS NULL OR i.contract_address IS NOT DISTINCT FROM v_contract);
    END IF;
    IF v_stream_id IS NULL THEN
        v_outcome := 'parked';
    ELSE
        SELECT s.settled_amount INTO v_settled_before FROM @extschema@.streams s
         WHERE s.id OPERATOR(pg_catalog.=) v_stream_id;
        v_r := @extschema@.streampay_rederive(v_stream_id, v_row);
        SELECT * INTO v_row FROM @extschema@.stream_inbox i
         WHERE i.event_id OPERATOR(pg_catalog.=) v_event_id;
        v_outcome := CASE WHEN v_row.state OPERATOR(pg_catalog.=) 'parked' THEN 'parked'
                          WHEN v_r.rewound OR v_r.unparked OPERATOR(pg_catalog.>) 0 THEN 'reordered'
                          ELSE 'applied' END;
        SELECT * INTO v_after FROM @extschema@.streams s WHERE s.id OPERATOR(pg_catalog.=) v_stream_id;
    END IF;
    -- later statements of the transaction are not this event
    PERFORM @extschema@.streampay_set_event_context(v_reset, ARRAY['', '', '', '', '', '', '', '']);

    IF v_outcome OPERATOR(pg_catalog.=) 'parked' THEN
        RETURN pg_catalog.jsonb_build_object(
            'duplicate', false, 'outcome', 'parked', 'reason', v_row.park_reason,
            'message', v_row.park_message, 'eventId', v_event_id, 'eventType', v_event_type,
            'streamId', COALESCE(v_stream_id::text, v_key), 'chainStreamId', v_key);
    END IF;
    RETURN pg_catalog.jsonb_build_object(
        'duplicate', false, 'outcome', v_outcome, 'eventId', v_event_id, 'eventType', v_event_type,
        'streamId', v_stream_id, 'chainStreamId', v_key,
        'status', v_after.status, 'settledAmount', v_after.settled_amount,
        'settledDelta', v_after.settled_amount OPERATOR(pg_catalog.-) COALESCE(v_settled_before, 0),
        'lastSettledAt', v_after.last_settled_at,
        'rederived', v_r.reapplied, 'unparked', v_r.unparked);
END
$$;
COMMENT ON FUNCTION @extschema@.streampay_ingest(text, text) IS
    'Verify (HMAC-SHA256) and apply one indexer webhook event at its chain position: applied, reordered, parked or duplicate (superuser-installed SECURITY DEFINER; grant EXECUTE to the indexer role)';
COMMENT ON INDEX @extschema@.streams_chain_stream_id_idx IS
    'Webhook events and streampay_stream_id find a stream by its chain id';


---------------------------------------------------------------------------
-- issue 12: aggregate speed
--
-- * streampay_sum_from_columns(kind, id, status, ..., as_of): the exact sum
--   aggregates on a row's columns.  A planner hook (src/agg_rewrite.c)
--   turns streampay_sum_accrued/_claimable/_refundable(s, t) over a table
--   row into it, so no composite row value is built per row; same result.
-- * streampay_depletion_from_columns(id, status, ...): the depletion time on
--   a row's columns.
-- * streampay_account passes columns, not whole rows, to both (its body is
--   inlined into the caller's query, so callers see no difference).
---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.streampay_sum_from_columns_transfn(internal,
        int4, uuid, @extschema@.stream_status, numeric, timestamp, timestamp,
        numeric, timestamp, numeric, timestamp)
    RETURNS internal AS 'MODULE_PATHNAME', 'streampay_sum_from_columns_transfn'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.streampay_sum_from_columns_transfn(internal,
        int4, uuid, @extschema@.stream_status, numeric, timestamp, timestamp,
        numeric, timestamp, numeric, timestamp) IS
    'Internal: transition of streampay_sum_from_columns (128-bit fixed-point sum)';

CREATE AGGREGATE @extschema@.streampay_sum_from_columns(
        kind int4, stream_id uuid, status @extschema@.stream_status, rate_per_second numeric,
        start_time timestamp, end_time timestamp, total_amount numeric,
        last_settled_at timestamp, settled_amount numeric, as_of timestamp) (
    SFUNC = @extschema@.streampay_sum_from_columns_transfn, STYPE = internal,
    FINALFUNC = @extschema@.streampay_sum_final,
    COMBINEFUNC = @extschema@.streampay_sum_combine,
    SERIALFUNC = @extschema@.streampay_sum_serialize,
    DESERIALFUNC = @extschema@.streampay_sum_deserialize,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.streampay_sum_from_columns(int4, uuid, @extschema@.stream_status,
        numeric, timestamp, timestamp, numeric, timestamp, numeric, timestamp) IS
    'Internal: streampay_sum_accrued/claimable/refundable (kind 0/1/2) on a row''s columns; the planner turns the row forms over a table row into it';

CREATE FUNCTION @extschema@.streampay_depletion_from_columns(
        stream_id uuid, status @extschema@.stream_status, rate_per_second numeric,
        start_time timestamp, end_time timestamp, total_amount numeric,
        last_settled_at timestamp, settled_amount numeric)
    RETURNS timestamp
    AS 'MODULE_PATHNAME', 'streampay_depletion_from_columns'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.streampay_depletion_from_columns(uuid, @extschema@.stream_status,
        numeric, timestamp, timestamp, numeric, timestamp, numeric) IS
    'Internal: streampay_depletion_time on a row''s columns (NULL for a missing row)';

-- The same function with a new body: the columns instead of the whole row,
-- so the subquery below builds no composite value per row.  Still
-- inlinable (no SET clause, every name qualified).  CREATE OR REPLACE of an
-- object the extension already owns, as 0.5.0 did for streampay_ingest.
CREATE OR REPLACE FUNCTION @extschema@.streampay_account(address text, as_of timestamp,
                                                         chain text DEFAULT NULL)
    RETURNS TABLE (chain_id varchar, asset varchar,
                   rate_in numeric, rate_out numeric,
                   accrued_in numeric, accrued_out numeric,
                   claimable_in numeric, refundable_out numeric,
                   active_in bigint, paused_in bigint,
                   active_out bigint, paused_out bigint,
                   runs_dry_at timestamp)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT x.chain_id, x.asset,
           COALESCE(pg_catalog.sum(x.rate_per_second) FILTER (WHERE x.incoming AND x.active), 0),
           COALESCE(pg_catalog.sum(x.rate_per_second) FILTER (WHERE NOT x.incoming AND x.active), 0),
           COALESCE(@extschema@.streampay_sum_from_columns(0, x.id, x.status, x.rate_per_second,
                        x.start_time, x.end_time, x.total_amount, x.last_settled_at,
                        x.settled_amount, $2) FILTER (WHERE x.incoming), 0),
           COALESCE(@extschema@.streampay_sum_from_columns(0, x.id, x.status, x.rate_per_second,
                        x.start_time, x.end_time, x.total_amount, x.last_settled_at,
                        x.settled_amount, $2) FILTER (WHERE NOT x.incoming), 0),
           COALESCE(@extschema@.streampay_sum_from_columns(1, x.id, x.status, x.rate_per_second,
                        x.start_time, x.end_time, x.total_amount, x.last_settled_at,
                        x.settled_amount, $2) FILTER (WHERE x.incoming), 0),
           COALESCE(@extschema@.streampay_sum_from_columns(2, x.id, x.status, x.rate_per_second,
                        x.start_time, x.end_time, x.total_amount, x.last_settled_at,
                        x.settled_amount, $2) FILTER (WHERE NOT x.incoming), 0),
           pg_catalog.count(*) FILTER (WHERE x.incoming AND x.active),
           pg_catalog.count(*) FILTER (WHERE x.incoming AND x.paused),
           pg_catalog.count(*) FILTER (WHERE NOT x.incoming AND x.active),
           pg_catalog.count(*) FILTER (WHERE NOT x.incoming AND x.paused),
           pg_catalog.min(@extschema@.streampay_depletion_from_columns(x.id, x.status,
                        x.rate_per_second, x.start_time, x.end_time, x.total_amount,
                        x.last_settled_at, x.settled_amount)) FILTER (WHERE NOT x.incoming AND x.active)
      FROM (SELECT s.id, s.status, s.rate_per_second, s.start_time, s.end_time,
                   s.total_amount, s.last_settled_at, s.settled_amount,
                   s.chain_id, s.asset, true AS incoming,
                   s.status OPERATOR(pg_catalog.=) 'active' AS active,
                   s.status OPERATOR(pg_catalog.=) 'paused' AS paused
              FROM @extschema@.streams s
             WHERE s.recipient OPERATOR(pg_catalog.=) $1::varchar
               AND ($3 IS NULL OR s.chain_id OPERATOR(pg_catalog.=) $3::varchar)
            UNION ALL
            SELECT s.id, s.status, s.rate_per_second, s.start_time, s.end_time,
                   s.total_amount, s.last_settled_at, s.settled_amount,
                   s.chain_id, s.asset, false,
                   s.status OPERATOR(pg_catalog.=) 'active',
                   s.status OPERATOR(pg_catalog.=) 'paused'
              FROM @extschema@.streams s
             WHERE s.payer OPERATOR(pg_catalog.=) $1::varchar
               AND ($3 IS NULL OR s.chain_id OPERATOR(pg_catalog.=) $3::varchar)) x
     GROUP BY x.chain_id, x.asset
     ORDER BY x.chain_id, x.asset NULLS LAST
$$;
COMMENT ON FUNCTION @extschema@.streampay_account(text, timestamp, text) IS
    'Per (chain_id, asset) in which the address pays or receives: rates, accrued in/out, claimable in, refundable out, active/paused counts, earliest run-dry time of its outgoing streams';

---------------------------------------------------------------------------
-- issue 13: Citus
--
-- On a Citus cluster the rows of streams live in shards on the workers, and
-- the triggers fire there.  What streampay_ingest tells them about a write
-- (a webhook event, its id and position, a replay, a rewind, the caller)
-- travels in internal settings; set_config() never reaches the workers, so
-- streampay_set_event_context() makes them with SET LOCAL when streams is
-- distributed (Citus forwards those with citus.propagate_set_commands =
-- 'local'), and with set_config() on one node (the function is defined
-- with the inbox functions above).  The purge switch travels the same way.
---------------------------------------------------------------------------


-- Retention on a Citus cluster: the append-only trigger that lets the
-- purge through fires on the workers, so the switch is made with SET LOCAL,
-- which Citus forwards to them (citus.propagate_set_commands = 'local');
-- set_config() stayed on the coordinator and the purge was refused there.
-- Citus forwards a SET LOCAL made inside a function only while a query is
-- executing (its "inside a UDF" test), hence the helper called by PERFORM.
CREATE FUNCTION @extschema@.streampay_allow_event_purge(allow boolean) RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE pg_catalog.format('SET LOCAL streampay.allow_event_purge = %L',
                              CASE WHEN allow THEN 'on' ELSE 'off' END);
END
$$;
REVOKE ALL ON FUNCTION @extschema@.streampay_allow_event_purge(boolean) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.streampay_allow_event_purge(boolean) IS
    'Internal: the purge switch of streampay_purge_events, on every node of a Citus cluster';

CREATE OR REPLACE FUNCTION @extschema@.streampay_purge_events(older_than timestamp) RETURNS bigint
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r
             WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only superusers may purge stream_events';
    END IF;
    -- the append-only trigger lets this transaction-local, superuser-only
    -- setting through
    PERFORM @extschema@.streampay_allow_event_purge(true);
    DELETE FROM @extschema@.stream_events e
     WHERE e.recorded_at OPERATOR(pg_catalog.<) older_than;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM @extschema@.streampay_allow_event_purge(false);
    RETURN n;
END
$$;
