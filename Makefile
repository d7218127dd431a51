# streampay: PGXS build.  `make`, `make install`, `make installcheck` work
# against whichever server PG_CONFIG names.

EXTENSION = streampay
MODULE_big = streampay
DATA = sql/streampay--0.1.0.sql sql/streampay--0.1.0--0.2.0.sql \
	sql/streampay--0.2.0--0.3.0.sql sql/streampay--0.3.0--0.4.0.sql sql/streampay--0.4.0--0.5.0.sql \
	sql/streampay--0.5.0--0.6.0.sql sql/streampay--0.6.0--0.7.0.sql \
	sql/streampay--0.7.0--0.7.1.sql sql/streampay--0.7.1--0.7.2.sql

# pure core (no PostgreSQL headers) and the fmgr/trigger glue
CORE_OBJS = src/fixed.o src/accrual.o src/status.o src/transition.o \
	src/numeric_codec.o src/strkey.o src/evm.o src/keccak.o src/signature.o
GLUE_OBJS = src/streampay.o src/stream_row.o src/errors.o src/trigger.o \
	src/kept.o src/lookup.o src/functions.o src/chains.o src/validate.o src/ledger.o \
	src/webhook.o src/addresses.o src/row_support.o src/merge.o src/aggregates.o \
	src/rederive.o src/agg_rewrite.o src/citus.o src/chain_id.o src/apply.o src/ingest.o src/probe.o \
	src/webhook_event.o src/account.o
OBJS = $(CORE_OBJS) $(GLUE_OBJS)

# the version compiled into the module's magic block (pg_get_loaded_modules, 18+)
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" streampay.control)
PG_CPPFLAGS = -Isrc -DSP_VERSION='"$(EXTVERSION)"'
# -Wextra less two warnings PostgreSQL's own build (no -Wextra) never
# meets: its headers' inline functions trip the first, {0} the second
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

# explicit list: sql/ also holds the install script, which is not a test
REGRESS = schema transitions accrual settlement rules functions timezone \
	precision lookup validation ledger ingest privileges bad_input row_forms \
	accounts chain_order aggregate_columns webhook_parse collation
REGRESS_OPTS = --load-extension=streampay

# race tests: test/specs/*.spec, expected output in test/expected
ISOLATION = pause_cancel pause_resume settle_settle settle_cancel rate_settle \
	topup_cancel complete_due_pause implicit_time ingest_twice notify ingest_order
ISOLATION_OPTS = --inputdir=test --load-extension=streampay

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PostgreSQL 18 only: RETURNING old/new, and the module magic block's name and version
ifeq ($(filter 15 16 17,$(MAJORVERSION)),)
REGRESS += v18
endif

# `make dist`: the PGXN release, $(EXTENSION)-<version>.zip, from the
# committed tree (git archive HEAD; .gitattributes' export-ignore leaves out
# .ci/ and debian/).  The version is META.json's, which must equal
# streampay.control's default_version.
DISTVERSION = $(shell python3 -c 'import json; print(json.load(open("META.json"))["version"])')
DISTNAME = $(EXTENSION)-$(DISTVERSION)

dist:
	@test -n "$(DISTVERSION)" && test "$(DISTVERSION)" = "$(EXTVERSION)" || \
		{ echo "META.json version '$(DISTVERSION)' != streampay.control default_version '$(EXTVERSION)'" >&2; exit 1; }
	@git diff --quiet HEAD -- || echo "warning: uncommitted changes are not in $(DISTNAME).zip" >&2
	git archive --format zip --prefix=$(DISTNAME)/ -o $(DISTNAME).zip HEAD

.PHONY: dist

# the magic block carries the control file's version
src/streampay.o: streampay.control

# PGXS tracks no header dependencies (unless the server was configured with
# --enable-depend): rebuild every object when a header changes, so a changed
# struct or enum never meets an object compiled against the old one
$(OBJS): $(wildcard src/*.h)
