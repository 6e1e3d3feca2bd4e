#!/bin/sh
# tests/faults.sh TMPDIR - faults of the machine while bantin writes its
# outputs (issue 10): full disks (tmpfs of several sizes around the PDF's),
# an EPUB name that is a folder or an immutable file, umask and kept modes,
# SIGTERM while the temps exist, SIGHUP under nohup, 240- to 251-byte base
# names, stale temps, a diagnostic longer than 1023 bytes. Each case checks
# the exit status, the exact stderr, that earlier outputs are byte-identical
# and that the folder holds nothing else. Prints "ok/FAIL/SKIP NAME" lines
# for tests/run.sh. Needs root for mount and chattr; skips with a message
# where the system refuses them.
set -u
tmp=$1
top=$(pwd)
bin="$top/build/release/bantin"
base="$top/../../baseline"
[ -f "$base/bulletin.pdf" ] || base=/work/baseline
say() { echo "$1 $2"; }
mnt="$tmp/faults-mnt"
cleanup() {
  [ -e "$tmp/faults-imm/bulletin.epub" ] && chattr -i "$tmp/faults-imm/bulletin.epub" 2>/dev/null
  mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
  return 0
}
trap 'cleanup' EXIT
trap 'cleanup; exit 1' INT TERM HUP

# reference outputs: a normal build of the samples
ref="$tmp/faults-ref"
mkdir -p "$ref"
"$bin" build samples/bulletin.xml -o "$ref" 2>"$tmp/f.err" || { say FAIL "faults: reference build" ; cat "$tmp/f.err"; exit 0; }
pdfsize=$(wc -c < "$ref/bulletin.pdf")
epubsize=$(wc -c < "$ref/bulletin.epub")

# old outputs a rebuild must leave alone when it fails
head -c 100000 /dev/urandom > "$tmp/old.pdf"
head -c 60000 /dev/urandom > "$tmp/old.epub"

listing() { ls -A "$1" | tr '\n' ' '; }

# check NAME DIR RC WANT_RC "EXPECTED STDERR|ALTERNATIVE" STATE
# STATE: "old" (old.pdf/old.epub as before), "oldpdf" (old.pdf only),
# "none" (folder empty), "new" (reference outputs), "newpdf"
check() {
  name=$1 dir=$2 rc=$3 want=$4 msgs=$5 state=$6
  if [ "$rc" -ne "$want" ]; then say FAIL "$name: exit $rc, expected $want"; cat "$tmp/f.err"; return 1; fi
  got=$(cat "$tmp/f.err")
  found=0
  [ -z "$msgs" ] && [ -z "$got" ] && found=1
  old_ifs=$IFS; IFS='|'
  for m in $msgs; do [ "$got" = "$m" ] && found=1; done
  IFS=$old_ifs
  if [ $found -ne 1 ]; then say FAIL "$name: stderr '$got', expected '$msgs'"; return 1; fi
  case $state in
    old) want_ls="bulletin.epub bulletin.pdf "
         cmp -s "$dir/bulletin.pdf" "$tmp/old.pdf" && cmp -s "$dir/bulletin.epub" "$tmp/old.epub" ||
           { say FAIL "$name: previous outputs changed"; return 1; } ;;
    oldpdf) want_ls="bulletin.pdf "
         cmp -s "$dir/bulletin.pdf" "$tmp/old.pdf" || { say FAIL "$name: previous PDF changed"; return 1; } ;;
    none) want_ls="" ;;
    new) want_ls="bulletin.epub bulletin.pdf "
         cmp -s "$dir/bulletin.pdf" "$ref/bulletin.pdf" && cmp -s "$dir/bulletin.epub" "$ref/bulletin.epub" ||
           { say FAIL "$name: outputs differ from a normal build"; return 1; } ;;
    newpdf) want_ls="bulletin.pdf "
         cmp -s "$dir/bulletin.pdf" "$ref/bulletin.pdf" || { say FAIL "$name: PDF differs from a normal build"; return 1; } ;;
  esac
  if [ "$(listing "$dir")" != "$want_ls" ]; then say FAIL "$name: folder holds '$(listing "$dir")', expected '$want_ls'"; return 1; fi
  say ok "$name"
}

nospace() { echo "bantin: error: cannot write '$1': No space left on device"; }

