#!/usr/bin/env bash
# A major upgrade, the way users move between majors: a PostgreSQL 15
# cluster with streams in every state and a ledger is moved to 18 with
# pg_upgrade (--check first, then the upgrade).  Every row, every balance at
# fixed times, the ledger and its per-stream sums must be identical
# afterwards, and ALTER EXTENSION streampay UPDATE must be a no-op.
#
# Needs streampay built and installed into both servers (test/run.sh does
# that when PG_MAJORS lists 15 and 18).  Prints "ok"/"FAILED" lines.
#
#   OLD_PG_CONFIG  (default /usr/lib/postgresql/15/bin/pg_config)
#   NEW_PG_CONFIG  (default: PostgreSQL 18 from test/lib/pgsource.sh's cache)
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

work=$(mktemp -d /tmp/streampay-upgrade.XXXXXX)
chown "$SP_PGUSER_OS" "$work"
port_old=$(( 56000 + RANDOM % 500 ))
port_new=$(( port_old + 500 ))
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
SQL

snapshot() { # bin port
	q "$1" "$2" -At <<'SQL'
SET TimeZone = 'UTC';
SELECT s.*, t, streampay_accrued(s.id, t), streampay_claimable(s.id, t),
       streampay_refundable(s.id, t), streampay_accrued(s, t), streampay_depletion_time(s.id)
  FROM streams s, unnest(ARRAY['2025-01-15', '2025-02-25', '2025-03-15', '2026-01-01']::timestamp[]) t
 ORDER BY s.id, t;
SELECT event_id, stream_id, event_type, occurred_at, from_status, to_status, settled_delta,
       settled_amount, rate_per_second, total_amount, actor, source, recorded_at
  FROM stream_events ORDER BY event_id;
SELECT 'ledger sums match: ' || bool_and(s.settled_amount = l.total)
  FROM streams s JOIN (SELECT stream_id, sum(settled_delta) AS total FROM stream_events
                        GROUP BY stream_id) l ON l.stream_id = s.id;
SELECT 'version ' || extversion FROM pg_extension WHERE extname = 'streampay';
SQL
}
snapshot "$OLD_BIN" "$port_old" > "$work/before.txt"
if [ "$(cut -d'|' -f4 "$work/before.txt" | grep -E '^(active|paused|cancelled|completed)$' | sort -u | wc -l)" -eq 4 ] &&
	grep -q '^ledger sums match: true$' "$work/before.txt"; then
	ok "pg_upgrade source: streams in all four statuses, $(grep -c . "$work/before.txt") lines of streams, balances and ledger on $("$OLD_BIN/postgres" --version)"
else
	bad "pg_upgrade source snapshot"; head -5 "$work/before.txt"
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
	ok "after pg_upgrade: every row, balance and ledger row identical ($(grep -c . "$work/after.txt") lines)"
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
