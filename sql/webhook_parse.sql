-- 0.7.0: steps 1-2 of a webhook delivery (signature, shape) and the field
-- parsers streampay_event_time / _amount / _position are C.  Each is run
-- here side by side with its PL/pgSQL body as 0.6.0 shipped it (kept as a
-- pg_temp function) on edge inputs: the same result, or the same SQLSTATE,
-- message, detail and hint.  "same" is false wherever they differ.
-- A session time zone far from UTC: neither may depend on it.
SET TimeZone = 'America/St_Johns';
SET DateStyle = 'ISO, YMD';

---------------------------------------------------------------------------
-- the PL/pgSQL of 0.6.0
---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.old_event_time(value text, field text, event_id text)
    RETURNS timestamp
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC'
AS $$
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    IF value OPERATOR(pg_catalog.!~)
       '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s has an invalid %s', event_id, field),
            DETAIL = 'A time is ISO 8601 with seconds, such as 2025-01-01T00:00:00Z; an offset-less time is UTC.';
    END IF;
    BEGIN
        RETURN pg_catalog.timezone('UTC', value::timestamptz);
    EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s has an invalid %s', event_id, field),
            DETAIL = SQLERRM;
    END;
END
$$;

CREATE FUNCTION pg_temp.old_event_amount(value text, field text, event_id text)
    RETURNS numeric
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    IF value OPERATOR(pg_catalog.!~) '^-?[0-9]+(\.[0-9]+)?$' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s has an invalid %s', event_id, field),
            DETAIL = 'An amount is a decimal number, such as 12.5 or "0.000000001".';
    END IF;
    RETURN value::numeric;
END
$$;

CREATE FUNCTION pg_temp.old_event_position(value jsonb, field text, event_id text)
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

-- streampay_ingest's steps 1 and 2 as 0.6.0 (and 0.7.0 until now) ran them,
-- returning what streampay_webhook_parse returns
CREATE FUNCTION pg_temp.old_parse(payload text, signature text) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC'
AS $$
DECLARE
    j jsonb;
    d jsonb;
    v_event_id text;
    v_event_type text;
    v_key text;
    v_at timestamp;
    v_ledger bigint;
    v_index bigint;
    v_chain text;
    v_contract text;
    v_tx text;
    v_amount numeric;
