#!/usr/bin/env bash
# Static analysis of src/: cppcheck and clang-tidy, against the server
# headers of PG_CONFIG (default: the pg_config on PATH).  Each tool is one
# test: "ok lint <tool>" when it reports nothing, "FAILED lint <tool>" with
# its findings otherwise; the last line is "N passed, M failed".
#
#   test/lint/run.sh                # installs cppcheck and clang-tidy if missing
#
# What is not checked, and why:
#   cppcheck.supp   findings that are not defects, each with its reason
#   clang-tidy      bugprone-easily-swappable-parameters (every fmgr-style
#                   helper taking two Datums), bugprone-reserved-identifier
#                   (PostgreSQL's own __int128 and _PG_init names),
#                   bugprone-narrowing-conversions (int32/int64 of the fmgr
#                   API by design), bugprone-implicit-widening-of-
#                   multiplication-result (fires inside PostgreSQL's
#                   ALLOCSET_*_SIZES macros), insecureAPI (memcpy/memset
#                   "use _s variants", not available in C99)
# A line whose finding is a false positive of the analyzer carries a
# NOLINT(check) comment saying why.
set -uo pipefail
cd "$(dirname "$0")/../.."
source test/lib/common.sh
set +e

sp_apt_install cppcheck clang-tidy
PG_CONFIG=${PG_CONFIG:-pg_config}
INC=$("$PG_CONFIG" --includedir-server) || { echo "FAILED lint: no pg_config"; echo "0 passed, 1 failed"; exit 1; }
TIDY=$(command -v clang-tidy || command -v clang-tidy-14)
# the Makefile's PG_CPPFLAGS: streampay.c names the version on 18+
VERSION=$(sed -n "s/^default_version = '\(.*\)'/\1/p" streampay.control)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
passed=0
failed=0

verdict() {
	if [ "$2" -eq 0 ] && [ ! -s "$out" ]; then
		echo "ok lint $1: src/*.c ($(ls src/*.c | wc -l) files), no findings"; passed=$((passed + 1))
	else
		echo "FAILED lint $1:"; cat "$out"; failed=$((failed + 1))
	fi
}

# -D__GNUC__: the configuration the server is built in (one, not every
# #ifdef combination of the headers)
cppcheck --enable=warning,performance,portability --inline-suppr --quiet --error-exitcode=1 \
	--std=c99 -D__GNUC__ -I src -I "$INC" --suppress=missingIncludeSystem \
	--suppressions-list=test/lint/cppcheck.supp src/*.c > "$out" 2>&1
verdict cppcheck $?

checks='-*,clang-analyzer-*,bugprone-*'
checks+=',-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier'
checks+=',-bugprone-narrowing-conversions,-bugprone-implicit-widening-of-multiplication-result'
checks+=',-clang-analyzer-security.insecureAPI.*'
"$TIDY" --quiet -checks="$checks" --warnings-as-errors='*' src/*.c -- -std=gnu99 -I src -I "$INC" -DSP_VERSION="\"$VERSION\"" 2>/dev/null |
	grep -E '(warning|error):' > "$out"
rc=${PIPESTATUS[0]}
verdict clang-tidy "$rc"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
