#!/usr/bin/env python3
"""tests/lint.py - the layering of src/README.md, checked (`make lint`).

Every file of src/ gets a layer from its name (LAYERS below, first match
wins; a file no pattern names is an error, so a new file is placed on
purpose). Then, for every #include:
  - "x.h" must be a file of src/ whose layer the includer's layer may use
    (USES below: the layers form a stack, dependencies point upstream);
  - <x.h> must be a C standard header, a POSIX header the layer may use
    (not in the engine), or a library header the file is the one owner of
    (LIBS below). Everything else is refused: a whitelist, not a blacklist.
Finally the module graph (x.c and x.h are one module x) must have no cycle.
`V=1 sh tests/lint.sh` (make lint V=1) also prints the include graph.
Prints "lint: 0 problems" or one line per problem; exits 1 on any."""
import fnmatch
import os
import re
import sys

# (pattern, layer); first match wins. Keep in step with src/README.md.
LAYERS = [
    ("bantin.h", "base"), ("bt_limits.h", "base"), ("arena.[ch]", "base"),
    ("buf.[ch]", "base"), ("diag.[ch]", "base"), ("util.c", "base"),
    ("text.[ch]", "base"), ("sha1.[ch]", "base"), ("labels.[ch]", "base"),
    ("date.[ch]", "base"), ("timing.[ch]", "base"), ("syllable.[ch]", "base"),
    ("model.[ch]", "model"), ("image.[ch]", "model"),
    ("xmlin.[ch]", "read"), ("read.h", "read"), ("read_*.[ch]", "read"),
    ("html_*.[ch]", "read"),
    ("font.[ch]", "fonts"), ("hyph.[ch]", "fonts"),
    ("shape.[ch]", "engine"), ("linebreak.[ch]", "engine"),
    ("layout.[ch]", "engine"), ("layout_*.[ch]", "engine"),
    ("impose.[ch]", "engine"), ("dump.[ch]", "engine"),
    ("pdf_out.[ch]", "write"), ("epub_out.[ch]", "write"),
    ("article_out.[ch]", "read"),
    ("epub_*.[ch]", "write"), ("fsout.[ch]", "write"),
    ("jobpipe.[ch]", "write"),
    ("build.[ch]", "driver"), ("import.[ch]", "driver"), ("main.c", "driver"),
]

# Which layers a layer's files may include (its own included).
USES = {
    "base": {"base"},
    "model": {"base", "model"},
    "engine": {"base", "model", "engine"},
    "fonts": {"base", "model", "engine", "fonts"},  # implement shape.h's bt_shaper, bt_hyphenator
    "read": {"base", "model", "engine", "read"},  # layouts/*.xml -> bt_layout
    "write": {"base", "model", "engine", "fonts", "write"},
    "driver": {"base", "model", "engine", "fonts", "read", "write", "driver"},
}

C_STD = {
    "assert.h", "ctype.h", "errno.h", "float.h", "inttypes.h", "limits.h",
    "math.h", "setjmp.h", "stdarg.h", "stdbool.h", "stddef.h", "stdint.h",
    "stdio.h", "stdlib.h", "string.h", "time.h",
}
POSIX = {
    "dirent.h", "fcntl.h", "getopt.h", "signal.h", "strings.h", "unistd.h",
    "sys/stat.h", "sys/types.h", "pthread.h",
}
NO_POSIX = {"engine", "model", "base"}  # plain C, except the files below
POSIX_OWNERS = {"buf.c"}  # whole-file reading: open/fstat