BEGIN
    PERFORM public.streampay_verify_signature(payload, signature);
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
    v_at := pg_temp.old_event_time(j OPERATOR(pg_catalog.->>) 'occurredAt', 'occurredAt', v_event_id);
    IF v_at OPERATOR(pg_catalog.>) (pg_catalog.timezone('UTC', pg_catalog.clock_timestamp())
           OPERATOR(pg_catalog.+) pg_catalog.current_setting('streampay.max_clock_skew')::interval) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('webhook event %s: occurredAt is in the future', v_event_id),
            DETAIL = pg_catalog.format('occurredAt is %s (UTC); streampay.max_clock_skew allows %s ahead of the server clock.',
                                       v_at, pg_catalog.current_setting('streampay.max_clock_skew'));
    END IF;
    IF j OPERATOR(pg_catalog.?) 'ledger' THEN
        v_ledger := pg_temp.old_event_position(j OPERATOR(pg_catalog.->) 'ledger', 'ledger', v_event_id);
    END IF;
    IF j OPERATOR(pg_catalog.?) 'eventIndex' THEN
        v_index := pg_temp.old_event_position(j OPERATOR(pg_catalog.->) 'eventIndex', 'eventIndex', v_event_id);
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
    CASE v_event_type
    WHEN 'stream_created' THEN
        IF NOT (d OPERATOR(pg_catalog.?&) ARRAY['payer', 'recipient', 'ratePerSecond',
                                                 'totalAmount', 'startTime']) THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('webhook event %s lacks a required data field', v_event_id),
                DETAIL = 'stream_created needs data.payer, data.recipient, data.ratePerSecond, data.totalAmount and data.startTime.';
        END IF;
        PERFORM pg_temp.old_event_amount(d OPERATOR(pg_catalog.->>) 'ratePerSecond', 'data.ratePerSecond', v_event_id),
                pg_temp.old_event_amount(d OPERATOR(pg_catalog.->>) 'totalAmount', 'data.totalAmount', v_event_id),
                pg_temp.old_event_time(d OPERATOR(pg_catalog.->>) 'startTime', 'data.startTime', v_event_id),
                pg_temp.old_event_time(d OPERATOR(pg_catalog.->>) 'endTime', 'data.endTime', v_event_id);
    WHEN 'settled' THEN
        PERFORM pg_temp.old_event_amount(d OPERATOR(pg_catalog.->>) 'amount', 'data.amount', v_event_id);
    WHEN 'rate_changed' THEN
        v_amount := pg_temp.old_event_amount(d OPERATOR(pg_catalog.->>) 'ratePerSecond',
                                             'data.ratePerSecond', v_event_id);
        IF v_amount IS NULL OR v_amount OPERATOR(pg_catalog.<) 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('webhook event %s: rate_changed needs a non-negative data.ratePerSecond', v_event_id);
        END IF;
    WHEN 'topped_up' THEN
        v_amount := pg_temp.old_event_amount(d OPERATOR(pg_catalog.->>) 'amount',
                                             'data.amount', v_event_id);
        IF v_amount IS NULL OR v_amount OPERATOR(pg_catalog.<=) 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('webhook event %s: topped_up needs a positive data.amount', v_event_id);
        END IF;
    ELSE
        NULL;
    END CASE;
    RETURN pg_catalog.jsonb_build_object(
        'eventId', v_event_id, 'eventType', v_event_type, 'streamId', v_key, 'occurredAt', v_at,
        'ledger', v_ledger, 'eventIndex', v_index, 'chainId', v_chain,
        'contractAddress', v_contract, 'transactionHash', v_tx, 'data', d, 'payload', j);
END
$$;

