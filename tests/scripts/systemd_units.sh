#!/bin/sh
# The systemd integration files as installed: systemd-analyze verify on the
# units (every path they name exists, the man pages they cite are found),
# the sandbox's exposure score, the directives the service must have, and
# the sysusers.d + tmpfiles.d entries applied to a scratch root (the inbox
# is setgid, group inboxd, with a default ACL for the daemon).
# Exit 0 pass, 77 skip (only when systemd's tools cannot run at all).
set -eu
top=${INBOXD_TOP:-$(pwd)}
build=${BUILD:-build}
cd "$top"
fail() { echo "FAIL: $*"; exit 1; }

for t in systemd-analyze systemd-sysusers systemd-tmpfiles; do
    command -v $t >/dev/null 2>&1 ||
        { echo "skip: $t is not installed (apt-get install systemd; scripts/deps.sh does)"; exit 77; }
done
tmp=$(mktemp -d /tmp/inboxd-units-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Can systemd-analyze verify run here at all?  A trivial unit tells.
printf '[Service]\nExecStart=/bin/true\n' > "$tmp/probe.service"
if ! (cd "$tmp" && systemd-analyze verify --man=no ./probe.service) >"$tmp/probe.log" 2>&1; then
    echo "skip: systemd-analyze verify cannot run on this machine: $(head -n 3 "$tmp/probe.log")"
    exit 77
fi

# Installed under a scratch PREFIX (not DESTDIR): the paths in the units are
# then real and verify checks them.
make -s install PREFIX="$tmp/usr/local" NOBUILD=1 BUILD="$build" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "make install"; }
units=$tmp/usr/local/lib/systemd/system
svc=$units/inboxd.service
sock=$units/inboxd.socket
for f in "$svc" "$sock" "$tmp/usr/local/lib/tmpfiles.d/inboxd.conf" \
         "$tmp/usr/local/lib/sysusers.d/inboxd.conf"; do
    [ -f "$f" ] || fail "not installed: $f"
done

man=--man=no
command -v man >/dev/null 2>&1 && man=--man=yes
(cd "$tmp" && MANPATH="$tmp/usr/local/share/man" systemd-analyze verify $man "$svc" "$sock") \
    >"$tmp/verify.log" 2>&1 || { cat "$tmp/verify.log"; fail "systemd-analyze verify"; }
# verify exits 0 on some problems it only prints: none is allowed.
if [ -s "$tmp/verify.log" ]; then cat "$tmp/verify.log"; fail "systemd-analyze verify printed warnings"; fi
echo "ok: systemd-analyze verify $man inboxd.service inboxd.socket"

# The paths of this PREFIX are in the installed service.
grep -qx "ExecStart=$tmp/usr/local/bin/inboxd --config $tmp/usr/local/etc/inboxd/inboxd.json" "$svc" ||
    fail "ExecStart does not follow PREFIX: $(grep ExecStart= "$svc")"
[ -x "$tmp/usr/local/bin/inboxd" ] && [ -f "$tmp/usr/local/etc/inboxd/inboxd.json" ] ||
    fail "ExecStart names files that were not installed"

# What the service must say (issue 6), read back by systemd's own parser.
need() { grep -q "^$1" "$svc" || fail "inboxd.service lacks $1"; }
for d in Type=notify NotifyAccess=main 'WatchdogSec=' Restart=on-failure \
         'ExecReload=/bin/kill -HUP $MAINPID' StateDirectory=inboxd RuntimeDirectory=inboxd \
         ConfigurationDirectory=inboxd User=inboxd ProtectSystem=strict ProtectHome=yes \
         PrivateTmp=yes NoNewPrivileges=yes RestrictAddressFamilies=AF_UNIX \
         SystemCallFilter=@system-service ReadWritePaths=/var/lib/inboxd \
         MemoryMax= RuntimeDirectoryPreserve=yes; do
    need "$d"
done
for d in ListenStream=/run/inboxd/events.sock SocketMode=0660 SocketGroup=inboxd; do
    grep -q "^$d" "$sock" || fail "inboxd.socket lacks $d"
done
# The inbox must not be a separate mount from the state (EXDEV on rename).
if grep -q '^ReadWritePaths=.*/var/lib/inboxd/inbox' "$svc"; then
    fail "ReadWritePaths= names the inbox alone: renames into work/ would cross mounts"
