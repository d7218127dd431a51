-- streampay 0.7.1 -> 0.7.2: fixes from two audits of issues 9-13
--
-- * streampay_rederive parks an event whose replay overflows a column
--   (22003 numeric_value_out_of_range, 22008 datetime_field_overflow) as
--   'rule_violation', as streampay_ingest now does for the newest event:
--   failing the delivery failed it on every retry, and the same events in
--   chain order park it.
-- (The library also changed; see CHANGELOG.md.)  Every statement can run
-- twice, as Citus propagates an update to the workers.

\echo Use "ALTER EXTENSION streampay UPDATE TO '0.7.2'" to load this file. \quit

-- 0.6.0's body with one change: the two overflow SQLSTATEs join the ones
-- that park an event instead of failing its delivery.
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
