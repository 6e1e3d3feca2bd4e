#!/bin/sh
# tests/e2e.sh TMPDIR - builds samples/bulletin.xml and the seed clipping
# with build/release/bantin and checks the outputs with the tools a reader's
# software would use. Prints one "ok NAME", "FAIL NAME" or "SKIP NAME" line
# per check (tests/run.sh counts them), plus details after failures. A check
# whose tool `make deps` installs skips as "SKIP (required) NAME" (make test
# then fails); one needing something outside the repository's dependencies
# (../shared, a browser, DAISY Ace) as "SKIP (optional) NAME".
set -u
tmp=$1
top=$(pwd)
shared="$top/../shared"
bin="$top/build/release/bantin"
say() { echo "$1 $2"; }
# need TOOL CHECK: true when TOOL is on PATH, else a required skip of CHECK.
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  say SKIP "(required) $2: $1 missing (make deps)"; return 1
}

# Runs a tool; fails the check on any stderr (apart from mupdf's ICC note).
quiet() { # name, command...
  name=$1; shift
  "$@" >"$tmp/q.out" 2>"$tmp/q.err"; rc=$?
  grep -v 'ICC support is not available' "$tmp/q.err" >"$tmp/q.err2"
  if [ $rc -ne 0 ] || [ -s "$tmp/q.err2" ]; then
    say FAIL "$name (exit $rc)"; head -20 "$tmp/q.err2"; return 1
  fi
  say ok "$name"; return 0
}

check_pdf() { # label, pdf
  label=$1 pdf=$2
  need qpdf "$label: qpdf --check" && quiet "$label: qpdf --check" qpdf --check "$pdf"
  if need pdffonts "$label: pdffonts"; then
    quiet "$label: pdffonts" pdffonts "$pdf"
    # every font embedded, subset, with a ToUnicode map
    if awk 'NR>2 { n++; if ($(NF-4)!="yes" || $(NF-3)!="yes" || $(NF-2)!="yes") bad++ } END { exit (n>0 && !bad) ? 0 : 1 }' "$tmp/q.out"; then
      say ok "$label: fonts emb/sub/uni"
    else say FAIL "$label: fonts emb/sub/uni"; cat "$tmp/q.out"; fi
  fi
  need pdfinfo "$label: pdfinfo" && quiet "$label: pdfinfo" pdfinfo "$pdf" && cp "$tmp/q.out" "$tmp/info.txt"
  need pdftotext "$label: pdftotext" && quiet "$label: pdftotext" pdftotext "$pdf" "$tmp/text.txt"
  need mutool "$label: mutool draw" && quiet "$label: mutool draw" mutool draw -q -o "$tmp/m%d.png" -r 30 "$pdf"
  need gs "$label: ghostscript" && quiet "$label: ghostscript" gs -dBATCH -dNOPAUSE -sDEVICE=nullpage "$pdf"
  rm -f "$tmp"/m*.png
}

metrics() { # label, pdf, expected text
  label=$1 pdf=$2 exp=$3
  [ -x "$shared/tools/typo-metrics" ] || { say SKIP "(optional) $label: typo-metrics (../shared absent)"; return; }
  "$shared/tools/typo-metrics" "$pdf" --json --expect "$exp" >"$tmp/tm.json" 2>"$tmp/tm.err" || {
    say FAIL "$label: typo-metrics ran"; cat "$tmp/tm.err"; return; }
  python3 - "$tmp/tm.json" "$label" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); label = sys.argv[2]
s = dict(kv.split("=", 1) for kv in d["summary"].split() if "=" in kv)
def get(*names):
    for n in names:
        if n in s: return s[n].rstrip("%")
    return None
checks = [
  ("overfull", get("overfull"), lambda v: v == 0),
  ("widows", get("widows"), lambda v: v == 0),
  ("orphans", get("orphans"), lambda v: v == 0),
  ("ink touches", get("inktouch", "ink_touches"), lambda v: v == 0),
  ("recovered 100%", get("recovered", "recovery"), lambda v: v >= 99.999),
  ("loose <= 12.5%", get("loose", "loose_pct"), lambda v: v <= 12.5),
  ("gap p95 <= 2.47", get("gapp95", "gap_p95"), lambda v: v <= 2.47),
]
for name, v, ok in checks:
    if v is None:
        print("FAIL %s: %s (not reported)" % (label, name)); continue
    try: good = ok(float(v))
    except Exception: good = False
    print("%s %s: %s = %s" % ("ok" if good else "FAIL", label, name, v))
PY
}

