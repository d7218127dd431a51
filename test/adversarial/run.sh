#!/usr/bin/env bash
# test/adversarial/run.sh: the standing adversarial suite (see README.md).
#
# Runs every test/adversarial/cases/NN_*.sql against a running cluster and
# prints "ok <n> - <item>: <what>" or "FAILED <n> - <item>: <what> (<why>)"
# per case, then "N passed, M failed".  Exit status 0 iff M == 0.
#
# Environment: PGHOST, PGPORT, PGUSER (a superuser), SP_PGDATA (server log
# $SP_PGDATA/server.log), PG_BIN or PG_CONFIG.  Optional: ADV_TIMEOUT
# (seconds one step may take, default 20), ADV_KEEP=1 (keep databases and
# logs), ADV_ONLY=NN (run only cases whose number matches), ADV_VERBOSE=1
# (print a failing case's output).
#
# A case file is a psql script, cut into steps by directive comments:
#   --@ item <item>             the review item it covers (header)
#   --@ what <text>             what it checks (header)
#   --@ session <name> [<role>] continue in session <name>; the first use
#                               opens a new connection as <role> (default
#                               $PGUSER) to the case's database
#   --@ absent <text>           <text> must appear nowhere in the output
#   --@ present <text>          <text> must appear in the output
#   --@ template <file>         the script is lib/<file> instead, with each
#   --@ set <KEY> <value>       @KEY@ replaced by <value> (cases 01-05)
# Each step is sent to its session's psql and the harness waits for it to
# finish before the next step, so sessions interleave deterministically.
# Inside a case (macros from lib/macros.psql):
#   <statement>; :expect 42501 'label'   the statement's SQLSTATE must be 42501
#   <statement>; :expect 42501|42704 'l' one of these
#   <statement>; :ok 'label'             the statement must succeed
#   SELECT adv.a(<boolean>, 'label');    the condition must be true
#   :snap ... :same 'label'              streams and stream_events unchanged
# A case also fails on an ERROR that no :expect follows, on a lost
# connection, on a step that does not finish in ADV_TIMEOUT seconds, and
# when the server log gains a crash line or a leak WARNING while it runs.
set -uo pipefail
trap '' PIPE

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${PG_BIN:-}" ]; then
	if [ -n "${PG_CONFIG:-}" ]; then PG_BIN=$("$PG_CONFIG" --bindir)
	else PG_BIN=/usr/lib/postgresql/15/bin; fi
fi
PSQL=$PG_BIN/psql
export PGUSER=${PGUSER:-postgres}
# every session: UTC, ISO dates, no psqlrc; set at connection time so that
# no statement runs before a case's first one (the library stays unloaded)
export PGOPTIONS="${PGOPTIONS:-} -c TimeZone=UTC -c DateStyle=ISO,YMD"
SERVER_LOG=${SP_PGDATA:+$SP_PGDATA/server.log}
ADV_TIMEOUT=${ADV_TIMEOUT:-20}
# case outputs live with the throwaway cluster when there is one
if [ -n "${SP_PGDATA:-}" ] && [ -w "$SP_PGDATA" ]; then
	WORK=$(mktemp -d "$SP_PGDATA/adversarial.XXXXXX")
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/streampay-adv.XXXXXX")
fi
chmod 755 "$WORK"

admin() { "$PSQL" -X -At -q -v ON_ERROR_STOP=1 -d postgres "$@"; }

log_size() {
	if [ -n "$SERVER_LOG" ] && [ -r "$SERVER_LOG" ]; then stat -c %s "$SERVER_LOG"; else echo 0; fi
}

wait_ready() {
	local _
	for _ in $(seq 1 60); do
		"$PG_BIN/pg_isready" -q -d postgres && return 0
		sleep 0.5
	done
	return 1
}

# ---- sessions: one psql per session, fed through a FIFO -------------------
declare -A S_FD S_PID S_OUT S_OFF
SYNC=0

open_session() {   # name role
	local name=$1 role=$2 fifo=$WORK/$CASE_N.$1.in fd
	mkfifo "$fifo"
	S_OUT[$name]=$WORK/$CASE_N.$name.out
	: > "${S_OUT[$name]}"
	"$PSQL" -X -At -v ON_ERROR_STOP=0 -U "$role" -d "$DB" < "$fifo" > "${S_OUT[$name]}" 2>&1 &
	S_PID[$name]=$!
	exec {fd}> "$fifo"
	S_FD[$name]=$fd
	S_OFF[$name]=0
	{ printf '\\set adv_lib %s\n' "$HERE/lib"; cat "$HERE/lib/macros.psql"; } 1>&"$fd" 2>/dev/null
}

