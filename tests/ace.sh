#!/bin/sh
# tests/ace.sh BOOK.epub... - runs DAISY Ace (the EPUB accessibility
# checker) on each book, with Debian's Chromium (../shared/notes/epub.md §6).
# Prints one line per book: "ok ace: BOOK: 0 violations" or
# "FAIL ace: BOOK: N violations (rule-id impact, ...)", then the failing
# documents; exits 1 if any book failed.
# Prints "SKIP ace: ..." and exits 0 when Ace, Chromium, node or python3
# is missing, so CI without them still passes.
#
# Ace is found as $ACE_CLI, ~/.cache/ace/node_modules/.bin/ace-cli, or
# `ace` on PATH. Install it once (about 30 s; the npm registry only):
#   mkdir -p ~/.cache/ace && cd ~/.cache/ace && npm init -y >/dev/null
#   PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund @daisy/ace-cli@1.4.6
# Chromium: apt-get install chromium (or set PUPPETEER_EXECUTABLE_PATH).
set -u
[ $# -gt 0 ] || { echo "usage: tests/ace.sh BOOK.epub..." >&2; exit 2; }

ace=${ACE_CLI:-}
if [ -z "$ace" ]; then
  if [ -x "${HOME:-/nonexistent}/.cache/ace/node_modules/.bin/ace-cli" ]; then
    ace="$HOME/.cache/ace/node_modules/.bin/ace-cli"
  elif command -v ace >/dev/null 2>&1; then
    ace=$(command -v ace)
  fi
fi
chrome=${PUPPETEER_EXECUTABLE_PATH:-/usr/lib/chromium/chromium}
if [ -z "$ace" ] || [ ! -x "$ace" ]; then
  echo "SKIP ace: DAISY Ace not installed (see tests/ace.sh)"; exit 0
fi
if [ ! -x "$chrome" ]; then
  echo "SKIP ace: Chromium not installed ($chrome)"; exit 0
fi
command -v node >/dev/null 2>&1 || { echo "SKIP ace: node missing"; exit 0; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP ace: python3 missing"; exit 0; }

tmp=$(mktemp -d /tmp/bantin-ace.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0
n=0
for book in "$@"; do
  n=$((n + 1))
  name=$(basename "$book")
  out="$tmp/$n"
  # -E: exit 2 on violations; -f: overwrite; the default 5 s browser
  # start-up timeout is tight on a loaded machine
  PUPPETEER_EXECUTABLE_PATH="$chrome" ACE_TIMEOUT_INITIAL=60000 \
    "$ace" -E -f -o "$out" "$book" >"$tmp/log" 2>&1
  rc=$?
  if [ ! -f "$out/report.json" ]; then
    echo "FAIL ace: $name: no report (exit $rc)"
    grep -i -E 'error|fail' "$tmp/log" | head -10
    status=1
    continue
  fi
  python3 - "$out/report.json" "$name" "$rc" <<'PY' || status=1
import json, sys
path, name, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = json.load(open(path))
bad = []
for doc in d.get("assertions", []):
    url = doc.get("earl:testSubject", {}).get("url", "?")
    for a in doc.get("assertions", []):
        r = a.get("earl:result", {})
        if r.get("earl:outcome") != "pass":
            t = a.get("earl:test", {})
            bad.append((t.get("dct:title", "?"), t.get("earl:impact", "?"), url,
                        r.get("dct:description", "")))
if not bad and rc == 0 and d.get("earl:result", {}).get("earl:outcome") == "pass":
    print("ok ace: %s: 0 violations" % name)
    sys.exit(0)
rules = sorted(set("%s %s" % (b[0], b[1]) for b in bad))
print("FAIL ace: %s: %d violations (%s)%s" % (name, len(bad), ", ".join(rules),
      "" if rc == 0 or bad else " exit %d" % rc))
for title, impact, url, desc in bad[:20]:
    print("  %s [%s] %s: %s" % (title, impact, url, desc.splitlines()[0][:200] if desc else ""))
sys.exit(1)
PY
done
exit $status