---------------------------------------------------------------------------
-- running either: the value as text, or the error's SQLSTATE, message,
-- detail and hint
---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.outcome(call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r text;
    st text; msg text; det text; hnt text;
BEGIN
    EXECUTE 'SELECT (' || call || ')::text' INTO r;
    RETURN coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    RETURN concat_ws(' | ', st, msg, nullif(det, ''), nullif(hnt, ''));
END
$$;

-- new and old on one input; an expression with $1 = the input literal
CREATE FUNCTION pg_temp.compare(new_call text, old_call text, input text, typ text)
RETURNS TABLE (result text, same boolean) LANGUAGE plpgsql AS $$
DECLARE
    lit text := CASE WHEN input IS NULL THEN 'NULL::' || typ ELSE quote_literal(input) || '::' || typ END;
    n text := pg_temp.outcome(replace(new_call, '$1', lit));
    o text := pg_temp.outcome(replace(old_call, '$1', lit));
BEGIN
    RETURN QUERY SELECT n, n IS NOT DISTINCT FROM o;
END
$$;

---------------------------------------------------------------------------
-- 1. streampay_event_time
---------------------------------------------------------------------------
SELECT i AS value, c.*
  FROM unnest(ARRAY[
    '2025-01-01T00:00:00Z', '2025-01-01T00:00:00', '2025-01-01 00:00:00Z', '2025-01-01 00:00:00',
    -- fractions of 1 to 6 digits; 7 is refused
    '2025-01-01T00:00:00.1Z', '2025-01-01T00:00:00.12Z', '2025-01-01T00:00:00.123Z',
    '2025-01-01T00:00:00.1234Z', '2025-01-01T00:00:00.12345Z', '2025-01-01T00:00:00.123456Z',
    '2025-01-01T00:00:00.1234567Z', '2025-01-01T00:00:00.Z', '2025-01-01T00:00:00.999999',
    -- offsets
    '2025-01-01T00:00:00+05', '2025-01-01T00:00:00+0530', '2025-01-01T00:00:00+05:30',
    '2025-01-01T00:00:00-00:00', '2025-01-01T00:00:00-03', '2025-01-01T00:00:00.5-0930',
    '2025-01-01T00:00:00+15:59', '2025-01-01T00:00:00+16', '2025-01-01T00:00:00+99',
    '2025-01-01T00:00:00+05:', '2025-01-01T00:00:00+053', '2025-01-01T00:00:00+05:30:00',
    '2025-01-01T00:00:00+5', '2025-01-01T00:00:00Z+05', '2025-01-01T00:00:00ZZ',
    -- fields out of range, and their valid neighbours
    '2025-13-01T00:00:00Z', '2025-00-01T00:00:00Z', '2025-02-30T00:00:00Z', '2024-02-29T00:00:00Z',
    '2025-02-29T00:00:00Z', '2025-04-31T00:00:00Z', '2025-01-32T00:00:00Z',
    '2025-01-01T24:00:00Z', '2025-01-01T24:00:01Z', '2025-01-01T23:60:00Z', '2025-01-01T25:00:00Z',
    '2016-12-31T23:59:60Z', '2025-01-01T23:59:61Z', '0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999-12:00', '0001-01-01T00:00:00+14',
    -- not the format
    'now', 'today', 'epoch', 'infinity', '2025-01-01T00:00:00Z ', ' 2025-01-01T00:00:00Z',
    E'2025-01-01T00:00:00Z\n', E'2025-01-01T00:00:00\n', '2025-01-01t00:00:00Z', '2025-01-01T00:00:00z',
    '2025-01-01T00:00Z', '2025-1-01T00:00:00Z', '20250-01-01T00:00:00Z', '2025/01/01T00:00:00Z',
    '2025-01-01T00:00:00 UTC', '2025-01-01T00:00:00+05 ', '２０２５-01-01T00:00:00Z', '', NULL]) AS i,
       LATERAL pg_temp.compare('streampay_event_time($1, ''occurredAt'', ''e-1'')',
                               'pg_temp.old_event_time($1, ''occurredAt'', ''e-1'')', i, 'text') c;

-- a NULL field or event id prints as nothing; NULL in, NULL out
SELECT c.* FROM pg_temp.compare('streampay_event_time($1, NULL, NULL)',
                                'pg_temp.old_event_time($1, NULL, NULL)', 'x', 'text') c;
SELECT c.* FROM pg_temp.compare('streampay_event_time($1, NULL, NULL)',
                                'pg_temp.old_event_time($1, NULL, NULL)', '2025-13-01T00:00:00Z', 'text') c;
SELECT streampay_event_time(NULL, NULL, NULL) IS NULL AS null_in_null_out;

---------------------------------------------------------------------------
-- 2. streampay_event_amount
---------------------------------------------------------------------------
SELECT i AS value, c.*
  FROM unnest(ARRAY[
    '0', '-0', '-0.000', '12.5', '0.000000001', '007', '-007.50', '1.', '.5', '-.5', '-',
    '1234567890123456789012345678901234567890', '-1234567890123456789012345678901234567890.0000000001',
    '1e3', '1E3', '+1', ' 1', '1 ', '1.2.3', '--1', '1-', 'NaN', 'Infinity', '0x10', '1_000',
    E'1\n', '１', '', NULL]) AS i,
       LATERAL pg_temp.compare('streampay_event_amount($1, ''data.amount'', ''e-2'')',
                               'pg_temp.old_event_amount($1, ''data.amount'', ''e-2'')', i, 'text') c;
SELECT c.* FROM pg_temp.compare('streampay_event_amount($1, NULL, NULL)',
                                'pg_temp.old_event_amount($1, NULL, NULL)', 'x', 'text') c;
-- more digits before the point than numeric holds: numeric's own error
SELECT c.same, left(c.result, 40) AS result
  FROM pg_temp.compare('streampay_event_amount($1, ''data.amount'', ''e-2'')',
                       'pg_temp.old_event_amount($1, ''data.amount'', ''e-2'')',
                       repeat('9', 131073), 'text') c;

---------------------------------------------------------------------------
-- 3. streampay_event_position
---------------------------------------------------------------------------
SELECT i AS value, c.*
  FROM unnest(ARRAY[
    '0', '7', '999999999999999999', '1000000000000000000', '-1', '-0', '1.5', '1.0', '0.0',
    '1e3', '1E+2', '5e-1', '1e18', '"5"', '""', 'null', 'true', 'false', '[1]', '[]', '{}',
    '{"a":1}', NULL]) AS i,
       LATERAL pg_temp.compare('streampay_event_position($1, ''ledger'', ''e-3'')',
                               'pg_temp.old_event_position($1, ''ledger'', ''e-3'')', i, 'jsonb') c;
SELECT c.* FROM pg_temp.compare('streampay_event_position($1, NULL, NULL)',
                                'pg_temp.old_event_position($1, NULL, NULL)', '-1', 'jsonb') c;
-- a JSON null inside an object, as the ingest passes it
SELECT streampay_event_position('{"ledger":null}'::jsonb -> 'ledger', 'ledger', 'e-3') IS NULL AS json_null_is_absent;

-- the markings are as before: not STRICT, STABLE / IMMUTABLE, C now
SELECT p.proname, p.provolatile, p.proisstrict, l.lanname, p.proconfig
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.proname IN ('streampay_event_time', 'streampay_event_amount', 'streampay_event_position',
                     'streampay_webhook_parse')
 ORDER BY 1;

---------------------------------------------------------------------------
-- 4. streampay_webhook_parse: steps 1-2 of streampay_ingest
---------------------------------------------------------------------------
SELECT regress_write_webhook_keys('whsec_parse');
ALTER SYSTEM SET streampay.webhook_secret_file = 'streampay_regress_webhook.key';
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);