# send a step to a session and wait until it has run; appends its output
run_step() {   # name text
	local name=$1 text=$2 out deadline
	SYNC=$((SYNC + 1))
	out=${S_OUT[$name]}
	{ printf '%s\n' "$text"; printf '\\echo @@@sync %d\n' "$SYNC"; } 1>&"${S_FD[$name]}" 2>/dev/null
	deadline=$((SECONDS + ADV_TIMEOUT))
	while ! grep -q "^@@@sync $SYNC\$" "$out"; do
		if ! kill -0 "${S_PID[$name]}" 2>/dev/null; then
			grep -q "^@@@sync $SYNC\$" "$out" && break
			append_output "$name"
			echo "@@X session $name ended (lost connection?)" >> "$CASE_OUT"
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			append_output "$name"
			echo "@@X session $name: step did not finish in ${ADV_TIMEOUT}s" >> "$CASE_OUT"
			kill "${S_PID[$name]}" 2>/dev/null
			return 1
		fi
		sleep 0.02
	done
	append_output "$name"
	return 0
}

append_output() {   # name: copy the session's new output to the case output
	local name=$1 size
	size=$(stat -c %s "${S_OUT[$name]}")
	tail -c +$((S_OFF[$name] + 1)) "${S_OUT[$name]}" | head -c $((size - S_OFF[$name])) |
		grep -v '^@@@sync ' | sed "s/^/[$name] /" >> "$CASE_OUT"
	S_OFF[$name]=$size
}

close_sessions() {
	local name fd _
	for name in "${!S_FD[@]}"; do
		fd=${S_FD[$name]}
		exec {fd}>&-
	done
	for name in "${!S_PID[@]}"; do
		for _ in $(seq 1 100); do kill -0 "${S_PID[$name]}" 2>/dev/null || break; sleep 0.05; done
		kill "${S_PID[$name]}" 2>/dev/null
		wait "${S_PID[$name]}" 2>/dev/null
	done
	S_FD=(); S_PID=(); S_OUT=(); S_OFF=()
}

# ---- judging ---------------------------------------------------------------
# prints the first reason the case failed, or nothing
judge() {   # case_out log_part n_absent absent... present...
	local out=$1 logpart=$2 na=$3; shift 3
	local why s
	why=$(awk '
		function fail(m) { if (!done) { print m; done = 1 } }
		{ sub(/^\[[^]]*\] /, "") }
		/^@@X / { sub(/^@@X /, ""); fail($0); next }
		/^@@ / {
			lab = $0; sub(/^@@ [^ ]+ [^ ]+ ?/, "", lab)
			if (!(("|" $3 "|") ~ ("\\|" $2 "\\|")))
				fail(lab ": expected SQLSTATE " $3 ", got " $2 (pending != "" ? ": " pending : ""))
			else if (nerr > 1)
				fail(lab ": more than one error: " pending)
			pending = ""; nerr = 0; checks++; next
		}
		/^@@A / {
			if (pending != "") fail("unexpected error: " pending)
			pending = ""; nerr = 0
			if ($2 != "t") { lab = $0; sub(/^@@A [^ ]+ ?/, "", lab); fail(lab ": assertion is " $2) }
			checks++; next
		}
		/(^|: )(ERROR|FATAL|PANIC):/ {
			m = $0; sub(/^.*(ERROR|FATAL|PANIC): */, "", m)
			pending = (pending == "" ? m : pending " | then: " m); nerr++; next
		}
		/server closed the connection unexpectedly|connection to server was lost/ { fail("lost connection: server crashed?") }
		END {
			if (pending != "") fail("unexpected error: " pending)
			if (checks == 0) fail("no checks ran")
		}' "$out")
	if [ -z "$why" ] && [ -s "$logpart" ]; then
		s=$(grep -E 'terminated by signal|TRAP:|server process .*(was terminated|exited with)|(WARNING|ERROR): .*(leak|not owned by resource owner|was not closed|while in ABORT state)|PANIC:' "$logpart" | head -1)
		[ -n "$s" ] && why="server log: ${s#*] }"
	fi
	if [ -z "$why" ]; then
		for s in "${@:1:$na}"; do
			if grep -qF -- "$s" "$out"; then why="output contains \"$s\""; break; fi
		done
	fi
	if [ -z "$why" ]; then
		for s in "${@:$((na + 1))}"; do
			if ! grep -qF -- "$s" "$out"; then why="output lacks \"$s\""; break; fi
		done
	fi
	printf '%s' "$why"
}

