#!/bin/sh
# tests/run.sh - the whole suite, as `make test` runs it (see tests/README.md).
# Runs unit tests, golden error cases, replayed fuzz corpora, the sample and
# seed builds checked with qpdf/poppler/mupdf/ghostscript/epubcheck and the
# shared typography meter, in the release and the ASan+UBSan builds, and a
# short libFuzzer smoke. Ends with the line "N passed, M failed, K skipped".
# BANTIN_ONLY=asan|release limits the variants; FUZZ_SMOKE=0 skips fuzzing.
# Skips come as "SKIP (required) ..." (something `make deps` installs is
# missing) or "SKIP (optional) ..." (../shared, a browser, DAISY Ace; an
# untagged "SKIP" counts as optional). BANTIN_REQUIRE_ALL=1, which `make test`
# sets after `make deps`, turns any required skip into a failure; CI=true
# only skips the optional browser checks.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
shared="$top/../shared"
variants=${BANTIN_ONLY:-"release asan"}
passed=0 failed=0 skipped=0 required_skips=0
tmp=$(mktemp -d /tmp/bantin-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
# the font lookup cache (font.c) in the temp folder, not in ~/.cache: the
# first build writes it, the later ones use it
BANTIN_FONT_CACHE=${BANTIN_FONT_CACHE-$tmp/fonts.cache}
export BANTIN_FONT_CACHE

ok() { passed=$((passed + 1)); [ -n "${VERBOSE:-}" ] && echo "ok   $1"; return 0; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | head -40; return 0; }
skip() {
  skipped=$((skipped + 1)); echo "SKIP $1"
  case "$1" in "(required)"*) required_skips=$((required_skips + 1)) ;; esac
}

