#!/bin/sh
# tests/measure.sh [BANTIN] [OUTDIR] - the quality table of issues 9 and 13 (make measure).
# Builds samples/, the seed clipping's body x7 (typo-peers' text) and
# ../shared/tools/realprose --seed 0, 1, 2, each in a4-3col, a4-2col and a5-2col, and
# prints one line per build: typo-metrics (loose %, gap p95, very loose %, trackmax,
# expandmax, overfull, widows, orphans, recovered), page-fill (pages under 90 % before
# the last, worst, mean), text-recovery (poppler) and pdfjs-check (pdf.js).
# Needs ../shared/tools; skips what is absent. Not part of make test (it takes minutes).
# MEASURE_INPUTS="samples seed7 rp0 rp1 rp2" and MEASURE_LAYOUTS="a4-3col a4-2col a5-2col"
# narrow it down; an rpK there (rp3, rp7 ...) builds realprose --seed K.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/bantin}
out=${2:-$top/build/measure}
T=$top/../shared/tools
seed=$top/../shared/seeds/hoi-nghi-giao-ban.txt
[ -d "$T" ] || { echo "measure: $T absent, nothing measured"; exit 0; }
mkdir -p "$out"
inputs="samples"
# samples: expected text as a folder for text-recovery / pdfjs-check
mkdir -p "$out/samples-exp"
cp "$top/samples/bulletin.expected.txt" "$out/samples-exp/"
if [ -f "$seed" ]; then
  mkdir -p "$out/seed7/expected"
  python3 - "$seed" "$out/seed7" <<'PY'
import re, sys, unicodedata
seed, out = sys.argv[1:]
raw = unicodedata.normalize('NFC', open(seed, encoding='utf-8-sig').read().replace('\r\n', '\n'))
ps = [p.strip() for p in re.split(r'\n\s*\n', raw) if p.strip()]
title, body = ps[0], ps[1:]
main = [p for p in body if len(p.split()) > 12]
tail = [p for p in body if len(p.split()) <= 12]
open(out + '/seed7.txt', 'w').write('\n\n'.join([title] + main * 7 + tail) + '\n')
flat = lambda p: re.sub(r'[ \u00a0\t]+', ' ', p.replace('\n', ' ')).strip()
exp = '\n\n'.join(flat(p) for p in [title] + main * 7) + '\n'
open(out + '/expect.txt', 'w').write(exp)
open(out + '/expected/seed7.txt', 'w').write(exp)
PY
  inputs="$inputs seed7"
fi
# realprose seeds: 0 1 2, or those MEASURE_INPUTS names (rp3 rp4 ...)
seeds="0 1 2"
if [ -n "${MEASURE_INPUTS:-}" ]; then
  seeds=$(printf '%s\n' $MEASURE_INPUTS | sed -n 's/^rp\([0-9][0-9]*\)$/\1/p')
fi
for k in $seeds; do
  [ -d "$out/rp$k" ] || "$T/realprose" "$out/rp$k" --seed $k >/dev/null 2>&1 || continue
  inputs="$inputs rp$k"
done
[ -n "${MEASURE_INPUTS:-}" ] && inputs=$MEASURE_INPUTS
for inp in $inputs; do
  case $inp in
    samples) src=$top/samples/bulletin.xml; exp=$out/samples-exp; ex=$exp/bulletin.expected.txt ;;
    seed7) src=$out/seed7/seed7.txt; exp=$out/seed7/expected; ex=$out/seed7/expect.txt ;;
    rp*) src=$out/$inp/bulletin.xml; exp=$out/$inp/expected; ex=$out/$inp/expected.txt ;;
  esac
  for lay in ${MEASURE_LAYOUTS:-a4-3col a4-2col a5-2col}; do
    o=$out/$inp-$lay; rm -rf "$o"; mkdir -p "$o"
    if ! SOURCE_DATE_EPOCH=1764201600 "$bin" build "$src" --layout $lay -o "$o/out" -q 2>"$o/build.err"; then
      echo "$inp $lay: build failed ($o/build.err)"; continue
    fi
    pdf=$(ls "$o"/out/*.pdf | head -1)
    "$T/typo-metrics" --json --no-ink --expect "$ex" "$pdf" >"$o/tm.json" 2>/dev/null
    "$T/page-fill" "$pdf" >"$o/pf.txt" 2>/dev/null
    tr=$("$T/text-recovery" "$pdf" "$exp" 2>&1 | grep -o 'recovered=[0-9.]*%' | tail -1 | cut -d= -f2)
    pj=$("$T/pdfjs-check" "$pdf" "$exp" 2>&1 | grep -o 'recovered=[0-9.]*%' | tail -1 | cut -d= -f2)
    python3 - "$o" "$inp" "$lay" "${tr:-?}" "${pj:-?}" <<'PY'
import json, re, sys
o, inp, lay, tr, pj = sys.argv[1:]
try:
    t = json.load(open(o + '/tm.json'))
except Exception:
    t = {}
s = t.get('summary', '')
def g(k):
    m = re.search(k + r'=([0-9.]+%?)', s)
    return m.group(1) if m else '?'
vl = t.get('justification', {}).get('very_loose_lines_pct', '?')
m = re.search(r'under90=(\d+) worst=([0-9.]+%)[^m]*mean=([0-9.]+%)', open(o + '/pf.txt').read())
u, w, mean = m.groups() if m else ('?', '?', '?')
print(f"{inp:7} {lay:8} pages={g('pages'):3} loose={g('loose'):6} p95={g('gapp95'):5} "
      f"vloose={vl} track={g('trackmax')} expand={g('expandmax')} over={g('overfull')} "
      f"wid={g('widows')} orph={g('orphans')} rec={g('recovered')} | fill<90={u} "
      f"worst={w} mean={mean} | poppler={tr} pdfjs={pj}")
PY
  done
done
