#!/bin/sh
# A third party's view: `make install DESTDIR=$tmp`, then the out-of-tree
# example (examples/plugin-wordcount, copied away from the source tree) is
# built with its own Makefile against $tmp's inboxd-plugin.pc only, installed
# with it, and loaded by name by the installed daemon, which finds it in
# PREFIX/lib/inboxd/plugins and its stop words in PREFIX/etc/inboxd, both
# relative to its own binary.  Then, when the production plugins are built,
# the installed daemon runs the shipped inboxd.json (paths moved to $tmp) on
# a sample report with the installed data files.
set -eu
top=${INBOXD_TOP:-$(pwd)}
build=${BUILD:-build}
cd "$top"
fail() { echo "FAIL: $*"; [ -f "${log:-/nonexistent}" ] && tail -n 20 "$log"; exit 1; }
tmp=$(mktemp -d /tmp/inboxd-plugin-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

dest=$tmp/dest
make -s install DESTDIR="$dest" PREFIX=/usr/local NOBUILD=1 BUILD="$build" >"$tmp/make.log" 2>&1 ||
    { cat "$tmp/make.log"; fail "make install"; }
p=$dest/usr/local

# Build and install the example against the staging tree only.
cp -R examples/plugin-wordcount "$tmp/src"
rm -f "$tmp/src/wordcount.so"
export PKG_CONFIG_PATH="$p/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
make -C "$tmp/src" CFLAGS="-O2 -Wall -Wextra -Werror" >"$tmp/build.log" 2>&1 ||
    { cat "$tmp/build.log"; fail "building the example"; }
grep -q -- "-I$p/include" "$tmp/build.log" || fail "the example was not built with the installed header"
if grep -q -- "-I$top" "$tmp/build.log"; then fail "the example saw the source tree"; fi
syms=$(nm -D --defined-only "$tmp/src/wordcount.so" | awk '{ print $3 }' | tr '\n' ' ')
[ "$syms" = "inboxd_plugin_entry " ] || fail "the plugin exports more than its entry: $syms"
make -C "$tmp/src" install >"$tmp/inst.log" 2>&1 || { cat "$tmp/inst.log"; fail "make install (example)"; }
[ -f "$p/lib/inboxd/plugins/wordcount.so" ] || fail "wordcount.so not in the plugin directory"
[ -f "$p/etc/inboxd/wordcount/stopwords.json" ] || fail "stopwords.json not in the data directory"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

# start CONFIG LOG: the installed daemon, waits for its socket.
start() {
    log=$2
    "$p/bin/inboxd" --config "$1" 2>"$log" &
    pid=$!
    i=0
    while [ ! -S "$tmp/run/s.sock" ]; do
        i=$((i + 1))
        [ $i -lt 500 ] || fail "the installed daemon did not start"
        kill -0 "$pid" 2>/dev/null || fail "the installed daemon exited"
        sleep 0.02
    done
}
stop() {
    kill -TERM "$pid"
    wait "$pid" || fail "the installed daemon exited $?"
    pid=
}
# wait_event GLOB...: the first matching event (replayed from seq 0).
wait_event() {
    set -- $(for g in "$@"; do printf -- '--event %s ' "$g"; done)
    timeout 30 "$p/bin/inboxctl" --socket "$tmp/run/s.sock" subscribe --since 0 --count 1 "$@"
}

mkdir -p "$tmp/run/inbox"
cat > "$tmp/run/wc.json" <<JSON
{"inbox": "$tmp/run/inbox", "state_dir": "$tmp/run/state", "socket": "$tmp/run/s.sock",
 "plugins": [{"name": "wordcount", "config": {"stopwords": "wordcount/stopwords.json"}}]}
JSON
"$p/bin/inboxd" --check-config --config "$tmp/run/wc.json" >"$tmp/check.log" 2>&1 ||
    { cat "$tmp/check.log"; fail "--check-config with the example plugin"; }
start "$tmp/run/wc.json" "$tmp/wc.log"
grep -q "plugin wordcount 1.0 loaded ($p/lib/inboxd/plugins/wordcount.so" "$tmp/wc.log" ||
    fail "wordcount was not loaded from PREFIX/lib/inboxd/plugins"
# 14 words; 7 of them (the, and, the, η, και, ο, و) are stop words.
printf 'The cat and the dog sat.\nη γάτα και ο σκύλος\nالقط و الكلب\n' > "$tmp/run/inbox/.r.part"
mv "$tmp/run/inbox/.r.part" "$tmp/run/inbox/report.txt"
ev=$(wait_event 'document.done' 'document.failed') || fail "no event for the report"
case "$ev" in *'"event":"document.done"'*) ;; *) fail "not done: $ev";; esac
stop
id=$(printf 'The cat and the dog sat.\nη γάτα και ο σκύλος\nالقط و الكلب\n' | sha256sum | cut -c1-64)
line=$(cat "$tmp/run/state/wordcount.jsonl")
[ "$line" = "{\"id\":\"$id\",\"words\":14,\"content_words\":7}" ] ||
    fail "wordcount wrote: $line"
echo "ok: the out-of-tree plugin, built against the installed pkg-config file, ran in the installed daemon"

# The shipped configuration with the production plugins and data files.
missing=
for n in parse entities sqlite; do [ -f "$p/lib/inboxd/plugins/$n.so" ] || missing="$missing $n"; done
if [ -n "$missing" ]; then
    echo "note: production plugins not built:$missing; the shipped inboxd.json was not run"
    exit 0
fi
rm -rf "$tmp/run/state" "$tmp/run/inbox"/*
sed -e "s|\"/var/lib/inboxd/inbox\"|\"$tmp/run/inbox\"|" \
    -e "s|\"/var/lib/inboxd\"|\"$tmp/run/state\"|" \
    -e "s|\"/run/inboxd/events.sock\"|\"$tmp/run/s.sock\"|" \
    "$p/etc/inboxd/inboxd.json" > "$tmp/run/prod.json"
grep -q "$tmp/run/s.sock" "$tmp/run/prod.json" || fail "could not move the shipped config's paths"
"$p/bin/inboxd" --check-config --config "$tmp/run/prod.json" >"$tmp/check.log" 2>&1 ||
    { cat "$tmp/check.log"; fail "--check-config of the shipped inboxd.json"; }
start "$tmp/run/prod.json" "$tmp/prod.log"
cp tests/fixtures/000_a330e98d170c7b72.txt "$tmp/run/inbox/.a.part"
mv "$tmp/run/inbox/.a.part" "$tmp/run/inbox/a.txt"
ev=$(wait_event 'document.done' 'document.failed') || fail "no event for the sample"
stop
case "$ev" in *'"event":"document.done"'*'"lang":"ar"'*|*'"lang":"ar"'*'"event":"document.done"'*) ;;
    *) fail "the sample was not done as Arabic: $(echo "$ev" | cut -c1-300)";; esac
case "$ev" in *'"entity_count":0'*) fail "no entities with the installed data files";; esac
[ -f "$tmp/run/state/inboxd.db" ] || fail "no index in the state directory"
echo "ok: the shipped inboxd.json ran with the installed plugins and data files"
