#!/bin/sh
# Installs the Debian 12 packages inboxd needs to build and test.
# As root: installs what is missing.  Otherwise: prints the apt-get line.
# Extra packages may be named in INBOXD_EXTRA_DEPS (e.g. the bench's).
set -eu

PKGS="build-essential pkg-config libuv1-dev libjansson-dev libicu-dev \
libsqlite3-dev libsystemd-dev nettle-dev libxml2-dev check sqlite3 \
systemd valgrind clang procps ${INBOXD_EXTRA_DEPS:-}"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    echo "deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || apt-get update
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
else
    echo "deps: missing packages:$missing" >&2
    echo "deps: run as root:  apt-get install -y$missing" >&2
    exit 1
fi
