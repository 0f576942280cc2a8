#!/bin/sh
# make install / make uninstall into DESTDIR: the layout for PREFIX=/usr/local
# and PREFIX=/usr, modes, paths rewritten in the units, the pkg-config file,
# man pages that render without warnings, an admin's changed inboxd.json
# kept, and an uninstall that removes exactly what install put there.
set -eu
top=${INBOXD_TOP:-$(pwd)}
build=${BUILD:-build}
cd "$top"
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d /tmp/inboxd-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
inst() { make -s install NOBUILD=1 BUILD="$build" "$@" >"$tmp/make.log" 2>&1 ||
             { cat "$tmp/make.log"; fail "make install $*"; }; }

# --- PREFIX=/usr/local ----------------------------------------------------
d=$tmp/local
inst DESTDIR="$d" PREFIX=/usr/local
p=$d/usr/local
mode() { stat -c '%a' "$1"; }
for f in bin/inboxd bin/inboxctl; do
    [ "$(mode "$p/$f")" = 755 ] || fail "$f mode $(mode "$p/$f")"
done
for so in "$build"/plugins/*.so; do
    [ -f "$so" ] || continue
    cmp -s "$so" "$p/lib/inboxd/plugins/$(basename "$so")" || fail "plugin $(basename "$so") not installed"
done
[ -d "$p/lib/inboxd/plugins" ] || fail "no plugin directory"
cmp -s include/inboxd/plugin.h "$p/include/inboxd/plugin.h" || fail "header not installed"
[ "$(mode "$p/include/inboxd/plugin.h")" = 644 ] || fail "header mode"
cmp -s etc/inboxd.json "$p/etc/inboxd/inboxd.json" || fail "inboxd.json not in PREFIX/etc/inboxd"
n_src=$(find etc/inboxd -type f ! -name '.*' ! -name '*~' | wc -l)
n_dst=$(find "$p/etc/inboxd" -type f ! -name inboxd.json | wc -l)
[ "$n_src" = "$n_dst" ] || fail "$n_src data files in etc/inboxd, $n_dst installed"
(cd etc/inboxd && find . -type f ! -name '.*' ! -name '*~') | while read -r f; do
    cmp -s "etc/inboxd/$f" "$p/etc/inboxd/$f" || fail "data file $f differs"
done
for m in man8/inboxd.8 man1/inboxctl.1 man5/inboxd.json.5; do
    [ -f "$p/share/man/$m" ] || fail "man page $m not installed"
    if command -v groff >/dev/null 2>&1; then
        w=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$p/share/man/$m" 2>&1)
        [ -z "$w" ] || fail "man page $m: $w"
    fi
done
grep -qx "ExecStart=/usr/local/bin/inboxd --config /usr/local/etc/inboxd/inboxd.json" \
    "$p/lib/systemd/system/inboxd.service" || fail "unit ExecStart not rewritten for /usr/local"
grep -q '/usr/local/etc/inboxd/inboxd.json' "$p/share/man/man8/inboxd.8" ||
    fail "man page paths not rewritten for /usr/local"
[ -f "$p/lib/systemd/system/inboxd.socket" ] && [ -f "$p/lib/tmpfiles.d/inboxd.conf" ] &&
    [ -f "$p/lib/sysusers.d/inboxd.conf" ] || fail "systemd files missing"

# The pkg-config file: valid, the ABI version of the header, paths of PREFIX.
pc=$p/lib/pkgconfig/inboxd-plugin.pc
[ -f "$pc" ] || fail "no inboxd-plugin.pc"
export PKG_CONFIG_PATH="$p/lib/pkgconfig"
pkg-config --validate inboxd-plugin || fail "inboxd-plugin.pc does not validate"
[ "$(pkg-config --modversion inboxd-plugin)" = "$(cat VERSION)" ] || fail "pc version"
abi=$(sed -n 's/^#define INBOXD_ABI_VERSION \([0-9]*\).*/\1/p' include/inboxd/plugin.h)
[ "$(pkg-config --variable=abi_version inboxd-plugin)" = "$abi" ] || fail "pc abi_version"
[ "$(pkg-config --variable=plugindir inboxd-plugin)" = /usr/local/lib/inboxd/plugins ] || fail "plugindir"
[ "$(pkg-config --variable=configdir inboxd-plugin)" = /usr/local/etc/inboxd ] || fail "configdir"
case " $(pkg-config --cflags inboxd-plugin) " in
    *" -I/usr/local/include "*) ;; *) fail "cflags: $(pkg-config --cflags inboxd-plugin)";; esac
