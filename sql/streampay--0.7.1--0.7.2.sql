-- streampay 0.7.1 -> 0.7.2: fixes from two audits of issues 9-13
--
-- * streampay_rederive parks an event whose replay overflows a column
--   (22003 numeric_value_out_of_range, 22008 datetime_field_overflow) as
--   'rule_violation', as streampay_ingest now does for the newest event:
--   failing the delivery failed it on every retry, and the same events in
--   chain order park it.
-- * Ambiguous chain ids (order independence): when two streams share a
--   chain's stream id (two contracts on one chain, or one id on two chains),
--   an event that does not name its contract (or chain) is applied to
--   neither, whatever the arrival order.  streampay_disambiguate, run for
--   each stream_created, parks such events 'ambiguous', also when an
--   earlier creation had already taken them: they leave that stream's
--   history, which is re-derived without them.  streampay_rederive can now
--   take an applied event out (a late event whose state is 'applied') and
--   skips events parked 'ambiguous'.  History before a change made in SQL
--   is still never rewritten: such an event stays applied.
-- (The library also changed; see CHANGELOG.md.)  Every statement can run
-- twice, as Citus propagates an update to the workers.

\echo Use "ALTER EXTENSION streampay UPDATE TO '0.7.2'" to load this file. \quit

-- 0.6.0's body with three changes: the two overflow SQLSTATEs join the
-- ones that park an event instead of failing its delivery; a late event
-- whose state is 'applied' is one being taken out of the stream's history
-- (streampay_disambiguate): the stream is rewound to the state before it
-- and the rest replayed without it, or, when that would rewrite history
-- before a change made in SQL, the event is left applied; and events parked
-- 'ambiguous' are not replayed.
CREATE OR REPLACE FUNCTION @extschema@.streampay_rederive(stream uuid, late @extschema@.stream_inbox,
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
    -- the caller has parked it already; it is not applied again
    v_removing boolean := late.state OPERATOR(pg_catalog.=) 'applied';
BEGIN
    rewound := false;
    reapplied := 0;
    unparked := 0;
    SELECT late.occurred_at AS t, COALESCE(late.chain_ledger, -1) AS l,
           COALESCE(late.chain_event_index, -1) AS x, late.event_id AS id INTO v_pos;

    -- the state before the late event: what the last applied event before it
    -- left.  Needed when an applied event follows it, or when it was applied
    -- itself and is being taken out.
    IF v_removing OR EXISTS (SELECT 1 FROM @extschema@.stream_inbox i
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
        IF NOT FOUND AND v_removing THEN
            -- a stream created in SQL (or before 0.6.0): no state before the
            -- event to go back to; it stays applied, as it was
            PERFORM @extschema@.streampay_record_applied(late);
            RETURN;
        END IF;
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
            IF v_removing THEN
                -- taking it out would rewrite that history: it stays applied
                PERFORM @extschema@.streampay_record_applied(late);
                RETURN;
            END IF;
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
        -- it names more than one stream: it is no part of this one's history
        IF ev.state OPERATOR(pg_catalog.=) 'parked' AND ev.park_reason OPERATOR(pg_catalog.=) 'ambiguous' THEN
            CONTINUE;
        END IF;
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
                   AND i.park_reason IS DISTINCT FROM 'ambiguous'
                   AND (i.occurred_at, COALESCE(i.chain_ledger, -1), COALESCE(i.chain_event_index, -1), i.event_id)
                       OPERATOR(pg_catalog.<) (v_pos.t, v_pos.l, v_pos.x, v_pos.id);
            END IF;
            CONTINUE;
        END IF;
        v_reason := NULL;
        BEGIN
            PERFORM @extschema@.streampay_record_applied(@extschema@.streampay_apply_event(ev));
        EXCEPTION
            WHEN check_violation OR object_not_in_prerequisite_state OR invalid_parameter_value
                 OR numeric_value_out_of_range OR datetime_field_overflow THEN
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

-- An event that leaves out its contract (or its chain) names every stream
-- with its chain's stream id on that chain (or any chain).  While one stream
-- fits, it is that stream's; once two do, it is no stream's, whatever
-- arrived first: streampay_ingest refuses it (22023) when both exist, and
-- this function, called for each stream_created before it is applied, parks
-- 'ambiguous' the events the new stream would share with one already there:
-- those still waiting for a creation, and those an earlier creation took,
-- which leave that stream's history (streampay_rederive replays it without
-- them).  One exception: an event whose removal would rewrite history
-- before a change made in SQL stays applied where it is.
-- Reads streams and writes the inbox in separate statements: on Citus one
-- is distributed and the other local.  Returns how many events it parked.
CREATE OR REPLACE FUNCTION @extschema@.streampay_disambiguate(stream uuid, chain text, contract text,
                                                          chain_stream text)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC'
    -- plan with the stream ids in hand: a generic plan for "the inbox rows
    -- of this chain id, unattached or attached to these streams" cannot see
    -- that they are a few rows of a large inbox, and scans it (measured:
    -- two sequential scans of stream_inbox per shared creation)
    SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    v_ids uuid[];
    v_chains text[];
    v_contracts text[];
    v_ev record;
    v_orig @extschema@.stream_inbox;
    v_taken @extschema@.stream_inbox[] := ARRAY[]::@extschema@.stream_inbox[];
    v_sibling uuid;
    v_n integer := 0;
BEGIN
    SELECT pg_catalog.array_agg(s.id ORDER BY s.id), pg_catalog.array_agg(s.chain_id::text ORDER BY s.id),
           pg_catalog.array_agg(s.contract_address::text ORDER BY s.id)
      INTO v_ids, v_chains, v_contracts
      FROM @extschema@.streams s
     WHERE s.chain_stream_id OPERATOR(pg_catalog.=) chain_stream
       AND s.id OPERATOR(pg_catalog.<>) stream;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;

    -- the events that fit the new stream (as PLAN_ADOPT matches them) and at
    -- least one other, with the streams they fit
    FOR v_ev IN
        SELECT i.event_id, i.stream_id, i.state,
               pg_catalog.array_to_string(pg_catalog.array_append(m.ids, stream) , ', ') AS names
          FROM @extschema@.stream_inbox i,
               LATERAL (SELECT pg_catalog.array_agg(u.id ORDER BY u.id) AS ids
                          FROM ROWS FROM (pg_catalog.unnest(v_ids), pg_catalog.unnest(v_chains),
                                         pg_catalog.unnest(v_contracts)) u(id, chain_id, contract_address)
                         WHERE (i.chain_id OPERATOR(pg_catalog.=) u.chain_id
                                OR NOT (i.payload OPERATOR(pg_catalog.?) 'chainId'))
                           AND (i.contract_address IS NULL
                                OR i.contract_address OPERATOR(pg_catalog.=) u.contract_address)) m
         WHERE i.chain_stream_id OPERATOR(pg_catalog.=) chain_stream
           AND i.event_type OPERATOR(pg_catalog.<>) 'stream_created'
           AND (i.chain_id OPERATOR(pg_catalog.=) chain OR NOT (i.payload OPERATOR(pg_catalog.?) 'chainId'))
           AND (i.contract_address IS NULL OR i.contract_address OPERATOR(pg_catalog.=) contract)
           AND m.ids IS NOT NULL
           AND (i.stream_id IS NULL OR i.stream_id OPERATOR(pg_catalog.=) ANY (v_ids))
         ORDER BY i.occurred_at, COALESCE(i.chain_ledger, -1), COALESCE(i.chain_event_index, -1), i.event_id
    LOOP
        IF v_ev.state OPERATOR(pg_catalog.=) 'applied' THEN
            SELECT * INTO v_orig FROM @extschema@.stream_inbox i
             WHERE i.event_id OPERATOR(pg_catalog.=) v_ev.event_id;
            v_taken := v_taken OPERATOR(pg_catalog.||) v_orig;
        END IF;
        PERFORM @extschema@.streampay_park_event(v_ev.event_id, 'ambiguous',
            pg_catalog.format('streamId %s is ambiguous: streams %s have it, and the event names no chainId or contractAddress that tells them apart; it applies to none of them.',
                              chain_stream, v_ev.names));
        v_n := v_n OPERATOR(pg_catalog.+) 1;
    END LOOP;

    -- each stream that had applied some: re-derived from the first one whose
    -- removal rewrites no history before a SQL change (that replay leaves
    -- out the later ones too)
    FOR v_sibling IN SELECT DISTINCT t.stream_id FROM pg_catalog.unnest(v_taken) t LOOP
        FOR v_orig IN SELECT * FROM pg_catalog.unnest(v_taken) t
                       WHERE t.stream_id OPERATOR(pg_catalog.=) v_sibling
                       ORDER BY t.occurred_at, COALESCE(t.chain_ledger, -1), COALESCE(t.chain_event_index, -1),
                                t.event_id COLLATE "C" LOOP
            PERFORM @extschema@.streampay_rederive(v_sibling, v_orig);
            EXIT WHEN EXISTS (SELECT 1 FROM @extschema@.stream_inbox i
                               WHERE i.event_id OPERATOR(pg_catalog.=) v_orig.event_id
                                 AND i.state OPERATOR(pg_catalog.=) 'parked');
            v_n := v_n OPERATOR(pg_catalog.-) 1;
        END LOOP;
    END LOOP;

    -- what stayed parked belongs to no stream, as when it arrived first
    UPDATE @extschema@.stream_inbox i SET stream_id = NULL
     WHERE i.chain_stream_id OPERATOR(pg_catalog.=) chain_stream
       AND i.stream_id OPERATOR(pg_catalog.=) ANY (v_ids)
       AND i.state OPERATOR(pg_catalog.=) 'parked'
       AND i.park_reason OPERATOR(pg_catalog.=) 'ambiguous';
    RETURN v_n;
END
$$;
REVOKE ALL ON FUNCTION @extschema@.streampay_disambiguate(uuid, text, text, text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.streampay_disambiguate(uuid, text, text, text) IS
    'Internal to streampay_ingest: before a stream_created is applied, parks as ''ambiguous'' the events that name both the new stream and one already there, and re-derives that one without them';

COMMENT ON VIEW @extschema@.streampay_parked IS
    'Webhook events kept but not applied, and why (stream_unknown, before_creation, invalid_transition, amount_mismatch, before_sql_change, rule_violation, ambiguous); each is re-checked whenever its stream is re-derived, except ambiguous ones, which belong to no stream';

-- A key left in the settings of 0.2.0/0.3.0 is readable by every role in a
-- session that has not loaded the library (a placeholder from
-- postgresql.conf); ingestion refuses while it is there, and the update
-- says so too, once, to whoever runs it.
DO $$
BEGIN
    IF COALESCE(pg_catalog.current_setting('streampay.webhook_secret', true), '') OPERATOR(pg_catalog.<>) ''
       OR COALESCE(pg_catalog.current_setting('streampay.webhook_secret_previous', true), '') OPERATOR(pg_catalog.<>) '' THEN
        RAISE WARNING 'streampay.webhook_secret or streampay.webhook_secret_previous still holds a key, which any role can read'
            USING HINT = 'Move the keys to the file named by streampay.webhook_secret_file, then ALTER SYSTEM RESET both settings and reload.';
    END IF;
END
$$;
