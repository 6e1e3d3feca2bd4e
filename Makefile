# bantin - plain GNU make. `make` builds build/release/bantin and links
# ./bantin to it; `make BUILD=debug|asan|ubsan` builds build/<BUILD>/.
# `make run` builds the samples, `make test` runs everything (see README).

BUILD    ?= release
PREFIX   ?= /usr/local
DESTDIR  ?=
FUZZ_SECONDS ?= 60

PKGS     := libxml-2.0 json-c libzip fontconfig harfbuzz harfbuzz-subset libpng libjpeg libutf8proc
WARN     := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wmissing-prototypes \
            -Wstrict-prototypes -Wvla -Werror
DEFS     := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
            -DBT_PREFIX_DATADIR='"$(PREFIX)/share/bantin"'

ifeq ($(BUILD),release)
  CC      ?= cc
  OPT     := -O2 -g
else ifeq ($(BUILD),debug)
  OPT     := -O0 -g -DBT_DEBUG
else ifeq ($(BUILD),asan)
  CC      := clang
  OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
             -fno-sanitize-recover=all -DBT_DEBUG -DBT_ARENA_MALLOC
else ifeq ($(BUILD),ubsan)
  CC      := clang
  OPT     := -O1 -g -fsanitize=undefined -fno-sanitize-recover=all -DBT_DEBUG
else ifeq ($(BUILD),tsan)
  CC      := clang
  OPT     := -O1 -g -fsanitize=thread -DBT_DEBUG
else
  $(error BUILD must be release, debug, asan, ubsan or tsan)
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  += $(WARN) $(OPT) $(DEFS) $(PKG_CFLAGS)
# libhyphen ships no .pc file on Debian: pkg-config when it has one
HYPHEN_LIBS = $(shell pkg-config --libs hyphen 2>/dev/null || echo -lhyphen)
LDLIBS  += $(PKG_LIBS) $(HYPHEN_LIBS) -lhpdf -lz -lm
# Startup: the dynamic loader looks every symbol up along the libraries in
# the order the program names them, and libcrypto (through libzip) and
# libstdc++ (through ICU and HarfBuzz) resolve thousands of their own
# symbols that way. Named first, each lookup ends at once: 11.7 M -> 7.1 M
# instructions before main (callgrind, `bantin --version`). Only where the
# linker finds them (libssl-dev, libstdc++-dev); the order changes nothing
# else, no library here defines another's symbols.
FRONT_LIBS := $(foreach l,crypto stdc++,$(if $(filter /%,$(shell $(CC) -print-file-name=lib$(l).so 2>/dev/null)),-l$(l)))
LDLIBS  := -Wl,--push-state,--no-as-needed $(FRONT_LIBS) -lc -Wl,--pop-state $(LDLIBS)

