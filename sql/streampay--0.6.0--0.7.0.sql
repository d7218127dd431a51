-- streampay 0.6.0 -> 0.7.0: speed where 0.6.0 missed its targets
--
-- * Webhook ingestion (issue 11): the chain id of a stream is derived in C
--   (the SQL function was never inlined: its IMMUTABLE body called STABLE
--   functions, so every delivery parsed and planned it again), the check
--   that ties the chain id to the row's id calls it instead of spelling the
--   formula out (a large expression every write to streams prepared
--   anew), and an in-order delivery runs fewer statements.
-- * streampay_account (issue 12): one pass over the address's streams.

\echo Use "ALTER EXTENSION streampay UPDATE TO '0.7.0'" to load this file. \quit

---------------------------------------------------------------------------
-- issue 11: webhook ingestion
---------------------------------------------------------------------------

-- The same function, in C: same arguments, same result byte for byte (NULL
-- handling included), but no SQL body to parse and plan at each call.
CREATE OR REPLACE FUNCTION @extschema@.streampay_chain_stream_uuid(chain_id text, contract_address text,
                                                                  chain_stream_id text)
    RETURNS uuid
    AS 'MODULE_PATHNAME', 'streampay_chain_stream_uuid'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- The check that ties a chain id to the row's id, calling the function
-- instead of spelling its formula out: every statement that writes streams
-- prepares its checks anew, and the spelled-out form was most of that cost.
-- (0.6.0 spelled it out because on a Citus cluster the check reaches the
-- workers' shards before the workers run the update script; from 0.6.0 on
-- the function exists there.)  Safe to run twice, like 0.6.0's changes:
-- the workers of a Citus cluster run this script after the coordinator's
-- ALTER TABLE has reached them.  Adding the check validates every row.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
                    WHERE c.conrelid OPERATOR(pg_catalog.=) '@extschema@.streams'::pg_catalog.regclass
                      AND c.conname OPERATOR(pg_catalog.=) 'streams_chain_stream_id_check'
                      AND pg_catalog.pg_get_constraintdef(c.oid)
                          OPERATOR(pg_catalog.~~) '%streampay_chain_stream_uuid(%') THEN
        ALTER TABLE @extschema@.streams DROP CONSTRAINT IF EXISTS streams_chain_stream_id_check;
        ALTER TABLE @extschema@.streams ADD CONSTRAINT streams_chain_stream_id_check
            CHECK (chain_stream_id IS NULL
                   OR (chain_stream_id OPERATOR(pg_catalog.<>) ''
                       AND id OPERATOR(pg_catalog.=)
                           @extschema@.streampay_chain_stream_uuid(chain_id, contract_address, chain_stream_id)));
    END IF;
END
$$;

-- Applying one inbox event, in C (apply.c): the same statements as 0.6.0's
-- PL/pgSQL, planned once per backend instead of once per transaction.
CREATE OR REPLACE FUNCTION @extschema@.streampay_apply_event(ev @extschema@.stream_inbox)
    RETURNS @extschema@.stream_inbox
    AS 'MODULE_PATHNAME', 'streampay_apply_event'
    LANGUAGE C VOLATILE STRICT;
CREATE OR REPLACE FUNCTION @extschema@.streampay_park_reason(sqlstate text, hint text)
    RETURNS text
    AS 'MODULE_PATHNAME', 'streampay_park_reason'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- streampay_ingest as in 0.6.0, with fewer statements on the way to an
