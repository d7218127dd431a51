#!/usr/bin/env bash
# streampay on a Citus cluster (issue 13): one coordinator and two workers on
# localhost, the README's recipe ("Scaling out with Citus"), and against
# them, each compared with one plain node where that makes sense:
#
#   1. the regression suites' scenarios and test/citus/scenarios.sql, run on
#      the cluster and on one node, their outputs diffed (expected
#      differences, each one a documented Citus behaviour, are in
#      test/citus/expected/<suite>.diff);
#   2. plans: the row forms and sum(row form) run on the workers;
#   3. what Citus cannot do is refused with a clear error;
#   4. rebalancing onto a third worker changes no balance and no ledger row;
#   5. kill -9 of a worker under a load of transitions: every invariant on
#      every row, nothing committed lost, nothing half applied;
#   6. ALTER EXTENSION UPDATE on the cluster, the update chain before
#      distribution, and the supported DROP procedure (no shard left);
#   7. no crash and no assertion failure in any node's log.
#
# Needs the vendored Citus source (../shared/vendor/citus-14.0.1.tar.gz,
# SP_CITUS_TARBALL); without it the suite prints one notice and exits 0.
# Citus is built against PostgreSQL 18 once, into a copy of the cached 18
# prefix: $SP_PG_CACHE/pg-<pg version>-<flavor>-citus-<citus version>
# (test/lib/pgsource.sh builds the server).  streampay is built and
# installed into that copy only.
#
# Prints one "ok ..." / "FAILED ..." line per check and ends with
# "citus: N passed, N failed".
#
#   SP_CITUS_FLAVOR      release (default) or cassert: the PostgreSQL 18 build
#   SP_CITUS_PORT        first of five ports (default 5491)
#   CITUS_CRASH_SECONDS  seconds of load before the kill (default 8)
#   CITUS_BENCH_ROWS     streams for the aggregate timing (default 0: skipped);
#                        the README's figures: CITUS_BENCH_ROWS=2000000
set -uo pipefail
cd "$(dirname "$0")/.."
source test/lib/common.sh
set +e

tarball=${SP_CITUS_TARBALL:-$SP_ROOT/../shared/vendor/citus-14.0.1.tar.gz}
if [ ! -f "$tarball" ]; then
	echo "citus: skipped (no Citus source at $tarball; the vendored tarball lives in ../shared/vendor)"
	exit 0
