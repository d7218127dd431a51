-- streampay 0.5.0 -> 0.6.0
\echo Use "ALTER EXTENSION streampay UPDATE TO '0.6.0'" to load this file. \quit

---------------------------------------------------------------------------
-- issue 13: Citus
--
-- On a Citus cluster the rows of streams live in shards on the workers,
-- and the ledger trigger fires there.  What streampay_ingest tells the
-- ledger about a webhook event (source, event id, transaction hash,
-- payload digest, and the role that called it) travelled in settings made
-- with set_config(), which Citus does not send to the workers: on a
-- cluster the ledger recorded webhook events as plain SQL changes.  The
-- settings are now made with SET LOCAL statements, which Citus forwards
-- to every worker of the transaction (with citus.propagate_set_commands =
-- 'local', which the helper requires when streams is distributed), and the
-- caller travels as streampay.event_actor because on a worker the session
-- user is the role Citus connected as.  On one node nothing changes.
--
-- Nothing here changes a table, so Citus propagates none of it on its
-- own: ALTER EXTENSION UPDATE, which Citus forwards to every worker, runs
-- it once on each node (functions an extension script creates belong to
-- the extension, and Citus leaves them to it).
--
-- MERGE NOTE (for the chain-ordered ingestion of 0.6.0): the function body
-- below is 0.5.0's with only its four set_config() calls replaced by one
-- call of streampay_event_context().  When this section is appended after
-- the new ingestion code, drop this copy of the body and make that same
-- one-line replacement in the new body instead.
---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.streampay_event_context(external_event_id text,
        transaction_hash text, payload_digest text, actor name)
    RETURNS void
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    distributed boolean := false;
BEGIN
    -- on a Citus cluster the workers must receive these settings (Citus'
    -- catalog is read with EXECUTE: without Citus it does not exist)
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p
                                 WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1)'
           INTO distributed USING '@extschema@.streams'::pg_catalog.regclass;
    END IF;
    IF distributed AND pg_catalog.current_setting('citus.propagate_set_commands', true)
                       IS DISTINCT FROM 'local' THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = pg_catalog.format('webhook event %s: streams is distributed with Citus, but citus.propagate_set_commands is not ''local''',
                                        external_event_id),
            DETAIL = 'The ledger is written on the workers, which would not learn that the change is a webhook event.',
            HINT = 'ALTER SYSTEM SET citus.propagate_set_commands = ''local''; SELECT pg_reload_conf(); on the coordinator.';
    END IF;
    EXECUTE pg_catalog.format('SET LOCAL streampay.event_source = %L', 'webhook');
    EXECUTE pg_catalog.format('SET LOCAL streampay.external_event_id = %L', external_event_id);
    EXECUTE pg_catalog.format('SET LOCAL streampay.event_transaction_hash = %L', transaction_hash);
    EXECUTE pg_catalog.format('SET LOCAL streampay.event_payload_digest = %L', payload_digest);
    EXECUTE pg_catalog.format('SET LOCAL streampay.event_actor = %L', actor);
END
$$;
REVOKE ALL ON FUNCTION @extschema@.streampay_event_context(text, text, text, name) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.streampay_event_context(text, text, text, name) IS
    'Internal: marks the rest of the transaction as webhook event external_event_id for the ledger, on every node of a Citus cluster';

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
    v_stream_id uuid;
    v_at timestamp;
    v_digest bytea;
    v_seen bytea;
    v_chain text;
    v_tx text;
    v_family text;
    v_problem text;
    v_before @extschema@.streams;
    v_after @extschema@.streams;
    v_expected numeric;
    v_amount numeric;
    v_ack bigint;
