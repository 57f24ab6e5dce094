#!/bin/sh
# Fetch the browser files that the built book serves itself, so that it
# renders with no network (case C22): MathJax 3 for the math, RequireJS and
# the Jupyter widgets HTML manager 1.0.x (the one for ipywidgets 8) for the
# saved widgets. The versions are pinned in tools/web/package-lock.json and
# installed with `npm ci` (which checks every package's integrity hash); the
# files the pages load are then copied into tools/web/static/fetched/, which
# the Sphinx extension tools/sphinx/fnnlab_book.py serves as
# _static/fetched/. Nothing here is committed: node_modules/ and static/ are
# git-ignored (tools/web/.gitignore) and made again by `make` on every fresh
# machine. (Not book/_static: Jupyter Book 1 adds every .js file under the
# source folder's _static/ to each page, and a one-page build of a chapter
# uses book/ as its source folder.)
#
# Usage: sh tools/fetch_assets.sh
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
web=$root/tools/web
dest=$web/static/fetched

command -v npm >/dev/null 2>&1 || {
    echo "fetch_assets: npm is needed (Node.js 18 or newer) to fetch MathJax" \
        "and the widget manager at their pinned versions" >&2
    exit 1
}

# --ignore-scripts: no package runs code while it installs; we only copy files.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
npm ci --prefix "$web" --ignore-scripts --no-audit --no-fund \
    --loglevel=error >"$log" 2>&1 || {
    cat "$log" >&2
    echo "fetch_assets: npm ci failed (see above)" >&2
    exit 1
}
nm=$web/node_modules

rm -rf "$web/static"
mkdir -p "$dest/mathjax" "$dest/widgets"

# MathJax: the combined TeX-to-CHTML component, plus what it loads on
# demand (TeX extensions through autoload, the fonts, the menu's options).
mj=$nm/mathjax/es5
cp "$mj/tex-chtml.js" "$dest/mathjax/"
for part in input output ui a11y sre adaptors; do
    cp -R "$mj/$part" "$dest/mathjax/"
done
cp "$nm/mathjax/LICENSE" "$dest/mathjax/"

# RequireJS loads the AMD bundle of the widget manager; the bundle's fonts
# (Font Awesome, for icons on buttons) sit beside it and are found relative
# to it. (MathJax's LICENSE is copied; the other two name their licences
# in their header comments.)
cp "$nm/requirejs/require.js" "$dest/widgets/"
hm=$nm/@jupyter-widgets/html-manager
cp "$hm/dist/embed-amd.js" "$dest/widgets/"
for font in "$hm"/dist/*.woff2 "$hm"/dist/*.woff "$hm"/dist/*.ttf \
    "$hm"/dist/*.eot "$hm"/dist/*.svg; do
    cp "$font" "$dest/widgets/"
done

# Our own few lines, run before the two above (see the file).
cp "$web/widgets-setup.js" "$dest/widgets/"

# Record the versions actually copied (read by tests/test_browser.py).
node -e '
const fs = require("fs"), path = require("path");
const nm = process.argv[1], out = {};
for (const name of ["mathjax", "requirejs", "@jupyter-widgets/html-manager"]) {
  out[name] = JSON.parse(fs.readFileSync(path.join(nm, name, "package.json"))).version;
}
fs.writeFileSync(process.argv[2], JSON.stringify(out, null, 2) + "\n");
' "$nm" "$dest/versions.json"

echo "fetch_assets: MathJax, RequireJS and the widget manager are in" \
    "tools/web/static/fetched ($(tr -d '\n ' <"$dest/versions.json"))"