# ---- full disk: tmpfs sizes around the PDF's (and PDF + EPUB) size ----
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=64k tmpfs "$mnt" 2>"$tmp/mount.err"; then
  say SKIP "faults: full disk (cannot mount tmpfs: $(cat "$tmp/mount.err"))"
else
  umount "$mnt"
  pk=$(( (pdfsize + 1023) / 1024 )) ek=$(( (epubsize + 1023) / 1024 ))
  fails=0 passes=0
  for prev in none old; do
    extra=0; [ $prev = old ] && extra=$(( (100000 + 60000) / 1024 ))
    for mode in pdf both; do
      if [ $mode = pdf ]; then sizes="$((pk - 8)) $((pk - 4)) $pk $((pk + 4)) $((pk + 8)) $((pk + 16))"; flag=--pdf-only
      else sizes="$((pk + 8)) $((pk + ek - 8)) $((pk + ek - 4)) $((pk + ek)) $((pk + ek + 4)) $((pk + ek + 16))"; flag=; fi
      for kb in $sizes; do
        size=$((kb + extra))
        mount -t tmpfs -o size=${size}k tmpfs "$mnt" || { say FAIL "faults: mount ${size}k"; continue; }
        if [ $prev = old ]; then cp "$tmp/old.pdf" "$mnt/bulletin.pdf"; cp "$tmp/old.epub" "$mnt/bulletin.epub"; fi
        "$bin" build samples/bulletin.xml -o "$mnt" $flag 2>"$tmp/f.err"; rc=$?
        name="faults: full disk ${size}k, $mode, previous: $prev -> exit $rc"
        if [ $rc -eq 0 ]; then
          passes=$((passes + 1))
          if [ $mode = pdf ] && [ $prev = none ]; then check "$name" "$mnt" $rc 0 "" newpdf
          elif [ $mode = pdf ]; then
            # the old EPUB stays beside the new PDF (only the PDF was asked for)
            if cmp -s "$mnt/bulletin.pdf" "$ref/bulletin.pdf" && cmp -s "$mnt/bulletin.epub" "$tmp/old.epub" &&
               [ "$(listing "$mnt")" = "bulletin.epub bulletin.pdf " ] && [ ! -s "$tmp/f.err" ]; then say ok "$name"
            else say FAIL "$name: outputs"; fi
          else check "$name" "$mnt" $rc 0 "" new; fi
        else
          fails=$((fails + 1))
          if [ $mode = pdf ]; then msgs=$(nospace "$mnt/bulletin.pdf")
          else msgs="$(nospace "$mnt/bulletin.pdf")|$(nospace "$mnt/bulletin.epub")"; fi
          check "$name" "$mnt" $rc 1 "$msgs" $prev
        fi
        umount "$mnt"
      done
    done
  done
  if [ $fails -gt 0 ] && [ $passes -gt 0 ]; then say ok "faults: full disk sizes hit both outcomes ($fails failed, $passes fit)"
  else say FAIL "faults: full disk sizes hit one outcome only ($fails failed, $passes fit)"; fi

  # a failed build removes the -o folder it created (and only that)
  mount -t tmpfs -o size=$((pk - 8))k tmpfs "$mnt"
  "$bin" build samples/bulletin.xml -o "$mnt/new" 2>"$tmp/f.err"; rc=$?
  check "faults: failed build removes the -o folder it made" "$mnt" $rc 1 "$(nospace "$mnt/new/bulletin.pdf")" none
  umount "$mnt"
fi

