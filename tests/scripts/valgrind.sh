#!/bin/sh
# make check: the end-to-end programs with every daemon they start running
# under valgrind memcheck (tests/lib/e2e.c: VALGRIND=1): a leak or a memory
# error makes the daemon exit 99, which the tests' e2e_stop() assertions
# turn into a failure.  ASan and valgrind do not mix: under SAN=1 the plain
# build's binaries are used (CI builds them first), and the test is skipped
# only when there are none.
set -u
cd "${INBOXD_TOP:-.}"
command -v valgrind >/dev/null || { echo "valgrind is not installed (make deps)"; exit 1; }
b=${BUILD:-build}
if [ "${SAN:-0}" = 1 ]; then
    b=build
    [ -x "$b/inboxd" ] && [ -x "$b/tests/test_daemon" ] || { echo "no plain build to run under valgrind"; exit 77; }
fi
status=0
for t in ${VALGRIND_TESTS:-test_daemon test_security}; do
    out=$(BUILD=$b SAN=0 VALGRIND=1 CK_DEFAULT_TIMEOUT=900 timeout 1500 "$b/tests/$t" 2>&1)
    rc=$?
    echo "$out" | grep -E '^[0-9]+%: Checks' | sed "s/^/valgrind $t: /"
    if [ $rc -ne 0 ] || ! echo "$out" | grep -qE '^100%: Checks'; then
        echo "$out" | grep -E ':[EF]:' | head -20
        status=1
    fi
done
exit $status
