#!/usr/bin/env bash
# pg_dump + restore reproduces every row and every streampay_accrued value.
# Needs a running server (PGHOST/PGPORT/PGUSER, as test/run.sh exports).
# Prints one "ok"/"FAILED" line per check and exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

src=streampay_dump_src
dst_plain=streampay_dump_plain
dst_custom=streampay_dump_custom
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

for db in $src $dst_plain $dst_custom; do
	psql_q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done

# streams in every state, with settlements, rate changes, top-ups, metadata
psql_q -d $src >/dev/null <<'SQL'
SET TimeZone = 'UTC';
CREATE EXTENSION streampay;
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount,
                     contract_address, transaction_hash, metadata)
SELECT ('00000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid,
       (ARRAY['GDI2LLE2AFP2YLXXWNAWONRVKEVBKEPUD7RX2EI3EZ7QHHXMLVHVQ7XD', 'GBVLT4PLR56THCHU7HKYN5TOTH6VICAN6LCEN4HFQZULBHAIUFW5ATHK', 'GAAV67TLYWXK6SBXEQEJ5ESSZQJ3KCKRU23JIESSE5S475GXQAYG4SSO', 'GAXVAUWJ7UK3DGQYYWCNAE3DK2AZQYJ7BQ2OQRAJ554TQ4E2CWPMFUE5', 'GCKASHOWJIQ772KCCS6G2F665NBYOOS46LYKOG2LLSVJUXEBW2LH3YJN', 'GCENX5QSS4WFSSRMF5W54SJ66HCM2J5NXKGDNZXL2AFYT7YUHK5GC5JM'])[g % 6 + 1],
       (ARRAY['GAOZFLKLNGD7UA2HZROS7NWPTZD4QP2PNSXLHNPPN5RJOMCSREQ4GM5S', 'GD5YJDEZXGSD5R4GNIR6UAAMDE42C2HV74LTCSQLRDD344I5P335AIJQ', 'GBND36E5U67SHVY6YY7RCHMROHB7AUCHHAFBPAJPEASI4Y6P33KPW6RT', 'GDB4QHBLTKNOTY2Y22H4I7N4QWLPDG2CAAI6OHDFPULBN4KPW54RPX6B', 'GBFOIP6YGWCIJJS3APH7HM7Q5PSUPDPKJA4Y2JDCR5AUFFIY4S6OB4PE', 'GAJYO3IGE6SI6GMOLVPOXICE5KXM45KFUEJNQ4XPD7D265UOJWTX63OR'])[g % 6 + 1],
       (g * 0.000123457)::numeric(20,9), '2025-01-01'::timestamp + g * interval '1 minute',
       CASE WHEN g % 3 = 0 THEN NULL ELSE '2025-03-01'::timestamp + g * interval '1 hour' END,
       g * 9750, CASE WHEN g % 5 = 0 THEN 'CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW' END,
       CASE WHEN g % 4 = 0 THEN md5(g::text) || md5((-g)::text) END,
       CASE WHEN g % 2 = 0 THEN '{"n": ' || g || '}' END
  FROM generate_series(1, 60) g;
SELECT streampay_pause(id, '2025-02-01') FROM streams WHERE id::text LIKE '%1';
SELECT streampay_resume(id, '2025-02-10') FROM streams WHERE id::text LIKE '%21';
SELECT streampay_cancel(id, '2025-02-15 12:34:56.789012') FROM streams WHERE id::text LIKE '%2';
SELECT streampay_settle(id, '2025-02-20') FROM streams WHERE id::text LIKE '%3';
UPDATE streams SET rate_per_second = rate_per_second * 2, last_settled_at = '2025-02-21'
 WHERE id::text LIKE '%4';
UPDATE streams SET total_amount = total_amount + 1000, last_settled_at = '2025-02-22'
 WHERE id::text LIKE '%5';
SELECT streampay_complete_due('2025-04-01');
INSERT INTO streampay_chains VALUES ('eip155:31337', 'evm');
-- the asset (0.5.0) of some streams, set once
UPDATE streams SET asset = 'CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW'
 WHERE id::text ~ '[17]$';
-- a deleted stream: its history (ending in 'deleted') survives, its row does not
DELETE FROM streams WHERE id = '00000000-0000-0000-0000-000000000060';
-- webhook events (0.6.0): one applied late (re-derived), one parked, waiting
-- for a stream_created that comes after the restore
\set key_file streampay_dump.key
\set key whsec_dump
\i test/lib/webhook_key.psql
CREATE TEMP TABLE hooks (n int, body text);
INSERT INTO hooks VALUES
 (1, '{"eventId":"d-1","eventType":"stream_created","streamId":"d1","occurredAt":"2025-01-01T00:00:00Z","ledger":7,"data":{"payer":"GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS","recipient":"GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU","ratePerSecond":"1","totalAmount":"1000","startTime":"2025-01-01T00:00:00Z"}}'),
 (2, '{"eventId":"d-3","eventType":"stream_paused","streamId":"d1","occurredAt":"2025-01-01T00:03:20Z","ledger":9}'),
 (3, '{"eventId":"d-2","eventType":"rate_changed","streamId":"d1","occurredAt":"2025-01-01T00:01:40Z","ledger":8,"data":{"ratePerSecond":"2"}}'),
 (4, '{"eventId":"e-2","eventType":"stream_paused","streamId":"d2","occurredAt":"2025-01-01T00:00:10Z"}');
SELECT streampay_ingest(body, streampay_sign(body, 'whsec_dump')) FROM hooks ORDER BY n;
SQL

snapshot() {
	psql -X -At -d "$1" <<'SQL'
SET TimeZone = 'UTC';
SELECT s.*, t,
       streampay_accrued(s.id, t), streampay_claimable(s.id, t), streampay_refundable(s.id, t),
       streampay_accrued(s, t), streampay_depletion_time(s.id)
  FROM streams s,
       unnest(ARRAY['2025-01-15', '2025-02-25', '2025-03-15', '2026-01-01']::timestamp[]) t
 ORDER BY s.id, t;
SELECT status, count(*) FROM streams GROUP BY status ORDER BY status;
-- the ledger, the user's chain registrations, and the ledger invariant
SELECT * FROM stream_events ORDER BY event_id;
SELECT * FROM streampay_chains ORDER BY chain_id;
-- the inbox (0.6.0): the events each stream derives from, the parked ones
SELECT * FROM stream_inbox ORDER BY event_id;
SELECT event_id, reason FROM streampay_parked ORDER BY event_id;
SELECT 'ledger sums match: ' || bool_and(s.settled_amount = l.total)
  FROM streams s JOIN (SELECT stream_id, sum(settled_delta) AS total FROM stream_events
                        GROUP BY stream_id) l ON l.stream_id = s.id;
SQL
}

snapshot $src > "$work/src.txt"
pg_dump -d $src -f "$work/plain.sql"
pg_dump -d $src -Fc -f "$work/custom.dump"
psql_q -d $dst_plain -f "$work/plain.sql" >/dev/null
pg_restore -d $dst_custom "$work/custom.dump"

rc=0
check() {
	local name=$1 db=$2
	snapshot "$db" > "$work/$db.txt"
	if [ ! -s "$work/src.txt" ] || [ "$(grep -c . "$work/src.txt")" -lt 300 ]; then
		echo "FAILED $name: source snapshot is too small"; rc=1; return
	fi
	if diff -u "$work/src.txt" "$work/$db.txt" > "$work/$db.diff"; then
		echo "ok $name ($(wc -l < "$work/src.txt") lines identical)"
	else
		echo "FAILED $name"; head -20 "$work/$db.diff"; rc=1
	fi
}
# every status occurs in the source
if [ "$(grep -cE '^(active|paused|cancelled|completed)\|' "$work/src.txt")" -eq 4 ]; then
	echo "ok dump source has streams in all four statuses"
else
	echo "FAILED dump source has streams in all four statuses"; rc=1
fi
check "pg_dump plain + psql restore" $dst_plain
check "pg_dump -Fc + pg_restore" $dst_custom
# the ledger keeps counting from where it was: a new event gets the next id
for db in $src $dst_plain $dst_custom; do
	psql -X -At -d $db -c "SELECT streampay_settle('00000000-0000-0000-0000-000000000001', '2025-05-01')" >/dev/null
	psql -X -At -d $db -c "SELECT max(event_id) FROM stream_events" > "$work/$db.next"
done
if cmp -s "$work/$src.next" "$work/$dst_plain.next" && cmp -s "$work/$src.next" "$work/$dst_custom.next"; then
	echo "ok ledger event ids continue after restore ($(cat "$work/$src.next"))"
else
	echo "FAILED ledger event ids continue after restore"; rc=1
fi
# a restored ledger still remembers a deleted stream: its id cannot come back
for db in $dst_plain $dst_custom; do
	out=$(psql -X -At -d $db -c "INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount) VALUES ('00000000-0000-0000-0000-000000000060', 'GDI2LLE2AFP2YLXXWNAWONRVKEVBKEPUD7RX2EI3EZ7QHHXMLVHVQ7XD', 'GAOZFLKLNGD7UA2HZROS7NWPTZD4QP2PNSXLHNPPN5RJOMCSREQ4GM5S', 1, '2025-01-01', 1)" 2>&1 || true)
	if grep -q 'was deleted' <<< "$out"; then
		echo "ok $db: a deleted stream's id stays used after restore"
	else
		echo "FAILED $db: a deleted stream's id stays used after restore: $out"; rc=1
	fi
done
# the parked event is applied once its stream_created arrives, in each copy alike
create2='{"eventId":"e-1","eventType":"stream_created","streamId":"d2","occurredAt":"2025-01-01T00:00:00Z","data":{"payer":"GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS","recipient":"GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU","ratePerSecond":"1","totalAmount":"1000","startTime":"2025-01-01T00:00:00Z"}}'
for db in $src $dst_plain $dst_custom; do
	psql -X -At -d $db -c "SELECT r->>'outcome', r->>'unparked', r->>'status', r->>'settledAmount' FROM streampay_ingest('$create2', streampay_sign('$create2', 'whsec_dump')) r" > "$work/$db.unpark" 2>&1
done
if [ "$(cat "$work/$src.unpark")" = "reordered|1|paused|10.000000000" ] &&
   cmp -s "$work/$src.unpark" "$work/$dst_plain.unpark" && cmp -s "$work/$src.unpark" "$work/$dst_custom.unpark"; then
	echo "ok a parked event survives the dump and applies after restore ($(cat "$work/$src.unpark"))"
else
	echo "FAILED a parked event survives the dump and applies after restore: $(cat "$work/$src.unpark") / $(cat "$work/$dst_plain.unpark") / $(cat "$work/$dst_custom.unpark")"; rc=1
fi
psql -X -q -d $src -c "ALTER SYSTEM RESET streampay.webhook_secret_file" -c "SELECT pg_reload_conf()" >/dev/null
if grep -q '^ledger sums match: true$' "$work/src.txt"; then
	echo "ok ledger settled deltas sum to settled_amount"
else
	echo "FAILED ledger settled deltas sum to settled_amount"; rc=1
fi

for db in $src $dst_plain $dst_custom; do
	psql_q -d postgres -c "DROP DATABASE $db"
done
exit $rc
