#!/usr/bin/env bash
# A major upgrade, the way users move between majors: a PostgreSQL 15
# cluster with streams in every state and a ledger is moved to 18 with
# pg_upgrade (--check first, then the upgrade).  The streams come from SQL
# and from signed webhook deliveries (streampay_ingest): one applied late
# (re-derived) and one parked for want of its stream_created.  Every row,
# every balance at fixed times, the ledger (every column) and its
# per-stream sums, the inbox, the parked events and the registered chains
# must be identical afterwards, ALTER EXTENSION streampay UPDATE must be a
# no-op, and the parked event must apply once its stream_created arrives on
# the upgraded cluster.
#
# Needs streampay built and installed into both servers (test/run.sh does
# that when PG_MAJORS lists 15 and 18).  Prints "ok"/"FAILED" lines.
#
#   OLD_PG_CONFIG  (default /usr/lib/postgresql/15/bin/pg_config)
#   NEW_PG_CONFIG  (default: PostgreSQL 18 from test/lib/pgsource.sh's cache)
#   SP_PORT        the old cluster's port, the new one's is SP_PORT + 1
#                  (default: random, 56000-56499 and 500 above)
#   TMPDIR         where the work directory (data, sockets) goes (/tmp)
set -uo pipefail
cd "$(dirname "$0")/.."
source test/lib/common.sh
set +e

OLD_BIN=$(dirname "${OLD_PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}")
if [ -z "${NEW_PG_CONFIG:-}" ]; then
	sp_use_pg 18 >/dev/null || { echo "FAILED pg_upgrade: no PostgreSQL 18"; exit 1; }
	NEW_PG_CONFIG=$PG_CONFIG
fi
NEW_BIN=$(dirname "$NEW_PG_CONFIG")

work=$(mktemp -d "${TMPDIR:-/tmp}/streampay-upgrade.XXXXXX")
chown "$SP_PGUSER_OS" "$work"
if [ -n "${SP_PORT:-}" ]; then
	port_old=$SP_PORT
	port_new=$(( port_old + 1 ))
else
	port_old=$(( 56000 + RANDOM % 500 ))
	port_new=$(( port_old + 500 ))