OUT      := build/$(BUILD)
SRCS     := $(wildcard src/*.c)
LIBSRCS  := $(filter-out src/main.c,$(SRCS))
LIBOBJS  := $(LIBSRCS:src/%.c=$(OUT)/obj/%.o)
TESTSRCS := $(wildcard tests/unit/test_*.c)
TESTBINS := $(TESTSRCS:tests/unit/%.c=$(OUT)/%)
FUZZSRCS := $(wildcard tests/fuzz/fuzz_*.c)
REPLAYS  := $(FUZZSRCS:tests/fuzz/%.c=$(OUT)/replay_%)
TOOLS    := $(OUT)/mkchart

.PHONY: all deps run test check asan fuzz fuzz-smoke golden bench measure install \
        lint format format-check leakcheck clean units
.DEFAULT_GOAL := all
.SECONDARY:

all: $(OUT)/bantin $(TESTBINS) $(REPLAYS)
ifeq ($(BUILD),release)
	@ln -sf $(OUT)/bantin bantin
endif

ifeq ($(V),1)
  Q :=
else
  Q := @
endif

$(OUT)/obj/%.o: src/%.c $(wildcard src/*.h) | $(OUT)/obj
	@echo "  CC      $(BUILD) $<"
	$(Q)$(CC) $(CFLAGS) -iquote src -c $< -o $@

$(OUT)/libbantin.a: $(LIBOBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/bantin: $(OUT)/obj/main.o $(OUT)/libbantin.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/test_%: tests/unit/test_%.c tests/harness.h $(OUT)/libbantin.a
	@echo "  TEST    $@"
	$(Q)$(CC) $(CFLAGS) -iquote src -iquote tests $< $(OUT)/libbantin.a $(LDLIBS) -o $@

$(OUT)/replay_%: tests/fuzz/%.c tests/fuzz/replay_main.c $(OUT)/libbantin.a
	@echo "  REPLAY  $@"
	$(Q)$(CC) $(CFLAGS) -iquote src $< tests/fuzz/replay_main.c $(OUT)/libbantin.a $(LDLIBS) -o $@

# measuring tool (not a test): CPU time of bt_html_extract per page
$(OUT)/htmlbench: tests/tools/htmlbench.c $(OUT)/libbantin.a
	@echo "  TOOL    $@"
	$(Q)$(CC) $(CFLAGS) -iquote src $< $(OUT)/libbantin.a $(LDLIBS) -o $@

$(OUT)/obj:
	mkdir -p $@

# ---- dependencies (Debian, as root; a no-op when all are present) ----
DEB_PKGS := libhpdf-dev libzip-dev libxml2-dev libjson-c-dev libutf8proc-dev libharfbuzz-dev \
            libfontconfig-dev libpng-dev libjpeg-dev libhyphen-dev hyphen-en-us \
            pkg-config clang \
            libclang-rt-14-dev valgrind fonts-noto-core poppler-utils qpdf \
            mupdf-tools ghostscript epubcheck default-jre-headless libxml2-utils \
            python3 make gcc clang-format
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root (apt-get)"; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# ---- the two commands of the README ----
run: deps
	$(MAKE) -j$(JOBS) all
	@mkdir -p build/samples
	./bantin build samples/bulletin.xml -o build/samples
	@ls -l build/samples/*.pdf build/samples/*.epub

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test: deps
	$(MAKE) -j$(JOBS) all
	$(MAKE) -j$(JOBS) BUILD=asan all
	$(MAKE) -j$(JOBS) BUILD=tsan build/tsan/bantin build/tsan/test_pdf_out
	BANTIN_REQUIRE_ALL=1 sh tests/run.sh

asan:
	$(MAKE) BUILD=asan all
	BANTIN_ONLY=asan sh tests/run.sh

units: all
	@for t in $(TESTBINS); do $$t || exit 1; done

# ---- fuzzing (clang libFuzzer) ----
# The library is compiled once with fuzzer-no-link; each target links it.
FUZZCC    := clang
FUZZSAN   := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZCFLAGS := -std=c11 -O1 -g $(FUZZSAN) $(DEFS) -DBT_ARENA_MALLOC $(PKG_CFLAGS)
FUZZOBJS  := $(LIBSRCS:src/%.c=build/fuzz/obj/%.o)
build/fuzz/obj/%.o: src/%.c $(wildcard src/*.h)
	@mkdir -p build/fuzz/obj
	@echo "  CC      fuzz $<"
	$(Q)$(FUZZCC) $(FUZZCFLAGS) -fsanitize=fuzzer-no-link -iquote src -c $< -o $@
build/fuzz/%: tests/fuzz/%.c $(FUZZOBJS)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZCC) $(FUZZCFLAGS) -fsanitize=fuzzer -iquote src $< $(FUZZOBJS) $(LDLIBS) -o $@
FUZZBINS := $(FUZZSRCS:tests/fuzz/%.c=build/fuzz/%)
fuzz: $(FUZZBINS)
	@for f in $(FUZZBINS); do n=$$(basename $$f); \
	  mkdir -p build/fuzz/corpus-$$n; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=20 -rss_limit_mb=2048 \
	      build/fuzz/corpus-$$n tests/fuzz/corpus/$${n#fuzz_} || exit 1; done
fuzz-smoke: $(FUZZBINS)
	@for f in $(FUZZBINS); do n=$$(basename $$f); \
	  rm -rf build/fuzz/smoke-$$n; mkdir -p build/fuzz/smoke-$$n; \
	  $$f -max_total_time=$${FUZZ_SMOKE:-8} -max_len=16384 -timeout=20 -rss_limit_mb=2048 \
	      build/fuzz/smoke-$$n $$( [ -d tests/fuzz/corpus/$${n#fuzz_} ] && echo tests/fuzz/corpus/$${n#fuzz_}) \
	      >build/fuzz/$$n.log 2>&1 || { tail -30 build/fuzz/$$n.log; exit 1; }; \
	  grep -h 'Done' build/fuzz/$$n.log | tail -1 | sed "s/^/$$n: /"; done

golden: all
	sh tests/golden.sh --update

leakcheck: all
	valgrind --leak-check=full --error-exitcode=1 --errors-for-leak-kinds=definite,indirect \
	  ./bantin build samples/bulletin.xml -o build/leakcheck

bench: all
	sh tests/bench.sh

# the quality table of README "Quality, measured" (minutes; not in make test)
measure: all
	sh tests/measure.sh

# make lint V=1 also prints the include graph of src/
lint:
	@V=$(V) sh tests/lint.sh

FORMAT_FILES = $(wildcard src/*.c src/*.h tests/unit/*.c tests/*.h tests/fuzz/*.c tests/tools/*.c)
format:
	clang-format -i $(FORMAT_FILES)

# fails on the first file clang-format would change (make format fixes all)
format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

check: lint format-check asan

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/bantin/layouts \
	  $(DESTDIR)$(PREFIX)/share/bantin/fonts $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(OUT)/bantin $(DESTDIR)$(PREFIX)/bin/bantin
	install -m 644 layouts/*.xml layouts/README $(DESTDIR)$(PREFIX)/share/bantin/layouts/
	install -m 644 fonts/* $(DESTDIR)$(PREFIX)/share/bantin/fonts/
	install -m 644 doc/bantin.1 $(DESTDIR)$(PREFIX)/share/man/man1/bantin.1

clean:
	rm -rf build bantin
