#!/bin/sh
# tests/bench.sh - build-time and memory benchmark (make bench). Not a test:
# it prints numbers and fails only if a build fails.
#
# Generates digests of BENCH_SIZES articles (default "10 100 1000"; add
# 5000 with BENCH_BIG=1, or name the sizes) with tests/tools/mkdigest.py and
# builds each BENCH_RUNS times (default 5; sizes above 1000 once) with
# build/release/bantin --timings. Per size it prints: pages, PDF and EPUB
# bytes, wall (median), CPU user+sys (median), peak RSS (median, from
# /usr/bin/time), and the median of every stage time bantin reports. Wall
# time is noisy on a shared machine; `valgrind --tool=callgrind` instruction
# counts are the stable figure.
#
# BENCH_BASE=/path/to/other/bantin runs that binary too, interleaved run by
# run with the first (same machine, same moment), and prints its rows
# marked "base": a before/after table from one run.
# BENCH_TYPST=DIR: a folder where `npm install
# @myriaddreamin/typst-ts-node-compiler@0.7.0` was done (outside the repo);
# then the 100-article digest is also compiled by Typst (PDF only), see
# tests/tools/typst_digest.py. Skipped with a note otherwise.
# A size above BENCH_FULL (default 1000) runs under a limit of BENCH_LIMIT
# seconds (default 300). BENCH_KEEP=1 keeps the temp folder.
# The font lookup cache and the saved shaped words (BANTIN_FONT_CACHE, see
# bantin(1)) live in the temp folder unless BANTIN_FONT_CACHE is set: the
# first build of the first size fills them, the medians are warm builds.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
bin=${BANTIN:-$top/build/release/bantin}
base=${BENCH_BASE:-}
if [ -n "${BENCH_SIZES:-}" ]; then
  sizes=$BENCH_SIZES
elif [ -n "${BENCH_BIG:-}" ]; then
  sizes="10 100 1000 5000"
else
  sizes="10 100 1000"
