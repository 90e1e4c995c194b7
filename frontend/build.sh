#!/usr/bin/env bash
# Build the vendored front-end assets from the exact versions pinned in package-lock.json.
# The output is committed (rathaus/static/vendor/, tests/browser/vendor/) so that a Python-only
# install needs neither Node nor network access. See docs/developers/frontend.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
nm="$here/node_modules"
vendor="$root/rathaus/static/vendor"
testvendor="$root/tests/browser/vendor"

cd "$here"
npm ci --no-audit --no-fund

# Start from empty directories so files dropped upstream do not linger.
rm -rf "$vendor/kern" "$vendor/htmx" "$vendor/leaflet" "$testvendor"
mkdir -p "$vendor/kern/fonts" "$vendor/kern/js" "$vendor/htmx" "$vendor/leaflet" "$testvendor"

# KERN UX (EUPL-1.2): stylesheet, web component script, fonts.
kern="$nm/@kern-ux/native"
cp "$kern/dist/kern.min.css" "$vendor/kern/kern.min.css"
cp "$kern/dist/js/kern-kopfzeile.js" "$vendor/kern/js/kern-kopfzeile.js"
cp "$kern/LICENSE.md" "$vendor/kern/LICENSE.md"
# Only the font files the font stylesheets actually reference (woff2 + woff fallbacks),
# not the whole Fira Sans family of 40 cuts.
for css in fira-sans.css noto-sans.css; do
  cp "$kern/dist/fonts/$css" "$vendor/kern/fonts/$css"
  grep -o 'url([^)]*)' "$kern/dist/fonts/$css" | sed -E 's/^url\(["'"'"']?\.?\/?//; s/["'"'"']?\)$//' | sort -u |
    while read -r font; do
      mkdir -p "$vendor/kern/fonts/$(dirname "$font")"
      cp "$kern/dist/fonts/$font" "$vendor/kern/fonts/$font"
    done
done
echo "@kern-ux/native $(node -p "require('$kern/package.json').version")" >"$vendor/kern/VERSION"

# htmx (0BSD).
cp "$nm/htmx.org/dist/htmx.min.js" "$vendor/htmx/htmx.min.js"
cp "$nm/htmx.org/LICENSE" "$vendor/htmx/LICENSE"
echo "htmx.org $(node -p "require('$nm/htmx.org/package.json').version")" >"$vendor/htmx/VERSION"

# Leaflet (BSD-2-Clause). leaflet.js names its source map; Django's manifest storage (collectstatic)
# refuses a reference to a missing file, so the map comes along.
cp "$nm/leaflet/dist/leaflet.js" "$nm/leaflet/dist/leaflet.js.map" "$nm/leaflet/dist/leaflet.css" "$vendor/leaflet/"
cp -r "$nm/leaflet/dist/images" "$vendor/leaflet/images"
cp "$nm/leaflet/LICENSE" "$vendor/leaflet/LICENSE"
echo "leaflet $(node -p "require('$nm/leaflet/package.json').version")" >"$vendor/leaflet/VERSION"

# axe-core (MPL-2.0) is only used by the browser tests, never served.
cp "$nm/axe-core/axe.min.js" "$nm/axe-core/LICENSE" "$testvendor/"
echo "axe-core $(node -p "require('$nm/axe-core/package.json').version")" >"$testvendor/VERSION"

# Every file a copied file refers to must have been copied too (see the Leaflet note above).
if grep -rl 'sourceMappingURL' "$vendor" | while read -r f; do
  map="$(dirname "$f")/$(grep -o 'sourceMappingURL=[^ */]*' "$f" | head -1 | cut -d= -f2)"
  [ -f "$map" ] || echo "missing source map $map"
done | grep .; then
  exit 1
fi

echo "vendored assets written to $vendor and $testvendor"
