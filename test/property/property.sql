-- The order-independence property test (issue 11), server side.
--
-- prop_generate(seed, histories) builds random valid event histories of
-- streams and delivers each event, in chain order, as it builds it: the
-- amount a 'settled' event carries is what the chain would report, which is
-- what this database (in chain order) has to settle at that moment.  Every
-- delivery must answer 'applied'.  The signed payloads are kept in
-- prop_events for the other database.
--
-- prop_deliver_shuffled(seed) delivers prop_events into another database
-- as a random permutation (all streams interleaved) with random duplicate
-- deliveries.  Each delivery is its own transaction (a procedure that
-- commits), as a real indexer's are.
--
-- prop_state(seed) is what is compared: every stream row and its balances
-- at 5 random times, the ledger invariant, and the parked events.

SET TimeZone = 'UTC';

CREATE TABLE prop_events (hist int, seq int, event_id text, body text, PRIMARY KEY (hist, seq));
CREATE TABLE prop_failures (hist int, seq int, body text, answer text);

CREATE FUNCTION prop_send(body text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT streampay_ingest(body, streampay_sign(body, 'whsec_property'))
$$;

-- a random amount with up to 9 decimals, below 10^digits
CREATE FUNCTION prop_amount(digits int) RETURNS numeric LANGUAGE sql AS $$
  SELECT round((random() * 10 ^ digits)::numeric, (random() * 9)::int)
$$;

CREATE PROCEDURE prop_generate(seed double precision, histories int)
LANGUAGE plpgsql AS $$
DECLARE
    h int;
    k int;
    i int;
    key text;
    t timestamp;
    typ text;
    data jsonb;
    extra jsonb;
    body text;
    r jsonb;
    s streams;
    positions boolean;
    roll double precision;
    sid uuid;
BEGIN
    PERFORM setseed(seed);
    FOR h IN 1 .. histories LOOP
        k := 1 + floor(random() * 40)::int;             -- 1-40 events
        key := CASE h % 3 WHEN 0 THEN h::text            -- a contract's integer id
                          WHEN 1 THEN 'stream_' || h     -- the backend's test ids
                          ELSE md5('prop' || h)::uuid::text END;
        positions := random() < 0.5;                     -- ledger/eventIndex sent or not
        t := timestamp '2025-01-01' + make_interval(secs => floor(random() * 86400 * 30));
        FOR i IN 1 .. k LOOP
            IF i = 1 THEN
                typ := 'stream_created';
                data := jsonb_build_object(
                    'payer', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
                    'recipient', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
                    'ratePerSecond', prop_amount(3)::text,
                    'totalAmount', (prop_amount(7) + 1)::text,
                    'startTime', to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                    'endTime', CASE WHEN random() < 0.3
                                    THEN to_char(t + make_interval(secs => 1 + floor(random() * 86400 * 400)),
                                                 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END);
            ELSE
                -- time moves on, sometimes not at all (same second: the position decides)
                IF random() < 0.8 THEN
                    t := t + make_interval(secs => 1 + floor(random() * 86400 * (CASE WHEN random() < 0.1 THEN 100 ELSE 2 END)));
                END IF;
                SELECT * INTO s FROM streams WHERE id = sid;
                EXIT WHEN s.status IN ('cancelled', 'completed');
                roll := random();
                data := NULL;
                IF s.status = 'active' THEN
                    -- terminal events rare enough that histories run long
                    typ := CASE WHEN roll < 0.2 THEN 'stream_paused'
                                WHEN roll < 0.23 THEN 'stream_cancelled'
                                WHEN roll < 0.53 THEN 'settled'
                                WHEN roll < 0.75 THEN 'rate_changed'
                                WHEN roll < 0.95 THEN 'topped_up'
                                ELSE 'stream_completed' END;
                    IF typ = 'stream_completed' AND NOT ((s.end_time IS NOT NULL AND t >= s.end_time)
                                                         OR streampay_accrued(s, t) >= s.total_amount) THEN
                        typ := 'settled';
                    END IF;
                ELSE
                    typ := CASE WHEN roll < 0.45 THEN 'stream_resumed'
                                WHEN roll < 0.48 THEN 'stream_cancelled'
                                WHEN roll < 0.7 THEN 'settled'
                                WHEN roll < 0.85 THEN 'rate_changed'
                                ELSE 'topped_up' END;
                END IF;
                IF typ = 'settled' THEN
                    data := jsonb_build_object('amount', streampay_claimable(s, t)::text);
                ELSIF typ = 'rate_changed' THEN
                    data := jsonb_build_object('ratePerSecond', prop_amount(3)::text);
                ELSIF typ = 'topped_up' THEN
                    data := jsonb_build_object('amount', (prop_amount(6) + 0.000000001)::text);
                END IF;
            END IF;
            extra := CASE WHEN positions THEN jsonb_build_object('ledger', 1000 + i, 'eventIndex', i % 3)
                          ELSE '{}'::jsonb END;
            IF data IS NOT NULL THEN
                extra := extra || jsonb_build_object('data', data);
            END IF;
            body := (jsonb_build_object('eventId', format('p%s-%s', lpad(h::text, 6, '0'), lpad(i::text, 3, '0')),
                                        'eventType', typ, 'streamId', key,
                                        'occurredAt', to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) || extra)::text;
            r := prop_send(body);
            IF r ->> 'outcome' IS DISTINCT FROM 'applied' THEN
                INSERT INTO prop_failures VALUES (h, i, body, r::text);
            END IF;
            IF i = 1 THEN
                sid := (r ->> 'streamId')::uuid;
            END IF;
            INSERT INTO prop_events VALUES (h, i, format('p%s-%s', lpad(h::text, 6, '0'), lpad(i::text, 3, '0')), body);
            COMMIT;
        END LOOP;
    END LOOP;
END
$$;

CREATE PROCEDURE prop_deliver_shuffled(seed double precision)
LANGUAGE plpgsql AS $$
DECLARE
    e record;
    r jsonb;
BEGIN
    PERFORM setseed(seed);
    -- every event once, about 10% twice, in one random order over all streams
    CREATE TEMP TABLE prop_order AS
      SELECT body, random() AS o FROM prop_events
      UNION ALL
      SELECT body, random() FROM prop_events WHERE random() < 0.1;
    FOR e IN SELECT body FROM prop_order ORDER BY o LOOP
        r := prop_send(e.body);
        IF r ->> 'outcome' NOT IN ('applied', 'reordered', 'parked', 'duplicate') THEN
            INSERT INTO prop_failures VALUES (NULL, NULL, e.body, r::text);
        END IF;
        COMMIT;
    END LOOP;
    DROP TABLE prop_order;
END
$$;

-- the compared state: rows, balances at 5 random times, invariants
CREATE FUNCTION prop_state(seed double precision) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    times timestamp[];
BEGIN
    PERFORM setseed(seed);
    SELECT array_agg(timestamp '2025-01-01' + make_interval(secs => floor(random() * 86400 * 800)))
      INTO times FROM generate_series(1, 5);
    RETURN QUERY
      SELECT concat_ws('|', s.chain_stream_id, s.id, s.status, s.rate_per_second, s.total_amount,
                       s.end_time, s.settled_amount, s.last_settled_at,
                       (SELECT string_agg(concat_ws('/', streampay_accrued(s, t), streampay_claimable(s, t),
                                                    streampay_refundable(s, t)), ' ' ORDER BY t)
                          FROM unnest(times) t))
        FROM streams s ORDER BY s.chain_stream_id;
    RETURN QUERY
      SELECT 'ledger sums match: ' || coalesce(bool_and(s.settled_amount = (SELECT sum(e.settled_delta)
                 FROM stream_events e WHERE e.stream_id = s.id)), true)
        FROM streams s;
    RETURN QUERY SELECT 'parked: ' || count(*) FROM streampay_parked;
    RETURN QUERY SELECT 'failures: ' || count(*) FROM prop_failures;
END
$$;