fi
citus_version=$(basename "$tarball" .tar.gz)
citus_version=${citus_version#citus-}
flavor=${SP_CITUS_FLAVOR:-release}
port0=${SP_CITUS_PORT:-5491}
coord=$port0
w1=$((port0 + 1))
w2=$((port0 + 2))
w3=$((port0 + 3))
single=$((port0 + 4))

passed=0
failed=0
ok() { echo "ok $*"; passed=$((passed + 1)); }
bad() { echo "FAILED $*"; failed=$((failed + 1)); }
# check NAME: ok when the command succeeds
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

###########################################################################
# PostgreSQL 18 with Citus, cached
###########################################################################
sp_use_pg "18$([ "$flavor" = cassert ] && echo -cassert)" || { bad "citus: PostgreSQL 18 ($flavor)"; echo "citus: $passed passed, $failed failed"; exit 1; }
pg_prefix=$(cd "$(dirname "$PG_CONFIG")/.." && pwd)
prefix=$SP_PG_CACHE/$(basename "$pg_prefix")-citus-$citus_version

build_citus() (
	local stamp=$prefix/.streampay-citus-complete work log lockfd
	exec {lockfd}>"$SP_PG_CACHE/.citus.lock" || exit 1
	flock "$lockfd" || exit 1
	if [ -f "$stamp" ] && [ -x "$prefix/bin/pg_config" ]; then
		sp_log "citus: Citus $citus_version on $(basename "$pg_prefix") is cached in $prefix"
		exit 0
	fi
	# what Citus' build needs beyond PostgreSQL's (libcurl, lz4 and zstd are
	# configured out; it links the prefix's own libpq)
	sp_apt_install make gcc flex bison </dev/null >&2 || exit 1
	rm -rf "$prefix" && cp -a "$pg_prefix" "$prefix" || exit 1
	rm -f "$prefix/.streampay-complete"
	work=$(mktemp -d) || exit 1
	trap 'rm -rf "$work"' EXIT
	log=$work/build.log
	sp_log "citus: building Citus $citus_version against $prefix (log: $SP_PG_CACHE/citus-$citus_version.failed.log on failure)"
	local t0=$SECONDS
	(
		tar -xzf "$tarball" -C "$work" &&
			cd "$work"/citus-* &&
			./configure --without-libcurl --without-lz4 --without-zstd \
				PG_CONFIG="$prefix/bin/pg_config" &&
			make -j"${SP_PG_JOBS:-2}" with_llvm=no &&
			make install with_llvm=no
	) </dev/null >"$log" 2>&1 || {
		cp "$log" "$SP_PG_CACHE/citus-$citus_version.failed.log"
		tail -n 30 "$log" >&2
		rm -rf "$prefix"
		exit 1
	}
	chmod -R a+rX "$prefix" || exit 1
	echo "citus $citus_version on $(basename "$pg_prefix"), $((SECONDS - t0))s" > "$stamp"
	sp_log "citus: built in $((SECONDS - t0))s"
)
if ! build_citus; then
	bad "citus: build Citus $citus_version against PostgreSQL 18"
	echo "citus: $passed passed, $failed failed"
	exit 1
fi
PG_CONFIG=$prefix/bin/pg_config
PG_BIN=$prefix/bin
PATH="$PG_BIN:$PATH"
export PG_CONFIG PG_BIN PATH

sp_log "citus: building streampay into $prefix"
make -s clean >/dev/null
if make -s PG_CONFIG="$PG_CONFIG" with_llvm=no COPT=-Werror >/dev/null &&
	make -s PG_CONFIG="$PG_CONFIG" with_llvm=no install >/dev/null; then
	ok "citus: streampay builds with -Werror and installs next to Citus $citus_version"
else
	bad "citus: streampay build"
	echo "citus: $passed passed, $failed failed"
	exit 1
fi
make -s clean >/dev/null

###########################################################################
# Nodes: coordinator, two workers, a spare worker, one plain node
###########################################################################
base=$(mktemp -d /tmp/streampay-citus.XXXXXX)
chown "$SP_PGUSER_OS" "$base" && chmod 700 "$base"
key=whsec_citus_$RANDOM$RANDOM

psqlp() { local p=$1; shift; psql -X -q -h "$base" -p "$p" -U postgres -v ON_ERROR_STOP=1 "$@"; }
psqlv() { local p=$1; shift; psql -X -At -h "$base" -p "$p" -U postgres "$@"; }

start_node() {		# start_node PORT
	sp_as_pg "$PG_BIN/pg_ctl" -D "$base/n$1" -w -t 120 -l "$base/n$1.log" start >/dev/null
}

init_node() {		# init_node PORT citus|plain
	local p=$1 kind=$2
	sp_as_pg "$PG_BIN/initdb" -D "$base/n$p" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null || return 1
	{
		echo "listen_addresses = '127.0.0.1'"
		echo "port = $p"
		echo "unix_socket_directories = '$base'"
		echo "fsync = off"
		if [ "$kind" = citus ]; then
			# the settings of the README's recipe
			echo "shared_preload_libraries = 'citus,streampay'"
			echo "max_prepared_transactions = 100"
			echo "wal_level = logical"
			echo "citus.enable_unsafe_triggers = on"
			echo "citus.propagate_set_commands = 'local'"
			echo "citus.max_cached_conns_per_worker = 2"
		else
			echo "shared_preload_libraries = 'streampay'"
		fi
	} >> "$base/n$p/postgresql.conf"
	sp_as_pg sh -c "umask 077 && echo '$key' > '$base/n$p/streampay_webhook.key'"
	echo "streampay.webhook_secret_file = 'streampay_webhook.key'" >> "$base/n$p/postgresql.conf"
	start_node "$p"
}

stop_all() {
	for p in $coord $w1 $w2 $w3 $single; do
		[ -d "$base/n$p" ] && sp_as_pg "$PG_BIN/pg_ctl" -D "$base/n$p" -m immediate stop >/dev/null 2>&1
	done
}
finish() {
	stop_all
	if [ "$failed" -eq 0 ]; then rm -rf "$base"; else echo "citus: nodes and logs kept in $base"; fi
}
trap finish EXIT

for p in $coord $w1 $w2 $w3; do
	init_node "$p" citus || { bad "citus: start node $p"; echo "citus: $passed passed, $failed failed"; exit 1; }
done
init_node "$single" plain || { bad "citus: start the single node"; exit 1; }
for p in $coord $w1 $w2; do psqlp "$p" -c "CREATE EXTENSION citus" || bad "citus: CREATE EXTENSION citus on $p"; done

# the newest version installed: Citus support needs 0.6.0's ingestion
sp_version=$(psqlv "$coord" -c "SELECT version FROM pg_available_extension_versions WHERE name = 'streampay' ORDER BY string_to_array(version, '.')::int[] DESC LIMIT 1")
if psqlp "$coord" -o /dev/null <<SQL
SELECT citus_set_coordinator_host('127.0.0.1', $coord);
SELECT citus_add_node('127.0.0.1', $w1);
SELECT citus_add_node('127.0.0.1', $w2);
CREATE EXTENSION streampay VERSION '$sp_version';
SQL
then ok "citus: cluster of 1 coordinator + 2 workers, CREATE EXTENSION streampay reaches every node"
else bad "citus: cluster set-up"; fi
if psqlp "$coord" -f test/citus/recipe.sql > "$base/recipe.out" 2>&1 &&
	! grep -q ',f,\| f ' "$base/recipe.out"; then
	ok "citus: the README's recipe (test/citus/recipe.sql) distributes streams and stream_events, colocated"
else
	bad "citus: recipe"; cat "$base/recipe.out"
fi
# README prints the recipe's statements: they must be the ones run here
recipe_missing=$(grep -hv '^--\|^\\ir\|^$' test/citus/node.sql test/citus/recipe.sql |
	while IFS= read -r line; do grep -qxF -- "$line" README.md || echo "$line"; done)
check "citus: README shows the recipe's statements exactly as test/citus/node.sql and recipe.sql run them" \
	test -z "$recipe_missing"
check "citus: streams by id and stream_events by stream_id, one colocation group" \
	test "$(psqlv "$coord" -c "SELECT string_agg(logicalrelid::text || ':' || column_to_column_name(logicalrelid, partkey), ' ' ORDER BY logicalrelid::text)
	       || ' ' || count(DISTINCT colocationid) FROM pg_dist_partition")" = "stream_events:stream_id streams:id 1"
psqlp "$single" -c "CREATE EXTENSION streampay VERSION '$sp_version'" || bad "citus: CREATE EXTENSION on the single node"

###########################################################################
# 1. The same answers as one node
###########################################################################
normalize() {
	# lines that only one side can print: where Citus ran a command, and its
	# notice about functions in pg_temp (not propagated, as intended); in
	# plans, the ports and shard ids of this run
	grep -v -e 'while executing command on' -e 'has dependency on unsupported object' |
		sed -E 's/port=[0-9]+/port=N/g; s/\b(streams|stream_events)_[0-9]{6,}\b/\1_N/g'
}
compare() {		# compare NAME FILE [psql args]: FILE run on both, outputs diffed
	local name=$1 file=$2; shift 2
	local exp=test/citus/expected/$name.diff out=$base/cmp.$name
	(cd "$(dirname "$file")" && PGOPTIONS='-c client_min_messages=warning' \
		psql -X -a -h "$base" -p "$coord" -U postgres -v VERBOSITY=terse "$@" -f "$(basename "$file")") 2>&1 |
		normalize > "$out.cluster"
	(cd "$(dirname "$file")" && PGOPTIONS='-c client_min_messages=warning' \
		psql -X -a -h "$base" -p "$single" -U postgres -v VERBOSITY=terse "$@" -f "$(basename "$file")") 2>&1 |
		normalize > "$out.single"
	# the differing lines only (no line numbers: suites grow)
	diff "$out.single" "$out.cluster" | grep '^[<>]' > "$out.diff"
	[ -f "$exp" ] || : > "$out.expected"
	[ -f "$exp" ] && cp "$exp" "$out.expected"
	if diff -q "$out.expected" "$out.diff" >/dev/null; then
		if [ -s "$out.expected" ]; then
			ok "citus: $name: same output as one node, but for the documented differences in $exp ($(grep -c '^>' "$exp") lines)"
		else
			ok "citus: $name: same output as one node"
		fi
	else
		bad "citus: $name: output differs from one node (the differences that are not in ${exp}:)"
		diff "$out.expected" "$out.diff" | head -40
	fi
}
# the regression suites that run unchanged on a cluster, in their order
for s in transitions accrual settlement rules functions precision ingest v18; do
	compare "$s" "sql/$s.sql"
done
compare scenarios test/citus/scenarios.sql -v webhook_key="$key"

###########################################################################
# 2. Plans: row forms and aggregates on the workers
###########################################################################
psqlp "$coord" -o /dev/null -c "DELETE FROM streams" -c "SELECT streampay_purge_events('infinity')"
psqlp "$coord" -o /dev/null <<'SQL'
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, last_settled_at, created_at)
SELECT ('c5000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid,
       'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU',
       0.5, '2025-01-01', 1000000, '2025-01-01', '2025-01-01'
  FROM generate_series(1, 1000) g;
SQL
plan() { psqlv "$coord" -c "EXPLAIN (VERBOSE, COSTS OFF) $1"; }
q_row="SELECT id, streampay_accrued(s, '2025-02-01') FROM streams s WHERE streampay_claimable(s, '2025-02-01') > 0"
q_sum="SELECT sum(streampay_accrued(s, '2025-02-01')) FROM streams s"
q_agg="SELECT chain_id, streampay_sum_accrued(s, '2025-02-01') FROM streams s GROUP BY chain_id"
q_id="SELECT count(*) FROM streams s WHERE streampay_accrued(s.id, '2025-02-01') <> streampay_accrued(s, '2025-02-01')"
{
	echo "== row forms: $q_row"; plan "$q_row"
	echo "== sum of a row form: $q_sum"; plan "$q_sum"
	echo "== streampay_sum_accrued: $q_agg"; plan "$q_agg"
	echo "== an id form inside a pushed-down query: $q_id"; plan "$q_id"
} > "$base/plans.txt" 2>&1
sed 's/^/    /' "$base/plans.txt"
# a task query that computes on the worker, not a pull of the rows
task_of() { plan "$1" | grep -m1 '^ *Query: '; }
check "citus: plan: the row forms run on the workers (their column form in the task query)" \
	grep -q 'Query: SELECT .*streampay_accrual_from_columns(0,.*WHERE (public.streampay_accrual_from_columns(1,' <<<"$(task_of "$q_row")"
check "citus: plan: sum(row form) is summed on each worker, the partial sums on the coordinator" \
	grep -q 'Query: SELECT sum(public.streampay_accrual_from_columns(0,' <<<"$(task_of "$q_sum")"
check "citus: plan: streampay_sum_accrued is summed on each worker (as sum() of the column form), the partial sums on the coordinator" \
	grep -q 'Query: SELECT chain_id, sum(public.streampay_accrual_from_columns(0,' <<<"$(task_of "$q_agg")"
check "citus: id forms inside a pushed-down query read the local shard (0 mismatches)" \
	test "$(psqlv "$coord" -c "$q_id")" = 0
check "citus: streampay_sum_accrued = sum(row form) on the cluster" \
	test "$(psqlv "$coord" -c "SELECT streampay_sum_accrued(s, '2025-02-01') = sum(streampay_accrued(s, '2025-02-01')) FROM streams s")" = t

###########################################################################
# 3. What Citus cannot do is refused, clearly
###########################################################################
sqlstate() {	# the SQLSTATE of the last error of SQL on the coordinator ("" when none)
	psql -X -q -h "$base" -p "$coord" -U postgres -v VERBOSITY=verbose <<<"$1" 2>&1 |
		sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\): .*/\1/p' | tail -n 1
}
check "citus: a worker with streampay.notify on refuses to announce (55000, not a failed PREPARE)" \
	test "$(sqlstate "BEGIN; SET LOCAL streampay.notify = on; SELECT streampay_pause('c5000000-0000-0000-0000-000000000001', '2025-01-02'); COMMIT;")" = 55000