[ "$(PKG_CONFIG_SYSROOT_DIR="$d" pkg-config --variable=plugindir inboxd-plugin)" = "$p/lib/inboxd/plugins" ] ||
    fail "plugindir does not follow PKG_CONFIG_SYSROOT_DIR"
unset PKG_CONFIG_PATH

# Installed again over a changed inboxd.json: the admin's file is kept.
echo '{"log_level": "debug"}' > "$p/etc/inboxd/inboxd.json"
inst DESTDIR="$d" PREFIX=/usr/local
grep -q debug "$p/etc/inboxd/inboxd.json" || fail "reinstall overwrote a changed inboxd.json"
cmp -s etc/inboxd.json "$p/etc/inboxd/inboxd.json.new" || fail "no inboxd.json.new"

# A third-party plugin in the plugin directory survives uninstall.
cp "$p/bin/inboxd" "$p/lib/inboxd/plugins/thirdparty.so"
make -s uninstall DESTDIR="$d" PREFIX=/usr/local >"$tmp/un.log" 2>&1 || { cat "$tmp/un.log"; fail "uninstall"; }
left=$(cd "$d" && find . -type f | LC_ALL=C sort | tr '\n' ' ')
[ "$left" = "./usr/local/etc/inboxd/inboxd.json ./usr/local/lib/inboxd/plugins/thirdparty.so " ] ||
    fail "after uninstall: $left"
grep -q 'kept .*inboxd.json (changed)' "$tmp/un.log" || fail "uninstall did not say it kept inboxd.json"
for dir in usr/local/include/inboxd usr/local/share/inboxd usr/local/etc/inboxd/entities; do
    [ ! -e "$d/$dir" ] || fail "uninstall left $dir"
done
# Uninstall of nothing fails clearly.
if make -s uninstall DESTDIR="$tmp/none" PREFIX=/usr/local >"$tmp/un2.log" 2>&1; then
    fail "uninstall with nothing installed succeeded"
fi
grep -q 'nothing installed' "$tmp/un2.log" || fail "unclear uninstall error: $(cat "$tmp/un2.log")"
echo "ok: PREFIX=/usr/local install, reinstall, uninstall"

# --- PREFIX=/usr: configuration in /etc ----------------------------------
d=$tmp/usr
inst DESTDIR="$d" PREFIX=/usr
[ -f "$d/etc/inboxd/inboxd.json" ] || fail "PREFIX=/usr: no /etc/inboxd/inboxd.json"
[ ! -e "$d/usr/etc" ] || fail "PREFIX=/usr: files in /usr/etc"
grep -qx "ExecStart=/usr/bin/inboxd --config /etc/inboxd/inboxd.json" \
    "$d/usr/lib/systemd/system/inboxd.service" || fail "PREFIX=/usr: ExecStart"
cmp -s systemd/inboxd.service "$d/usr/lib/systemd/system/inboxd.service" ||
    fail "PREFIX=/usr: the installed unit differs from systemd/inboxd.service"
[ "$(PKG_CONFIG_PATH="$d/usr/lib/pkgconfig" pkg-config --variable=configdir inboxd-plugin)" = /etc/inboxd ] ||
    fail "PREFIX=/usr: configdir"
make -s uninstall DESTDIR="$d" PREFIX=/usr >/dev/null 2>&1 || fail "PREFIX=/usr: uninstall"
left=$(cd "$d" && find . -type f | wc -l)
[ "$left" = 0 ] || fail "PREFIX=/usr: $left files left after uninstall"
echo "ok: PREFIX=/usr install and uninstall"