-- body, signed: its comparison
CREATE FUNCTION pg_temp.cmp_parse(body text, signature text DEFAULT NULL)
RETURNS TABLE (result text, same boolean) LANGUAGE plpgsql AS $$
DECLARE
    sig text := coalesce(signature, streampay_sign(body, 'whsec_parse'));
    n text := pg_temp.outcome(format('streampay_webhook_parse(%L, %L) - ''payload''', body, sig));
    o text := pg_temp.outcome(format('pg_temp.old_parse(%L, %L) - ''payload''', body, sig));
    np text := pg_temp.outcome(format('streampay_webhook_parse(%L, %L) -> ''payload''', body, sig));
    op text := pg_temp.outcome(format('pg_temp.old_parse(%L, %L) -> ''payload''', body, sig));
BEGIN
    RETURN QUERY SELECT n, n IS NOT DISTINCT FROM o AND np IS NOT DISTINCT FROM op;
END
$$;

-- an event from its parts, like the other suites build them
CREATE FUNCTION pg_temp.ev(id text, typ text, extra jsonb DEFAULT '{}')
RETURNS text LANGUAGE sql AS $$
  SELECT (jsonb_build_object('eventId', id, 'eventType', typ, 'streamId', 's-1',
                             'occurredAt', '2025-01-01T00:00:00Z') || extra)::text
