#!/usr/bin/env bash
# Order-independence property test (issue 11): random valid event
# histories delivered in chain order into one database and as a random
# permutation with random duplicates into another must end in the same
# state, with the same balances at 5 random times, and nothing parked.
#
#   test/property/run.sh           # against $PGHOST/$PGPORT (test/run.sh sets them)
#
# Environment (defaults are what CI runs):
#   PROP_SEED       seed (default 20261130; "random" picks one).  It is
#                   printed first and again on failure: rerun with it to
#                   reproduce the same histories and the same permutation.
#   PROP_HISTORIES  histories of 1-40 events each (default 10000)
#   PROP_KEEP       set to keep the two databases afterwards
#
# Prints "ok ..." / "FAILED ..." per check and ends with "N passed, N failed".
# The extension must already be installed in the server (make install).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

PROP_SEED=${PROP_SEED:-20261130}
if [ "$PROP_SEED" = random ]; then PROP_SEED=$(( (RANDOM << 15) | RANDOM )); fi
PROP_HISTORIES=${PROP_HISTORIES:-10000}
for v in PROP_SEED PROP_HISTORIES; do
	case ${!v} in ''|*[!0-9]*) echo "$v must be a non-negative integer"; echo "0 passed, 1 failed"; exit 2;; esac
done
a=streampay_prop_inorder
b=streampay_prop_shuffled
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() { echo "ok $*"; passed=$((passed + 1)); }
bad() { echo "FAILED $* (PROP_SEED=$PROP_SEED PROP_HISTORIES=$PROP_HISTORIES)"; failed=$((failed + 1)); }
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
# setseed() takes a double in [-1, 1]: three derived seeds from the one printed
seed_of() { echo "($(( (PROP_SEED * 7919 + $1) % 2000000 - 1000000 )) / 1000000.0)"; }

echo "property test: PROP_SEED=$PROP_SEED PROP_HISTORIES=$PROP_HISTORIES"
start=$(date +%s)
for db in $a $b; do
	psql_q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" \
		-c "CREATE DATABASE $db" || { bad "create $db"; echo "$passed passed, $failed failed"; exit 1; }
	psql_q -d $db -c "CREATE EXTENSION streampay" -f test/property/property.sql >/dev/null
done
# the webhook key, in a file private to the server (as the regress suites do)
psql_q -d $a >/dev/null <<'SQL'
DO $$ BEGIN
  EXECUTE format('COPY (VALUES (%L)) TO PROGRAM %L', 'whsec_property',
                 'rm -f streampay_property.key && umask 077 && cat > streampay_property.key');
END $$;
ALTER SYSTEM SET streampay.webhook_secret_file = 'streampay_property.key';
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SQL

# 1. chain order, generating as it goes
if psql_q -d $a -c "CALL prop_generate($(seed_of 1), $PROP_HISTORIES)"; then
	n=$(psql -X -At -d $a -c "SELECT count(*) FROM prop_events")
	ok "generated $PROP_HISTORIES histories, $n events, delivered in chain order ($(( $(date +%s) - start )) s)"
else
	bad "generating and delivering in chain order"
fi
fails=$(psql -X -At -d $a -c "SELECT count(*) FROM prop_failures")
if [ "$fails" = 0 ]; then ok "every in-order delivery was applied"; else
	bad "$fails in-order deliveries were not applied"; psql -X -d $a -c "SELECT * FROM prop_failures LIMIT 5"; fi

# 2. the same events, shuffled across streams, some twice
psql -X -q -d $a -c "\\copy prop_events TO '$work/events.copy'"
psql -X -q -d $b -c "\\copy prop_events FROM '$work/events.copy'"
t2=$(date +%s)
if psql_q -d $b -c "CALL prop_deliver_shuffled($(seed_of 2))"; then
	ok "delivered the same events in a random order with duplicates ($(( $(date +%s) - t2 )) s)"
else
	bad "delivering the shuffled events"
fi
fails=$(psql -X -At -d $b -c "SELECT count(*) FROM prop_failures")
if [ "$fails" = 0 ]; then ok "every shuffled delivery answered applied, reordered, parked or duplicate"; else
	bad "$fails shuffled deliveries answered something else"; psql -X -d $b -c "SELECT * FROM prop_failures LIMIT 5"; fi

# 3. the same end state and balances
for db in $a $b; do
	psql -X -At -d $db -c "SELECT * FROM prop_state($(seed_of 3))" > "$work/$db.state"
done
lines=$(grep -c . "$work/$a.state")
if [ "$lines" -gt "$PROP_HISTORIES" ] && diff -u "$work/$a.state" "$work/$b.state" > "$work/state.diff"; then
	ok "same streams, same balances at 5 random times ($lines lines identical)"
else
	bad "end states differ"; head -30 "$work/state.diff"
fi
for db in $a $b; do
	if grep -qx 'parked: 0' "$work/$db.state"; then ok "$db: no event parked once all arrived"; else
		bad "$db: $(grep '^parked' "$work/$db.state") events still parked"
		psql -X -d $db -c "SELECT event_id, event_type, reason, message FROM streampay_parked LIMIT 5"; fi
	if grep -qx 'ledger sums match: true' "$work/$db.state"; then ok "$db: ledger deltas sum to settled_amount"; else
		bad "$db: ledger deltas do not sum to settled_amount"; fi
done
reorders=$(psql -X -At -d $b -c "SELECT count(*) FROM stream_events WHERE event_type = 'rewound'")
if [ "$reorders" -gt 0 ]; then ok "the shuffled delivery re-derived ($reorders rewinds)"; else
	bad "the shuffled delivery never re-derived: the test did not test reordering"; fi

psql_q -d $a -c "ALTER SYSTEM RESET streampay.webhook_secret_file" -c "SELECT pg_reload_conf()" >/dev/null
if [ -z "${PROP_KEEP:-}" ] && [ "$failed" = 0 ]; then
	for db in $a $b; do psql_q -d postgres -c "DROP DATABASE $db"; done
fi
echo "property test took $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