# ---- the sample bulletin ----
out="$tmp/samples"
if "$bin" build samples/bulletin.xml -o "$out" 2>"$tmp/build.err"; then
  say ok "samples: build"
  [ -s "$tmp/build.err" ] && { say FAIL "samples: build printed diagnostics"; cat "$tmp/build.err"; }
  check_pdf samples "$out/bulletin.pdf"
  metrics samples "$out/bulletin.pdf" samples/bulletin.expected.txt
  # byte-identical rebuild
  "$bin" build samples/bulletin.xml -o "$out/again" 2>/dev/null
  if cmp -s "$out/bulletin.pdf" "$out/again/bulletin.pdf" && cmp -s "$out/bulletin.epub" "$out/again/bulletin.epub"; then
    say ok "samples: reproducible"; else say FAIL "samples: reproducible"; fi
  # the same bytes from a build that starts no thread of its own (images
  # decoded before the layout, fonts found and EPUB written in turn)
  BANTIN_THREADS=1 "$bin" build samples/bulletin.xml -o "$out/serial" 2>/dev/null
  if cmp -s "$out/bulletin.pdf" "$out/serial/bulletin.pdf" && cmp -s "$out/bulletin.epub" "$out/serial/bulletin.epub"; then
    say ok "samples: BANTIN_THREADS=1 gives the same bytes"; else say FAIL "samples: BANTIN_THREADS=1 gives the same bytes"; fi
  if [ -f /usr/share/java/epubcheck.jar ] && command -v java >/dev/null; then
    if java -jar /usr/share/java/epubcheck.jar "$out/bulletin.epub" >"$tmp/ec.out" 2>&1 &&
       grep -q 'No errors or warnings detected' "$tmp/ec.out"; then
      say ok "samples: epubcheck"
    else say FAIL "samples: epubcheck"; tail -20 "$tmp/ec.out"; fi
  else
    say SKIP "(required) samples: epubcheck: java or epubcheck missing (make deps)"
  fi
  python3 tests/epub_text.py "$out/bulletin.epub" samples/bulletin.expected.txt >"$tmp/et.out" 2>&1 &&
    say ok "samples: every paragraph in the EPUB" || { say FAIL "samples: every paragraph in the EPUB"; cat "$tmp/et.out"; }
else
  say FAIL "samples: build"; cat "$tmp/build.err"
fi

# ---- no leaks, no memory errors (valgrind) on the sample build ----
if need valgrind "samples: valgrind"; then
  if valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
       --error-exitcode=9 "$bin" build samples/bulletin.xml -o "$tmp/vg" >"$tmp/vg.log" 2>&1; then
    say ok "samples: valgrind clean"
  else
    say FAIL "samples: valgrind"; tail -30 "$tmp/vg.log"
  fi
fi

# ---- the seed clipping built alone ----
seed="$shared/seeds/hoi-nghi-giao-ban.txt"
if [ -f "$seed" ]; then
  mkdir -p "$tmp/seed"
  cp "$seed" "$tmp/seed/"
  if "$bin" build "$tmp/seed/hoi-nghi-giao-ban.txt" -o "$tmp/seed/out" 2>"$tmp/seed.err"; then
    say ok "seed: build"
    check_pdf seed "$tmp/seed/out/hoi-nghi-giao-ban.pdf"
    if grep -q '^Title: *Hội nghị giao ban công tác xây dựng Đảng 9 tỉnh miền Trung – Tây Nguyên' "$tmp/info.txt"; then
      say ok "seed: pdfinfo Title"; else say FAIL "seed: pdfinfo Title"; cat "$tmp/info.txt"; fi
    metrics seed "$tmp/seed/out/hoi-nghi-giao-ban.pdf" "$shared/seeds/hoi-nghi-giao-ban.expected.txt"
  else
    say FAIL "seed: build"; cat "$tmp/seed.err"
  fi
else
  say SKIP "(optional) seed: ../shared/seeds absent"
fi

# ---- text extraction reads every paragraph back (issue 9) ----
# A formula a little wider than the a4-3col column is set smaller rather
# than broken after ';' (where pdftotext and copy-paste put a space); a last
# word that reads as a list marker or a page number stays on its line.
mkdir -p "$tmp/ex/exp"
cat >"$tmp/ex/ex.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<article xml:lang="vi" id="ex">
  <meta><title>Hàm tài chính</title><date>2026-11-22</date></meta>
  <body>
    <p>Với khoản vay 125000 đơn vị, lãi 0,75% mỗi tháng trong 30 năm, công thức =CUMIPMT(0.0075;360;125000;13;24;0) trả về -11135,23 tiền lãi của năm thứ hai.</p>
    <p>Các ô trùng nhau được gộp thành một dòng, theo thứ tự xuất hiện lần đầu trong bảng tính, và số dòng trả về là 1.</p>
    <p>Select -entire sheet- to set the current sheet as the print range, then press 0) to continue.</p>
  </body>