$$;
CREATE TEMP TABLE cases (n serial, name text, body text, signature text);
INSERT INTO cases (name, body, signature) VALUES
 -- 1. authenticity, before anything is parsed
 ('malformed signature', 'not json', 'zz'),
 ('wrong signature', 'not json', repeat('0', 64)),
 ('prefixed signature', pg_temp.ev('a-1', 'stream_paused'),
  'sha256=' || streampay_sign(pg_temp.ev('a-1', 'stream_paused'), 'whsec_parse')),
 -- 2. shape: JSON
 ('not json', 'not json', NULL),
 ('cut short', '{"eventId":', NULL),
 ('empty', '', NULL),
 ('nul escape', '{"eventId":"\u0000"}', NULL),
 ('bad escape', '{"eventId":"\uZZZZ"}', NULL),
 ('array', '[1, 2]', NULL),
 ('string', '"x"', NULL),
 ('number', '5', NULL),
 ('null', 'null', NULL),
 -- required fields and their types
 ('no eventId', '{"eventType":"settled","streamId":"s","occurredAt":"2025-01-01T00:00:00Z"}', NULL),
 ('empty eventId', pg_temp.ev('', 'settled'), NULL),
 ('null eventId', '{"eventId":null,"eventType":"settled","streamId":"s","occurredAt":"2025-01-01T00:00:00Z"}', NULL),
 ('empty eventId, number type', pg_temp.ev('', 'settled', '{"eventType":5}'), NULL),
 ('number eventId, no streamId', '{"eventId":5,"eventType":"settled","occurredAt":"2025-01-01T00:00:00Z"}', NULL),
 ('null occurredAt', pg_temp.ev('a-2', 'settled', '{"occurredAt":null}'), NULL),
 ('null streamId', pg_temp.ev('a-2', 'settled', '{"streamId":null}'), NULL),
 ('number eventId', pg_temp.ev('x', 'settled', '{"eventId":5}'), NULL),
 ('boolean eventType', pg_temp.ev('a-3', 'settled', '{"eventType":true}'), NULL),
 ('object streamId', pg_temp.ev('a-3', 'settled', '{"streamId":{}}'), NULL),
 ('number occurredAt', pg_temp.ev('a-3', 'settled', '{"occurredAt":1735689600}'), NULL),
 ('array eventId', pg_temp.ev('a-3', 'settled', '{"eventId":[]}'), NULL),
 -- lengths, in characters
 ('eventId of 200', pg_temp.ev(repeat('é', 200), 'stream_paused'), NULL),
 ('eventId of 201', pg_temp.ev(repeat('e', 201), 'stream_paused'), NULL),
 ('blank streamId', pg_temp.ev('a-4', 'stream_paused', '{"streamId":"   "}'), NULL),
 ('empty streamId', pg_temp.ev('a-4', 'stream_paused', '{"streamId":""}'), NULL),
 ('tab streamId', pg_temp.ev('a-4', 'stream_paused', jsonb_build_object('streamId', E'\t')), NULL),
 ('streamId of 255', pg_temp.ev('a-4', 'stream_paused', jsonb_build_object('streamId', repeat('é', 255))), NULL),
 ('streamId of 256', pg_temp.ev('a-4', 'stream_paused', jsonb_build_object('streamId', repeat('s', 256))), NULL),
 -- event type, then time
 ('unknown type', pg_temp.ev('a-5', 'Stream_paused', '{"occurredAt":"yesterday"}'), NULL),
 ('bad time', pg_temp.ev('a-5', 'stream_paused', '{"occurredAt":"yesterday","ledger":-1}'), NULL),
 ('month 13', pg_temp.ev('a-5', 'stream_paused', '{"occurredAt":"2025-13-01T00:00:00Z"}'), NULL),
 ('offset out of range', pg_temp.ev('a-5', 'stream_paused', '{"occurredAt":"2025-01-01T00:00:00+99"}'), NULL),
 ('offset', pg_temp.ev('a-5', 'stream_paused', '{"occurredAt":"2025-01-01T00:00:00.5+05:30"}'), NULL),
 ('future', pg_temp.ev('a-5', 'stream_paused', '{"occurredAt":"2999-01-01T00:00:00Z","ledger":-1}'), NULL),
 -- chain positions, in order
 ('ledger and index', pg_temp.ev('a-6', 'stream_paused', '{"ledger":7,"eventIndex":0}'), NULL),
 ('null ledger', pg_temp.ev('a-6', 'stream_paused', '{"ledger":null,"eventIndex":1e3}'), NULL),
 ('string ledger', pg_temp.ev('a-6', 'stream_paused', '{"ledger":"5","eventIndex":-1}'), NULL),
 ('big ledger', pg_temp.ev('a-6', 'stream_paused', '{"ledger":1000000000000000000}'), NULL),
 ('largest ledger', pg_temp.ev('a-6', 'stream_paused', '{"ledger":999999999999999999}'), NULL),
 ('fraction index', pg_temp.ev('a-6', 'stream_paused', '{"eventIndex":1.5,"data":5}'), NULL),
 -- data
 ('null data', pg_temp.ev('a-7', 'stream_paused', '{"data":null}'), NULL),
 ('array data', pg_temp.ev('a-7', 'stream_paused', '{"data":[]}'), NULL),
 ('string data', pg_temp.ev('a-7', 'stream_paused', '{"data":"{}"}'), NULL),
 ('empty data', pg_temp.ev('a-7', 'stream_paused', '{"data":{}}'), NULL),
 -- chain, contract and hash as ->> reads them
 ('odd types', pg_temp.ev('a-8', 'stream_paused',
   '{"chainId":1,"contractAddress":{"b":[1, 2.50]},"transactionHash":true}'), NULL),
 ('null chain', pg_temp.ev('a-8', 'stream_cancelled', '{"chainId":null,"contractAddress":null,"transactionHash":null}'), NULL),
 ('repeated key', '{"eventId":"a-9","eventId":"a-10","eventType":"stream_resumed","streamId":"s","occurredAt":"2025-01-01T00:00:00Z"}', NULL),
 -- stream_created
 ('created', pg_temp.ev('c-1', 'stream_created',
   '{"data":{"payer":"p","recipient":"r","ratePerSecond":"0.5","totalAmount":1000,"startTime":"2025-01-01T00:00:00Z","endTime":null}}'), NULL),
 ('created, contract in data', pg_temp.ev('c-2', 'stream_created',
   '{"chainId":"eip155:1","data":{"payer":"p","recipient":"r","ratePerSecond":1,"totalAmount":1e3,"startTime":"2025-01-01 00:00:00+01","contractAddress":"C1"}}'), NULL),
 ('created, same contract twice', pg_temp.ev('c-3', 'stream_created',
   '{"contractAddress":"C1","data":{"payer":"p","recipient":"r","ratePerSecond":1,"totalAmount":1,"startTime":"2025-01-01T00:00:00Z","contractAddress":"C1"}}'), NULL),
 ('created, two contracts', pg_temp.ev('c-4', 'stream_created',
   '{"contractAddress":"C1","data":{"contractAddress":"C2"}}'), NULL),
 ('created, contract number and text', pg_temp.ev('c-4', 'stream_created',
   '{"contractAddress":"1","data":{"payer":"p","recipient":"r","ratePerSecond":1,"totalAmount":1,"startTime":"2025-01-01T00:00:00Z","contractAddress":1}}'), NULL),
 ('created, data missing', pg_temp.ev('c-5', 'stream_created'), NULL),
 ('created, no startTime', pg_temp.ev('c-5', 'stream_created',
   '{"data":{"payer":"p","recipient":"r","ratePerSecond":1,"totalAmount":1}}'), NULL),
 ('created, null fields', pg_temp.ev('c-6', 'stream_created',
   '{"data":{"payer":null,"recipient":null,"ratePerSecond":null,"totalAmount":null,"startTime":null}}'), NULL),
 ('created, bad rate and total', pg_temp.ev('c-7', 'stream_created',
   '{"data":{"payer":"p","recipient":"r","ratePerSecond":"1/2","totalAmount":"x","startTime":"x"}}'), NULL),
 ('created, bad total', pg_temp.ev('c-7', 'stream_created',
   '{"data":{"payer":"p","recipient":"r","ratePerSecond":1,"totalAmount":true,"startTime":"x"}}'), NULL),
 ('created, bad start', pg_temp.ev('c-7', 'stream_created',
   '{"data":{"payer":"p","recipient":"r","ratePerSecond":1,"totalAmount":1,"startTime":"2025-02-30T00:00:00Z"}}'), NULL),
 ('created, bad end', pg_temp.ev('c-7', 'stream_created',
   '{"data":{"payer":"p","recipient":"r","ratePerSecond":1,"totalAmount":1,"startTime":"2025-01-01T00:00:00Z","endTime":{"t":1}}}'), NULL),
 -- settled, rate_changed, topped_up
 ('settled, no amount', pg_temp.ev('d-1', 'settled'), NULL),
 ('settled, bad amount', pg_temp.ev('d-1', 'settled', '{"data":{"amount":"1e3"}}'), NULL),
 ('settled, negative', pg_temp.ev('d-1', 'settled', '{"data":{"amount":-5}}'), NULL),
 ('rate, none', pg_temp.ev('d-2', 'rate_changed'), NULL),
 ('rate, negative', pg_temp.ev('d-2', 'rate_changed', '{"data":{"ratePerSecond":"-0.000000001"}}'), NULL),
 ('rate, minus zero', pg_temp.ev('d-2', 'rate_changed', '{"data":{"ratePerSecond":"-0"}}'), NULL),
 ('rate, zero', pg_temp.ev('d-2', 'rate_changed', '{"data":{"ratePerSecond":0}}'), NULL),
 ('rate, bad', pg_temp.ev('d-2', 'rate_changed', '{"data":{"ratePerSecond":"ten"}}'), NULL),
 ('topup, none', pg_temp.ev('d-3', 'topped_up', '{"data":{"amount":null}}'), NULL),
 ('topup, zero', pg_temp.ev('d-3', 'topped_up', '{"data":{"amount":"0.000"}}'), NULL),
 ('topup, minus zero', pg_temp.ev('d-3', 'topped_up', '{"data":{"amount":"-0"}}'), NULL),
 ('topup, negative', pg_temp.ev('d-3', 'topped_up', '{"data":{"amount":-1}}'), NULL),
 ('topup, tiny', pg_temp.ev('d-3', 'topped_up', '{"data":{"amount":"0.000000001"}}'), NULL),
 ('topup, bad', pg_temp.ev('d-3', 'topped_up', '{"data":{"amount":[1]}}'), NULL),
 ('completed ignores data', pg_temp.ev('d-4', 'stream_completed', '{"data":{"amount":"x"}}'), NULL);

