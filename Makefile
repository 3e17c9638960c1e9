# CodePiper in C — one Makefile for every program, test and benchmark.
#
#   make            optimised programs in build/bin/
#   make test       every test against an ASan+UBSan build (build/san/bin/)
#   make run        install, build, start the daemon with the dashboard on :3000
#   make bench      figures for the hot paths (optimised build)
#   make deps       install the Debian packages everything needs
#
# O= selects the output tree and SAN=1 the sanitizer build; `make test` uses both.

O	?= build
SAN	?= 0

CC	?= cc
PKGS	 = libevent libevent_pthreads jansson sqlite3 libgit2 libsodium liboath libqrencode yaml-0.1
CFLAGS_BASE = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	      -Wstrict-prototypes -Wmissing-prototypes -g -MMD -MP -Icommon -Iagentd \
	      $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ifeq ($(SAN),1)
CFLAGS_OPT = -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS_SAN = -fsanitize=address,undefined
else
CFLAGS_OPT = -O2
LDFLAGS_SAN =
endif
CFLAGS	+= $(CFLAGS_BASE) $(CFLAGS_OPT) $(EXTRA_CFLAGS)
LDFLAGS	+= $(LDFLAGS_SAN)
LIBS_AGENTD = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -l:libscrypt.a -lpthread -lm
LIBS_CLI    = -ljansson
LIBS_FCGI   = -lfcgi -lpthread
LIBS_WS     = $(shell pkg-config --libs libwebsockets 2>/dev/null) -ljansson

COMMON_SRCS = $(wildcard common/*.c)
AGENTD_SRCS = $(filter-out agentd/main.c,$(wildcard agentd/*.c)) $(O)/gen/migrations.c \
	      $(O)/gen/nginx-template.c
CLI_SRCS    = $(wildcard cli/*.c)
FCGI_SRCS   = $(wildcard fcgi/fcgi-*.c)
WS_SRCS     = $(wildcard fcgi/ws-*.c)
UNIT_SRCS   = $(wildcard tests/unit/test-*.c)
HELPER_SRCS = $(wildcard tests/tools/*.c)
MIGRATIONS  = $(sort $(wildcard sql/*.sql))

obj = $(patsubst %.c,$(O)/obj/%.o,$(1))

COMMON_LIB  = $(O)/lib/libcommon.a
AGENTD_LIB  = $(O)/lib/libagentd.a
PROGRAMS    = $(O)/bin/agentd $(O)/bin/codepiper
ifneq ($(FCGI_SRCS),)
PROGRAMS   += $(O)/bin/codepiper-fcgi
endif
ifneq ($(WS_SRCS),)
PROGRAMS   += $(O)/bin/codepiper-ws
endif
UNIT_TESTS  = $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRCS))
TEST_TOOLS  = $(patsubst tests/tools/%.c,$(O)/tests/tools/%,$(HELPER_SRCS))

.PHONY: all deps deps-check test unit regress browser run bench fuzz clean san
all: $(PROGRAMS) $(UNIT_TESTS) $(TEST_TOOLS)

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# Migrations are compiled into agentd so that a binary always carries the
# schema it expects; numbering in the file name fixes the order.
$(O)/gen/migrations.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-migrations.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(O)/obj/$(O)/gen/migrations.o: $(O)/gen/migrations.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The nginx configuration template agentd renders for --web (agentd/web.c).
$(O)/gen/nginx-template.c: nginx/nginx.conf.template scripts/embed-text.sh
	@mkdir -p $(dir $@)
	sh scripts/embed-text.sh nginx_conf_template $< > $@.tmp && mv $@.tmp $@

$(O)/obj/$(O)/gen/nginx-template.o: $(O)/gen/nginx-template.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(COMMON_LIB): $(call obj,$(COMMON_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(AGENTD_LIB): $(call obj,$(AGENTD_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(O)/bin/agentd: $(call obj,agentd/main.c) $(AGENTD_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_AGENTD)

$(O)/bin/codepiper: $(call obj,$(CLI_SRCS)) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_CLI)

$(O)/bin/codepiper-fcgi: $(call obj,$(FCGI_SRCS)) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_FCGI)

$(O)/bin/codepiper-ws: $(call obj,$(WS_SRCS)) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_WS)

$(O)/tests/test-%: $(call obj,tests/unit/test-%.c) $(AGENTD_LIB) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_AGENTD) -lcmocka

$(O)/tests/tools/%: $(call obj,tests/tools/%.c) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -ljansson -loath -lpthread -lm

san:
	$(MAKE) O=build/san SAN=1 all

deps:
	sh scripts/deps.sh install

deps-check:
	@sh scripts/deps.sh check || sh scripts/deps.sh install

unit: deps-check san
	@set -e; for t in $(patsubst tests/unit/%.c,build/san/tests/%,$(UNIT_SRCS)); do \
		echo "== $$t"; $$t; done

regress: deps-check san
	CODEPIPER_BIN=$(CURDIR)/build/san/bin CODEPIPER_TOOLS=$(CURDIR)/build/san/tests/tools \
		prove -j2 --timer tests/regress/

test: deps-check
	$(MAKE) unit
	$(MAKE) regress
	@if [ -d tests/browser ] && ls tests/browser/*.test.mjs >/dev/null 2>&1; then \
		$(MAKE) browser; fi

browser: deps-check san
	bash scripts/browser-tests.sh

# libFuzzer targets for every parser of outside input (clang; not part of
# `make test`). FUZZ_SECONDS bounds each run.
FUZZ_SRCS    = $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_SECONDS ?= 60
fuzz:
	@command -v clang >/dev/null || { echo "make fuzz needs clang and libclang-rt-14-dev: apt-get install clang libclang-rt-14-dev" >&2; exit 1; }
	$(MAKE) O=build/fuzz SAN=1 CC=clang EXTRA_CFLAGS=-fsanitize=fuzzer-no-link build/fuzz/lib/libagentd.a build/fuzz/lib/libcommon.a
	@mkdir -p build/fuzz/bin
	@set -e; for f in $(FUZZ_SRCS); do n=$$(basename $$f .c); \
		clang $(CFLAGS_BASE) -O1 -g -fsanitize=fuzzer,address,undefined -o build/fuzz/bin/$$n $$f \
			build/fuzz/lib/libagentd.a build/fuzz/lib/libcommon.a $(LIBS_AGENTD); \
		mkdir -p build/fuzz/corpus/$$n; \
		echo "== $$n ($(FUZZ_SECONDS) s)"; \
		if ! build/fuzz/bin/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		    -artifact_prefix=build/fuzz/ build/fuzz/corpus/$$n >build/fuzz/$$n.log 2>&1; then \
			tail -40 build/fuzz/$$n.log; exit 1; fi; \
		tail -1 build/fuzz/$$n.log; \
	done

run: deps-check all
	CODEPIPER_BIN=$(CURDIR)/$(O)/bin sh scripts/run.sh

bench: deps-check all
	bash bench/run.sh

clean:
	rm -rf build

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
