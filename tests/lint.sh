#!/bin/sh
# tests/lint.sh - which file may include which library (STYLE.md §2.6):
# libxml2 only in xmlin.c, read_html.c and epub_out.c, json-c only in
# read_html.c, libharu only in pdf_out.c, libzip
# only in epub_out.c, fontconfig/HarfBuzz only in font.c, libpng/libjpeg
# only in image.c, utf8proc only in text.c; the layout engine (text, shape,
# linebreak, layout) includes no library header at all.
cd "$(dirname "$0")/.." || exit 1
fail=0
check() { # pattern, allowed files...
  pat=$1; shift
  for f in $(grep -l -E "#include *<($pat)" src/*.c src/*.h 2>/dev/null); do
    okf=0
    for a in "$@"; do [ "$f" = "src/$a" ] && okf=1; done
    [ $okf = 1 ] || { echo "lint: $f includes <$pat>"; fail=1; }
  done
}
check 'libxml/' xmlin.c read_html.c epub_out.c
check 'json-c/|json\.h' read_html.c
check 'hpdf' pdf_out.c
check 'zip\.h' epub_out.c
check 'fontconfig/|hb\.h|hb-' font.c
check 'png\.h|jpeglib\.h' image.c
check 'utf8proc' text.c
[ $fail = 0 ] && echo "lint: 0 problems"
exit $fail