# ---- unit tests: each binary prints "suite: N passed, M failed, K skipped"
# after one "SKIP (required|optional) case: why" line per skipped case ----
for v in $variants; do
  for t in build/$v/test_*; do
    [ -x "$t" ] || continue
    out=$("$t" 2>&1); rc=$?
    line=$(printf '%s\n' "$out" | grep -E '^[a-z_0-9]+: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' | tail -1)
    p=$(printf '%s' "$line" | sed -n 's/.* \([0-9][0-9]*\) passed.*/\1/p')
    f=$(printf '%s' "$line" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
    k=$(printf '%s' "$line" | sed -n 's/.* \([0-9][0-9]*\) skipped$/\1/p')
    if [ $rc -ne 0 ] || [ -z "$p" ]; then
      bad "$v/$(basename "$t")" "$out"; passed=$((passed + ${p:-0}))
    else
      passed=$((passed + p)); failed=$((failed + f))
      printf '%s\n' "$out" | sed -n 's/^SKIP \(.*\)/\1/p' | while IFS= read -r sl; do echo "SKIP $v/$(basename "$t"): $sl"; done
      r=$(printf '%s\n' "$out" | grep -c '^SKIP (required)')
      skipped=$((skipped + k)); required_skips=$((required_skips + r))
    fi
  done
done

# ---- threads under ThreadSanitizer (make test builds build/tsan): the
# sink's deflate thread, the image and font threads and the EPUB writer
# beside the PDF writer, in the unit tests that stream pages and in a
# whole build of the samples, whose bytes must be the release build's ----
if [ -z "${BANTIN_ONLY:-}" ]; then
  if [ -x build/tsan/test_pdf_out ] && [ -x build/tsan/bantin ]; then
    export TSAN_OPTIONS="halt_on_error=1 exitcode=66"
    out=$(build/tsan/test_pdf_out 2>&1); rc=$?
    if [ $rc -eq 0 ]; then ok "tsan/test_pdf_out"; else bad "tsan/test_pdf_out (exit $rc)" "$out"; fi
    rm -rf "$tmp/tsan" "$tmp/tsan-rel"
    out=$(SOURCE_DATE_EPOCH=1764201600 build/tsan/bantin build samples/bulletin.xml -o "$tmp/tsan" -q 2>&1); rc=$?
    SOURCE_DATE_EPOCH=1764201600 build/release/bantin build samples/bulletin.xml -o "$tmp/tsan-rel" -q >/dev/null 2>&1
    if [ $rc -ne 0 ]; then
      bad "tsan/build samples (exit $rc)" "$out"
    elif ! cmp -s "$tmp/tsan/bulletin.pdf" "$tmp/tsan-rel/bulletin.pdf" ||
         ! cmp -s "$tmp/tsan/bulletin.epub" "$tmp/tsan-rel/bulletin.epub"; then
      bad "tsan/build samples: not the release build's bytes"
    else
      ok "tsan/build samples"
    fi
    unset TSAN_OPTIONS
  else
    skip "(required) tsan: build/tsan missing (make test builds it)"
  fi
fi

# ---- error cases: exact stderr and exit status, nothing written ----
run_case() { # variant, case path relative to tests/errors
  v=$1 c=$2
  case "$c" in */bulletin.xml) name=${c%/bulletin.xml} ;; *) name=${c%.*} ;; esac
  exp="tests/errors/$name.err"
  [ -f "$exp" ] || { bad "errors/$name: no $name.err"; return; }
  want=1; [ -f "tests/errors/$name.exit" ] && want=$(cat "tests/errors/$name.exit")
  args=""; [ -f "tests/errors/$name.args" ] && args=$(cat "tests/errors/$name.args")
  before=$(cd tests/errors && find . | sort | md5sum)
  outdir="$tmp/out-$v-$(echo "$name" | tr / _)"
  mkdir -p "$outdir"
  (cd tests/errors && "../../build/$v/bantin" check $args "$c") >/dev/null 2>"$tmp/err"; rc=$?
  if [ $rc -ne "$want" ]; then bad "errors/$name ($v): exit $rc, expected $want" "$(cat "$tmp/err")"; return; fi
  if ! cmp -s "$tmp/err" "$exp"; then bad "errors/$name ($v): stderr differs" "$(diff "$exp" "$tmp/err")"; return; fi
  # the same input through build: same diagnostics, no output, no temp file
  (cd tests/errors && "../../build/$v/bantin" build $args "$c" -o "$outdir") >/dev/null 2>"$tmp/err2"; rc2=$?
  after=$(cd tests/errors && find . | sort | md5sum)
  if [ "$want" -ne 0 ]; then
    if [ $rc2 -ne "$want" ] || [ -n "$(ls -A "$outdir")" ] || [ "$before" != "$after" ]; then
      bad "errors/$name ($v): build left output or exit $rc2" "$(ls -A "$outdir")"; return
    fi
  fi
  ok "errors/$name ($v)"
}
for v in $variants; do
  [ -x build/$v/bantin ] || { bad "build/$v/bantin missing"; continue; }
  for f in tests/errors/*.xml tests/errors/*.txt tests/errors/*.md tests/errors/*.bin tests/errors/*.html; do
    [ -f "$f" ] && run_case "$v" "${f#tests/errors/}"
  done
  for d in tests/errors/*/; do
    [ -f "$d/bulletin.xml" ] && run_case "$v" "${d#tests/errors/}bulletin.xml"
  done
done

# ---- images decoded beside the layout (build.c): an image whose header
# gives its size but whose data is cut fails only after the layout ran; the
# build is set again, so `build` too gives the .err exactly (the image first)
# and writes nothing, with its threads or without (BANTIN_THREADS=1) ----
for v in $variants; do
  [ -x build/$v/bantin ] || continue
  for t in "" 1; do
    o="$tmp/late-$v-t$t"
    (cd tests/errors && BANTIN_THREADS=$t "../../build/$v/bantin" build img-late-fail.xml -o "$o") >/dev/null 2>"$tmp/late.err"
    if cmp -s "$tmp/late.err" tests/errors/img-late-fail.err && [ -z "$(ls -A "$o" 2>/dev/null)" ]; then
      ok "errors/img-late-fail: build ($v${t:+, BANTIN_THREADS=$t})"
    else
      bad "errors/img-late-fail: build ($v${t:+, BANTIN_THREADS=$t})" "$(diff tests/errors/img-late-fail.err "$tmp/late.err")"
    fi
  done
done

# ---- saved web pages: bantin import field by field (tests/html_cases.py) ----
for v in $variants; do
  [ -x build/$v/bantin ] || continue
  python3 tests/html_cases.py build/$v/bantin > "$tmp/html-$v.log" 2>&1 || bad "html cases ($v)" "$(tail -5 "$tmp/html-$v.log")"
  while IFS= read -r line; do
    case "$line" in
      "ok "*) ok "${line#ok } ($v)" ;;
      "FAIL "*) bad "${line#FAIL } ($v)" ;;
    esac
  done < "$tmp/html-$v.log"
