#!/bin/sh
# Install Debian's chromium for tests/test_browser.py, with fonts for the
# book's text (Latin, and Chinese for the source's terms), if any is
# missing. Needs root and apt-get, as on CI; elsewhere it says what to do
# and leaves the browser test to skip itself. Quiet unless it fails.
set -u
chromium=${FNNLAB_CHROMIUM:-/usr/bin/chromium}
has_fonts() {
    command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh)" ]
}
[ -x "$chromium" ] && has_fonts && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install_chromium: chromium ($chromium) or a Chinese font is" \
        "missing and this is not root with apt-get; install Debian's" \
        "chromium and fonts-wqy-microhei to run the browser test" \
        "(tests/test_browser.py skips its browser checks without chromium)" >&2
    exit 0
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "install_chromium: installing Debian's chromium and fonts for the" \
    "browser test"
for try in 1 2; do
    if apt-get update -qq >"$log" 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends chromium fonts-liberation \
            fonts-wqy-microhei >>"$log" 2>&1 &&
        [ -x "$chromium" ]; then
        exit 0
    fi
    [ "$try" = 1 ] && sleep 10
done
tail -n 20 "$log" >&2
echo "install_chromium: apt-get could not install chromium (above); the" \
    "browser test will be skipped" >&2
exit 0
