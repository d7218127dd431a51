-- Workload 8 (issue 11): webhook ingestion, events per second.
--
-- bench.w8_prepare(w, n, streams, rep, seed) writes the signed payloads of
-- one measurement into bench.w8_payloads for three variants:
--   ingest_050  the 0.5.0 streampay_ingest (bench.ingest_050, extracted from
--               the 0.4.0--0.5.0 script by run.sh), events in chain order:
--               the "as fast as today" baseline
--   streampay   the installed streampay_ingest, the same events in order
--   late_10pct  the installed one, 10% of the events each delivered 1-20
--               positions late (at most its stream's length - 1: after
--               newer events of its own stream), so each is a re-derivation
-- w8a: one stream with n events; w8b: `streams` streams of n/streams events,
-- delivered stream after stream.
-- Each variant gets its own streams (uuids derived from variant, rep and
-- number), with the same histories.  A history is create, then pause and
-- resume alternating, one second apart, so every event is valid in order.
--
-- bench.w8_run(...) delivers one variant's payloads, each in its own
-- transaction as an indexer's deliveries are, and records the time.
CREATE TABLE bench.w8_payloads (w text, v text, rep int, seq int, stream int, body text, sig text,
                                PRIMARY KEY (w, v, rep, seq));

CREATE FUNCTION bench.w8_id(w text, v text, rep int, stream int) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
  SELECT md5(concat_ws('/', 'w8', w, v, rep, stream))::uuid
$$;

CREATE FUNCTION bench.w8_prepare(w text, n int, streams int, rep int, seed double precision) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    per int := greatest(n / streams, 2);
    v text;
BEGIN
    PERFORM setseed(seed);
    FOREACH v IN ARRAY ARRAY['ingest_050', 'streampay', 'late_10pct'] LOOP
        -- delivery order: stream after stream, event after event; for
        -- late_10pct, 10% of the events (never a creation) each moved 1-20
        -- places later (at most to its stream's length - 1)
        INSERT INTO bench.w8_payloads (w, v, rep, seq, stream, body, sig)
        SELECT w, v, rep, row_number() OVER (ORDER BY x.pos), x.st, x.b, streampay_sign(x.b, 'whsec_bench')
          FROM (SELECT st, b,
                       (st - 1) * per + i
                       + CASE WHEN v = 'late_10pct' AND i > 1 AND random() < 0.1
                              THEN 1 + floor(random() * least(20, per - 1)) + 0.5 ELSE 0 END AS pos
                  FROM generate_series(1, streams) st, generate_series(1, per) i,
                       LATERAL (SELECT (jsonb_build_object(
                           'eventId', format('%s-%s-%s-%s-%s', w, v, rep, st, i),
                           'eventType', CASE WHEN i = 1 THEN 'stream_created'
                                             WHEN i % 2 = 0 THEN 'stream_paused' ELSE 'stream_resumed' END,
                           'streamId', bench.w8_id(w, v, rep, st)::text,
                           'occurredAt', to_char(timestamp '2025-01-01' + make_interval(secs => i), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
                         || CASE WHEN i = 1 THEN jsonb_build_object('data', jsonb_build_object(
                               'payer', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
                               'recipient', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
                               'ratePerSecond', '0.000001', 'totalAmount', '1000000',
                               'startTime', '2025-01-01T00:00:00Z'))
                            ELSE '{}'::jsonb END)::text AS b) e) x;
    END LOOP;
END
$$;

CREATE PROCEDURE bench.w8_run(w text, v text, ord int, rep int, scale int)
LANGUAGE plpgsql AS $$
DECLARE
    e record;
    t0 timestamptz;
    ms float8 := 0;
    n int := 0;
BEGIN
    FOR e IN SELECT body, sig FROM bench.w8_payloads p
              WHERE p.w = w8_run.w AND p.v = w8_run.v AND p.rep = w8_run.rep ORDER BY p.seq LOOP
        t0 := clock_timestamp();
        IF v = 'ingest_050' THEN
            PERFORM bench.ingest_050(e.body, e.sig);
        ELSE
            PERFORM public.streampay_ingest(e.body, e.sig);
        END IF;
        COMMIT;
        ms := ms + extract(epoch FROM clock_timestamp() - t0) * 1000;
        n := n + 1;
    END LOOP;
    INSERT INTO bench.results (workload, variant, ord, scale, rep, ms, rows, query)
    VALUES (w, v, ord, scale, rep, ms, n,
            format('%s signed deliveries, each its own transaction (%s)', n,
                   CASE v WHEN 'ingest_050' THEN 'the 0.5.0 streampay_ingest, chain order'
                          WHEN 'streampay' THEN 'streampay_ingest, chain order'
                          ELSE 'streampay_ingest, 10% each 1-20 deliveries late' END));
    COMMIT;
END
$$;

-- the gate: every variant ends in the same state, nothing parked, ledger sums
CREATE FUNCTION bench.w8_check(w text, rep int) RETURNS text LANGUAGE sql AS $$
  WITH s AS (
    SELECT v.v, st, s.status, s.rate_per_second, s.total_amount, s.settled_amount, s.last_settled_at,
           s.settled_amount = (SELECT sum(e.settled_delta) FROM public.stream_events e WHERE e.stream_id = s.id) AS sums
      FROM (VALUES ('ingest_050'), ('streampay'), ('late_10pct')) v(v)
      CROSS JOIN generate_series(1, (SELECT max(stream) FROM bench.w8_payloads p WHERE p.w = w8_check.w)) st
      JOIN public.streams s ON s.id = bench.w8_id(w8_check.w, v.v, w8_check.rep, st))
  SELECT concat_ws(' ', 'streams', count(*),
                   'differing', (SELECT count(*) FROM s a JOIN s b ON a.st = b.st AND a.v = 'streampay' AND b.v <> a.v
                                  WHERE (a.status, a.rate_per_second, a.total_amount, a.settled_amount, a.last_settled_at)
                                        IS DISTINCT FROM (b.status, b.rate_per_second, b.total_amount, b.settled_amount, b.last_settled_at)),
                   'bad_sums', count(*) FILTER (WHERE NOT sums),
                   'parked', (SELECT count(*) FROM public.streampay_parked))
    FROM s
$$;
