#!/bin/sh
# tests/pathological.sh - big and hostile inputs (cmark's
# pathological_tests.py, issue 5): each is generated into a temp folder and
# built with build/release/bantin under `ulimit -v 2097152` (2 GiB of
# address space) and `timeout 20`; each must end with its expected outcome
# (an error at the right place, or a warning and a PDF), never a crash, a
# hang or memory exhaustion, and a failed build must write nothing.
# Run from the repository root. Prints one line per check, "ok NAME" or
# "FAIL NAME" (plus details), which tests/run.sh counts; always exits 0.
# The release build only: ASan reserves terabytes of address space and
# cannot run under ulimit -v.
set -u
bin=${BANTIN:-build/release/bantin}
top=$(pwd)
tmp=$(mktemp -d /tmp/bantin-patho.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ ! -x "$bin" ]; then
  echo "FAIL pathological: $bin missing"
  exit 0
fi
case "$bin" in /*) ;; *) bin="$top/$bin" ;; esac

# run NAME FILE: builds FILE (relative to $tmp) into $tmp/out-NAME with the
# limits; sets rc, err (stderr) and secs (wall time, whole seconds).
run() {
  out="$tmp/out-$1"
  mkdir -p "$out"
  t0=$(date +%s)
  (cd "$tmp" && ulimit -v 2097152 && exec timeout 20 "$bin" build "$2" -o "$out") \
    >/dev/null 2>"$tmp/err-$1"
  rc=$?
  secs=$(( $(date +%s) - t0 ))
  err=$(cat "$tmp/err-$1")
}

# expect_error NAME FILE PREFIX TEXT: exit 1, the first diagnostic starts
# with PREFIX and contains TEXT, nothing written.
expect_error() {
  run "$1" "$2"
  first=$(printf '%s\n' "$err" | head -1)
  if [ "$rc" -ne 1 ]; then
    echo "FAIL $1: exit $rc (expected 1) after ${secs}s"; printf '%s\n' "$err" | head -5
  elif case "$first" in "$3"*"$4"*) false ;; *) true ;; esac; then
    echo "FAIL $1: got '$first'"; echo "  expected '$3...$4...'"
  elif [ -n "$(ls -A "$tmp/out-$1")" ]; then
    echo "FAIL $1: output written by a failed build"
  else
    echo "ok $1"
  fi
  [ -n "${VERBOSE:-}" ] && echo "  ($1: ${secs}s) $first"
  rm -f "$tmp/$2"
}

# ---- a 20 MB article with one unclosed element near its end ----
# 280 000 lines of 74 bytes; the unclosed <em> is on line 5 + 279 990.
n=280000 bad=279990
awk -v n=$n -v bad=$bad 'BEGIN {
  print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
  print "<article xml:lang=\"vi\">"
  print "  <meta><title>Bài rất dài</title></meta>"
  print "  <body>"
  for (i = 1; i <= n; i++)
    if (i == bad) print "    <p>Đoạn văn không đóng: <em>nhấn mạnh</p>"
    else print "    <p>Đoạn văn số " i " của một bài báo rất dài, để thử bộ đọc.</p>"
  print "  </body>"
  print "</article>"
}' > "$tmp/big-unclosed.xml"
line=$((4 + bad))
size=$(wc -c < "$tmp/big-unclosed.xml")
if [ "$size" -lt 20000000 ]; then
  echo "FAIL big-unclosed: generated only $size bytes"
else
  expect_error big-unclosed big-unclosed.xml "big-unclosed.xml:$line:" \
    "tag mismatch: em line $line and p"
fi

# ---- one byte over the 64 MiB cap ----
head -c 67108865 /dev/zero | tr '\0' 'a' > "$tmp/too-big.txt"
expect_error too-big too-big.txt "too-big.txt: error:" "larger than 64 MiB"

# ---- a 60 MB clipping of tiny paragraphs: BT_MAX_BLOCKS stops it ----
# paragraph k is on line 2k + 1; the 100 001st is the first over the limit
awk 'BEGIN {
  print "Tiêu đề"
  for (i = 0; i < 20000000; i++) print "\na"
}' > "$tmp/tiny-paras.txt"
expect_error tiny-paras tiny-paras.txt "tiny-paras.txt:200003:1: error:" \
  "more than 100000 paragraphs"

# ---- an XML article of 100 001 paragraphs: the same limit ----
awk 'BEGIN {
  print "<article><meta><title>T</title></meta><body>"
  for (i = 0; i < 100001; i++) print "<p>x</p>"
  print "</body></article>"
}' > "$tmp/many-blocks.xml"
expect_error many-blocks many-blocks.xml "many-blocks.xml:100002:1: error:" \
  "more than 100000 blocks"

# ---- 10 000 levels of <em>: a nesting limit, no stack overflow ----
awk 'BEGIN {
  printf "<article><meta><title>T</title></meta><body><p>"
  for (i = 0; i < 10000; i++) printf "<em>"
  printf "x"
  for (i = 0; i < 10000; i++) printf "</em>"
  print "</p></body></article>"
}' > "$tmp/deep-em.xml"
expect_error deep-em deep-em.xml "deep-em.xml:1:" "nested deeper than"

# ---- billion laughs: refused at the DOCTYPE, nothing expanded ----
cat > "$tmp/laughs.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<article><meta><title>&lol9;</title></meta></article>
EOF
expect_error billion-laughs laughs.xml "laughs.xml:2:1: error:" \
  "DOCTYPE is not allowed"

# ---- a word of 50 000 letters: a warning, broken between letters ----
awk 'BEGIN {
  printf "<article><meta><title>Một từ rất dài</title></meta><body>\n<p>Mở đầu: "
  for (i = 0; i < 50000; i++) printf "a"
  print " và kết thúc.</p>\n</body></article>"
}' > "$tmp/long-word.xml"
run long-word long-word.xml
want="long-word.xml:2:12: warning: word of 50000 characters is wider than the column; broken between letters"
if [ "$rc" -ne 0 ]; then
  echo "FAIL long-word: exit $rc after ${secs}s"; printf '%s\n' "$err" | head -5
elif [ "$err" != "$want" ]; then
  echo "FAIL long-word: got '$err'"
elif [ ! -s "$tmp/out-long-word/long-word.pdf" ] || [ ! -s "$tmp/out-long-word/long-word.epub" ]; then
  echo "FAIL long-word: no PDF or EPUB"
else
  echo "ok long-word"
fi
exit 0
