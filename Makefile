# vitals-lakehouse: a Unix toolkit of small filters for a healthcare lakehouse.
#
#   make            build every tool into $(BUILD)/bin
#   make test       unit tests (cmocka) and CLI tests over the built tools
#   make asan       the same build with AddressSanitizer + UBSan, in build-asan/
#   make check      test, then the whole suite again under the sanitizers
#   make bench      benchmarks, printed side by side (not pass/fail)
#   make coverage   line and branch coverage of the whole suite (lcov)
#   make install    PREFIX=/usr/local DESTDIR= (binaries, man pages, schemas, model)
#
# Sources are discovered: lib/*.c is the shared library, cmd/<tool>/*.c is one
# executable each, tests/unit/test_*.c is one cmocka test each.

VERSION    = 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
DATADIR   ?= $(PREFIX)/share/vitals-lakehouse
PKG_CONFIG ?= pkg-config
BUILD     ?= build

PKGS       = jansson rdkafka libcurl zlib libzstd snappy libcrypto libmicrohttpd
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

CFLAGS    ?= -O2 -g
# Our flags are appended to the user's, never replace them.
XCFLAGS    = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
             -Wstrict-prototypes -Wmissing-prototypes -Wno-sign-compare \
             -iquote lib $(PKG_CFLAGS) -DVL_VERSION='"$(VERSION)"'
# --as-needed: a tool records a library only if it calls into it, so
# vitals-clean does not load librdkafka or libcurl.
XLDLIBS    = -Wl,--as-needed $(PKG_LIBS) -lm

ifeq ($(SAN),1)
CFLAGS     = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
             -fno-sanitize-recover=undefined
LDFLAGS   += -fsanitize=address,undefined
endif

# Quiet by default; make V=1 shows the commands.
ifeq ($(V),1)
Q =
else
Q = @
endif