check "citus: webhook ingestion refuses without citus.propagate_set_commands = local (55000)" \
	test "$(sqlstate "BEGIN; SET LOCAL citus.propagate_set_commands = none; SELECT streampay_ingest('{\"eventId\":\"x-1\",\"eventType\":\"stream_paused\",\"streamId\":\"c5000000-0000-0000-0000-000000000001\",\"occurredAt\":\"2025-01-02T00:00:00Z\"}', streampay_sign('{\"eventId\":\"x-1\",\"eventType\":\"stream_paused\",\"streamId\":\"c5000000-0000-0000-0000-000000000001\",\"occurredAt\":\"2025-01-02T00:00:00Z\"}', '$key')); COMMIT;")" = 55000
check "citus: a write helper called per row inside a query on the shards is refused by Citus (XX000, 'a distributed query from a query on a shard')" \
	grep -q 'cannot execute a distributed query from a query on a shard' \
	<<<"$(psql -X -h "$base" -p "$coord" -U postgres -c "SELECT streampay_pause(id, '2025-01-02') FROM streams" 2>&1)"
check "citus: changing a stream's id is refused by Citus (0A000: the distribution column)" \
	test "$(sqlstate "UPDATE streams SET id = gen_random_uuid() WHERE id = 'c5000000-0000-0000-0000-000000000002'")" = 0A000
