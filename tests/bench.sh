#!/bin/sh
# tests/bench.sh - build-time and memory benchmark (make bench). Not a test:
# it prints numbers and fails only if a build fails.
# Generates digests of BENCH_SIZES articles (default "100 1000 5000") with
# tests/tools/mkdigest.py, builds each with build/release/bantin and prints
# pages, output sizes, wall seconds, max RSS and seconds per article. A size
# above BENCH_FULL (default 1000) runs under a time limit of BENCH_LIMIT
# seconds (default 90) and is reported as "timeout" if it exceeds it.
# For the largest size up to BENCH_FULL it also times the stages on their own:
# check (read + validate), --dump=layout (+ layout), --pdf-only, --epub-only.
# BENCH_KEEP=1 keeps the temp folder.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
bin=${BANTIN:-$top/build/release/bantin}
sizes=${BENCH_SIZES:-"100 1000 5000"}
full=${BENCH_FULL:-1000}
limit=${BENCH_LIMIT:-90}
SOURCE_DATE_EPOCH=1764201600
export SOURCE_DATE_EPOCH
[ -x "$bin" ] || { echo "bench: $bin missing (make)"; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 missing"; exit 1; }
tmp=$(mktemp -d /tmp/bantin-bench.XXXXXX)
[ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT INT TERM
[ -n "${BENCH_KEEP:-}" ] && echo "bench: keeping $tmp"

have_time=0
[ -x /usr/bin/time ] && have_time=1

# run LABEL LIMIT CMD... : runs CMD, sets wall and cpu (user + sys, s),
# rss (KiB), rc. Wall time is noisy on a shared machine; cpu less so.
run() {
  label=$1 lim=$2; shift 2
  if [ $have_time -eq 1 ]; then
    if [ "$lim" -gt 0 ] && command -v timeout >/dev/null; then
      /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" timeout "$lim" "$@" >"$tmp/$label.out" 2>"$tmp/$label.err"
    else
      /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$@" >"$tmp/$label.out" 2>"$tmp/$label.err"
    fi
    rc=$?
    wall=$(tail -1 "$tmp/time" | cut -d' ' -f1)
    rss=$(tail -1 "$tmp/time" | cut -d' ' -f2)
    cpu=$(tail -1 "$tmp/time" | awk '{ printf "%.2f", $3 + $4 }')
  else
    t0=$(date +%s.%N)
    "$@" >"$tmp/$label.out" 2>"$tmp/$label.err"; rc=$?
    t1=$(date +%s.%N)
    wall=$(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')
    rss=0 cpu=0
  fi
}

pages_of() { # pdf
  if command -v pdfinfo >/dev/null; then
    pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ { print $2 }'
  else
    python3 -c 'import re,sys; print(len(re.findall(rb"/Type\s*/Page[^s]", open(sys.argv[1],"rb").read())))' "$1"
  fi
}

size_of() { wc -c <"$1" | tr -d ' '; }

echo "bantin bench: $($bin --version 2>/dev/null | head -1), $(nproc 2>/dev/null || echo ?) CPU(s)"
printf '%-9s %6s %11s %11s %8s %8s %9s %9s %8s\n' articles pages pdf_bytes epub_bytes wall_s cpu_s maxrss_MB s/article rss/out
status=0
for n in $sizes; do
  d="$tmp/d$n"
  python3 tests/tools/mkdigest.py "$n" "$d" || { echo "bench: mkdigest $n failed"; status=1; continue; }
  lim=0; [ "$n" -gt "$full" ] && lim=$limit
  run "b$n" "$lim" "$bin" build "$d/bulletin.xml" -o "$d/out" -q
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    printf '%-9s %6s %11s %11s %8s %9s\n' "$n" - - - ">$lim" timeout
    continue
  fi
  if [ "$rc" -ne 0 ]; then
    echo "bench: build of $n articles failed (exit $rc)"; head -20 "$tmp/b$n.err"; status=1; continue
  fi
  pdf="$d/out/bulletin.pdf" epub="$d/out/bulletin.epub"
  p=$(pages_of "$pdf") ps=$(size_of "$pdf") es=$(size_of "$epub")
  awk -v n="$n" -v p="$p" -v ps="$ps" -v es="$es" -v w="$wall" -v c="$cpu" -v r="$rss" 'BEGIN {
    printf "%-9s %6s %11s %11s %8.2f %8.2f %9.1f %9.4f %7.1fx\n", n, p, ps, es, w, c, r / 1024, w / n, r * 1024 / (ps + es) }'
  rm -rf "$d/out"
  [ "$n" -le "$full" ] && stage_n=$n
done

if [ -n "${stage_n:-}" ]; then
  d="$tmp/d$stage_n"
  echo "stages, $stage_n articles (each a separate run):"
  printf '  %-14s %8s %8s %9s\n' stage wall_s cpu_s maxrss_MB
  for st in check layout pdf-only epub-only; do
    case $st in
      check) run "s$st" 0 "$bin" check "$d/bulletin.xml" -q ;;
      layout) run "s$st" 0 "$bin" build "$d/bulletin.xml" --dump=layout ;;
      *) run "s$st" 0 "$bin" build "$d/bulletin.xml" -o "$d/o-$st" -q "--$st" ;;
    esac
    [ "$rc" -eq 0 ] || { echo "bench: stage $st failed (exit $rc)"; status=1; }
    awk -v s="$st" -v w="$wall" -v c="$cpu" -v r="$rss" 'BEGIN { printf "  %-14s %8.2f %8.2f %9.1f\n", s, w, c, r / 1024 }'
  done
fi
exit $status
