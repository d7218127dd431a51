#!/usr/bin/env bash
# Order-independence property test (issue 11): random valid event
# histories delivered in chain order into one database and as a random
# permutation with random duplicates into another must end in the same
# state, with the same balances at 5 random times, and nothing parked.
#
# About 1 in 20 histories (PROP_TWINS) is a twin history (0.7.2): two
# streams with one streamId, created by two contracts on one chain, with
# their own events (carrying contractAddress) and 1-3 events without
# contractAddress.  Those name both streams, so in both databases each must
# end refused (22023, the only error tolerated, and only for them) or parked
# 'ambiguous' with no stream, never applied; and both streams must equal
# what the history without them gives in chain order (built in the first
# database under scratch chain ids of their own).
#
#   test/property/run.sh           # against $PGHOST/$PGPORT (test/run.sh sets them)
#
# Environment (defaults are what CI runs):
#   PROP_SEED       seed (default 20261130; "random" picks one).  It is
#                   printed first and again on failure: rerun with it to
#                   reproduce the same histories and the same permutation.
#   PROP_HISTORIES  histories of 1-40 events each, or twin histories of
#                   two streams of 1-20 events and 1-3 contract-less events
#                   (default 10000)
#   PROP_TWINS      percentage of twin histories (default 5; 0: none)
#   PROP_KEEP       set to keep the two databases afterwards
#
# Prints "ok ..." / "FAILED ..." per check and ends with "N passed, N failed".
# The extension must already be installed in the server (make install).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

PROP_SEED=${PROP_SEED:-20261130}
if [ "$PROP_SEED" = random ]; then PROP_SEED=$(( (RANDOM << 15) | RANDOM )); fi
PROP_HISTORIES=${PROP_HISTORIES:-10000}
PROP_TWINS=${PROP_TWINS:-5}
for v in PROP_SEED PROP_HISTORIES PROP_TWINS; do
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
bad() { echo "FAILED $* (PROP_SEED=$PROP_SEED PROP_HISTORIES=$PROP_HISTORIES PROP_TWINS=$PROP_TWINS)"; failed=$((failed + 1)); }
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
# setseed() takes a double in [-1, 1]: three derived seeds from the one printed
seed_of() { echo "($(( (PROP_SEED * 7919 + $1) % 2000000 - 1000000 )) / 1000000.0)"; }

echo "property test: PROP_SEED=$PROP_SEED PROP_HISTORIES=$PROP_HISTORIES PROP_TWINS=$PROP_TWINS"
start=$(date +%s)
for db in $a $b; do
	psql_q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" \
		-c "CREATE DATABASE $db" || { bad "create $db"; echo "$passed passed, $failed failed"; exit 1; }
	psql_q -d $db -c "CREATE EXTENSION streampay" -f test/property/property.sql >/dev/null
done
# the webhook key, in a file private to the server (as the regress suites do)
# (LOAD first: PostgreSQL 15 and 16 accept ALTER SYSTEM for a custom setting
# only once its library is loaded, and a fresh cluster has no placeholder)
psql_q -d $a >/dev/null <<'SQL'
\set key_file streampay_property.key
\set key whsec_property
\i test/lib/webhook_key.psql
SQL

# 1. chain order, generating as it goes
if psql_q -d $a -c "CALL prop_generate($(seed_of 1), $PROP_HISTORIES, $PROP_TWINS)"; then
	n=$(psql -X -At -d $a -c "SELECT count(*) FROM prop_events")
	ok "generated $PROP_HISTORIES histories, $n events, delivered in chain order ($(( $(date +%s) - start )) s)"
else
	bad "generating and delivering in chain order"
fi
fails=$(psql -X -At -d $a -c "SELECT count(*) FROM prop_failures")
if [ "$fails" = 0 ]; then ok "every in-order delivery was applied (a twin history's: applied, parked, or refused as ambiguous)"; else
	bad "$fails in-order deliveries were not applied"; psql -X -d $a -c "SELECT * FROM prop_failures LIMIT 5"; fi

# 2. the same events, shuffled across streams, some twice
psql -X -q -d $a -c "\\copy prop_events TO '$work/events.copy'"
psql -X -q -d $b -c "\\copy prop_events FROM '$work/events.copy'"
psql -X -q -d $a -c "\\copy prop_twins TO '$work/twins.copy'"
psql -X -q -d $b -c "\\copy prop_twins FROM '$work/twins.copy'"
t2=$(date +%s)
if psql_q -d $b -c "CALL prop_deliver_shuffled($(seed_of 2))"; then
	ok "delivered the same events in a random order with duplicates ($(( $(date +%s) - t2 )) s)"
else
	bad "delivering the shuffled events"
fi
fails=$(psql -X -At -d $b -c "SELECT count(*) FROM prop_failures")
if [ "$fails" = 0 ]; then ok "every shuffled delivery answered applied, reordered, parked or duplicate (or refused as ambiguous)"; else
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
	if grep -qx 'parked: 0' "$work/$db.state"; then ok "$db: no event parked once all arrived (but contract-less ones)"; else
		bad "$db: $(grep '^parked' "$work/$db.state") events still parked"
		psql -X -d $db -c "SELECT event_id, event_type, reason, message FROM streampay_parked LIMIT 5"; fi
	if grep -qx 'ledger sums match: true' "$work/$db.state"; then ok "$db: ledger deltas sum to settled_amount"; else
		bad "$db: ledger deltas do not sum to settled_amount"; fi
done

# 4. twin histories: the contract-less events belong to neither stream, and
# both streams are what the history without them gives
twins=$(psql -X -At -d $a -c "SELECT count(*) FROM prop_twins")
psql -X -At -d $a -c "SELECT * FROM prop_twin_rows($(seed_of 3), true)" > "$work/reference.twins"
lines=$(grep -c . "$work/reference.twins")
if [ "$lines" = $((2 * twins)) ] && { [ "$twins" -gt 0 ] || [ $((PROP_HISTORIES * PROP_TWINS)) -lt 5000 ]; }; then
	ok "$twins twin histories, built without their contract-less events as the reference"
else
	bad "twin histories: $twins generated, $lines reference streams"
fi
for db in $a $b; do
	psql -X -At -d $db -c "SELECT * FROM prop_twin_rows($(seed_of 3), false)" > "$work/$db.twins"
	if diff -u "$work/reference.twins" "$work/$db.twins" > "$work/twins.diff"; then
		ok "$db: both streams of each twin history equal the history without the contract-less events"
	else
		bad "$db: twin streams differ from the history without the contract-less events"; head -30 "$work/twins.diff"
	fi
	psql -X -At -d $db -c "SELECT * FROM prop_twin_check()" > "$work/$db.check"
	if grep -qx 'contract-less kept otherwise than parked ambiguous with no stream: 0' "$work/$db.check" &&
	   grep -qx 'contract-less neither kept nor refused: 0' "$work/$db.check"; then
		ok "$db: every $(sed -n 's/^contract-less events: //p' "$work/$db.check") contract-less events refused or parked ambiguous ($(grep "^refused " "$work/$db.check"))"
	else
		bad "$db: contract-less events applied or lost"; cat "$work/$db.check"
		psql -X -d $db -c "SELECT i.event_id, i.state, i.park_reason, i.stream_id FROM stream_inbox i
			JOIN prop_events e ON e.event_id = i.event_id AND e.contractless
			WHERE NOT (i.state = 'parked' AND i.park_reason IS NOT DISTINCT FROM 'ambiguous' AND i.stream_id IS NULL) LIMIT 5"
	fi
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
