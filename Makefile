# art — build, test, install.  GNU make; `make -j2` safe.
#
#   make                 libart.a and every program in cmd/
#   make test            unit tests + bats tests; ends with "N passed, N failed"
#   make test SAN=1      the same under AddressSanitizer + UBSan (own build dir)
#   make bench           benchmarks (not part of test)
#   make demo            the reference flow on examples/ with a local model
#   make install PREFIX=/usr/local
#
# Conventions (so adding a file never needs a Makefile edit):
#   lib/*.c lib/*/*.c        -> libart.a
#   lib/**/*_avx2.c          compiled with -mavx2 -mfma -mf16c
#   lib/**/*_avx512.c        compiled with AVX-512 F/BW/DQ/VL/VNNI/BF16 flags
#   cmd/art*.c               -> $(BUILD)/bin/art*   (one thin main each)
#   scripts/art-*            -> $(BUILD)/bin/art-*  (shell programs, e.g. art-run)
#   tests/unit/test_*.c      -> $(BUILD)/tests/test_*  (TAP on stdout)
#   tests/bats/*.bats        run by bats with $(BUILD)/bin first on PATH
#   tests/bench/*.sh         run by `make bench`

SHARED  ?= ../shared
PREFIX  ?= /usr/local
VERSION := 0.1.0

ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD   ?= build
SANFLAGS :=
endif

CC      ?= cc
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
ALLCFLAGS = -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wshadow -pthread -fopenmp \
	-D_GNU_SOURCE -DPCRE2_CODE_UNIT_WIDTH=8 -DART_VERSION='"$(VERSION)"' \
	-Ilib -I/usr/include/cjson $(SANFLAGS) $(CFLAGS)
LDLIBS  = -lcjson -lcurl -lsqlite3 -lpcre2-8 -lm -lpthread
ALLLDFLAGS = -fopenmp -pthread $(SANFLAGS) $(LDFLAGS)

AVX2FLAGS   = -mavx2 -mfma -mf16c
AVX512FLAGS = -mavx2 -mfma -mf16c -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512vnni -mavx512bf16

LIB_SRC  := $(sort $(wildcard lib/*.c lib/*/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/schemas.o
SCHEMAS  := $(sort $(wildcard schemas/*.schema.json))
CMD_SRC  := $(sort $(wildcard cmd/art*.c))
PROGS    := $(CMD_SRC:cmd/%.c=$(BUILD)/bin/%)
SCRIPT_SRC := $(sort $(wildcard scripts/art-*))
PROGS    += $(SCRIPT_SRC:scripts/%=$(BUILD)/bin/%)
UT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
UT_BIN   := $(UT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
MAN_SRC  := $(sort $(wildcard man/*.[1-8]))
MAN_OUT  := $(foreach m,$(MAN_SRC),$(BUILD)/share/man/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
LIBART   := $(BUILD)/libart.a
DEPSTAMP := $(BUILD)/.deps-ok

.SECONDARY:
.PHONY: all deps test-deps test test-bin unit bats bench demo install clean check-man
all: $(LIBART) $(PROGS) $(MAN_OUT)

# Debian packages: checked once per build dir, installed by the script when root.
$(DEPSTAMP): scripts/deps.sh
	@mkdir -p $(BUILD)
	@scripts/deps.sh
	@touch $@
deps: $(DEPSTAMP)
test-deps: $(DEPSTAMP)
	@scripts/deps.sh test

$(BUILD)/%.o: %.c | $(DEPSTAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/%_avx2.o: %_avx2.c | $(DEPSTAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) $(AVX2FLAGS) -MMD -MP -c $< -o $@
$(BUILD)/%_avx512.o: %_avx512.c | $(DEPSTAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) $(AVX512FLAGS) -MMD -MP -c $< -o $@

# schemas/*.json embedded in libart (lib/schemas.h)
$(BUILD)/gen/schemas.c: $(SCHEMAS) scripts/embed-schemas
	@mkdir -p $(dir $@)
	scripts/embed-schemas $(SCHEMAS) >$@
$(BUILD)/gen/schemas.o: $(BUILD)/gen/schemas.c
	$(CC) $(ALLCFLAGS) -c $< -o $@

$(LIBART): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/cmd/%.o $(LIBART)
	@mkdir -p $(dir $@)
	$(CC) $(ALLLDFLAGS) $< $(LIBART) $(LDLIBS) -o $@

# shell programs (scripts/art-*) sit beside the C ones in bin/
$(BUILD)/bin/%: scripts/%
	@mkdir -p $(dir $@)
	cp $< $@
	chmod 755 $@

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBART)
	@mkdir -p $(dir $@)
	$(CC) $(ALLLDFLAGS) $< $(LIBART) $(LDLIBS) -o $@

define man_rule
$(BUILD)/share/man/man$(subst .,,$(suffix $(1)))/$(notdir $(1)): $(1)
	@mkdir -p $$(dir $$@)
	cp $$< $$@
endef
$(foreach m,$(MAN_SRC),$(eval $(call man_rule,$(m))))

# The README's test command.  Every runner speaks TAP; tests/run sums it up.
test: all $(UT_BIN) test-deps
	@BUILD=$(BUILD) SHARED=$(SHARED) tests/run

# build the unit tests without running them
test-bin: all $(UT_BIN)

unit: all $(UT_BIN)
	@BUILD=$(BUILD) SHARED=$(SHARED) tests/run unit

bats: all test-deps
	@BUILD=$(BUILD) SHARED=$(SHARED) tests/run bats

bench: all test-deps
	@set -e; for b in tests/bench/*.sh; do [ -e "$$b" ] || continue; \
		echo "== $$b" >&2; BUILD=$(BUILD) SHARED=$(SHARED) bash "$$b"; done

demo: all test-deps
	@BUILD=$(BUILD) SHARED=$(SHARED) scripts/demo

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/art/schemas
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 schemas/*.json $(DESTDIR)$(PREFIX)/share/art/schemas/
	install -d $(DESTDIR)$(PREFIX)/share/art/policy
	install -m 644 examples/policy/*.json $(DESTDIR)$(PREFIX)/share/art/policy/
	@for m in $(MAN_SRC); do s=$${m##*.}; install -d $(DESTDIR)$(PREFIX)/share/man/man$$s; \
		install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done

check-man:
	@for m in $(MAN_SRC); do mandoc -Tlint -Wwarning $$m || exit 1; done

clean:
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(CMD_SRC:%.c=$(BUILD)/%.d) $(UT_SRC:%.c=$(BUILD)/%.d)