fi
# The socket path in the shipped configuration is the one systemd listens on.
grep -q '"socket": *"/run/inboxd/events.sock"' etc/inboxd.json ||
    fail "etc/inboxd.json's socket is not /run/inboxd/events.sock (inboxd.socket)"
grep -q '"inbox": *"/var/lib/inboxd/inbox"' etc/inboxd.json ||
    fail "etc/inboxd.json's inbox is not /var/lib/inboxd/inbox (tmpfiles.d, ReadWritePaths=)"

# The sandbox: exposure at most 2.0 ("OK"; it is 0.7 "SAFE" now).
(cd "$tmp" && systemd-analyze security --offline=yes --threshold=20 "$svc") >"$tmp/sec.log" 2>&1 ||
    { grep -E '✗|Overall' "$tmp/sec.log"; fail "exposure level above 2.0"; }
echo "ok: $(grep -o 'Overall exposure level.*' "$tmp/sec.log")"

# sysusers.d and tmpfiles.d on a scratch root.
root=$tmp/root
mkdir -p "$root/etc"
systemd-sysusers --root="$root" "$tmp/usr/local/lib/sysusers.d/inboxd.conf" >"$tmp/su.log" 2>&1 ||
    { cat "$tmp/su.log"; fail "systemd-sysusers"; }
uid=$(awk -F: '$1 == "inboxd" { print $3 }' "$root/etc/passwd")
gid=$(awk -F: '$1 == "inboxd" { print $3 }' "$root/etc/group")
[ -n "$uid" ] && [ -n "$gid" ] || fail "sysusers created no inboxd user and group"
[ "$(awk -F: '$1 == "inboxd" { print $4 }' "$root/etc/passwd")" = "$gid" ] ||
    fail "user inboxd is not in group inboxd"
[ "$(awk -F: '$1 == "inboxd" { print $7 }' "$root/etc/passwd")" = /usr/sbin/nologin ] ||
    fail "user inboxd has a login shell"

# tmpfiles resolves the ACL's names with the host's user database: in a
# mount namespace the scratch root's passwd and group stand in for it.
acl=0
if unshare -m true 2>/dev/null; then
    unshare -m sh -c "mount --bind '$root/etc/passwd' /etc/passwd &&
        mount --bind '$root/etc/group' /etc/group &&
        systemd-tmpfiles --root='$root' --create '$tmp/usr/local/lib/tmpfiles.d/inboxd.conf' &&
        (umask 077 && : > '$root/var/lib/inboxd/inbox/dropped.txt')" >"$tmp/tf.log" 2>&1 ||
        { cat "$tmp/tf.log"; fail "systemd-tmpfiles --create"; }
    acl=1
else
    echo "note: no mount namespace (not root): the ACL is not checked"
    systemd-tmpfiles --root="$root" --create "$tmp/usr/local/lib/tmpfiles.d/inboxd.conf" \
        >"$tmp/tf.log" 2>&1 || { cat "$tmp/tf.log"; fail "systemd-tmpfiles --create"; }
    sed -i '/Failed to parse ACL/d' "$tmp/tf.log"
fi
if [ -s "$tmp/tf.log" ]; then cat "$tmp/tf.log"; fail "systemd-tmpfiles printed warnings"; fi
inbox=$root/var/lib/inboxd/inbox
[ "$(stat -c '%a %u %g' "$inbox")" = "2770 $uid $gid" ] ||
    fail "inbox is $(stat -c '%a %u %g' "$inbox"), expected 2770 $uid $gid (setgid, group inboxd)"
[ "$(stat -c '%a %u %g' "$root/var/lib/inboxd")" = "710 $uid $gid" ] ||
    fail "/var/lib/inboxd is $(stat -c '%a %u %g' "$root/var/lib/inboxd"), expected 710 $uid $gid"
if [ $acl = 1 ]; then
    ls -ld "$inbox" | grep -q '^drwxrws---+' || fail "the inbox has no ACL: $(ls -ld "$inbox")"
    # A file written with umask 077 stays readable by the daemon (the default
    # ACL replaces the umask) and belongs to group inboxd (setgid).
    f=$inbox/dropped.txt
    [ "$(stat -c '%a %g' "$f")" = "660 $gid" ] ||
        fail "a file dropped with umask 077 is $(stat -c '%a %g' "$f"), expected 660 $gid"
    echo "ok: inbox 2770 inboxd:inboxd with a default ACL; a umask-077 file is 660 group inboxd"
else
    echo "ok: inbox 2770 inboxd:inboxd"
fi
echo "systemd units: all checks passed"