SELECT n, name, c.same,
       CASE WHEN length(c.result) > 400 THEN left(c.result, 60) || ' ... (' || length(c.result) || ' characters)'
            ELSE c.result END AS result
  FROM cases, LATERAL pg_temp.cmp_parse(body, signature) c ORDER BY n;

-- the clock-skew window: a second ahead is accepted, an hour ahead is not;
-- its setting as current_setting shows it
CREATE FUNCTION pg_temp.ahead(s interval) RETURNS text LANGUAGE sql AS $$
  SELECT pg_temp.ev('f-1', 'stream_paused',
                    jsonb_build_object('occurredAt',
                        to_char(timezone('UTC', clock_timestamp()) + s, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))
$$;
SELECT c.same, c.result LIKE '{%' AS accepted FROM pg_temp.cmp_parse(pg_temp.ahead('1 second')) c;
SELECT c.same, c.result LIKE '22023 | webhook event f-1: occurredAt is in the future | %allows 1min ahead%' AS refused
  FROM pg_temp.cmp_parse(pg_temp.ahead('1 hour')) c;
SET streampay.max_clock_skew = '1h';
SELECT c.same, c.result LIKE '{%' AS accepted FROM pg_temp.cmp_parse(pg_temp.ahead('30 minutes')) c;
SELECT c.same, c.result LIKE '%allows 1h ahead%' AS refused FROM pg_temp.cmp_parse(pg_temp.ahead('2 hours')) c;
SET streampay.max_clock_skew = 0;
SELECT c.same, c.result LIKE '%allows 0 ahead%' AS refused FROM pg_temp.cmp_parse(pg_temp.ahead('10 seconds')) c;
RESET streampay.max_clock_skew;
-- the skew message's time follows DateStyle, as format() did
SET DateStyle = 'SQL, DMY';
SELECT c.* FROM cases, LATERAL pg_temp.cmp_parse(body, signature) c WHERE name = 'future';
RESET DateStyle;
SET DateStyle = 'ISO, YMD';

-- the session time zone is left as it was, after an error too
SELECT current_setting('TimeZone') AS tz_after;
SELECT streampay_event_time('2025-01-01T00:00:00', 'f', 'e') AS no_offset_is_utc,
       current_setting('TimeZone') AS tz_after;

-- not for PUBLIC
SELECT has_function_privilege('public', 'streampay_webhook_parse(text, text)', 'EXECUTE') AS public_may_run;

ALTER SYSTEM RESET streampay.webhook_secret_file;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