fi
runs=${BENCH_RUNS:-5}
full=${BENCH_FULL:-1000}
limit=${BENCH_LIMIT:-300}
SOURCE_DATE_EPOCH=1764201600
export SOURCE_DATE_EPOCH
BANTIN_DATADIR=${BANTIN_DATADIR:-$top}
export BANTIN_DATADIR
[ -x "$bin" ] || { echo "bench: $bin missing (make)"; exit 1; }
[ -z "$base" ] || [ -x "$base" ] || { echo "bench: BENCH_BASE $base missing"; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 missing"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)"; exit 1; }
tmp=$(mktemp -d /tmp/bantin-bench.XXXXXX)
[ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT INT TERM
[ -n "${BENCH_KEEP:-}" ] && echo "bench: keeping $tmp"
BANTIN_FONT_CACHE=${BANTIN_FONT_CACHE-$tmp/fonts.cache}
export BANTIN_FONT_CACHE

STAGES="read normalise images fonts layout shape pdf pdf-fonts pdf-save epub writers save cpu-main cpu-others"

# median FILE: the median of the numbers in FILE, one a line
median() {
  sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
    else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# one TAG BIN N: one build of digest N with BIN; appends wall, cpu, rss and
# each stage's ms to $tmp/TAG.N.* ; rc in $rc
one() {
  tag=$1 b=$2 n=$3
  d="$tmp/d$n" o="$tmp/o-$tag-$n"
  tf=--timings # an older bantin (BENCH_BASE) may not know it
  "$b" --help 2>/dev/null | grep -q -e --timings || tf=-q
  rm -rf "$o"
  lim=0; [ "$n" -gt "$full" ] && lim=$limit
  if [ "$lim" -gt 0 ] && command -v timeout >/dev/null; then
    /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" timeout "$lim" \
      "$b" build "$d/bulletin.xml" -o "$o" -q $tf >/dev/null 2>"$tmp/err"
  else
    /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" \
      "$b" build "$d/bulletin.xml" -o "$o" -q $tf >/dev/null 2>"$tmp/err"
  fi
  rc=$?
  [ "$rc" -eq 0 ] || return
  tail -1 "$tmp/time" | awk '{ print $1 }' >>"$tmp/$tag.$n.wall"
  tail -1 "$tmp/time" | awk '{ print $3 + $4 }' >>"$tmp/$tag.$n.cpu"
  tail -1 "$tmp/time" | awk '{ printf "%.1f\n", $2 / 1024 }' >>"$tmp/$tag.$n.rss"
  for st in $STAGES; do
    awk -v s="$st" '$1 == "timing:" && $2 == s { print $3 }' "$tmp/err" >>"$tmp/$tag.$n.$st"
  done
  pdfinfo "$o/bulletin.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }' >"$tmp/$tag.$n.pages"
  wc -c <"$o/bulletin.pdf" | tr -d ' ' >"$tmp/$tag.$n.pdfb"
  wc -c <"$o/bulletin.epub" | tr -d ' ' >"$tmp/$tag.$n.epubb"
}

echo "bantin bench: $($bin --version 2>/dev/null | head -1), $(nproc 2>/dev/null || echo ?) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "medians of $runs runs (sizes above $full: 1 run); wall and cpu in s, rss in MB, stages in ms"
status=0
hdr=0
for n in $sizes; do
  d="$tmp/d$n"
  python3 tests/tools/mkdigest.py "$n" "$d" >/dev/null || { echo "bench: mkdigest $n failed"; status=1; continue; }
  r=$runs; [ "$n" -gt "$full" ] && r=1
  i=0
  while [ $i -lt "$r" ]; do
    i=$((i + 1))
    one new "$bin" "$n"
    if [ "$rc" -ne 0 ]; then
      echo "bench: build of $n articles failed (exit $rc)"; head -5 "$tmp/err"; status=1; break
    fi
    if [ -n "$base" ]; then
      one base "$base" "$n"
      [ "$rc" -eq 0 ] || { echo "bench: base build of $n articles failed (exit $rc)"; status=1; break; }
    fi
  done
  for tag in base new; do
    [ "$tag" = base ] && [ -z "$base" ] && continue
    [ -s "$tmp/$tag.$n.wall" ] || continue
    if [ $hdr -eq 0 ]; then
      printf '%-4s %-5s %5s %9s %9s %6s %6s %6s' bin arts pages pdf_B epub_B wall cpu rss
      for st in $STAGES; do printf ' %8s' "$st"; done
      echo
      hdr=1
    fi
    printf '%-4s %-5s %5s %9s %9s %6.3f %6.3f %6.1f' "$tag" "$n" "$(cat "$tmp/$tag.$n.pages")" \
      "$(cat "$tmp/$tag.$n.pdfb")" "$(cat "$tmp/$tag.$n.epubb")" \
      "$(median "$tmp/$tag.$n.wall")" "$(median "$tmp/$tag.$n.cpu")" "$(median "$tmp/$tag.$n.rss")"
    for st in $STAGES; do
      m=$(median "$tmp/$tag.$n.$st")
      if [ "$m" = - ]; then printf ' %8s' -; else printf ' %8.1f' "$m"; fi
    done
    echo
  done
done

# Typst 0.14 on the same 100-article digest (PDF only), when installed
if [ -n "${BENCH_TYPST:-}" ] && [ -d "$BENCH_TYPST/node_modules/@myriaddreamin/typst-ts-node-compiler" ] &&
  command -v node >/dev/null; then
  d="$tmp/d100"
  [ -d "$d" ] || python3 tests/tools/mkdigest.py 100 "$d" >/dev/null
  python3 tests/tools/typst_digest.py "$d/bulletin.xml" "$d/digest.typ" || status=1
  i=0
  while [ $i -lt "$runs" ]; do
    i=$((i + 1))
    /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" env NODE_PATH="$BENCH_TYPST/node_modules" \
      node tests/tools/typst_compile.js "$d/digest.typ" "$tmp/typst.pdf" "$top/fonts" >"$tmp/typst.out" 2>&1 ||
      { echo "bench: typst failed:"; head -5 "$tmp/typst.out"; status=1; break; }
    tail -1 "$tmp/time" | awk '{ print $1 }' >>"$tmp/typst.wall"
    tail -1 "$tmp/time" | awk '{ print $3 + $4 }' >>"$tmp/typst.cpu"
    tail -1 "$tmp/time" | awk '{ printf "%.1f\n", $2 / 1024 }' >>"$tmp/typst.rss"
  done
  if [ -s "$tmp/typst.wall" ]; then
    printf '%-4s %-5s %5s %9s %9s %6.3f %6.3f %6.1f  (Typst, PDF only)\n' typst 100 \
      "$(pdfinfo "$tmp/typst.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')" \
      "$(wc -c <"$tmp/typst.pdf" | tr -d ' ')" - \
      "$(median "$tmp/typst.wall")" "$(median "$tmp/typst.cpu")" "$(median "$tmp/typst.rss")"
  fi
else
  echo "typst: skipped (set BENCH_TYPST to a folder with @myriaddreamin/typst-ts-node-compiler@0.7.0 installed by npm)"
fi
exit $status