# ---- the EPUB's name is a folder: the new PDF must not stay ----
d="$tmp/faults-dir"; mkdir -p "$d/bulletin.epub"; cp "$tmp/old.pdf" "$d/bulletin.pdf"
"$bin" build samples/bulletin.xml -o "$d" 2>"$tmp/f.err"; rc=$?
msg1=$(cat "$tmp/f.err")
d2="$tmp/faults-dir2"; mkdir -p "$d2/bulletin.epub"
"$bin" build samples/bulletin.xml -o "$d2" 2>"$tmp/f.err"; rc2=$?
msg2=$(cat "$tmp/f.err")
for c in "$d:$rc:oldpdf" "$d2:$rc2:none"; do
  dd=${c%%:*}; r=${c#*:}; r=${r%%:*}; st=${c##*:}
  name="faults: EPUB name is a folder, previous: $st"
  want_ls="bulletin.epub "; [ $st = oldpdf ] && want_ls="bulletin.epub bulletin.pdf "
  if [ "$r" -ne 1 ]; then say FAIL "$name: exit $r"
  elif [ "$(listing "$dd")" != "$want_ls" ] || [ -n "$(ls -A "$dd/bulletin.epub")" ]; then say FAIL "$name: folder holds '$(listing "$dd")'"
  elif [ $st = oldpdf ] && ! cmp -s "$dd/bulletin.pdf" "$tmp/old.pdf"; then say FAIL "$name: the PDF was replaced"
  else say ok "$name"; fi
done
if [ "$msg1" = "bantin: error: cannot write '$d/bulletin.epub': Is a directory" ] &&
   [ "$msg2" = "bantin: error: cannot write '$d2/bulletin.epub': Is a directory" ]; then say ok "faults: EPUB name is a folder, message"
else say FAIL "faults: EPUB name is a folder, message: $msg1 / $msg2"; fi

# ---- the old EPUB is immutable ----
d="$tmp/faults-imm"; mkdir -p "$d"; cp "$tmp/old.pdf" "$d/bulletin.pdf"; cp "$tmp/old.epub" "$d/bulletin.epub"
if chattr +i "$d/bulletin.epub" 2>/dev/null; then
  "$bin" build samples/bulletin.xml -o "$d" 2>"$tmp/f.err"; rc=$?
  chattr -i "$d/bulletin.epub"
  check "faults: previous EPUB immutable" "$d" $rc 1 "bantin: error: cannot write '$d/bulletin.epub': Operation not permitted" old
else
  say SKIP "faults: previous EPUB immutable (chattr +i unsupported here)"
fi

# ---- modes: umask for new outputs, an existing output's mode kept ----
for um in 077 022; do
  d="$tmp/faults-umask$um"
  (umask $um; "$bin" build samples/bulletin.xml -o "$d" 2>"$tmp/f.err"); rc=$?
  want=$( [ $um = 077 ] && echo "700 600 600" || echo "755 644 644")
  got="$(stat -c %a "$d" "$d/bulletin.pdf" "$d/bulletin.epub" 2>/dev/null | tr '\n' ' ')"
  if [ "$got" = "$want " ]; then check "faults: umask $um gives $want" "$d" $rc 0 "" new
  else say FAIL "faults: umask $um: modes '$got', expected '$want'"; fi
done
d="$tmp/faults-umask022"
chmod 600 "$d/bulletin.pdf"; chmod 640 "$d/bulletin.epub"
"$bin" build samples/bulletin.xml -o "$d" 2>"$tmp/f.err"; rc=$?
got="$(stat -c %a "$d/bulletin.pdf" "$d/bulletin.epub" | tr '\n' ' ')"
if [ "$got" = "600 640 " ]; then check "faults: rebuild keeps modes 600/640" "$d" $rc 0 "" new
else say FAIL "faults: rebuild keeps modes: got '$got'"; fi

# ---- SIGTERM the moment a temp appears ----
# Waits (in the shell, no process per poll) for a file matching GLOB.
wait_for() { # glob, pid
  i=0
  while [ $i -lt 200000 ]; do
    for f in $1; do [ -e "$f" ] && return 0; done
    kill -0 "$2" 2>/dev/null || return 1
    i=$((i + 1))
  done
  return 1
}
# Builds the samples into DIR-1, DIR-2, ... (the old outputs copied in
# first when OLD is 1; under nohup when NOHUP is 1) until the poll sees
# the WHICH temp, and then sends it SIG: sets d and rc (its exit status).
# The temp lives for the writers' few milliseconds: on a loaded machine
# the poll can miss it and the build just completes, so up to 4 builds;
# returns 1 when none was seen.
signal_at_temp() { # DIR WHICH SIG NOHUP OLD
  for attempt in 1 2 3 4; do
    d="$1-$attempt"; mkdir -p "$d"
    if [ "$5" = 1 ]; then
      cp "$tmp/old.pdf" "$d/bulletin.pdf"; cp "$tmp/old.epub" "$d/bulletin.epub"
    fi
    if [ "$4" = 1 ]; then
      nohup "$bin" build samples/bulletin.xml -o "$d" >/dev/null 2>"$tmp/f.err" & pid=$!
    else
      "$bin" build samples/bulletin.xml -o "$d" 2>"$tmp/f.err" & pid=$!
    fi
    if wait_for "$d/.bulletin.$2.bantin-*" $pid; then
      kill -"$3" $pid; wait $pid; rc=$?
      return 0
    fi
    wait $pid
  done
  return 1
}
for which in pdf epub; do
  for try in 1 2 3; do
    if signal_at_temp "$tmp/faults-term-$which-$try" $which TERM 0 1; then
      check "faults: SIGTERM with the $which temp present (try $try)" "$d" $rc 143 "" old
    else
      say FAIL "faults: SIGTERM try $try: the $which temp never appeared in 4 builds"
    fi
  done
done

# ---- SIGHUP under nohup: ignored, the build completes ----
if signal_at_temp "$tmp/faults-hup" pdf HUP 1 0; then
  check "faults: SIGHUP under nohup is ignored" "$d" $rc 0 "" new
else
  say FAIL "faults: SIGHUP: the temp never appeared in 4 builds"
fi

# ---- long base names: 240 and 250 bytes work, 251 is refused cleanly ----
for n in 240 250 251; do
  src="$tmp/faults-long$n"; rm -rf "$src"; cp -r samples "$src"
  long=$(printf '%*s' $n '' | tr ' ' b)
  mv "$src/bulletin.xml" "$src/$long.xml"
  d="$tmp/faults-longout$n"; mkdir -p "$d"
  "$bin" build "$src/$long.xml" -o "$d" 2>"$tmp/f.err"; rc=$?
  name="faults: $n-byte base name"
  if [ $n -le 250 ]; then
    if [ $rc -eq 0 ] && [ ! -s "$tmp/f.err" ] && [ "$(listing "$d")" = "$long.epub $long.pdf " ] &&
       cmp -s "$d/$long.pdf" "$ref/bulletin.pdf" && cmp -s "$d/$long.epub" "$ref/bulletin.epub"; then say ok "$name"
    else say FAIL "$name: exit $rc, folder '$(listing "$d" | cut -c1-60)'"; cat "$tmp/f.err"; fi
  else
    check "$name" "$d" $rc 1 "bantin: error: cannot write '$d/$long.epub': File name too long" none
  fi
done

# ---- stale temps of our own outputs (older than an hour) are removed ----
d="$tmp/faults-stale"; mkdir -p "$d"
touch -d '2 hours ago' "$d/.bulletin.pdf.bantin-Ab12Cd" "$d/.bulletin.epub.bantin-Zz9900" "$d/.other.pdf.bantin-Ab12Cd"
touch "$d/.bulletin.pdf.bantin-Fresh1"
"$bin" build samples/bulletin.xml -o "$d" 2>"$tmp/f.err"; rc=$?
if [ $rc -eq 0 ] && [ "$(listing "$d")" = ".bulletin.pdf.bantin-Fresh1 .other.pdf.bantin-Ab12Cd bulletin.epub bulletin.pdf " ]; then
  say ok "faults: stale temps removed, fresh and foreign ones kept"
else say FAIL "faults: stale temps: exit $rc, folder '$(listing "$d")'"; fi

# ---- a diagnostic longer than 1023 bytes is printed whole ----
seg=$(printf '%*s' 200 '' | tr ' ' d)
d="$tmp/faults-deep/$seg/$seg/$seg/$seg/$seg"; mkdir -p "$d/bulletin.epub"
"$bin" build samples/bulletin.xml -o "$d" 2>"$tmp/f.err"; rc=$?
if [ $rc -eq 1 ] && [ "$(cat "$tmp/f.err")" = "bantin: error: cannot write '$d/bulletin.epub': Is a directory" ] &&
   [ "$(listing "$d")" = "bulletin.epub " ]; then say ok "faults: a $(wc -c < "$tmp/f.err")-byte diagnostic is not cut"
else say FAIL "faults: long diagnostic: exit $rc, $(wc -c < "$tmp/f.err") bytes"; fi
rm -rf "$tmp/faults-deep"
exit 0