LIB_SRC    = $(sort $(wildcard lib/*.c))
LIB_OBJ    = $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/lib/embed.o
LIB_A      = $(BUILD)/libvitals.a
TOOLS      = $(notdir $(sort $(wildcard cmd/*)))
TOOL_BINS  = $(TOOLS:%=$(BUILD)/bin/%)
UNIT_SRC   = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
EMBEDDED   = $(sort $(wildcard schemas/*.json schemas/bigquery/*.sql)) $(wildcard models/anomaly_model.json) \
             $(wildcard report/page.* report/uPlot.*)
MANPAGES   = $(sort $(wildcard man/man1/*.1))

.PHONY: all test unit cli check asan bench install uninstall clean model lint fuzz \
           coverage
.SUFFIXES:
# Keep objects: they are intermediate to make, not to us.
.SECONDARY:

all: $(TOOL_BINS)

$(BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(XCFLAGS) -c -o $@ $<

# Schemas and the default model are compiled into the library, so a tool
# run from the build tree or installed anywhere finds them without a search
# path; --schema and --model still override them.
$(BUILD)/lib/embed.o: lib/embed.S $(EMBEDDED)
	@mkdir -p $(@D)
	@echo "  AS      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ lib/embed.S

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)$(AR) rcs $@ $(LIB_OBJ)

$(BUILD)/cmd/%.o: cmd/%.c $(wildcard lib/*.h)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(XCFLAGS) -c -o $@ $<

# A tool's objects; a function so that its '%' is not the rule's stem.
tool_objs = $(patsubst %.c,$(BUILD)/%.o,$(wildcard cmd/$(1)/*.c))

.SECONDEXPANSION:
$(BUILD)/bin/%: $$(call tool_objs,$$*) $(LIB_A)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB_A) $(XLDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_A) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(XCFLAGS) $(LDFLAGS) -o $@ $< $(LIB_A) \
	    $(CMOCKA_LIBS) $(XLDLIBS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do \
	    VL_SHARED="$${VL_SHARED:-$(CURDIR)/../shared}" $$t >$$t.log 2>&1 || { cat $$t.log; \
	    echo "FAIL $$t"; exit 1; }; \
	    awk '/^SKIP: /; /^\[  PASSED  \]/ { s = 1 } \
	        s && /^\[  (PASSED  |SKIPPED )\]/' $$t.log | \
	        sed "s|^|$$(basename $$t): |"; \
	done

cli: all $(UNIT_BINS)
	@BUILD="$(BUILD)" sh tests/cli/run

test: unit cli

asan:
	$(MAKE) BUILD=build-asan SAN=1 all $(patsubst $(BUILD)/%,build-asan/%,$(UNIT_BINS))

# The whole suite, then the whole suite again under ASan + UBSan.
check: test
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(MAKE) BUILD=build-asan SAN=1 test

# Coverage-guided fuzzing (clang's libFuzzer): tests/fuzz/fuzz_NAME.c is a
# target, run for FUZZ_SECONDS from its seed corpus tests/fuzz/corpus-NAME
# (or tests/fuzz/corpus).  The library is compiled once for all targets.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS = $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_CC    = clang
FUZZ_FLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -iquote lib $(PKG_CFLAGS) \
             -DVL_VERSION='"$(VERSION)"' -fsanitize=address,undefined
FUZZ_OBJ   = $(LIB_SRC:lib/%.c=build-fuzz/lib/%.o) build-fuzz/lib/embed.o

build-fuzz/lib/%.o: lib/%.c $(wildcard lib/*.h)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build-fuzz/lib/embed.o: lib/embed.S $(EMBEDDED)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) -c -o $@ lib/embed.S

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	@echo "  LD      $@"
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) \
	    $(XLDLIBS)

fuzz: $(FUZZ_TARGETS:%=build-fuzz/%)
	@set -e; for t in $(FUZZ_TARGETS); do \
	    echo "  FUZZ    $$t ($(FUZZ_SECONDS)s)"; \
	    mkdir -p build-fuzz/corpus-$$t; \
	    seeds=tests/fuzz/corpus; \
	    [ -d tests/fuzz/corpus-$${t#fuzz_} ] && \
	        seeds=tests/fuzz/corpus-$${t#fuzz_}; \
	    build-fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	        -artifact_prefix=build-fuzz/$$t- \
	        -print_final_stats=1 build-fuzz/corpus-$$t $$seeds \
	        2>build-fuzz/$$t.log || { tail -n 40 build-fuzz/$$t.log; exit 1; }; \
	    grep -h 'stat::number_of_executed_units' build-fuzz/$$t.log; \
	done

bench: all
	@BUILD="$(BUILD)" sh bench/run

# The unit and CLI tests over a build instrumented by gcov, in build-cov/;
# lcov sums what lib/ and cmd/ ran (lines, functions, branches) and
# genhtml writes build-cov/html/index.html.  Killed processes leave no
# counts, so the kill tests add little; nothing here is pass/fail beyond
# the tests themselves.
COV_FLAGS = CFLAGS="-O0 -g --coverage" LDFLAGS="--coverage" BUILD=build-cov
LCOV = lcov --quiet --rc lcov_branch_coverage=1
coverage:
	@command -v lcov > /dev/null || { echo "make coverage needs lcov" \
	    "(apt-get install lcov)"; exit 1; }
	$(MAKE) $(COV_FLAGS) all $(patsubst $(BUILD)/%,build-cov/%,$(UNIT_BINS))
	@find build-cov -name '*.gcda' -delete
	$(MAKE) $(COV_FLAGS) test
	@$(LCOV) --capture --directory build-cov --output-file build-cov/all.info
	@$(LCOV) --extract build-cov/all.info '$(CURDIR)/lib/*' \
	    '$(CURDIR)/cmd/*' --output-file build-cov/project.info
	@genhtml --quiet --branch-coverage --output-directory build-cov/html \
	    build-cov/project.info
	@$(LCOV) --summary build-cov/project.info

# Rebuilds the shipped model from ../shared's Synthea exports (a few
# minutes), then the tools, which embed it.
model: all
	@BUILD="$(BUILD)" sh models/build.sh
	@$(MAKE) --no-print-directory all

lint:
	@for m in $(MANPAGES); do mandoc -Tlint -W warning $$m || exit 1; done

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(DATADIR)/schemas $(DESTDIR)$(DATADIR)/models \
	    $(DESTDIR)$(DATADIR)/schemas/bigquery
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(wildcard schemas/*.json) $(DESTDIR)$(DATADIR)/schemas
	install -m 644 $(wildcard schemas/bigquery/*.sql) $(DESTDIR)$(DATADIR)/schemas/bigquery
	$(if $(wildcard models/*.json),install -m 644 $(wildcard models/*.json) $(DESTDIR)$(DATADIR)/models)

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/%) \
	    $(MANPAGES:man/man1/%=$(DESTDIR)$(MANDIR)/man1/%)
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build build-asan build-fuzz build-cov