check "citus: the depletion index on a distributed streams is refused by Citus (circular dependencies)" \
	grep -q 'circular dependencies between distributed objects' \
	<<<"$(psql -X -h "$base" -p "$coord" -U postgres -c "CREATE INDEX streams_dry_idx ON streams (streampay_depletion_time(streams))" 2>&1)"
# a multi-row INSERT ... SELECT that breaks a rule: streampay's message, Citus' XX000
copy_err=$(psql -X -q -h "$base" -p "$coord" -U postgres -v VERBOSITY=verbose 2>&1 <<'SQL'
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
SELECT ('c5200000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid,
       'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
       1, '2025-01-01', 100
  FROM generate_series(1, 3) g;
SQL
)
copy_state=$(sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\): .*/\1/p' <<<"$copy_err" | tail -n 1)
grep -q 'payer and recipient must differ' <<<"$copy_err" || copy_state="$copy_state, not streampay's message"
check "citus: a multi-row INSERT ... SELECT breaking a rule fails with streampay's message under XX000, and writes nothing" \
	test "$copy_state" = XX000 -a "$(psqlv "$coord" -c "SELECT count(*) FROM streams WHERE id::text LIKE 'c52%'")" = 0
# a table named like a shard of streams, owned by someone else, is no shard
# (roles and grants are made on the coordinator, which gives them to every node)
psqlp "$coord" -o /dev/null -c "CREATE ROLE sp_mallory LOGIN" -c "GRANT CREATE ON SCHEMA public TO sp_mallory" \
	-c "GRANT SELECT ON streams TO sp_mallory"
check "citus: the ledger trigger refuses a look-alike shard owned by another role (42501)" \
	grep -q '^ERROR:  42501: streampay_ledger_trigger() refuses to run on table "streams_999999"' \
	<<<"$(psql -X -q -h "$base" -p "$w1" -U sp_mallory -d postgres -v VERBOSITY=verbose 2>&1 <<'SQL'
BEGIN;
CREATE TABLE public.streams_999999 (LIKE public.streams);
CREATE TRIGGER t AFTER INSERT ON public.streams_999999 FOR EACH ROW EXECUTE FUNCTION public.streampay_ledger_trigger();
INSERT INTO public.streams_999999 (id, payer, recipient, status, rate_per_second, start_time, total_amount, last_settled_at, created_at, updated_at, chain_id, settled_amount)
VALUES (gen_random_uuid(), 'a', 'b', 'active', 1, '2025-01-01', 1, '2025-01-01', '2025-01-01', '2025-01-01', 'x', 0);
ROLLBACK;
SQL
)"
check "citus: a chain registered on the coordinator only is refused on the workers (23503); registered on every node it is accepted" \
	test "$(sqlstate "INSERT INTO streampay_chains VALUES ('stellar-devnet', 'stellar'); INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id) VALUES ('c5100000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1, 'stellar-devnet')")|$(psqlv "$coord" -c "SELECT count(*) FROM run_command_on_workers(\$\$INSERT INTO streampay_chains VALUES ('stellar-devnet', 'stellar')\$\$) WHERE success" -c "INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount, chain_id) VALUES ('c5100000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1, 'stellar-devnet') RETURNING chain_id" 2>&1 | tr '\n' ' ')" = "23503|2 stellar-devnet INSERT 0 1 "

