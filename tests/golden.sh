#!/bin/sh
# tests/golden.sh [--update] - golden layout tests (STYLE.md §2.7).
# Each tests/golden/<case>/ holds its inputs and layout.txt, the output of
#   SOURCE_DATE_EPOCH=1764201600 bantin build INPUT [ARGS] --dump=layout
# run from the repository root, where INPUT is the case's bulletin.xml,
# article.xml or clip.txt (the first present) and ARGS the words of its
# optional file "args" (e.g. "--layout a5-2col").
# Without --update: regenerates each dump into a temp file, diffs it against
# layout.txt and checks cheap invariants over the dump; prints one
# "ok golden/NAME" or "FAIL golden/NAME" line per check (first diff lines
# after a failure) and exits 1 if any failed. The invariants run over the
# fresh dump (the first variant's), not the committed one, so they hold for
# what the code produces now even when layout.txt is stale.
# With --update (make golden): rewrites layout.txt; review the diff before
# committing.
# GOLDEN_VARIANTS="release debug asan" also checks build/<v>/bantin for each
# variant present (layout is integer-only: every variant must match);
# GOLDEN_SAMPLES=1 also checks the invariants over samples/bulletin.xml in
# each layout of layouts/.
# GOLDEN_BUILD=DIR takes the binaries from DIR/<v>/bantin instead of build/.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
update=0
[ "${1:-}" = "--update" ] && update=1
variants=${GOLDEN_VARIANTS:-release}
builddir=${GOLDEN_BUILD:-build}
SOURCE_DATE_EPOCH=1764201600
export SOURCE_DATE_EPOCH
tmp=$(mktemp -d /tmp/bantin-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0

say_ok() { echo "ok $1"; }
say_fail() { failed=$((failed + 1)); echo "FAIL $1"; }

case_input() { # case dir -> input path (relative to the repo root)
  for f in bulletin.xml article.xml clip.txt; do
    [ -f "$1/$f" ] && { echo "$1/$f"; return 0; }
  done
  return 1
}

# The layout a case uses: --layout in args, else the manifest's <layout>,
# else a4-3col. Prints "ml mt mr mb" in 1/1000 pt (rounded).
case_margins() { # case dir, input
  name=$(sed -n 's/.*--layout[ =]\([^ ]*\).*/\1/p' "$1/args" 2>/dev/null)
  [ -z "$name" ] && name=$(sed -n 's/.*<layout>\(.*\)<\/layout>.*/\1/p' "$2" 2>/dev/null | head -1)
  [ -z "$name" ] && name=a4-3col
  case "$name" in */*|*.xml) lf=$name ;; *) lf=layouts/$name.xml ;; esac
  sed -n 's/.*<page \(.*\)\/>.*/\1/p' "$lf" | tr ' ' '\n' | awk -F'"' '
    function mpt(v) {
      if (v ~ /mm$/) return int(v * 72000 / 25.4 + 0.5)
      if (v ~ /pt$/) return int(v * 1000 + 0.5)
      return int(v * 1000 + 0.5)
    }
    /^margin-left=/ { ml = mpt($2) } /^margin-top=/ { mt = mpt($2) }
    /^margin-right=/ { mr = mpt($2) } /^margin-bottom=/ { mb = mpt($2) }
    END { print ml + 0, mt + 0, mr + 0, mb + 0 }'
}

# Invariants over a dump: page numbers run 1..N; every box lies within the
# page; images and text of the text area (baseline between the top and the
# bottom margin: not the running header or the footer) stay within the left
# and right margins (500 mpt tolerance). Prints offending lines, at most 20.
invariants() { # dump, ml mt mr mb
  awk -v ml="$2" -v mt="$3" -v mr="$4" -v mb="$5" '
    function bad(msg) { if (nbad++ < 20) print "  page " pg ": " msg ": " $0 }
    NR == 1 { W = $4; H = $5; npages = $2; next }
    $1 == "page" { pg = $2; seen++; if (pg != seen) bad("page number"); next }
    $1 == "text" {
      x = $2; y = $3; w = substr($4, 2); s = substr($6, 2)
      if (x < 0 || x + w > W || y - s < 0 || y > H) bad("outside the page")
      if (y >= mt && y <= H - mb && (x < ml - 500 || x + w > W - mr + 500))
        bad("outside the margins")
      next
    }
    $1 == "image" || $1 == "rule" || $1 == "link" {
      x = $2; y = $3; w = $4; h = $5
      if (x < 0 || y < 0 || x + w > W || y + h > H || w < 0 || h < 0)
        bad("outside the page")
      if ($1 == "image" && (x < ml - 500 || x + w > W - mr + 500 ||
                            y < mt - 500 || y + h > H - mb + 500))
        bad("image outside the margins")
      next
    }
    END {
      if (seen != npages) { print "  pages " npages " but " seen " page lines"; nbad++ }
      exit nbad ? 1 : 0
    }' "$1"
}

n=0
for dir in tests/golden/*/; do
  dir=${dir%/}
  name=${dir#tests/golden/}
  input=$(case_input "$dir") || { say_fail "golden/$name: no input"; continue; }
  args=""
  [ -f "$dir/args" ] && args=$(cat "$dir/args")
  n=$((n + 1))
  if [ $update -eq 1 ]; then
    # shellcheck disable=SC2086
    if "$builddir/release/bantin" build "$input" $args --dump=layout >"$tmp/new" 2>"$tmp/err" &&
       [ ! -s "$tmp/err" ]; then
      if cmp -s "$tmp/new" "$dir/layout.txt"; then echo "same golden/$name"
      else cp "$tmp/new" "$dir/layout.txt"; echo "updated golden/$name"; fi
    else
      say_fail "golden/$name: build failed"; cat "$tmp/err"
    fi
    continue
  fi
  rm -f "$tmp/fresh"
  for v in $variants; do
    bin=$builddir/$v/bantin
    label="golden/$name"
    [ "$v" != release ] && label="golden/$name ($v)"
    [ -x "$bin" ] || { say_fail "$label: $bin missing"; continue; }
    # shellcheck disable=SC2086
    "$bin" build "$input" $args --dump=layout >"$tmp/out" 2>"$tmp/err"; rc=$?
    if [ $rc -ne 0 ] || [ -s "$tmp/err" ]; then
      say_fail "$label: exit $rc"; head -20 "$tmp/err"; continue
    fi
    [ -f "$tmp/fresh" ] || cp "$tmp/out" "$tmp/fresh"
    if [ ! -f "$dir/layout.txt" ]; then
      say_fail "$label: no layout.txt (run make golden)"; continue
    fi
    if cmp -s "$tmp/out" "$dir/layout.txt"; then
      say_ok "$label"
    else
      say_fail "$label"
      diff -u "$dir/layout.txt" "$tmp/out" | sed -n '3,22p'
    fi
  done
  [ -f "$tmp/fresh" ] || { say_fail "golden/$name: invariants: no fresh dump"; continue; }
  # shellcheck disable=SC2046
  if out=$(invariants "$tmp/fresh" $(case_margins "$dir" "$input")); then
    say_ok "golden/$name: invariants"
  else
    say_fail "golden/$name: invariants"; printf '%s\n' "$out"
  fi
done
[ $n -gt 0 ] || say_fail "golden: no cases"

# GOLDEN_SAMPLES=1: the same invariants over samples/bulletin.xml in every
# shipped layout (no golden file: the samples change often).
if [ -n "${GOLDEN_SAMPLES:-}" ] && [ $update -eq 0 ]; then
  for lf in layouts/*.xml; do
    l=$(basename "$lf" .xml)
    "$builddir/release/bantin" build samples/bulletin.xml --layout "$l" --dump=layout \
      >"$tmp/s.txt" 2>"$tmp/err" || { say_fail "samples/$l: exit $?"; head "$tmp/err"; continue; }
    # shellcheck disable=SC2046
    if out=$(invariants "$tmp/s.txt" $(echo "--layout $l" >"$tmp/args"; case_margins "$tmp" samples/bulletin.xml)); then
      say_ok "samples/$l: invariants"
    else
      say_fail "samples/$l: invariants"; printf '%s\n' "$out"
    fi
  done
fi
[ $failed -eq 0 ]
