#!/usr/bin/env bash
# ALTER EXTENSION streampay UPDATE walks every released version to the
# newest, keeps the rows and balances, and ends with exactly the schema a
# fresh install creates.  Needs a running server (PGHOST/PGPORT/PGUSER).
# Prints one "ok"/"FAILED" line per check; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

fresh=streampay_upgrade_fresh
walked=streampay_upgrade_walked
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc=0

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
for db in $fresh $walked; do
	psql_q -d postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done

# every version, oldest first, from the install and update scripts
versions=$(ls sql/streampay--*.sql | sed -E 's|.*/streampay--||; s|\.sql$||; s|--|\n|g' | sort -uV)
oldest=$(echo "$versions" | head -1)
newest=$(sed -nE "s/^default_version = '(.*)'/\1/p" streampay.control)

psql_q -d $fresh -c "CREATE EXTENSION streampay"
psql_q -d $walked -c "CREATE EXTENSION streampay VERSION '$oldest'"
# rows written under the old version must survive the walk
psql_q -d $walked >/dev/null <<'SQL'
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('40000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000);
SELECT streampay_pause('40000000-0000-0000-0000-000000000001', '2025-01-01 00:01:40');
SQL
psql -X -At -d $walked -c "SELECT streampay_accrued('40000000-0000-0000-0000-000000000001', '2026-01-01')" > "$work/before"

# webhook events ingested under 0.5.0, before the chain-ordered inbox (0.6.0)
# (stream=ID hook ...: another chain stream than ...0002)
created_data='{"payer":"GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS","recipient":"GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU","ratePerSecond":"1","totalAmount":"1000","startTime":"2025-01-01T00:00:00Z"}'
# (answer=EXPR hook ...: print EXPR of the answer r instead)
hook() { # eventId eventType occurredAt [data]
	local body="{\"eventId\":\"$1\",\"eventType\":\"$2\",\"streamId\":\"${stream:-40000000-0000-0000-0000-000000000002}\",\"occurredAt\":\"$3\"${4:+,\"data\":$4}}"
	psql -X -At -v ON_ERROR_STOP=1 -d $walked -c "SELECT ${answer:-coalesce(r->>'outcome', CASE WHEN (r->>'duplicate')::boolean THEN 'duplicate' ELSE 'applied' END) || coalesce(' ' || (r->>'reason'), '')} FROM streampay_ingest('$body', streampay_sign('$body', 'whsec_upgrade')) r"
}
parked() { # the parked events, one line each
	psql -X -At -v ON_ERROR_STOP=1 -d $walked -c "SELECT event_id || ' ' || reason FROM streampay_parked ORDER BY event_id"
}
# walk each update script in turn
for v in $(echo "$versions" | tail -n +2); do
	if [ "$v" = 0.6.0 ]; then
		# LOAD: on 15, ALTER SYSTEM knows streampay's settings only once the
		# library is loaded in the session (16+ take unknown custom settings)
		psql_q -d $walked >/dev/null <<'SQL'
\set key_file streampay_upgrade.key
\set key whsec_upgrade
\i test/lib/webhook_key.psql
SQL
		hook u-1 stream_created 2025-01-01T00:00:00Z "$created_data" > "$work/hooks"
		hook u-3 stream_paused 2025-01-01T00:03:20Z >> "$work/hooks"
	fi
	psql_q -d $walked -c "ALTER EXTENSION streampay UPDATE TO '$v'"
	if [ "$v" = 0.6.0 ]; then
		# right after 0.6.0: an event for a stream the chain has not created
		# yet is parked, and every later update runs over a non-empty inbox
		stream=40000000-0000-0000-0000-000000000003 hook v-2 stream_paused 2025-01-01T00:01:40Z > "$work/unknown"
	fi
	if [ -s "$work/unknown" ]; then echo "$v: $(parked | tr '\n' ',')" >> "$work/parked"; fi
done
if grep -q '^0.6.0$' <<< "$versions"; then
	# after the update: a redelivery of an old event is a duplicate, a late
	# event before the old history is parked (not rewritten), a new one applies
	hook u-3 stream_paused 2025-01-01T00:03:20Z >> "$work/hooks"
	hook u-2 rate_changed 2025-01-01T00:01:40Z '{"ratePerSecond":"2"}' >> "$work/hooks"
	hook u-4 stream_resumed 2025-01-01T00:05:00Z >> "$work/hooks"
	if [ "$(tr '\n' ',' < "$work/hooks")" = "applied,applied,duplicate,parked before_sql_change,applied," ]; then
		echo "ok webhook history from 0.5.0: redelivery is a duplicate, a late event is parked, a new one applies"
	else
		echo "FAILED webhook history from 0.5.0: $(tr '\n' ',' < "$work/hooks")"; rc=1
	fi
	# the event parked under 0.6.0 stayed parked through every later update;
	# its stream_created, sent now, adopts it
	want=$(echo "$versions" | sed -n '/^0\.6\.0$/,$p' | sed 's/$/: v-2 stream_unknown,/')
	if [ "$(cat "$work/unknown")" = "parked stream_unknown" ] && [ "$(cat "$work/parked")" = "$want" ]; then
		echo "ok an event parked under 0.6.0 (stream_unknown) stays parked through the updates to $(echo "$want" | sed -n '2,$p' | cut -d: -f1 | paste -sd,)"
	else
		echo "FAILED an event parked under 0.6.0 (stream_unknown) stays parked through every update: $(cat "$work/unknown"); $(tr '\n' ' ' < "$work/parked")"; rc=1
	fi
	stream=40000000-0000-0000-0000-000000000003 answer="concat_ws(' ', r->>'outcome', 'unparked=' || (r->>'unparked'), r->>'status')" \
		hook v-1 stream_created 2025-01-01T00:00:00Z "$created_data" > "$work/adopt"
	state=$(psql -X -At -d $walked -c "SELECT status || ' ' || settled_amount FROM streams WHERE id = '40000000-0000-0000-0000-000000000003'")
	if [ "$(cat "$work/adopt")" = "reordered unparked=1 paused" ] && [ "$state" = "paused 100.000000000" ] &&
		[ "$(parked)" = "u-2 before_sql_change" ]; then
		echo "ok after the last update its stream_created adopts the parked event ($(cat "$work/adopt"), $state)"
	else
		echo "FAILED after the last update its stream_created adopts the parked event: $(cat "$work/adopt"); $state; parked: $(parked | tr '\n' ' ')"; rc=1
	fi
	psql_q -d $walked -c "ALTER SYSTEM RESET streampay.webhook_secret_file" -c "SELECT pg_reload_conf()" >/dev/null
fi
got=$(psql -X -At -d $walked -c "SELECT extversion FROM pg_extension WHERE extname = 'streampay'")
if [ "$got" = "$newest" ]; then echo "ok update path $oldest -> $newest"; else echo "FAILED update path (at $got, want $newest)"; rc=1; fi

psql -X -At -d $walked -c "SELECT streampay_accrued('40000000-0000-0000-0000-000000000001', '2026-01-01')" > "$work/after"
if cmp -s "$work/before" "$work/after" && [ "$(cat "$work/after")" = "100.000000000" ]; then
	echo "ok balances survive the update ($(cat "$work/after"))"
else
	echo "FAILED balances survive the update"; rc=1
fi
sums=$(psql -X -At -d $walked -c "SELECT bool_and(s.settled_amount = (SELECT sum(e.settled_delta) FROM stream_events e WHERE e.stream_id = s.id)) FROM streams s")
if [ "$sums" = "t" ]; then echo "ok pre-existing streams are in the ledger"; else echo "FAILED pre-existing streams are in the ledger"; rc=1; fi

# the schema itself: identical to a fresh install
for db in $fresh $walked; do
	psql -X -At -v ON_ERROR_STOP=1 -d $db -f test/lib/extension_schema.sql > "$work/$db.schema"
done
if diff -u "$work/$fresh.schema" "$work/$walked.schema" > "$work/schema.diff"; then
	echo "ok schema after update = fresh install ($(wc -l < "$work/$fresh.schema") lines)"
else
	echo "FAILED schema after update differs from a fresh install"; head -40 "$work/schema.diff"; rc=1
fi

for db in $fresh $walked; do psql_q -d postgres -c "DROP DATABASE $db"; done
exit $rc
