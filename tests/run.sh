#!/bin/sh
# Runs each test program and ends with one "N passed, N failed" line for the whole suite.
# Test programs find the binder and the mock through TEST_BINDER and MOCK_SO.
passed=0
failed=0
failed_names=
for t in "$@"; do
	name=${t##*/}
	start=$(date +%s%N)
	if "$t"; then
		passed=$((passed + 1))
		status=ok
	else
		failed=$((failed + 1))
		failed_names="$failed_names $name"
		status=FAILED
	fi
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "== $name: $status (${ms} ms)"
done
[ -z "$failed_names" ] || echo "failed:$failed_names"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