</article>
XML
cat >"$tmp/ex/exp/ex.txt" <<'TXT'
Với khoản vay 125000 đơn vị, lãi 0,75% mỗi tháng trong 30 năm, công thức =CUMIPMT(0.0075;360;125000;13;24;0) trả về -11135,23 tiền lãi của năm thứ hai.

Các ô trùng nhau được gộp thành một dòng, theo thứ tự xuất hiện lần đầu trong bảng tính, và số dòng trả về là 1.

Select -entire sheet- to set the current sheet as the print range, then press 0) to continue.
TXT
if "$bin" build "$tmp/ex/ex.xml" --layout a4-3col --pdf-only -o "$tmp/ex/out" 2>"$tmp/ex.err"; then
  if need pdftotext "extraction: pdftotext"; then
    pdftotext "$tmp/ex/out/ex.pdf" "$tmp/ex/text.txt"
    if grep -qF '=CUMIPMT(0.0075;360;125000;13;24;0)' "$tmp/ex/text.txt"; then
      say ok "extraction: a formula wider than the column reads back whole"
    else say FAIL "extraction: a formula wider than the column reads back whole"; grep -F 'CUMIPMT' "$tmp/ex/text.txt"; fi
  fi
  if [ -x "$shared/tools/text-recovery" ]; then
    if "$shared/tools/text-recovery" --min 100 "$tmp/ex/out/ex.pdf" "$tmp/ex/exp" >"$tmp/ex/tr.out" 2>&1; then
      say ok "extraction: text-recovery 100%"
    else say FAIL "extraction: text-recovery 100%"; tail -8 "$tmp/ex/tr.out"; fi
  else
    say SKIP "(optional) extraction: text-recovery (../shared absent)"
  fi
else
  say FAIL "extraction: build"; cat "$tmp/ex.err"
fi

# ---- EPUB in a reading system and DAISY Ace (each SKIPs without Chromium/Ace) ----
books=""
[ -f "$out/bulletin.epub" ] && books="$out/bulletin.epub"
[ -f "$tmp/seed/out/hoi-nghi-giao-ban.epub" ] && books="$books $tmp/seed/out/hoi-nghi-giao-ban.epub"
if [ -f "$tmp/seed/out/hoi-nghi-giao-ban.epub" ] && [ -f /usr/share/java/epubcheck.jar ] && command -v java >/dev/null; then
  if java -jar /usr/share/java/epubcheck.jar "$tmp/seed/out/hoi-nghi-giao-ban.epub" >"$tmp/ec2.out" 2>&1 &&
     grep -q 'No errors or warnings detected' "$tmp/ec2.out"; then
    say ok "seed: epubcheck"
  else say FAIL "seed: epubcheck"; tail -20 "$tmp/ec2.out"; fi
fi
# Browser-based checks (a real Chromium and DAISY Ace) are skipped in CI
# (CI=true), where a browser start-up hiccup must not turn a build red;
# run them locally, or force them with BANTIN_BROWSER_CHECKS=1.
if [ "${CI:-}" = true ] && [ "${BANTIN_BROWSER_CHECKS:-0}" != 1 ]; then
  say SKIP "(optional) epub-shot and Ace: browser checks are not run in CI (BANTIN_BROWSER_CHECKS=1 runs them)"
else
  if [ -x "$shared/tools/epub-shot" ] && [ -n "$books" ]; then
    for e in $books; do
      "$shared/tools/epub-shot" --strict -n 0 "$e" "$tmp/shot" >"$tmp/shot.log" 2>&1; rc=$?
      case $rc in
        0) say ok "epub-shot: $(basename "$e")" ;;
        4) say SKIP "(optional) epub-shot: Chromium or npm missing" ;;
        *) say FAIL "epub-shot: $(basename "$e") (exit $rc)"; grep '^epub-shot' "$tmp/shot.log" | grep -v ': ok ' | head -10 ;;
      esac
      rm -rf "$tmp/shot"
    done
  fi
  # Ace takes ~30 s a book: the sample bulletin stands for both
  [ -f "$out/bulletin.epub" ] && sh tests/ace.sh "$out/bulletin.epub"
fi

# ---- schema: every sample article validates against doc/article.rng ----
if need xmllint "samples: RELAX NG"; then
  if sh tests/check_rng.sh >"$tmp/rng.out" 2>&1; then say ok "samples: RELAX NG"; else say FAIL "samples: RELAX NG"; cat "$tmp/rng.out"; fi
fi
exit 0
