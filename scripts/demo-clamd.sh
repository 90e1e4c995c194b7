#!/usr/bin/env bash
# Start clamd for `make demo` on a socket in the data directory and print the socket path.
# Uses the official signatures when freshclam has fetched them (/var/lib/clamav), otherwise the
# repository's test signatures (they only know the EICAR test file: fine for a demo, never for production).
set -euo pipefail
dir="$1/clamav"
mkdir -p "$dir"
db=/var/lib/clamav
if ! ls "$db"/*.c[lv]d >/dev/null 2>&1; then
  db="$(cd "$(dirname "$0")/.." && pwd)/tests/data/clamav"
  echo "Virenprüfung: keine offiziellen Signaturen gefunden – Demo nutzt nur die EICAR-Testsignatur." >&2
fi
clamd=$(command -v clamd || echo /usr/sbin/clamd)
cat > "$dir/clamd.conf" <<CONF
LocalSocket $dir/clamd.sock
DatabaseDirectory $db
TemporaryDirectory $dir
LogFile $dir/clamd.log
Foreground yes
# Limits as in rathaus/attachments/scanner.py CLAMD_LIMITS (docs/operators/virus-scanning.md).
MaxScanTime 15000
MaxScanSize 50M
MaxFileSize 12M
StreamMaxLength 12M
MaxRecursion 10
MaxFiles 1000
AlertExceedsMax yes
ScanImageFuzzyHash no
CONF
rm -f "$dir/clamd.sock"
"$clamd" -c "$dir/clamd.conf" >"$dir/clamd.out" 2>&1 &
echo $! > "$dir/clamd.pid"
for _ in $(seq 1 600); do [ -S "$dir/clamd.sock" ] && break; sleep 0.1; done
echo "$dir/clamd.sock"
