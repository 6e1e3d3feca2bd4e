#!/bin/sh
# tests/impose.sh TMPDIR - end-to-end checks of imposed PDFs (--impose,
# issue 11) with build/release/bantin. The sample and, when the shared
# tools are present, a realprose bulletin, both in a5-2col: booklet and
# 2-up. "Sheet count" here is the number of PDF pages = sheet sides:
# booklet 2*ceil(N/4), 2-up ceil(N/2). Every word of the plain PDF's text
# is in the imposed one (plus only the blank-page notes); fonts are embedded
# once; links, bookmarks and labels land on the sheet holding the page;
# qpdf, pdffonts, pdfinfo, pdftotext, mutool and gs print nothing on stderr;
# pdfjs-check passes. Also print-test and the usage errors of the options.
# Prints one "ok NAME" / "FAIL NAME" / "SKIP NAME" line per check.
set -u
tmp=$1/impose
mkdir -p "$tmp"
top=$(pwd)
shared="$top/../shared"
bin="$top/build/release/bantin"
say() { echo "$1 $2"; }

quiet() { # name, command...: fails on a non-zero exit or any stderr
  name=$1; shift
  "$@" >"$tmp/q.out" 2>"$tmp/q.err"; rc=$?
  grep -v 'ICC support is not available' "$tmp/q.err" >"$tmp/q.err2"
  if [ $rc -ne 0 ] || [ -s "$tmp/q.err2" ]; then
    say FAIL "$name (exit $rc)"; head -20 "$tmp/q.err2"; return 1
  fi
  say ok "$name"; return 0
}

pages_of() { pdfinfo "$1" 2>/dev/null | sed -n 's/^Pages: *//p'; }

# label, plain pdf, imposed pdf, mode
check_imposed() {
  label=$1 plain=$2 pdf=$3 mode=$4
  n=$(pages_of "$plain") s=$(pages_of "$pdf")
  if [ "$mode" != 2up ]; then want=$(( 2 * ((n + 3) / 4) )); else want=$(( (n + 1) / 2 )); fi
  if [ "$s" = "$want" ]; then say ok "$label: $n pages -> $s sheet sides"
  else say FAIL "$label: $n pages -> $s sheet sides, expected $want"; fi
  quiet "$label: qpdf --check" qpdf --check "$pdf"
  quiet "$label: pdffonts" pdffonts "$pdf" && cp "$tmp/q.out" "$tmp/fonts.imp"
  pdffonts "$plain" >"$tmp/fonts.plain" 2>/dev/null
  if [ "$(wc -l <"$tmp/fonts.imp")" = "$(wc -l <"$tmp/fonts.plain")" ] &&
     awk 'NR>2 { n++; if ($(NF-4)!="yes" || $(NF-3)!="yes" || $(NF-2)!="yes") bad++ } END { exit (n>0 && !bad) ? 0 : 1 }' "$tmp/fonts.imp"; then
    say ok "$label: each font embedded once (emb/sub/uni)"
  else say FAIL "$label: fonts"; cat "$tmp/fonts.imp"; fi
  quiet "$label: pdfinfo" pdfinfo "$pdf"
  quiet "$label: pdftotext" pdftotext "$pdf" "$tmp/imp.txt"
  pdftotext "$plain" "$tmp/plain.txt" 2>/dev/null
  command -v mutool >/dev/null && quiet "$label: mutool draw" mutool draw -q -o "$tmp/m%d.png" -r 30 "$pdf"
  command -v gs >/dev/null && quiet "$label: ghostscript" gs -q -dBATCH -dNOPAUSE -sDEVICE=nullpage "$pdf"
  rm -f "$tmp"/m*.png
  qpdf --json --json-key=outlines --json-key=pagelabels "$pdf" >"$tmp/imp.json" 2>/dev/null
  qpdf --json --json-key=outlines "$plain" >"$tmp/plain.json" 2>/dev/null
  qpdf --qdf --object-streams=disable "$pdf" "$tmp/imp.qdf" 2>/dev/null
  qpdf --qdf --object-streams=disable "$plain" "$tmp/plain.qdf" 2>/dev/null
  python3 - "$label" "$tmp" "$mode" <<'PY'
import json, re, sys
from collections import Counter
label, tmp, mode = sys.argv[1:4]
def words(p): return Counter(open(p, encoding="utf-8").read().split())
plain, imp = words(tmp + "/plain.txt"), words(tmp + "/imp.txt")
missing = plain - imp
extra = imp - plain
note = {"Trang", "để", "trống"}
if not missing and set(extra) <= note:
    print(f"ok {label}: every word of the bulletin's text is on the sheets ({sum(plain.values())} words)")
else:
    print(f"FAIL {label}: text differs: missing {list(missing.items())[:8]} extra {list(extra.items())[:8]}")
# bookmarks: the sheet side whose label names the page
pj, ij = json.load(open(tmp + "/plain.json")), json.load(open(tmp + "/imp.json"))
def flat(items):
    for o in items:
        yield o; yield from flat(o.get("kids", []))
po, io = list(flat(pj["outlines"])), list(flat(ij["outlines"]))
labels = {}
for e in ij["pagelabels"]:
    labels[e["index"] + 1] = e["label"]["/P"].removeprefix("u:").split("|")
bad = [o["title"] for o, q in zip(po, io)
       if str(o["destpageposfrom1"]) not in labels.get(q["destpageposfrom1"], [])]
if len(po) == len(io) and po and not bad:
    print(f"ok {label}: {len(io)} bookmarks point to the sheet holding their page")
else:
    print(f"FAIL {label}: bookmarks {len(po)} vs {len(io)}, wrong: {bad[:5]}")
# links: as many as in the plain PDF, none without its rectangle
lp = open(tmp + "/plain.qdf", "rb").read().count(b"/Subtype /Link")
li = open(tmp + "/imp.qdf", "rb").read().count(b"/Subtype /Link")
print(f"{'ok' if lp == li and lp > 0 else 'FAIL'} {label}: {li} links (plain {lp})")
qdf = open(tmp + "/imp.qdf", "rb").read()
edge = b"/DuplexFlipShortEdge" if mode != "long" else b"/DuplexFlipLongEdge"
ok = edge in qdf and b"/PrintScaling /None" in qdf
print(f"{'ok' if ok else 'FAIL'} {label}: viewer preferences {edge.decode()}")
PY
  if [ -x "$shared/tools/pdfjs-check" ] && command -v node >/dev/null; then
    if timeout 300 "$shared/tools/pdfjs-check" "$pdf" >"$tmp/pdfjs.out" 2>&1; then
      say ok "$label: pdfjs-check"
    elif grep -q 'install' "$tmp/pdfjs.out" && ! grep -q 'pdfjs-check: FAIL (' "$tmp/pdfjs.out"; then
      say SKIP "$label: pdfjs-check (pdf.js not installable offline)"
    else say FAIL "$label: pdfjs-check"; tail -8 "$tmp/pdfjs.out"; fi
  else say SKIP "$label: pdfjs-check (node or ../shared absent)"; fi
}