###########################################################################
# 4. Rebalancing onto a third worker
###########################################################################
snapshot() {	# every balance at a fixed time and the whole ledger, as one text
	psqlv "$coord" -c "SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
	    SELECT concat_ws('|', id, streampay_accrued(s, '2025-03-01'), streampay_refundable(s, '2025-03-01'),
	                     status, settled_amount, last_settled_at) AS x FROM streams s
	    UNION ALL
	    SELECT concat_ws('|', stream_id, event_id, event_type, occurred_at, settled_delta, settled_amount,
	                     to_status, recorded_at) FROM stream_events) y"
}
psqlp "$coord" -o /dev/null <<'SQL'
WITH ids AS MATERIALIZED (SELECT id FROM streams WHERE id::text ~ '[13579]$' ORDER BY id)
SELECT streampay_pause(id, '2025-01-10') FROM ids;
SQL
before=$(snapshot)
psqlp "$w3" -c "CREATE EXTENSION citus" >/dev/null
if psqlp "$coord" -o /dev/null -c "SELECT citus_add_node('127.0.0.1', $w3)" &&
	psqlp "$coord" -f test/citus/node.sql > "$base/node3.out" 2>&1 &&
	psqlp "$w3" -o /dev/null -c "ALTER SYSTEM SET streampay.notify = off" -c "SELECT pg_reload_conf()" &&
	psqlp "$coord" -o /dev/null -c "SELECT citus_rebalance_start()" -c "SELECT citus_rebalance_wait()" &&
	psqlp "$coord" -o /dev/null -c "CALL citus_cleanup_orphaned_resources()"; then
	ok "citus: third worker added (node.sql again), citus_rebalance_start() finished, the moved shards' old copies dropped"
