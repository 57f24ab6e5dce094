#!/bin/sh
# offline.sh COMMAND [ARG...]: run COMMAND in a new network namespace that
# has only loopback, so that nothing it starts (the book's web server, the
# browser) can reach another host; sets FNNLAB_BROWSER_OFFLINE=1, which
# tests/test_browser.py checks. Making the namespace needs root (CI runs as
# root); without it the command runs as it is, with a note, and the browser
# test still aborts and counts every request to another host.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
    command -v ip >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
    exec unshare -n sh -c \
        'ip link set lo up && FNNLAB_BROWSER_OFFLINE=1 exec "$@"' sh "$@"
fi
echo "offline.sh: cannot make a network namespace here (needs root and" \
    "unshare); running with the network" >&2
exec "$@"
