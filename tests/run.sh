#!/bin/sh
# Runs every test program and script and ends with "N passed, N failed".
#   build/tests/*        Check programs (each test in its own process)
#   tests/scripts/*.sh   shell tests: exit 0 pass, 77 skip, else fail
# LONG=1 also runs tests/long/*.sh and sets INBOXD_LONG=1 for the programs.
# Valgrind: VALGRIND=1 runs the e2e programs' daemons under memcheck.
set -u
BUILD=${BUILD:-build}
export BUILD
export INBOXD_TOP="$(pwd)"
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-120}
[ "${LONG:-0}" = 1 ] && export INBOXD_LONG=1
# Sanitizer runs: leak checks on, abort on the first error.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0; failed=0; skipped=0; failures=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for t in "$BUILD"/tests/*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    case "$t" in *.so) continue;; esac
    name=$(basename "$t")
    [ -n "${ONLY:-}" ] && case "$name" in $ONLY) ;; *) continue;; esac
    timeout 1200 "$t" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        checks=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
        fails=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
        errs=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
        bad=$((fails + errs))
        passed=$((passed + checks - bad))
        failed=$((failed + bad))
        if [ "$bad" -gt 0 ] || [ $rc -ne 0 ]; then
            [ "$bad" -eq 0 ] && failed=$((failed + 1))
            failures="$failures $name"
            echo "FAIL $name: $line (exit $rc)"
            grep -E ':[EF]:' "$log" | head -n 30
            tail -n 20 "$log"
        else
            echo "ok   $name: $checks checks"
        fi
    else
        failed=$((failed + 1)); failures="$failures $name"
        echo "FAIL $name: no Check summary (exit $rc)"; tail -n 30 "$log"
    fi
done

run_scripts() {
    for s in "$1"/*.sh; do
        [ -f "$s" ] || continue
        name=$(basename "$s")
        [ -n "${ONLY:-}" ] && case "$name" in $ONLY) ;; *) continue;; esac
        timeout 3000 sh "$s" >"$log" 2>&1
        rc=$?
        if [ $rc -eq 0 ]; then
            passed=$((passed + 1)); echo "ok   $name"
        elif [ $rc -eq 77 ]; then
            skipped=$((skipped + 1)); echo "skip $name: $(tail -n 1 "$log")"
        else
            failed=$((failed + 1)); failures="$failures $name"
            echo "FAIL $name (exit $rc)"; tail -n 30 "$log"
        fi
    done
}
run_scripts tests/scripts
[ "${LONG:-0}" = 1 ] && run_scripts tests/long

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
