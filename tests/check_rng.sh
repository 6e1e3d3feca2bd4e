#!/bin/sh
# check_rng.sh - validates every XML article under samples/ (root <article>;
# manifests and other XML are skipped) against doc/article.rng with xmllint.
# Prints "rng: N passed, M failed"; exit 1 if any failed (or none found),
# 2 if xmllint is missing. Run from anywhere: paths are relative to the repo.
cd "$(dirname "$0")/.." || exit 2
command -v xmllint >/dev/null 2>&1 || { echo "rng: xmllint not found (Debian: libxml2-utils)" >&2; exit 2; }

schema=doc/article.rng
pass=0
fail=0
tmp=$(mktemp) || exit 2
trap 'rm -f "$tmp"' EXIT INT TERM
find samples -type f -name '*.xml' | LC_ALL=C sort >"$tmp"
while IFS= read -r f; do
    # only articles: skip the manifest (root <bulletin>) and anything else
    root=$(xmllint --xpath 'name(/*)' "$f" 2>/dev/null)
    [ "$root" = article ] || continue
    if out=$(xmllint --noout --relaxng "$schema" "$f" 2>&1); then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        printf '%s\n' "$out" | grep -v ' fails to validate$' >&2
        echo "rng: FAIL $f" >&2
    fi
done <"$tmp"

echo "rng: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