-- in-order event: the replay check reads the inbox and the ledger in one
-- statement, and the probe that finds the stream also reads its settled
-- amount and its newest inbox position.
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
    v_seen_digest bytea; v_seen_row bigint;
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
    v_newest boolean; v_probed boolean := false;
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
    -- one statement: the inbox, else (events ingested before 0.6.0) the
    -- ledger, which knows them by a digest of their bytes
    SELECT i.payload, e.event_id, e.payload_digest INTO v_seen, v_seen_row, v_seen_digest
      FROM (SELECT) AS one
      LEFT JOIN @extschema@.stream_inbox i ON i.event_id OPERATOR(pg_catalog.=) v_event_id
      LEFT JOIN @extschema@.stream_events e ON i.event_id IS NULL
                AND e.external_event_id OPERATOR(pg_catalog.=) v_event_id;
    IF v_seen IS NULL THEN
        IF v_seen_row IS NOT NULL THEN
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
        -- (the same statement reads what the in-order path needs next: the
        -- stream's settled amount and its newest event's chain position, by
        -- a backward index scan with LIMIT 1)
        SELECT s.chain_id, s.settled_amount, l.occurred_at, l.ledger, l.event_index, l.event_id
          INTO v_family, v_settled_before, v_last_t, v_last_l, v_last_x, v_last_id
          FROM @extschema@.streams s
          LEFT JOIN LATERAL (
                SELECT i.occurred_at, COALESCE(i.chain_ledger, -1) AS ledger,
                       COALESCE(i.chain_event_index, -1) AS event_index, i.event_id
                  FROM @extschema@.stream_inbox i
                 WHERE i.stream_id OPERATOR(pg_catalog.=) s.id
                 ORDER BY i.occurred_at DESC, COALESCE(i.chain_ledger, -1) DESC,
                          COALESCE(i.chain_event_index, -1) DESC, i.event_id DESC
                 LIMIT 1) l ON true
         WHERE s.id OPERATOR(pg_catalog.=) v_stream_id
           AND s.chain_stream_id OPERATOR(pg_catalog.=) v_key
           AND s.contract_address IS NOT DISTINCT FROM v_contract;
        v_probed := FOUND;
        IF v_probed THEN
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
    IF v_probed THEN
        v_newest := v_last_t IS NULL
            OR (v_last_t, v_last_l, v_last_x, v_last_id)
               OPERATOR(pg_catalog.<) (v_at, COALESCE(v_ledger, -1), COALESCE(v_index, -1), v_event_id);
    ELSIF v_stream_id IS NOT NULL AND v_event_type OPERATOR(pg_catalog.<>) 'stream_created' THEN
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
        IF NOT v_probed THEN
            SELECT s.settled_amount INTO v_settled_before FROM @extschema@.streams s
             WHERE s.id OPERATOR(pg_catalog.=) v_stream_id;
        END IF;
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


---------------------------------------------------------------------------
-- issue 12: streampay_account in one pass
---------------------------------------------------------------------------

---------------------------------------------------------------------------
-- issue 11: webhook events parsed in C
---------------------------------------------------------------------------

-- The field parsers of streampay_ingest, in C (webhook_event.c): the same
-- arguments, results, NULL handling (NULL in, NULL out; not STRICT),
-- volatility, SQLSTATEs and messages as their PL/pgSQL bodies, which a
-- delivery prepared again in each transaction.  The regular expressions
-- are matched by hand, and a time is read by the server's own timestamptz
-- input in UTC.  Their comments carry over.
CREATE OR REPLACE FUNCTION @extschema@.streampay_event_time(value text, field text, event_id text)
    RETURNS timestamp
    AS 'MODULE_PATHNAME', 'streampay_event_time'
    LANGUAGE C STABLE;

CREATE OR REPLACE FUNCTION @extschema@.streampay_event_amount(value text, field text, event_id text)
    RETURNS numeric
    AS 'MODULE_PATHNAME', 'streampay_event_amount'
    LANGUAGE C IMMUTABLE;

CREATE OR REPLACE FUNCTION @extschema@.streampay_event_position(value jsonb, field text, event_id text)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'streampay_event_position'
    LANGUAGE C IMMUTABLE;

-- Steps 1 (authenticity) and 2 (shape) of a delivery, as streampay_ingest
-- runs them, with what they found as jsonb: for tests.
CREATE FUNCTION @extschema@.streampay_webhook_parse(payload text, signature text) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'streampay_webhook_parse'
    LANGUAGE C VOLATILE STRICT;
REVOKE ALL ON FUNCTION @extschema@.streampay_webhook_parse(text, text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.streampay_webhook_parse(text, text) IS
    'Internal: checks a webhook delivery''s signature and shape as streampay_ingest does (same errors) and returns the fields it read; stores nothing';