# Library headers (regex) and the files that own them.
LIBS = [
    (r"libxml/", {"xmlin.c", "read_html.c", "html_int.h", "html_*.c",
                  "epub_out.c", "epub_*.c"}),
    (r"json-c/", {"html_meta.c"}),
    (r"zip\.h$", {"epub_out.c", "epub_*.c"}),
    (r"hpdf(_[a-z]+)?\.h$", {"pdf_out.c"}),
    (r"zlib\.h$", {"pdf_out.c", "epub_out.c", "image.c"}),  # epub: entries deflated ahead; image.c: PNG data checked
    (r"(fontconfig/|hb\.h$|hb-)", {"font.c"}),
    (r"(png\.h|jpeglib\.h)$", {"image.c"}),
    (r"utf8proc\.h$", {"text.c"}),
    (r"^hyphen\.h$", {"hyph.c"}),
    (r"^malloc\.h$", {"main.c"}),  # glibc's mallopt, once at start
]

ORDER = ["base", "model", "engine", "fonts", "read", "write", "driver"]


def layer_of(name):
    for pat, layer in LAYERS:
        if fnmatch.fnmatchcase(name, pat):
            return layer
    return None


def module(name):
    """x.c and x.h are module x; a writer or engine split over several
    files around a private header (epub_*.c + epub_int.h, layout_*.c +
    layout_int.h; read_html.c + html_*.c + html_int.h) is one module."""
    base = name[:-2] if name.endswith((".c", ".h")) else name
    for group, prefix in (("epub_out", "epub_"), ("layout", "layout_"),
                          ("read_html", "html_")):
        if base == group or base.startswith(prefix):
            return group
    return base


def main():
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    src = os.path.join(top, "src")
    files = sorted(f for f in os.listdir(src) if f.endswith((".c", ".h")))
    problems = []
    incs = {}
    for f in files:
        layer = layer_of(f)
        if layer is None:
            problems.append(f"src/{f}: no layer (add it to tests/lint.py "
                            "and src/README.md)")
            continue
        incs[f] = []
        with open(os.path.join(src, f), encoding="utf-8") as fh:
            for ln, line in enumerate(fh, 1):
                m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
                if not m:
                    continue
                quoted, h = m.group(1) == '"', m.group(2)
                where = f"src/{f}:{ln}"
                if quoted:
                    hl = layer_of(h)
                    if not os.path.exists(os.path.join(src, h)):
                        problems.append(f'{where}: "{h}" is not in src/')
                    elif hl is None:
                        problems.append(f'{where}: "{h}" has no layer')
                    elif hl not in USES[layer]:
                        problems.append(f'{where}: {layer} file includes '
                                        f'{hl} header "{h}"')
                    incs[f].append(h)
                    continue
                if h in C_STD:
                    continue
                if h in POSIX:
                    if layer in NO_POSIX and f not in POSIX_OWNERS:
                        problems.append(f"{where}: {layer} file includes "
                                        f"POSIX <{h}> (plain C only)")
                    continue
                owners = [o for pat, o in LIBS if re.search(pat, h)]
                if not owners:
                    problems.append(f"{where}: <{h}> is no known C, POSIX "
                                    "or library header")
                elif not any(fnmatch.fnmatchcase(f, p) for p in owners[0]):
                    problems.append(f"{where}: <{h}> belongs to "
                                    f"{', '.join(sorted(owners[0]))}")
    # module graph: x.c and x.h are one node
    graph = {}
    for f, hs in incs.items():
        node = graph.setdefault(module(f), set())
        for h in hs:
            if module(h) != module(f):
                node.add(module(h))
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                cyc = stack[stack.index(m):] + [m]
                problems.append("include cycle: " + " -> ".join(cyc))
            elif not state.get(m):
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if not state.get(n):
            visit(n)
    if os.environ.get("V") == "1":
        print("include graph of src/ (module -> modules it includes; "
              "x.c + x.h = x):")
        for lay in ORDER:
            for n in sorted(graph):
                if layer_of(n + ".h") == lay or layer_of(n + ".c") == lay:
                    deps = " ".join(sorted(graph[n])) or "-"
                    print(f"  {lay:6} {n:14} -> {deps}")
    for p in problems:
        print("lint: " + p)
    if problems:
        print(f"lint: {len(problems)} problem(s)")
        return 1
    print("lint: 0 problems")
    return 0


if __name__ == "__main__":
    sys.exit(main())
