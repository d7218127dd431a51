#!/bin/sh
# Build and run the unit tests in three variants:
#   O2        plain -O2
#   asan      -fsanitize=address,undefined -fno-sanitize-recover=all -g
#   valgrind  plain -g under valgrind --error-exitcode=1 --leak-check=full
# for two programs: test_core (lines "O2: ...", "asan+ubsan: ...",
# "valgrind: ...") and test_codecs (the same lines prefixed "codecs ").
# Prints each variant's "N passed, N failed" line; exits non-zero if any
# variant failed to build, failed a test, or reported a memory error.
cd "$(dirname "$0")" || exit 2

status=0

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind: not installed (apt-get install valgrind); the valgrind variant cannot run" >&2
	status=1
fi

# result LABEL EXIT_CODE OUTPUT_FILE
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

# suite PROGRAM LABEL_PREFIX   (test_core keeps its historical file names)
suite() {
	prog=$1
	pfx=$2
	case $prog in
		test_core) tag= ;;
		*) tag=${prog#test_}_ ;;
	esac

	for v in O2 asan g; do
		if ! make -s "build/${prog}_$v" >"build/make_$tag$v.log" 2>&1; then
			cat "build/make_$tag$v.log" >&2
			echo "$pfx$v: build failed" >&2
			status=1
		fi
	done

	if [ -x "build/${prog}_O2" ]; then
		"build/${prog}_O2" >"build/out_${tag}O2.txt" 2>&1
		rc=$?
		grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "build/out_${tag}O2.txt" >&2
		result "${pfx}O2" $rc "build/out_${tag}O2.txt"
	else
		echo "${pfx}O2: not built"; status=1
	fi

	if [ -x "build/${prog}_asan" ]; then
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
			"build/${prog}_asan" >"build/out_${tag}asan.txt" 2>&1
		rc=$?
		grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "build/out_${tag}asan.txt" >&2
		result "${pfx}asan+ubsan" $rc "build/out_${tag}asan.txt"
	else
		echo "${pfx}asan+ubsan: not built"; status=1
	fi

	if [ -x "build/${prog}_g" ] && command -v valgrind >/dev/null 2>&1; then
		valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all \
			"build/${prog}_g" >"build/out_${tag}valgrind.txt" 2>&1
		rc=$?
		grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "build/out_${tag}valgrind.txt" >&2
		result "${pfx}valgrind" $rc "build/out_${tag}valgrind.txt"
	else
		echo "${pfx}valgrind: not run"; status=1
	fi
}

mkdir -p build
suite test_core ""
suite test_codecs "codecs "

exit $status
