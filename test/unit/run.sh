#!/bin/sh
# Build and run the core unit tests in three variants:
#   O2        plain -O2
#   asan      -fsanitize=address,undefined -fno-sanitize-recover=all -g
#   valgrind  plain -g under valgrind --error-exitcode=1 --leak-check=full
# Prints each variant's "N passed, N failed" line; exits non-zero if any
# variant failed to build, failed a test, or reported a memory error.
cd "$(dirname "$0")" || exit 2

status=0

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind: not installed (apt-get install valgrind); the valgrind variant cannot run" >&2
	status=1
fi

# result VARIANT EXIT_CODE OUTPUT_FILE
result() {
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$3" | tail -n 1)
	[ -n "$line" ] || line="no summary line (crashed?)"
	if [ "$2" -eq 0 ]; then
		echo "$1: $line"
	else
		echo "$1: $line  [FAILED, exit $2]"
		status=1
	fi
}

mkdir -p build
for v in O2 asan g; do
	if ! make -s "build/test_core_$v" >build/make_$v.log 2>&1; then
		cat build/make_$v.log >&2
		echo "$v: build failed" >&2
		status=1
	fi
done

if [ -x build/test_core_O2 ]; then
	build/test_core_O2 >build/out_O2.txt 2>&1
	rc=$?
	grep -v -E '^[0-9]+ passed, [0-9]+ failed$' build/out_O2.txt >&2
	result O2 $rc build/out_O2.txt
else
	echo "O2: not built"; status=1
fi

if [ -x build/test_core_asan ]; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		build/test_core_asan >build/out_asan.txt 2>&1
	rc=$?
	grep -v -E '^[0-9]+ passed, [0-9]+ failed$' build/out_asan.txt >&2
	result asan+ubsan $rc build/out_asan.txt
else
	echo "asan+ubsan: not built"; status=1
fi

if [ -x build/test_core_g ] && command -v valgrind >/dev/null 2>&1; then
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all \
		build/test_core_g >build/out_valgrind.txt 2>&1
	rc=$?
	grep -v -E '^[0-9]+ passed, [0-9]+ failed$' build/out_valgrind.txt >&2
	result valgrind $rc build/out_valgrind.txt
else
	echo "valgrind: not run"; status=1
fi

exit $status