# ---- one case --------------------------------------------------------------
run_case() {   # file n
	local file=$1 line name role cur="" chunk="" item what why size0 ok=1 script template
	local -a absent=() present=()
	CASE_N=$2
	DB=adversarial_$CASE_N
	CASE_OUT=$WORK/$CASE_N.out
	: > "$CASE_OUT"
	item=$(sed -n 's/^--@ item //p' "$file" | head -1)
	what=$(sed -n 's/^--@ what //p' "$file" | head -1)
	while IFS= read -r line; do absent+=("$line"); done < <(sed -n 's/^--@ absent //p' "$file")
	while IFS= read -r line; do present+=("$line"); done < <(sed -n 's/^--@ present //p' "$file")

	# a case may be a template (lib/<name>) with @KEY@ filled from "--@ set KEY value"
	script=$file
	template=$(sed -n 's/^--@ template //p' "$file" | head -1)
	if [ -n "$template" ]; then
		script=$WORK/$CASE_N.sql
		cp "$HERE/lib/$template" "$script"
		while IFS= read -r line; do
			local key=${line%% *} value=${line#* }
			KEY=$key VALUE=$value python3 -c 'import os, sys; p = sys.argv[1]; s = open(p).read(); open(p, "w").write(s.replace("@" + os.environ["KEY"] + "@", os.environ["VALUE"]))' "$script"
		done < <(sed -n 's/^--@ set //p' "$file")
	fi

	wait_ready
	admin -c "DROP DATABASE IF EXISTS $DB" 2>/dev/null
	if ! admin -c "CREATE DATABASE $DB" > "$WORK/$CASE_N.setup" 2>&1 ||
	   ! "$PSQL" -X -At -q -v ON_ERROR_STOP=1 -d "$DB" -f "$HERE/lib/prelude.sql" >> "$WORK/$CASE_N.setup" 2>&1; then
		why="setup failed: $(grep -m1 -E 'ERROR|FATAL' "$WORK/$CASE_N.setup")"
		ok=0
	fi
	size0=$(log_size)

	if [ $ok -eq 1 ]; then
		cur=main
		open_session main "$PGUSER"
		while IFS= read -r line || [ -n "$line" ]; do
			if [[ $line =~ ^--@\ session\ ([A-Za-z0-9_]+)(\ +([A-Za-z0-9_]+))?\ *$ ]]; then
				name=${BASH_REMATCH[1]}; role=${BASH_REMATCH[3]:-$PGUSER}
				if [ -n "$chunk" ]; then run_step "$cur" "$chunk" || { ok=0; chunk=""; break; }; fi
				chunk=""
				[ -n "${S_FD[$name]:-}" ] || open_session "$name" "$role"
				cur=$name
			else
				chunk+="$line"$'\n'
			fi
		done < "$script"
		if [ $ok -eq 1 ] && [ -n "$chunk" ]; then run_step "$cur" "$chunk" || ok=0; fi
		close_sessions
		sleep 0.1   # let the server log catch up
		if [ -n "$SERVER_LOG" ] && [ -r "$SERVER_LOG" ]; then
			tail -c +$((size0 + 1)) "$SERVER_LOG" > "$WORK/$CASE_N.serverlog"
		else
			: > "$WORK/$CASE_N.serverlog"
		fi
		why=$(judge "$CASE_OUT" "$WORK/$CASE_N.serverlog" ${#absent[@]} "${absent[@]}" "${present[@]}")
	fi

	if [ -z "$why" ]; then
		echo "ok $CASE_N - $item: $what"; PASSED=$((PASSED + 1))
	else
		echo "FAILED $CASE_N - $item: $what ($why)"; FAILED=$((FAILED + 1))
		if [ "${ADV_VERBOSE:-0}" = 1 ]; then sed 's/^/    /' "$CASE_OUT"; fi
	fi

	# clean up: the case's database, every adv_ role, the webhook settings
	wait_ready
	if [ "${ADV_KEEP:-0}" != 1 ]; then
		admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
	fi
	cleanup_cluster
}

cleanup_cluster() {
	local r
	if [ "${ADV_KEEP:-0}" != 1 ]; then
		for r in $(admin -c "SELECT quote_ident(rolname) FROM pg_roles WHERE rolname LIKE 'adv\_%'" 2>/dev/null); do
			admin -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1
		done
	fi
	admin -c "ALTER SYSTEM RESET streampay.webhook_secret_file" >/dev/null 2>&1
	admin -c "ALTER SYSTEM RESET streampay.webhook_secret" >/dev/null 2>&1
	admin -c "ALTER SYSTEM RESET streampay.webhook_secret_previous" >/dev/null 2>&1
	admin -c "SELECT pg_reload_conf()" >/dev/null 2>&1
	admin -c "COPY (SELECT WHERE false) TO PROGRAM 'rm -f adv_*.key'" >/dev/null 2>&1
}

# ---- main ------------------------------------------------------------------
PASSED=0
FAILED=0
if ! wait_ready; then
	echo "FAILED 0 - setup: no server at PGHOST=${PGHOST:-} PGPORT=${PGPORT:-}"
	echo "0 passed, 1 failed"; exit 1
fi
[ -n "$SERVER_LOG" ] && [ -r "$SERVER_LOG" ] ||
	echo "# warning: no readable server log (SP_PGDATA); crash lines are detected only through lost connections" >&2
cleanup_cluster

for f in "$HERE"/cases/[0-9]*.sql; do
	n=$(basename "$f" | sed -E 's/^([0-9]+).*/\1/')
	if [ -n "${ADV_ONLY:-}" ] && ! [[ $n =~ ^(${ADV_ONLY})$ ]]; then continue; fi
	run_case "$f" "$n"
done

if [ "${ADV_KEEP:-0}" = 1 ] || [ "$FAILED" -gt 0 ]; then
	echo "# case outputs: $WORK" >&2
else
	rm -rf "$WORK"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
