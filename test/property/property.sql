-- The order-independence property test (issue 11), server side.
--
-- prop_generate(seed, histories, twin_percent) builds random valid event histories of
-- streams and delivers each event, in chain order, as it builds it: the
-- amount a 'settled' event carries is what the chain would report, which is
-- what this database (in chain order) has to settle at that moment.  Every
-- delivery must answer 'applied' (a twin history's real events, below,
-- anything but an error).  The signed payloads are kept in prop_events for
-- the other database.
--
-- prop_deliver_shuffled(seed) delivers prop_events into another database
-- as a random permutation (all streams interleaved) with random duplicate
-- deliveries.  Each delivery is its own transaction (a procedure that
-- commits), as a real indexer's are.
--
-- prop_state(seed) is what is compared: every stream row and its balances
-- at 5 random times, the ledger invariant, and the parked events.
--
-- Twin histories (twin_percent of them, 0.7.2): two streams with one
-- streamId, created by two contracts on one chain, each with its own events (which
-- carry contractAddress), plus 1-3 events without contractAddress, each
-- valid for one of the two at its position.  Such an event names both
-- streams, so it must belong to neither, whatever the arrival order: it is
-- refused (22023, the only error tolerated, and only for those events) or
-- parked 'ambiguous' with no stream.  prop_generate first builds the two
-- streams under scratch chain ids of their own ('scratch_x_' || streamId,
-- 'scratch_y_' || streamId: not shared, so not ambiguous) from their own
-- events only: that is the reference, the history without the contract-less
-- events in chain order.  It then delivers the real events, contract-less
-- ones included, in chain order (across both streams).  prop_twin_rows
-- gives both streams of each twin history (or the reference's), and
-- prop_twin_check what became of the contract-less events.

SET TimeZone = 'UTC';

CREATE TABLE prop_events (hist int, seq int, event_id text, body text,
                          contractless boolean NOT NULL DEFAULT false,  -- a twin history's event without contractAddress
                          PRIMARY KEY (hist, seq));
CREATE TABLE prop_failures (hist int, seq int, body text, answer text);
-- the twin histories and their streamId (copied to the other database)
CREATE TABLE prop_twins (hist int PRIMARY KEY, key text NOT NULL);
-- contract-less events this database refused as ambiguous (22023)
CREATE TABLE prop_refused (event_id text, message text);
-- one twin history's events while it is built (stream 1 or 2; 0: contract-less)
CREATE TABLE prop_twin_events (stream int, i int, event_id text, t timestamp, ledger int, idx int,
                               body jsonb, status text, contractless boolean);

CREATE FUNCTION prop_send(body text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT streampay_ingest(body, streampay_sign(body, 'whsec_property'))
$$;

-- prop_send, except that a contract-less event may be refused as ambiguous:
-- {"outcome": "refused"}, recorded in prop_refused.  Any other error of such
-- an event is an answer prop_failures records ("error").  Other events go
-- straight to prop_send (no subtransaction), and any error fails the run.
CREATE FUNCTION prop_send_checked(body text, contractless boolean) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
    IF NOT contractless THEN
        RETURN prop_send(body);
    END IF;
    BEGIN
        RETURN prop_send(body);
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE = '22023' AND SQLERRM LIKE '%is ambiguous%' THEN
            INSERT INTO prop_refused VALUES (body::jsonb ->> 'eventId', SQLERRM);
            RETURN jsonb_build_object('outcome', 'refused');
        END IF;
        RETURN jsonb_build_object('outcome', 'error', 'sqlstate', SQLSTATE, 'message', SQLERRM);
    END;
END
$$;

CREATE FUNCTION prop_twin_contract(c int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT (ARRAY['CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW',
                'CBQHNAXSI55GX2GN6D67GK7BHVPSLJUGZQEU7WJ5LKR5PNUCGLIMAO4K'])[c]
$$;

-- a random amount with up to 9 decimals, below 10^digits
CREATE FUNCTION prop_amount(digits int) RETURNS numeric LANGUAGE sql AS $$
  SELECT round((random() * 10 ^ digits)::numeric, (random() * 9)::int)
$$;

CREATE PROCEDURE prop_generate(seed double precision, histories int, twin_percent int)
LANGUAGE plpgsql AS $$
DECLARE
    h int;
    k int;
    i int;
    c int;
    j int;
    nstreams int;
    twin boolean;
    key text;
    contract text;
    eid text;
    t0 timestamp;
    t timestamp;
    typ text;
    data jsonb;
    extra jsonb;
    ev jsonb;
    body text;
    r jsonb;
    s streams;
    positions boolean;
    roll double precision;
    sid uuid;
    slot record;
    nslots int;
    seq int;
BEGIN
    PERFORM setseed(seed);
    FOR h IN 1 .. histories LOOP
        twin := random() * 100 < twin_percent;
        IF twin THEN
            -- not a uuid: a uuid streamId is the row's id, one per chain
            key := CASE h % 2 WHEN 0 THEN h::text ELSE 'stream_' || h END;
            nstreams := 2;
            INSERT INTO prop_twins VALUES (h, key);
            DELETE FROM prop_twin_events;
        ELSE
            key := CASE h % 3 WHEN 0 THEN h::text            -- a contract's integer id
                              WHEN 1 THEN 'stream_' || h     -- the backend's test ids
                              ELSE md5('prop' || h)::uuid::text END;
            nstreams := 1;
        END IF;
        positions := random() < 0.5;                     -- ledger/eventIndex sent or not
        t0 := timestamp '2025-01-01' + make_interval(secs => floor(random() * 86400 * 30));
      FOR c IN 1 .. nstreams LOOP
        IF twin THEN
            contract := prop_twin_contract(c);
            k := 1 + floor(random() * 20)::int;          -- 1-20 events each
            -- the second creation a few days after the first, or before it
            t := t0 + make_interval(secs => CASE c WHEN 1 THEN 0 ELSE floor((random() - 0.3) * 86400 * 4) END);
        ELSE
            contract := NULL;
            k := 1 + floor(random() * 40)::int;          -- 1-40 events
            t := t0;
        END IF;
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
            IF contract IS NOT NULL THEN
                extra := extra || jsonb_build_object('contractAddress', contract);
            END IF;
            -- a twin's events are p<hist>-x<i> and p<hist>-y<i>
            eid := format('p%s-%s%s', lpad(h::text, 6, '0'), CASE WHEN twin THEN substr('xy', c, 1) ELSE '' END,
                          lpad(i::text, 3, '0'));
            ev := jsonb_build_object('eventId', eid, 'eventType', typ, 'streamId', key,
                                     'occurredAt', to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) || extra;
            IF twin THEN
                -- built under a scratch chain id of its own: the reference
                body := (ev || jsonb_build_object('eventId', 's' || eid,
                                                  'streamId', format('scratch_%s_%s', substr('xy', c, 1), key)))::text;
            ELSE
                body := ev::text;
            END IF;
            r := prop_send(body);
            IF r ->> 'outcome' IS DISTINCT FROM 'applied' THEN
                INSERT INTO prop_failures VALUES (h, i, body, r::text);
            END IF;
            IF i = 1 THEN
                sid := (r ->> 'streamId')::uuid;
            END IF;
            IF twin THEN
                INSERT INTO prop_twin_events
                SELECT c, i, eid, t, CASE WHEN positions THEN 1000 + i END, CASE WHEN positions THEN i % 3 END,
                       ev, st.status::text, false
                  FROM streams st WHERE st.id = sid;
            ELSE
                INSERT INTO prop_events VALUES (h, i, eid, body);
            END IF;
            COMMIT;
        END LOOP;
      END LOOP;
        CONTINUE WHEN NOT twin;

        -- 1-3 events without contractAddress, each valid for one of the two
        -- streams at its position: strictly after one of its events (after
        -- its creation) and, as they carry no position and their eventId
        -- p<hist>-a<j> sorts first, before the next one, or after its last
        -- one if that did not end it
        FOR j IN 1 .. 1 + floor(random() * 3)::int LOOP
            c := 1 + floor(random() * 2)::int;
            SELECT count(*) INTO nslots
              FROM prop_twin_events e LEFT JOIN prop_twin_events n ON n.stream = e.stream AND n.i = e.i + 1
             WHERE e.stream = c AND (n.t > e.t OR (n.i IS NULL AND e.status NOT IN ('cancelled', 'completed')));
            CONTINUE WHEN nslots = 0;
            SELECT e.t, e.status, n.t AS next_t INTO slot
              FROM prop_twin_events e LEFT JOIN prop_twin_events n ON n.stream = e.stream AND n.i = e.i + 1
             WHERE e.stream = c AND (n.t > e.t OR (n.i IS NULL AND e.status NOT IN ('cancelled', 'completed')))
             ORDER BY e.i OFFSET floor(random() * nslots)::int LIMIT 1;
            t := slot.t + make_interval(secs => 1 + floor(random() * coalesce(extract(epoch FROM slot.next_t - slot.t),
                                                                               86400 * 2)));
            roll := random();
            typ := CASE WHEN roll < 0.35 THEN 'topped_up'
                        WHEN roll < 0.6 THEN 'rate_changed'
                        WHEN roll < 0.9 THEN CASE slot.status WHEN 'active' THEN 'stream_paused' ELSE 'stream_resumed' END
                        ELSE 'stream_cancelled' END;
            data := CASE typ WHEN 'topped_up' THEN jsonb_build_object('amount', (prop_amount(6) + 0.000000001)::text)
                             WHEN 'rate_changed' THEN jsonb_build_object('ratePerSecond', prop_amount(3)::text) END;
            eid := format('p%s-a%s', lpad(h::text, 6, '0'), lpad(j::text, 3, '0'));
            ev := jsonb_build_object('eventId', eid, 'eventType', typ, 'streamId', key,
                                     'occurredAt', to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
                  || CASE WHEN data IS NOT NULL THEN jsonb_build_object('data', data) ELSE '{}' END;
            INSERT INTO prop_twin_events VALUES (0, j, eid, t, NULL, NULL, ev, NULL, true);
        END LOOP;

        -- the real events, both streams' and the contract-less ones, in chain
        -- order.  A contract-less one may apply to the stream created first
        -- for a while, and what follows it park meanwhile: every outcome but
        -- an error is allowed here; the end state is what is checked
        seq := 0;
        FOR slot IN SELECT e.event_id, e.body::text AS body, e.contractless FROM prop_twin_events e
                     ORDER BY e.t, coalesce(e.ledger, -1), coalesce(e.idx, -1), e.event_id COLLATE "C" LOOP
            seq := seq + 1;
            r := prop_send_checked(slot.body, slot.contractless);
            IF r ->> 'outcome' NOT IN ('applied', 'reordered', 'parked')
               AND NOT (slot.contractless AND r ->> 'outcome' = 'refused') THEN
                INSERT INTO prop_failures VALUES (h, seq, slot.body, r::text);
            END IF;
            INSERT INTO prop_events VALUES (h, seq, slot.event_id, slot.body, slot.contractless);
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
      SELECT body, contractless, random() AS o FROM prop_events
      UNION ALL
      SELECT body, contractless, random() FROM prop_events WHERE random() < 0.1;
    FOR e IN SELECT body, contractless FROM prop_order ORDER BY o LOOP
        r := prop_send_checked(e.body, e.contractless);
        IF r ->> 'outcome' NOT IN ('applied', 'reordered', 'parked', 'duplicate')
           AND NOT (e.contractless AND r ->> 'outcome' = 'refused') THEN
            INSERT INTO prop_failures VALUES (NULL, NULL, e.body, r::text);
        END IF;
        COMMIT;
    END LOOP;
    DROP TABLE prop_order;
END
$$;

-- the 5 random times balances are compared at
CREATE FUNCTION prop_times(seed double precision) RETURNS timestamp[] LANGUAGE plpgsql AS $$
DECLARE
    times timestamp[];
BEGIN
    PERFORM setseed(seed);
    SELECT array_agg(timestamp '2025-01-01' + make_interval(secs => floor(random() * 86400 * 800)))
      INTO times FROM generate_series(1, 5);
    RETURN times;
END
$$;

-- a stream's balances at those times
CREATE FUNCTION prop_balances(s streams, times timestamp[]) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(concat_ws('/', streampay_accrued(s, t), streampay_claimable(s, t),
                              streampay_refundable(s, t)), ' ' ORDER BY t)
    FROM unnest(times) t
$$;

-- the compared state: rows, balances at 5 random times, invariants.  The
-- twin histories' reference streams (scratch_...) are the generating
-- database's only; prop_twin_rows compares them.  A contract-less event
-- may stay parked ('ambiguous', or refused, which prop_twin_check tells
-- apart, and which may differ between the databases): not counted here.
CREATE FUNCTION prop_state(seed double precision) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    times timestamp[] := prop_times(seed);
BEGIN
    RETURN QUERY
      SELECT concat_ws('|', s.chain_stream_id, s.id, s.status, s.rate_per_second, s.total_amount,
                       s.end_time, s.settled_amount, s.last_settled_at, prop_balances(s, times))
        FROM streams s WHERE s.chain_stream_id NOT LIKE 'scratch\_%'
       ORDER BY s.chain_stream_id, s.id;
    RETURN QUERY
      SELECT 'ledger sums match: ' || coalesce(bool_and(s.settled_amount = (SELECT sum(e.settled_delta)
                 FROM stream_events e WHERE e.stream_id = s.id)), true)
        FROM streams s;
    RETURN QUERY SELECT 'parked: ' || count(*) FROM streampay_parked p
                  WHERE NOT EXISTS (SELECT 1 FROM prop_events e WHERE e.event_id = p.event_id AND e.contractless);
    RETURN QUERY SELECT 'failures: ' || count(*) FROM prop_failures;
END
$$;

-- both streams of every twin history, by streamId and contract: the streams
-- delivered the real events, or (reference) the ones built under the
-- scratch chain ids from the history without the contract-less events
CREATE FUNCTION prop_twin_rows(seed double precision, reference boolean) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    times timestamp[] := prop_times(seed);
BEGIN
    RETURN QUERY
      SELECT concat_ws('|', w.key, s.contract_address, s.status, s.rate_per_second, s.total_amount,
                       s.end_time, s.settled_amount, s.last_settled_at, prop_balances(s, times))
        FROM prop_twins w
        JOIN streams s ON CASE WHEN reference THEN s.chain_stream_id IN ('scratch_x_' || w.key, 'scratch_y_' || w.key)
                               ELSE s.chain_stream_id = w.key END
       ORDER BY w.hist, s.contract_address;
END
$$;

-- what became of the contract-less events: each must be refused or parked
-- 'ambiguous' with no stream, never applied (nor parked for another reason,
-- which would let a re-derivation apply it)
CREATE FUNCTION prop_twin_check() RETURNS SETOF text LANGUAGE sql AS $$
  SELECT 'contract-less events: ' || count(*) FROM prop_events WHERE contractless
  UNION ALL
  SELECT 'contract-less kept otherwise than parked ambiguous with no stream: ' || count(*)
    FROM prop_events e JOIN stream_inbox i ON i.event_id = e.event_id
   WHERE e.contractless
     AND NOT (i.state = 'parked' AND i.park_reason IS NOT DISTINCT FROM 'ambiguous' AND i.stream_id IS NULL)
  UNION ALL
  SELECT 'contract-less neither kept nor refused: ' || count(*)
    FROM prop_events e
   WHERE e.contractless
     AND NOT EXISTS (SELECT 1 FROM stream_inbox i WHERE i.event_id = e.event_id)
     AND NOT EXISTS (SELECT 1 FROM prop_refused f WHERE f.event_id = e.event_id)
  UNION ALL
  SELECT format('refused %s, parked ambiguous %s, applied for a while and taken out %s',
                (SELECT count(DISTINCT f.event_id) FROM prop_refused f
                  WHERE NOT EXISTS (SELECT 1 FROM stream_inbox i WHERE i.event_id = f.event_id)),
                (SELECT count(*) FROM prop_events e JOIN stream_inbox i ON i.event_id = e.event_id
                  WHERE e.contractless AND i.park_reason = 'ambiguous'),
                (SELECT count(DISTINCT l.external_event_id) FROM stream_events l
                   JOIN prop_events e ON e.event_id = l.external_event_id AND e.contractless))
$$;
