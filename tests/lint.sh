#!/bin/sh
# tests/lint.sh - the layering of src/README.md: every src/ file has a layer,
# includes only headers of the layers below it, C/POSIX headers and the
# libraries it owns (a whitelist), and src/ has no include cycle. The rules
# live in tests/lint.py; V=1 also prints the include graph (make lint V=1).
cd "$(dirname "$0")/.." || exit 1
exec python3 tests/lint.py