BEGIN
    -- 1. authenticity first: nothing is parsed before the signature holds
    PERFORM @extschema@.streampay_verify_signature(payload, signature);

    -- 2. shape
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
    IF v_event_id IS NULL OR v_event_id OPERATOR(pg_catalog.=) '' OR v_event_type IS NULL
       OR (j OPERATOR(pg_catalog.->>) 'streamId') IS NULL
       OR (j OPERATOR(pg_catalog.->>) 'occurredAt') IS NULL THEN
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
    BEGIN
        v_stream_id := (j OPERATOR(pg_catalog.->>) 'streamId')::uuid;
    EXCEPTION WHEN invalid_text_representation THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s has an invalid streamId', v_event_id),
            DETAIL = SQLERRM;
    END;
    v_at := @extschema@.streampay_event_time(j OPERATOR(pg_catalog.->>) 'occurredAt', 'occurredAt', v_event_id);
    d := COALESCE(j OPERATOR(pg_catalog.->) 'data', '{}'::jsonb);
    IF pg_catalog.jsonb_typeof(d) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s: data must be a JSON object', v_event_id);
    END IF;
    v_chain := j OPERATOR(pg_catalog.->>) 'chainId';
    v_tx := j OPERATOR(pg_catalog.->>) 'transactionHash';
    v_digest := pg_catalog.sha256(pg_catalog.convert_to(payload, 'UTF8'));

    -- 3. replay: the ledger remembers every event id, forever.  Deliveries
    -- of one event id take turns (a transaction-scoped advisory lock, in
    -- streampay's lock class), so a concurrent duplicate waits for the first
    -- to commit and then finds it here, instead of failing on the ledger's
    -- unique index.
    PERFORM pg_catalog.pg_advisory_xact_lock(1937011301, -- 'stre'
                                             pg_catalog.hashtext(v_event_id));
    SELECT e.payload_digest INTO v_seen FROM @extschema@.stream_events e
     WHERE e.external_event_id OPERATOR(pg_catalog.=) v_event_id;
    IF FOUND THEN
        IF v_seen OPERATOR(pg_catalog.=) v_digest THEN
            RETURN pg_catalog.jsonb_build_object('duplicate', true, 'eventId', v_event_id,
                                                 'streamId', v_stream_id);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'unique_violation',
            MESSAGE = pg_catalog.format('webhook event %s was already ingested with a different payload', v_event_id),
            HINT = 'An event id identifies one event forever; send a new id for a new event.';
    END IF;

    -- a transaction hash must have the format of the stream's chain
    IF v_tx IS NOT NULL THEN
        SELECT c.family INTO v_family FROM @extschema@.streampay_chains c
         WHERE c.chain_id OPERATOR(pg_catalog.=) COALESCE(v_chain,
                 (SELECT s.chain_id FROM @extschema@.streams s
                   WHERE s.id OPERATOR(pg_catalog.=) v_stream_id), 'stellar-testnet');
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

    -- 4. apply through the same trigger rules, with T = occurredAt
    -- issue 13: SET LOCAL, which Citus forwards to the workers (set_config() does not)
    PERFORM @extschema@.streampay_event_context(v_event_id, COALESCE(v_tx, ''),
                                                pg_catalog.encode(v_digest, 'hex'),
                                                @extschema@.streampay_caller());
    BEGIN
        IF v_event_type OPERATOR(pg_catalog.=) 'stream_created' THEN
            -- every field the row needs, named when missing (not a NOT NULL error)
            IF NOT (d OPERATOR(pg_catalog.?&) ARRAY['payer', 'recipient', 'ratePerSecond',
                                                     'totalAmount', 'startTime']) THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = pg_catalog.format('webhook event %s lacks a required data field', v_event_id),
                    DETAIL = 'stream_created needs data.payer, data.recipient, data.ratePerSecond, data.totalAmount and data.startTime.';
            END IF;
            -- like every other event, creation has already happened on chain
            IF v_at OPERATOR(pg_catalog.>) pg_catalog.timezone('UTC', pg_catalog.clock_timestamp()) THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = pg_catalog.format('webhook event %s: occurredAt is in the future', v_event_id),
                    DETAIL = pg_catalog.format('occurredAt is %s (UTC).', v_at);
            END IF;
            -- the stream was created on chain at occurredAt
            INSERT INTO @extschema@.streams (id, payer, recipient, rate_per_second, start_time,
                                             end_time, total_amount, chain_id, contract_address,
                                             transaction_hash, created_at, asset)
            VALUES (v_stream_id, d OPERATOR(pg_catalog.->>) 'payer', d OPERATOR(pg_catalog.->>) 'recipient',
                    @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'ratePerSecond', 'data.ratePerSecond', v_event_id),
                    @extschema@.streampay_event_time(d OPERATOR(pg_catalog.->>) 'startTime', 'data.startTime', v_event_id),
                    @extschema@.streampay_event_time(d OPERATOR(pg_catalog.->>) 'endTime', 'data.endTime', v_event_id),
                    @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'totalAmount', 'data.totalAmount', v_event_id),
                    COALESCE(v_chain, 'stellar-testnet'),
                    d OPERATOR(pg_catalog.->>) 'contractAddress', v_tx, v_at,
                    d OPERATOR(pg_catalog.->>) 'asset')
            RETURNING * INTO v_after;
            v_before := NULL;
        ELSE
            SELECT * INTO v_before FROM @extschema@.streams s
             WHERE s.id OPERATOR(pg_catalog.=) v_stream_id FOR NO KEY UPDATE;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'no_data_found',
                    MESSAGE = pg_catalog.format('webhook event %s: stream %s does not exist', v_event_id, v_stream_id);
            END IF;
            IF v_chain IS NOT NULL AND v_chain OPERATOR(pg_catalog.<>) v_before.chain_id THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = pg_catalog.format('webhook event %s: stream %s is on chain %s, not %s',
                                                v_event_id, v_stream_id, v_before.chain_id, v_chain);
            END IF;
            CASE v_event_type
            WHEN 'stream_paused' THEN
                UPDATE @extschema@.streams s SET status = 'paused', last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            WHEN 'stream_resumed' THEN
                UPDATE @extschema@.streams s SET status = 'active', last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            WHEN 'stream_cancelled' THEN
                UPDATE @extschema@.streams s SET status = 'cancelled', last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            WHEN 'stream_completed' THEN
                UPDATE @extschema@.streams s SET status = 'completed', last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            WHEN 'settled' THEN
                IF v_at OPERATOR(pg_catalog.>=) v_before.last_settled_at THEN
                    v_expected := @extschema@.streampay_claimable(v_before, v_at);
                    IF d OPERATOR(pg_catalog.?) 'amount' AND
                       @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'amount', 'data.amount', v_event_id)
                                        OPERATOR(pg_catalog.<>) v_expected THEN
                        RAISE EXCEPTION USING ERRCODE = 'check_violation',
                            MESSAGE = pg_catalog.format('webhook event %s: settled amount does not match stream %s',
                                                        v_event_id, v_stream_id),
                            DETAIL = pg_catalog.format('The event says %s; at %s the stream has %s to settle.',
                                                       d OPERATOR(pg_catalog.->>) 'amount', v_at, v_expected);
                    END IF;
                END IF;
                UPDATE @extschema@.streams s SET last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            WHEN 'rate_changed' THEN
                UPDATE @extschema@.streams s
                   SET rate_per_second = @extschema@.streampay_event_amount(
                           d OPERATOR(pg_catalog.->>) 'ratePerSecond', 'data.ratePerSecond', v_event_id),
                       last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            WHEN 'topped_up' THEN
                -- a top-up adds: a negative amount would be a reduction logged as a top-up
                v_amount := @extschema@.streampay_event_amount(d OPERATOR(pg_catalog.->>) 'amount',
                                                               'data.amount', v_event_id);
                IF v_amount IS NULL OR v_amount OPERATOR(pg_catalog.<=) 0 THEN
                    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                        MESSAGE = pg_catalog.format('webhook event %s: topped_up needs a positive data.amount', v_event_id);
                END IF;
                UPDATE @extschema@.streams s
                   SET total_amount = s.total_amount OPERATOR(pg_catalog.+) v_amount,
                       last_settled_at = v_at
                 WHERE s.id OPERATOR(pg_catalog.=) v_stream_id RETURNING * INTO v_after;
            ELSE
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = pg_catalog.format('webhook event %s has unknown eventType "%s"',
                                                v_event_id, v_event_type),
                    HINT = 'Known types: stream_created, stream_paused, stream_resumed, stream_cancelled, stream_completed, settled, rate_changed, topped_up.';
            END CASE;
        END IF;

        -- an event that changed nothing still has to be remembered
        IF NOT EXISTS (SELECT 1 FROM @extschema@.stream_events e
                        WHERE e.external_event_id OPERATOR(pg_catalog.=) v_event_id) THEN
            INSERT INTO @extschema@.stream_events
                (stream_id, event_type, occurred_at, from_status, to_status, settled_delta,
                 settled_amount, rate_per_second, total_amount, actor, source,
                 external_event_id, transaction_hash, payload_digest)
            VALUES (v_stream_id, 'acknowledged', v_at, v_after.status, v_after.status, 0,
                    v_after.settled_amount, v_after.rate_per_second, v_after.total_amount,
                    @extschema@.streampay_caller(), 'webhook', v_event_id, v_tx, v_digest)
            RETURNING event_id INTO v_ack;
            -- announced like the C trigger announces the other events
            IF pg_catalog.current_setting('streampay.notify', true) IS DISTINCT FROM 'off' THEN
                -- the same compact text the C trigger writes
                PERFORM pg_catalog.pg_notify('streampay_events', pg_catalog.format(
                    '{"eventId":%s,"streamId":"%s","eventType":"acknowledged","status":"%s","occurredAt":"%s"}',
                    v_ack, v_stream_id, v_after.status,
                    pg_catalog.to_char(v_at, 'YYYY-MM-DD"T"HH24:MI:SS.US')));
            END IF;
        END IF;
    EXCEPTION WHEN unique_violation THEN
        -- a concurrent delivery of the same event won: this one is a replay
        SELECT e.payload_digest INTO v_seen FROM @extschema@.stream_events e
         WHERE e.external_event_id OPERATOR(pg_catalog.=) v_event_id;
        IF FOUND AND v_seen OPERATOR(pg_catalog.=) v_digest THEN
            RETURN pg_catalog.jsonb_build_object('duplicate', true, 'eventId', v_event_id,
                                                 'streamId', v_stream_id);
        END IF;
        RAISE;
    END;

    RETURN pg_catalog.jsonb_build_object(
        'duplicate', false, 'eventId', v_event_id, 'eventType', v_event_type, 'streamId', v_stream_id,
        'status', v_after.status, 'settledAmount', v_after.settled_amount,
        'settledDelta', v_after.settled_amount OPERATOR(pg_catalog.-)
                        COALESCE(v_before.settled_amount, 0),
        'lastSettledAt', v_after.last_settled_at);
END
$$;

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