fi
cleanup() {
	sp_as_pg "$OLD_BIN/pg_ctl" -D "$work/old" -m fast stop >/dev/null 2>&1
	sp_as_pg "$NEW_BIN/pg_ctl" -D "$work/new" -m fast stop >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
[ -n "${KEEP_UPGRADE_DIR:-}" ] && trap - EXIT
rc=0
ok() { echo "ok $*"; }
bad() { echo "FAILED $*"; rc=1; }

start() { # bin datadir port
	sp_as_pg "$1/pg_ctl" -D "$2" -w -l "$2.log" -o "-p $3 -k $work -c listen_addresses=''" start >/dev/null
}
q() { # bin port: psql on the given server, database upg
	local bin=$1 port=$2; shift 2
	"$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" -p "$port" -U postgres -d upg "$@"
}

# the old cluster: checksums off, as Debian's initdb leaves them
sp_as_pg "$OLD_BIN/initdb" -D "$work/old" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null ||
	{ bad "initdb 15"; exit 1; }
start "$OLD_BIN" "$work/old" "$port_old" || { bad "start 15"; cat "$work/old.log"; exit 1; }
"$OLD_BIN/psql" -X -q -h "$work" -p "$port_old" -U postgres -d postgres -c "CREATE DATABASE upg"
q "$OLD_BIN" "$port_old" >/dev/null <<'SQL'
SET TimeZone = 'UTC';
CREATE EXTENSION streampay;
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, end_time, total_amount, metadata)
SELECT ('70000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid,
       'GDI2LLE2AFP2YLXXWNAWONRVKEVBKEPUD7RX2EI3EZ7QHHXMLVHVQ7XD',
       'GAOZFLKLNGD7UA2HZROS7NWPTZD4QP2PNSXLHNPPN5RJOMCSREQ4GM5S',
       (g * 0.000123457)::numeric(20,9), '2025-01-01'::timestamp + g * interval '1 minute',
       CASE WHEN g % 3 = 0 THEN NULL ELSE '2025-03-01'::timestamp + g * interval '1 hour' END,
       g * 9750, CASE WHEN g % 2 = 0 THEN '{"n": ' || g || '}' END
  FROM generate_series(1, 40) g;
SELECT streampay_pause(id, '2025-02-01') FROM streams WHERE id::text LIKE '%1';
SELECT streampay_resume(id, '2025-02-10') FROM streams WHERE id::text LIKE '%21';
SELECT streampay_cancel(id, '2025-02-15 12:34:56.789012') FROM streams WHERE id::text LIKE '%2';
SELECT streampay_settle(id, '2025-02-20') FROM streams WHERE id::text LIKE '%3';
UPDATE streams SET rate_per_second = rate_per_second * 2, last_settled_at = '2025-02-21'
 WHERE id::text LIKE '%4';
SELECT streampay_complete_due('2025-04-01');
DELETE FROM streams WHERE id = '70000000-0000-0000-0000-000000000040';
-- a chain the user registered (a row of an extension configuration table)
INSERT INTO streampay_chains VALUES ('eip155:31337', 'evm');
-- signed webhook deliveries (0.6.0): stream p1 gets its rate change late, after
-- its pause (re-derived); p2's pause waits, parked, for a stream_created that
-- only comes after the upgrade.  The key file is in the old data directory.
\set key_file streampay_pg_upgrade.key
\set key whsec_pg_upgrade
\i test/lib/webhook_key.psql
CREATE TEMP TABLE hooks (n int, body text);
INSERT INTO hooks VALUES
 (1, '{"eventId":"p-1","eventType":"stream_created","streamId":"p1","occurredAt":"2025-01-01T00:00:00Z","ledger":7,"data":{"payer":"GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS","recipient":"GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU","ratePerSecond":"1","totalAmount":"1000","startTime":"2025-01-01T00:00:00Z"}}'),
 (2, '{"eventId":"p-3","eventType":"stream_paused","streamId":"p1","occurredAt":"2025-01-01T00:03:20Z","ledger":9}'),
 (3, '{"eventId":"p-2","eventType":"rate_changed","streamId":"p1","occurredAt":"2025-01-01T00:01:40Z","ledger":8,"data":{"ratePerSecond":"2"}}'),
 (4, '{"eventId":"q-2","eventType":"stream_paused","streamId":"p2","occurredAt":"2025-01-01T00:00:10Z"}');
CREATE TABLE upgrade_hooks AS
SELECT n, r->>'outcome' AS outcome, r->>'reason' AS reason
  FROM hooks, streampay_ingest(body, streampay_sign(body, 'whsec_pg_upgrade')) r ORDER BY n;
SQL

snapshot() { # bin port
	q "$1" "$2" -At <<'SQL'
SET TimeZone = 'UTC';
SELECT s.*, t, streampay_accrued(s.id, t), streampay_claimable(s.id, t),
       streampay_refundable(s.id, t), streampay_accrued(s, t), streampay_depletion_time(s.id)
  FROM streams s, unnest(ARRAY['2025-01-15', '2025-02-25', '2025-03-15', '2026-01-01']::timestamp[]) t
 ORDER BY s.id, t;
-- the ledger, every column (the webhook ones of 0.6.0 included)
SELECT * FROM stream_events ORDER BY event_id;
SELECT * FROM streampay_chains ORDER BY chain_id;
-- the inbox (0.6.0): the events each stream derives from, and the parked ones
SELECT * FROM stream_inbox ORDER BY event_id;
SELECT * FROM streampay_parked ORDER BY event_id;
SELECT 'ledger sums match: ' || bool_and(s.settled_amount = l.total)
  FROM streams s JOIN (SELECT stream_id, sum(settled_delta) AS total FROM stream_events
                        GROUP BY stream_id) l ON l.stream_id = s.id;
SELECT 'version ' || extversion FROM pg_extension WHERE extname = 'streampay';
SQL
}
snapshot "$OLD_BIN" "$port_old" > "$work/before.txt"
if [ "$(cut -d'|' -f4 "$work/before.txt" | grep -E '^(active|paused|cancelled|completed)$' | sort -u | wc -l)" -eq 4 ] &&
	grep -q '^ledger sums match: true$' "$work/before.txt"; then
	ok "pg_upgrade source: streams in all four statuses, $(grep -c . "$work/before.txt") lines of streams, balances, ledger, chains, inbox and parked events on $("$OLD_BIN/postgres" --version)"
else
	bad "pg_upgrade source snapshot"; head -5 "$work/before.txt"
fi
webhooks=$(q "$OLD_BIN" "$port_old" -At <<'SQL'
SELECT string_agg(concat_ws(' ', outcome, reason), ',' ORDER BY n) FROM upgrade_hooks;
SELECT count(*) FILTER (WHERE state = 'applied') || ' applied, ' ||
       count(*) FILTER (WHERE state = 'parked') || ' parked' FROM stream_inbox;
SELECT count(*) > 0 FROM stream_events WHERE rederived_event_id IS NOT NULL AND chain_ledger IS NOT NULL;
SELECT string_agg(event_id || ' ' || reason, ',') FROM streampay_parked;
SQL
)
if [ "$webhooks" = "$(printf '%s\n' 'applied,applied,reordered,parked stream_unknown' '3 applied, 1 parked' t 'q-2 stream_unknown')" ]; then
	ok "pg_upgrade source: signed webhook deliveries applied, one late (re-derived), one parked (stream_unknown)"
else
	bad "pg_upgrade source webhooks: $(echo "$webhooks" | tr '\n' ' ')"
fi
# Debian's 15.20 stores an attribute option "pg_attver" on every column of
# every table; PostgreSQL 18.6 does not know it, and pg_upgrade of any table
# (not only streampay's) fails on it: 'unrecognized parameter "pg_attver"'.
# Clear it in the old cluster right before the upgrade, as an operator
# would; pg_upgrade --check does not catch it.
if q "$OLD_BIN" "$port_old" -At -c "SELECT count(*) FROM pg_catalog.pg_attribute WHERE attoptions::text LIKE '%pg_attver=%'" | grep -qv '^0$'; then
	q "$OLD_BIN" "$port_old" -c "UPDATE pg_catalog.pg_attribute
	   SET attoptions = NULLIF(ARRAY(SELECT o FROM unnest(attoptions) o WHERE o NOT LIKE 'pg_attver=%'), '{}')
	 WHERE attoptions::text LIKE '%pg_attver=%'" >/dev/null &&
		echo "note: cleared Debian 15.20's pg_attver attribute options before pg_upgrade"
fi
sp_as_pg "$OLD_BIN/pg_ctl" -D "$work/old" -m fast stop >/dev/null

# the new cluster: 18 turns data checksums on by default; pg_upgrade needs
# them to match the old cluster's
sp_as_pg "$NEW_BIN/initdb" -D "$work/new" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
	--no-data-checksums >/dev/null || { bad "initdb 18"; exit 1; }
upgrade() {
	( cd "$work" && sp_as_pg "$NEW_BIN/pg_upgrade" -b "$OLD_BIN" -B "$NEW_BIN" \
		-d "$work/old" -D "$work/new" -s "$work" -p "$port_old" -P "$port_new" -U postgres "$@" )
}
if upgrade --check > "$work/check.out" 2>&1; then
	ok "pg_upgrade --check: the cluster with streampay can move to $("$NEW_BIN/postgres" --version)"
else
	bad "pg_upgrade --check"; tail -20 "$work/check.out"
fi
if upgrade > "$work/upgrade.out" 2>&1; then
	ok "pg_upgrade: upgraded"
else
	bad "pg_upgrade"; tail -20 "$work/upgrade.out"; exit 1
fi

start "$NEW_BIN" "$work/new" "$port_new" || { bad "start 18"; cat "$work/new.log"; exit 1; }
snapshot "$NEW_BIN" "$port_new" > "$work/after.txt"
if diff -u "$work/before.txt" "$work/after.txt" > "$work/diff.txt"; then
	ok "after pg_upgrade: every row, balance, ledger row, chain, inbox row and parked event identical ($(grep -c . "$work/after.txt") lines)"
else
	bad "after pg_upgrade: the data differs"; head -20 "$work/diff.txt"
fi
out=$(q "$NEW_BIN" "$port_new" -At -c "ALTER EXTENSION streampay UPDATE" \
	-c "SELECT extversion FROM pg_extension WHERE extname = 'streampay'" 2>/dev/null)
want=$(sed -nE "s/^default_version = '(.*)'/\1/p" streampay.control)
if [ "$out" = "$want" ]; then
	ok "ALTER EXTENSION streampay UPDATE after pg_upgrade: a no-op at $want"
else
	bad "ALTER EXTENSION streampay UPDATE after pg_upgrade: $out"
fi
# pg_upgrade moves no configuration and no file of the old data directory:
# the key file and streampay.webhook_secret_file are carried over by hand,
# as an operator would (LOAD: 15 and 16 refuse ALTER SYSTEM of a custom
# setting not defined in the session)
if sp_as_pg cp -p "$work/old/streampay_pg_upgrade.key" "$work/new/" &&
	q "$NEW_BIN" "$port_new" -c "LOAD 'streampay'" \
		-c "ALTER SYSTEM SET streampay.webhook_secret_file = 'streampay_pg_upgrade.key'" \
		-c "SELECT pg_reload_conf()" -c "SELECT pg_sleep(0.5)" >/dev/null; then
	# the parked event applies once its stream_created arrives
	out=$(q "$NEW_BIN" "$port_new" -At 2>&1 <<'SQL'
SET TimeZone = 'UTC';
CREATE TEMP TABLE hooks (body text);
INSERT INTO hooks VALUES ('{"eventId":"q-1","eventType":"stream_created","streamId":"p2","occurredAt":"2025-01-01T00:00:00Z","data":{"payer":"GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS","recipient":"GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU","ratePerSecond":"1","totalAmount":"1000","startTime":"2025-01-01T00:00:00Z"}}');
SELECT concat_ws('|', r->>'outcome', r->>'unparked', r->>'status', r->>'settledAmount')
  FROM hooks, streampay_ingest(body, streampay_sign(body, 'whsec_pg_upgrade')) r;
SELECT s.status || '|' || s.settled_amount || '|' ||
       (SELECT sum(e.settled_delta) FROM stream_events e WHERE e.stream_id = s.id)
  FROM streams s WHERE s.id = streampay_stream_id('p2');
SELECT string_agg(event_id || ' ' || state, ',' ORDER BY event_id) FROM stream_inbox WHERE chain_stream_id = 'p2';
SELECT count(*) FROM streampay_parked;
SQL
)
	if [ "$out" = "$(printf '%s\n' 'reordered|1|paused|10.000000000' 'paused|10.000000000|10.000000000' 'q-1 applied,q-2 applied' 0)" ]; then
		ok "after pg_upgrade: the parked webhook event applies once its stream_created arrives ($(head -1 <<< "$out"))"
	else
		bad "after pg_upgrade: the parked webhook event applies once its stream_created arrives: $(echo "$out" | tr '\n' ' ')"
	fi
else
	bad "after pg_upgrade: carrying the webhook key file and streampay.webhook_secret_file over"
fi
# and the upgraded cluster keeps working: a settlement, a ledger row, a rule
out=$(q "$NEW_BIN" "$port_new" -At <<'SQL' 2>&1
SELECT streampay_settle('70000000-0000-0000-0000-000000000006', '2025-02-28') > 0;
SELECT count(*) FROM stream_events WHERE stream_id = '70000000-0000-0000-0000-000000000006' AND event_type = 'settled';
UPDATE streams SET status = 'active' WHERE id = '70000000-0000-0000-0000-000000000012';
SQL
)
if [ "$(echo "$out" | head -2 | tr '\n' ' ')" = "t 1 " ] && grep -q 'cannot change status from "cancelled"' <<< "$out"; then
	ok "after pg_upgrade: settling, the ledger and the rules work on 18"
else
	bad "after pg_upgrade: settling, the ledger and the rules work on 18: $out"
fi
exit $rc