else
	bad "citus: rebalance"; cat "$base/node3.out"
fi
moved=$(psqlv "$coord" -c "SELECT count(*) FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid) WHERE n.nodeport = $w3")
check "citus: shards moved to the new worker ($moved placements)" test "${moved:-0}" -gt 0
after=$(snapshot)
check "citus: after the rebalance every balance and every ledger row is unchanged" test -n "$before" -a "$before" = "$after"
# writes on a moved shard: the trigger finds its new home, event ids from the new node's range
check "citus: a stream on a moved shard still changes, and its ledger event comes from the new node" \
	test "$(psqlv "$coord" <<SQL
WITH here AS MATERIALIZED (
    SELECT s.id FROM streams s
     WHERE get_shard_id_for_distribution_column('streams', s.id) IN
           (SELECT shardid FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid) WHERE n.nodeport = $w3)
       AND s.status = 'active' ORDER BY s.id LIMIT 1)
SELECT (streampay_cancel(id, '2025-01-11')).status FROM here;
SELECT e.event_id >> 48 = (SELECT groupid FROM pg_dist_node WHERE nodeport = $w3)
  FROM stream_events e WHERE e.event_type = 'cancelled' ORDER BY e.recorded_at DESC LIMIT 1;
SELECT count(*) FROM streams s
 WHERE s.settled_amount <> (SELECT coalesce(sum(settled_delta), 0) FROM stream_events e WHERE e.stream_id = s.id);
SQL
)" = "cancelled
t
0"

###########################################################################
# 5. kill -9 of a worker under load
###########################################################################
test/citus/crash.sh "$base" "$coord" "$w1" "${CITUS_CRASH_SECONDS:-8}" > "$base/crash.out" 2>&1
crash_rc=$?
sed 's/^/    /' "$base/crash.out" | grep -v '^    \(ok\|FAILED\) '
while read -r line; do
	case $line in
	ok\ *) ok "citus: crash: ${line#ok }" ;;
	FAILED\ *) bad "citus: crash: ${line#FAILED }" ;;
	esac
done < <(grep -E '^(ok|FAILED) ' "$base/crash.out")
[ "$crash_rc" = 0 ] || grep -qE '^FAILED ' "$base/crash.out" || bad "citus: crash test exited $crash_rc"

###########################################################################
# (optional) aggregate timing: CITUS_BENCH_ROWS streams on the cluster and on
# the plain node; on one machine this measures overhead, not speed-up
###########################################################################
bench_rows=${CITUS_BENCH_ROWS:-0}
if [ "$bench_rows" -gt 0 ]; then
	sp_log "citus: loading $bench_rows streams on the cluster and on the plain node"
	for p in $coord $single; do
		psqlp "$p" -o /dev/null -v n="$bench_rows" <<'SQL'