done

# ---- fuzz corpora replayed with a plain main ----
for v in $variants; do
  for r in build/$v/replay_fuzz_*; do
    [ -x "$r" ] || continue
    n=${r##*/replay_fuzz_}
    if [ -d "tests/fuzz/corpus/$n" ]; then
      if out=$("$r" "tests/fuzz/corpus/$n" 2>&1); then ok "replay $n ($v)"; else bad "replay $n ($v)" "$out"; fi
    fi
  done
done

# ---- golden layouts (tests/golden.sh prints ok/FAIL lines) ----
GOLDEN_VARIANTS="$variants" sh tests/golden.sh > "$tmp/golden.log" 2>&1
while IFS= read -r line; do
  case "$line" in
    "ok "*) ok "${line#ok }" ;;
    "FAIL "*) bad "${line#FAIL }" ;;
  esac
done < "$tmp/golden.log"
grep -q '^FAIL ' "$tmp/golden.log" && grep -v '^ok ' "$tmp/golden.log" | head -60

# ---- big and hostile inputs under 2 GiB / 20 s (release build only) ----
case " $variants " in *" release "*)
  sh tests/pathological.sh > "$tmp/patho.log" 2>&1
  while IFS= read -r line; do
    case "$line" in
      "ok "*) ok "${line#ok }" ;;
      "FAIL "*) bad "${line#FAIL }" ;;
    esac
  done < "$tmp/patho.log"
  grep -q '^FAIL ' "$tmp/patho.log" && grep -v '^ok ' "$tmp/patho.log" | head -40 ;;
esac

# ---- end to end: samples and seed ----
sh tests/e2e.sh "$tmp" > "$tmp/e2e.log" 2>&1
while IFS= read -r line; do
  case "$line" in
    "ok "*) ok "${line#ok }" ;;
    "FAIL "*) bad "${line#FAIL }" ;;
    "SKIP "*) skip "${line#SKIP }" ;;
    *) [ -n "${VERBOSE:-}" ] && echo "$line" ;;
  esac
done < "$tmp/e2e.log"
if [ "$failed" -gt 0 ]; then grep -v '^ok ' "$tmp/e2e.log" | head -60; fi

# ---- faults of the machine: full disks, signals, modes (release build) ----
case " $variants " in *" release "*)
  sh tests/faults.sh "$tmp" > "$tmp/faults.log" 2>&1
  while IFS= read -r line; do
    case "$line" in
      "ok "*) ok "${line#ok }" ;;
      "FAIL "*) bad "${line#FAIL }" ;;
      "SKIP "*) skip "${line#SKIP }" ;;
    esac
  done < "$tmp/faults.log"
  grep -q '^FAIL ' "$tmp/faults.log" && grep -v '^ok ' "$tmp/faults.log" | head -40 ;;
esac

# ---- imposed PDFs: booklet and 2-up sheets (tests/impose.sh) ----
sh tests/impose.sh "$tmp" > "$tmp/impose.log" 2>&1
while IFS= read -r line; do
  case "$line" in
    "ok "*) ok "${line#ok }" ;;
    "FAIL "*) bad "${line#FAIL }" ;;
    "SKIP "*) skip "${line#SKIP }" ;;
  esac
done < "$tmp/impose.log"
grep -q '^FAIL ' "$tmp/impose.log" && grep -v '^ok ' "$tmp/impose.log" | head -60

# ---- libFuzzer smoke (clang) ----
if [ "${FUZZ_SMOKE:-8}" != 0 ] && command -v clang >/dev/null 2>&1; then
  if out=$(make -s -j"$(nproc 2>/dev/null || echo 2)" fuzz-smoke FUZZ_SMOKE="${FUZZ_SMOKE:-8}" 2>&1); then
    printf '%s\n' "$out" | grep -E '^fuzz_' || true
    ok "fuzz smoke"
  else
    bad "fuzz smoke" "$out"
  fi
fi

# ---- a required check skipped after `make deps` is a failure ----
if [ "$required_skips" -gt 0 ]; then
  if [ "${BANTIN_REQUIRE_ALL:-0}" = 1 ]; then
    bad "$required_skips required check(s) skipped although make deps ran (see SKIP (required) above)"
  else
    echo "note: $required_skips required check(s) skipped; make test (after make deps) fails on them"
  fi
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