impose_case() { # label, manifest (own variable names: sh has no locals)
  ic=$1 icin=$2
  "$bin" build "$icin" --layout a5-2col --pdf-only -q -o "$tmp/$ic-plain" || { say FAIL "$ic: plain build"; return; }
  for icm in booklet 2up; do
    if "$bin" build "$icin" --layout a5-2col --pdf-only --impose $icm -q -o "$tmp/$ic-$icm"; then
      check_imposed "$ic $icm" "$tmp/$ic-plain/bulletin.pdf" "$tmp/$ic-$icm/bulletin.pdf" $icm
    else say FAIL "$ic $icm: build"; fi
  done
  "$bin" build "$icin" --layout a5-2col --pdf-only --impose booklet --duplex long --creep 0.2 --marks --bleed 3 -q -o "$tmp/$ic-long" &&
    check_imposed "$ic booklet long+creep+marks+bleed" "$tmp/$ic-plain/bulletin.pdf" "$tmp/$ic-long/bulletin.pdf" long
}

impose_case sample samples/bulletin.xml
if [ -x "$shared/tools/realprose" ] && "$shared/tools/realprose" "$tmp/rp" --articles 12 --clips 3 >/dev/null 2>"$tmp/rp.err"; then
  impose_case realprose "$tmp/rp/bulletin.xml"
else
  say SKIP "realprose bulletin (../shared/tools/realprose absent or offline)"
fi

# -v says how to print; an A4 layout is scaled, and the note says so
"$bin" build samples/bulletin.xml --pdf-only --impose booklet --duplex long -v -o "$tmp/a4" >/dev/null 2>"$tmp/v.err"
if grep -q 'flip on the long edge' "$tmp/v.err" && grep -q 'scaled to 70.7 %' "$tmp/v.err"; then
  say ok "a4 booklet: -v names the duplex edge, the note the scale"
else say FAIL "a4 booklet: -v / scale note"; cat "$tmp/v.err"; fi

# print-test: one sheet, two sides, front and back labelled
if "$bin" print-test --impose booklet -o "$tmp/pt" >/dev/null 2>"$tmp/pt.err" &&
   [ "$(pages_of "$tmp/pt/print-test-booklet.pdf")" = 2 ] &&
   [ "$(pdftotext -f 1 -l 1 "$tmp/pt/print-test-booklet.pdf" - | grep -c 'mặt trước')" = 2 ] &&
   [ "$(pdftotext -f 2 -l 2 "$tmp/pt/print-test-booklet.pdf" - | grep -c 'mặt sau')" = 2 ]; then
  say ok "print-test: one sheet, mặt trước / mặt sau"
  quiet "print-test: qpdf --check" qpdf --check "$tmp/pt/print-test-booklet.pdf"
else say FAIL "print-test"; cat "$tmp/pt.err"; fi

# usage errors: exit 2, a message naming the option, nothing written
usage_case() { # expected message part, args...
  msg=$1; shift
  rm -rf "$tmp/u"
  "$bin" "$@" >/dev/null 2>"$tmp/u.err"; rc=$?
  if [ $rc = 2 ] && grep -q -- "$msg" "$tmp/u.err" && [ ! -e "$tmp/u" ]; then say ok "usage: $*"
  else say FAIL "usage: $* (exit $rc)"; cat "$tmp/u.err"; fi
}
usage_case "--impose takes booklet, 2up or 4up" build samples/bulletin.xml --impose 3up -o "$tmp/u"
usage_case "--duplex takes short or long" build samples/bulletin.xml --impose booklet --duplex edge -o "$tmp/u"
usage_case "--creep takes millimetres" build samples/bulletin.xml --impose booklet --creep 3x -o "$tmp/u"
usage_case "--bleed takes millimetres" build samples/bulletin.xml --impose booklet --bleed 11 -o "$tmp/u"
usage_case "need --impose" build samples/bulletin.xml --duplex long -o "$tmp/u"
usage_case "--creep is for --impose booklet" build samples/bulletin.xml --impose 2up --creep 0.1 -o "$tmp/u"
usage_case "cannot go with --epub-only" build samples/bulletin.xml --impose 2up --epub-only -o "$tmp/u"
usage_case "print-test needs --impose" print-test -o "$tmp/u"
exit 0