SET client_min_messages = warning;
DELETE FROM streams;
INSERT INTO streams (id, payer, recipient, status, rate_per_second, start_time, end_time, total_amount, chain_id, asset, last_settled_at, created_at)
SELECT ('d0000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
       (ARRAY['GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS', 'GDI2LLE2AFP2YLXXWNAWONRVKEVBKEPUD7RX2EI3EZ7QHHXMLVHVQ7XD'])[g % 2 + 1],
       (ARRAY['GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 'GAOZFLKLNGD7UA2HZROS7NWPTZD4QP2PNSXLHNPPN5RJOMCSREQ4GM5S', 'GD5YJDEZXGSD5R4GNIR6UAAMDE42C2HV74LTCSQLRDD344I5P335AIJQ'])[g % 3 + 1],
       CASE WHEN g % 9 = 0 THEN 'paused' ELSE 'active' END::stream_status,
       (g % 7) * 0.333333333 + 0.000000001,
       '2025-01-01'::timestamp + (g % 1000) * interval '1 minute',
       CASE WHEN g % 4 = 0 THEN '2025-02-01'::timestamp + (g % 1000) * interval '1 minute' END,
       1000000 + (g % 1000) * 7.123456789,
       CASE WHEN g % 3 = 0 THEN 'stellar-pubnet' ELSE 'stellar-testnet' END,
       CASE g % 3 WHEN 0 THEN NULL ELSE 'CD7PQEXNFP3D47XAK2JR2VFGFEX4XOW7VJV5TBNF73KM4UYWT3FX7XKW' END,
       '2025-01-01'::timestamp + (g % 1000) * interval '1 minute',
       '2025-01-01'::timestamp + (g % 1000) * interval '1 minute'
  FROM generate_series(1, :n) g;
VACUUM ANALYZE streams;
SQL
	done
	median_ms() {	# median_ms PORT SQL: median of 5 warm runs
		local t=() i
		psqlp "$1" -o /dev/null -c "$2"
		for i in 1 2 3 4 5; do
			t+=("$(psql -X -q -h "$base" -p "$1" -U postgres -c '\timing on' -c "$2" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')")
		done
		printf '%s\n' "${t[@]}" | sort -n | sed -n 3p
	}
	echo "    aggregate timing, $bench_rows streams, median of 5 (ms): one node | cluster (same machine: overhead, not speed-up)"
	while IFS='|' read -r name q; do
		a=$(median_ms "$single" "$q"); b=$(median_ms "$coord" "$q")
		same=$([ "$(psqlv "$single" -c "$q" | md5sum)" = "$(psqlv "$coord" -c "$q" | md5sum)" ] && echo same || echo DIFFERENT)
		printf '    %-28s %10s | %10s   (%s answer)\n' "$name" "$a" "$b" "$same"
		[ "$same" = same ] || bad "citus: bench: $name gives another answer on the cluster"
	done <<'Q'
count(*)|SELECT count(*) FROM streams
sum(row form)|SELECT sum(streampay_accrued(s, '2025-03-01')) FROM streams s
streampay_sum_accrued|SELECT streampay_sum_accrued(s, '2025-03-01') FROM streams s
grouped sum(row form)|SELECT chain_id, asset, sum(streampay_accrued(s, '2025-03-01')) FROM streams s GROUP BY 1, 2 ORDER BY 1, 2
grouped streampay_sum_accrued|SELECT chain_id, asset, streampay_sum_accrued(s, '2025-03-01') FROM streams s GROUP BY 1, 2 ORDER BY 1, 2
Q
fi

###########################################################################
# 6. Extension lifecycle on the cluster
###########################################################################
# plain DROP EXTENSION ... CASCADE would leave the shards on the workers
# (Citus leaves an extension's own tables to the extension); the supported
# procedure of the README:
shards_left() {
	psqlv "$coord" -c "SELECT coalesce(sum(result::int), 0) FROM run_command_on_workers(\$\$SELECT count(*) FROM pg_class WHERE relname ~ '^(streams|stream_events)(_[0-9]+)?\$'\$\$)"
}
if psqlp "$coord" -o /dev/null 2>"$base/drop.err" <<'SQL'
ALTER EXTENSION streampay DROP TABLE stream_events;
ALTER EXTENSION streampay DROP SEQUENCE stream_events_event_id_seq;
ALTER EXTENSION streampay DROP TABLE streams;
DROP EXTENSION streampay CASCADE;
DROP TABLE streams, stream_events;
SQL
then
	ok "citus: the README's DROP procedure runs"
else
	bad "citus: DROP procedure"; cat "$base/drop.err"
fi
left_over="$(shards_left)|$(psqlv "$coord" -c "SELECT count(*) FROM pg_dist_shard")|$(psqlv "$coord" -c "SELECT string_agg(result, ' ') FROM run_command_on_all_nodes(\$\$SELECT count(*) FROM pg_extension WHERE extname = 'streampay'\$\$)")"
check "citus: after it no shard, no shell and no metadata is left on any node (tables on workers|shards|extensions: $left_over)" \
	test "$left_over" = "0|0|0 0 0 0"
# the update chain: every version through ALTER EXTENSION UPDATE (Citus
# forwards each to the workers) up to 0.5.0, the oldest the README lets a
# cluster distribute, then the recipe, then every later update on the
# distributed cluster (each changes streams or stream_events on the shards)
dist_at=0.5.0
mapfile -t chain < <(psqlv "$coord" -c "SELECT version FROM pg_available_extension_versions WHERE name = 'streampay' AND version <> '0.1.0' ORDER BY string_to_array(version, '.')::int[]")
last=${chain[${#chain[@]}-1]}
chain_ok=1
psqlp "$coord" -o /dev/null -c "CREATE EXTENSION streampay VERSION '0.1.0'" || chain_ok=0
for v in "${chain[@]}"; do
	psqlp "$coord" -o /dev/null -c "ALTER EXTENSION streampay UPDATE TO '$v'" || { chain_ok=0; echo "    update to $v failed"; }
	[ "$v" = "$dist_at" ] && break
done
check "citus: CREATE EXTENSION 0.1.0 and ALTER EXTENSION UPDATE on every node, up to $dist_at" test "$chain_ok" = 1
if psqlp "$coord" -f test/citus/recipe.sql > "$base/recipe2.out" 2>&1 &&
	psqlp "$coord" -o /dev/null <<'SQL'
INSERT INTO streams (id, payer, recipient, rate_per_second, start_time, total_amount)
VALUES ('c6000000-0000-0000-0000-000000000001', 'GB5IAA3JGAM2DXAUKWLQXBR5K5AENXEBR64TQOVGQCRJQ2GQ3VV6ZCWS',
        'GAOBB5P7YK6237WL22QBMMH7LU5K5SB3TBVLEDQE643RJJUOES5LKBSU', 1, '2025-01-01', 1000000000);
SELECT streampay_pause('c6000000-0000-0000-0000-000000000001', '2025-01-02');
SQL
then
	ok "citus: the updated extension distributes with the recipe and writes its ledger on the workers"
else
	bad "citus: recipe after the update chain"; cat "$base/recipe2.out"
fi
later=()
past=0
for v in "${chain[@]}"; do
	[ "$past" = 1 ] && later+=("$v")
	[ "$v" = "$dist_at" ] && past=1
done
chain_ok=1
for v in "${later[@]}"; do
	psqlp "$coord" -o /dev/null -c "ALTER EXTENSION streampay UPDATE TO '$v'" || { chain_ok=0; echo "    update to $v failed"; }
done
check "citus: ALTER EXTENSION streampay UPDATE on the distributed cluster, $dist_at to $last (${later[*]})" \
	test "$chain_ok" = 1 -a "${#later[@]}" -gt 0
# the shards got what the updates added (0.6.0: chain_stream_id and its CHECK)
# (Citus names a shard's constraints with the shard id appended)
check "citus: every shard of streams has the columns and the CHECK the updates added" \
	test "$(psqlv "$coord" -c "SELECT bool_and(success AND result = 't') FROM run_command_on_shards('streams', \$\$SELECT count(*) = 1 FROM pg_attribute WHERE attrelid = '%s'::regclass AND attname = 'chain_stream_id' AND NOT attisdropped\$\$)")|$(psqlv "$coord" -c "SELECT bool_and(success AND result = 't') FROM run_command_on_shards('streams', \$\$SELECT count(*) = 1 FROM pg_constraint WHERE conrelid = '%s'::regclass AND conname LIKE 'streams_chain_stream_id_check%%'\$\$)")" = "t|t"
versions=$(psqlv "$coord" -c "SELECT string_agg(result, ' ') FROM run_command_on_all_nodes(\$\$SELECT extversion FROM pg_extension WHERE extname = 'streampay'\$\$)")
check "citus: every node is at $last ($versions)" test "$versions" = "$last $last $last $last"
body='{"eventId":"life-1","eventType":"stream_resumed","streamId":"c6000000-0000-0000-0000-000000000001","occurredAt":"2025-01-03T00:00:00Z"}'
got=$(psqlv "$coord" -c "SELECT streampay_ingest('$body', streampay_sign('$body', '$key')) ->> 'status'" \
	-c "SELECT string_agg(event_type || ' ' || settled_delta || ' ' || source, ', ' ORDER BY recorded_at) FROM stream_events" 2>&1)
if [ "$got" = "active
created 0.000000000 sql, paused 86400.000000000 sql, resumed 0.000000000 webhook" ]; then
	ok "citus: after the update the cluster ingests a webhook and the ledger holds every event"
else
	bad "citus: after the update the cluster ingests a webhook and the ledger holds every event"
	echo "$got"
fi

###########################################################################
# 7. no node crashed
###########################################################################
hits=$(grep -E 'terminated by signal|TRAP:|was terminated by exception|server process .* exited with exit code [^0]' \
	"$base"/n*.log | grep -v "n$w1.log.*terminated by signal 9" | head -5)
if [ -z "$hits" ]; then
	ok "citus: no node's log shows a crash or an assertion failure"
else
	bad "citus: a node's log shows a crash or an assertion failure"; echo "$hits"
fi

echo "citus: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
