#!/bin/sh
# make bench: builds what the benchmark needs, each part on its own (a
# plugin that does not build yet only skips its sections, with the reason
# in the table), then runs BUILD/bench/inboxd-bench with the given options.
set -u
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
log="$BUILD/bench/build.log"
mkdir -p "$BUILD/bench"
: >"$log"

if ! $MAKE --no-print-directory "$BUILD/inboxd" bench-build >>"$log" 2>&1; then
    echo "bench: cannot build the daemon or the bench driver:" >&2
    tail -n 30 "$log" >&2
    exit 1
fi
# The stand-in for a missing parse stage (test plugin), when it builds.
$MAKE --no-print-directory "$BUILD/tests/plugins/test_parse.so" >>"$log" 2>&1 || :

have=""
for p in parse entities sqlite; do
    so="$BUILD/plugins/$p.so"
    if [ -d "plugins/$p" ] && $MAKE --no-print-directory "$so" >>"$log" 2>&1 &&
        nm -D --defined-only "$so" 2>/dev/null | grep -q ' inboxd_plugin_entry$'; then
        have="$have${have:+,}$p"
    else
        echo "bench: plugin $p is not built (see $log): the daemon runs without it" >&2
    fi
done
for b in parse entities query index; do
    if ! $MAKE --no-print-directory "$BUILD/bench/bench-$b" >>"$log" 2>&1; then
        rm -f "$BUILD/bench/bench-$b"
        echo "bench: bench-$b did not build (see $log): its section is skipped" >&2
    fi
done
exec "$BUILD/bench/inboxd-bench" --top . --build "$BUILD" --have "$have" "$@"
