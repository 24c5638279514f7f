# sk400vop — the two commands a fresh machine needs are `make demo` and `make test`.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
export GOFLAGS := -buildvcs=false
GO ?= go
FUZZTIME ?= 10m

.PHONY: all demo demo-tools test vet unit allocs notls bindings interop bench-check bench fuzz tools lib install ctest ctest-asan cmake-tool footprint FORCE

all: test

# Fail loudly when the Go toolchain is missing: it cannot be installed from
# Debian at the version go.mod needs.
tools:
	@command -v $(GO) >/dev/null || { echo "error: Go toolchain not found (need go as in go.mod)" >&2; exit 1; }
	@$(GO) version
	$(GO) mod download

# The loopback call: builds the shared library and the softphone with CMake (the
# Go library through the Go toolchain), then two softphone processes call
# each other over 127.0.0.1 with a generated 440 Hz WAV and DTMF, and
# examples/c/demo.sh checks events, SIP ladder, RTP figures and the
# recording. Needs nothing built before; C tools come from Debian if missing.
demo: tools demo-tools
	cmake -S . -B $(BUILD)/cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGO_EXECUTABLE=$$(command -v $(GO)) >/dev/null
	cmake --build $(BUILD)/cmake -j --target softphone wavtool >/dev/null
	@sh examples/c/demo.sh $(BUILD)/cmake

# cmake and a C/C++ compiler (CMake's project needs both) from Debian when
# missing; failing to get them fails loudly.
DEMO_TOOLS := cmake:cmake cc:gcc c++:g++
demo-tools:
	@sh scripts/need-debs.sh demo $(DEMO_TOOLS)

test: tools vet unit allocs interop bench-check ctest bindings notls

vet:
	$(GO) vet ./...
	cd bench && $(GO) vet ./...

# The race-enabled suite, including the RFC 4475/5118 torture corpus read
# from ../shared/corpus.
unit:
	$(GO) test -race -count=1 ./...

# The allocation-count tests skip under the race detector, whose
# instrumentation moves values to the heap: run them once without it.
allocs:
	$(GO) test -count=1 -run 'Alloc|Builders|StampVia|SizeClass' ./engine/...

# The bindings' smoke tests (bindings/*/README.md), each against the
# library make lib builds: Python through ctypes; Java through its JNI glue
# (needs a JDK: javac).
BINDINGS_TOOLS := python3:python3 javac:default-jdk-headless
bindings: lib
	@sh scripts/need-debs.sh bindings $(BINDINGS_TOOLS)
	sh bindings/python/test.sh $(LIB_SO)
	sh bindings/java/test.sh $(LIB_SO)

# The library without TLS (LIB_TLS=0, Go tag sk400vop_notls): it builds,
# vets, refuses TLS with its clear error, stays within issue 6's size
# budget (NOTLS_MAX_BYTES) with only sk400vop_* exported, and registers to
# Kamailio from C (examples/c/footprint.c dlopen()s it).
NOTLS_MAX_BYTES := 6000000
notls: cmake-tool
	$(GO) vet -tags sk400vop_notls ./...
	$(GO) test -count=1 -tags sk400vop_notls -run 'NoTLS|TLSDialer' ./engine/transport
	$(MAKE) --no-print-directory -B BUILD=$(BUILD)/notls LIB_TLS=0 $(BUILD)/notls/libsk400vop.so.$(ABI_MAJOR)
	@so=$(BUILD)/notls/libsk400vop.so.$(ABI_MAJOR); size=$$(stat -c %s $$so); \
	other=$$(nm -D --defined-only $$so | awk '$$2 != "A" && $$3 !~ /^sk400vop_/' | wc -l); \
	echo "notls: $$so $$size bytes (max $(NOTLS_MAX_BYTES)), $$other exports not sk400vop_*"; \
	[ $$size -le $(NOTLS_MAX_BYTES) ] && [ $$other -eq 0 ] || { echo "error: notls library over budget or exporting more" >&2; exit 1; }
	cmake -S . -B $(BUILD)/cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGO_EXECUTABLE=$$(command -v $(GO)) >/dev/null
	cmake --build $(BUILD)/cmake --target footprint >/dev/null
	sh examples/c/footprint.sh $(BUILD)/cmake/footprint $(BUILD)/notls/libsk400vop.so.$(ABI_MAJOR)

# Real peers on 127.0.0.1 (interop/README.md): install whichever of
# Kamailio, baresip and SIPp is missing from Debian, then run the interop
# suite, which skips unless SK400VOP_INTEROP=1. INTEROP_DEBS are packages
# without a command of their own (Kamailio modules), checked with dpkg-query.
INTEROP_PKGS := kamailio:kamailio baresip:baresip-core sipp:sip-tester
INTEROP_DEBS := kamailio-presence-modules libssl-dev
interop:
	@sh scripts/need-debs.sh interop $(INTEROP_PKGS) $(addprefix :,$(INTEROP_DEBS))
	@mkdir -p build; set -o pipefail; \
	SK400VOP_INTEROP=1 $(GO) test -race -count=1 -timeout=5m -v ./interop/ 2>&1 | tee build/interop.log \
	|| { echo "==== interop failed; the test lines (peer logs above, whole output in build/interop.log):"; \
	     grep -E -- '--- FAIL|\.go:[0-9]+: ' build/interop.log | tail -60; exit 1; }

# Every benchmark must build and run once on every test run; `make bench`
# runs them for real (docs/PERFORMANCE.md has the figures).
bench-check:
	$(GO) test -run=^$$ -bench=. -benchtime=1x ./engine/...
	cd bench && $(GO) test -run=^$$ -bench=. -benchtime=1x ./...

bench:
	mkdir -p build
	cd bench && $(GO) test -run=^$$ -bench=. -benchmem -count=10 ./ | tee ../build/bench.txt
	cd bench && $(GO) run ./cmd/ratios < ../build/bench.txt
	$(GO) test -run=^$$ -bench=. -benchmem ./engine/transaction ./engine/loop | tee -a build/bench.txt

# Every fuzz target for FUZZTIME each (go test -fuzz takes one target at a time).
fuzz:
	@for t in $$($(GO) test -list='^Fuzz' ./engine/sip | grep ^Fuzz); do \
		echo "== $$t"; $(GO) test -run=^$$ -fuzz=^$$t$$ -fuzztime=$(FUZZTIME) ./engine/sip || exit 1; \
	done

# ---- The C library (issue 6): include/sk400vop.h over capi/ ----
#
# libsk400vop.so is c-shared, stripped, with only sk400vop_* exported (the
# version script is a named node given through -extldflags, STYLE rule 27)
# and SONAME libsk400vop.so.$(ABI_MAJOR); libsk400vop.a is the c-archive
# (iOS, static links). The cgo-generated headers are discarded: the one
# contract is include/sk400vop.h.
ABI_MAJOR := 1
comma := ,
BUILD := $(CURDIR)/build
LIB_SO := $(BUILD)/libsk400vop.so.$(ABI_MAJOR)
LIB_GOFLAGS := -trimpath -buildvcs=false
# LIB_RELR packs the relative relocations (-z pack-relative-relocs,
# DT_RELR: 0.7 MB smaller file, 1 MB less RSS, docs/PERFORMANCE.md
# "Footprint"); the library then needs glibc >= 2.36 to load (an older one
# refuses it by its GLIBC_ABI_DT_RELR version, it does not crash). "auto",
# the default, packs when this host has glibc >= 2.36 and a linker that
# packs: a library runs on the glibc generation it was built on anyway.
# LIB_RELR=0 for a library meant for older systems (Ubuntu 22.04: 2.35).
LIB_RELR ?= auto
ifeq ($(LIB_RELR),auto)
override LIB_RELR := $(shell sh capi/relr-ok.sh $${CC:-cc})
endif
# LIB_TLS=0 builds the library without crypto/tls (Go tag sk400vop_notls):
# 1.5 MB smaller, for apps whose platform does TLS; TLS listen specs, TLS
# targets and sips URIs are then refused with a clear error.
LIB_TLS ?= 1
LIB_GOFLAGS += $(if $(filter 0,$(LIB_TLS)),-tags=sk400vop_notls)
LIB_LDFLAGS := -s -w -buildid= -extldflags=-Wl,--version-script=$(CURDIR)/capi/exports.map,-soname,libsk400vop.so.$(ABI_MAJOR)$(if $(filter 1,$(LIB_RELR)),$(comma)-z$(comma)pack-relative-relocs)
LIB_SRCS := $(wildcard capi/*.go capi/*.c capi/*.h capi/exports.map include/*.h) go.mod go.sum
PREFIX ?= /usr/local

lib: $(LIB_SO) $(BUILD)/libsk400vop.a

# The libraries depend on the build options too: a library built with
# LIB_TLS=0 is rebuilt by a plain `make lib`, not taken as up to date.
LIB_CONFIG := tls=$(LIB_TLS) relr=$(LIB_RELR)
$(BUILD)/.lib-config: FORCE
	@mkdir -p $(BUILD); [ "$$(cat $@ 2>/dev/null)" = "$(LIB_CONFIG)" ] || echo "$(LIB_CONFIG)" > $@
FORCE:

$(LIB_SO): $(BUILD)/.lib-config $(LIB_SRCS) $(shell find engine media -name '*.go' ! -name '*_test.go')
	@mkdir -p $(BUILD)
	$(GO) build -buildmode=c-shared $(LIB_GOFLAGS) -ldflags='$(LIB_LDFLAGS)' -o $@ ./capi
	rm -f $(BUILD)/libsk400vop.so.h $(BUILD)/libsk400vop.so.$(ABI_MAJOR).h
	ln -sf libsk400vop.so.$(ABI_MAJOR) $(BUILD)/libsk400vop.so

$(BUILD)/libsk400vop.a: $(BUILD)/.lib-config $(LIB_SRCS) $(shell find engine media -name '*.go' ! -name '*_test.go')
	@mkdir -p $(BUILD)
	$(GO) build -buildmode=c-archive $(LIB_GOFLAGS) -ldflags='-s -w -buildid=' -o $@ ./capi
	rm -f $(BUILD)/libsk400vop.h

# cmake comes from Debian when missing; failing to get it fails loudly.
cmake-tool:
	@sh scripts/need-debs.sh ctest cmake:cmake

# The C examples and tests through CMake: the library is built by CMake
# through the Go toolchain, the examples run as tests under ctest, then the
# same suite again with the C side under AddressSanitizer and UBSan
# (capi/lsan.supp documents what LeakSanitizer is told to ignore).
ctest: cmake-tool
	cmake -S . -B $(BUILD)/cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGO_EXECUTABLE=$$(command -v $(GO))
	cmake --build $(BUILD)/cmake -j
	cd $(BUILD)/cmake && ctest --output-on-failure --timeout 60
	$(MAKE) ctest-asan

ctest-asan: cmake-tool
	cmake -S . -B $(BUILD)/cmake-asan -DCMAKE_BUILD_TYPE=Debug -DSK400VOP_SANITIZE=ON -DGO_EXECUTABLE=$$(command -v $(GO))
	cmake --build $(BUILD)/cmake-asan -j
	cd $(BUILD)/cmake-asan && ctest --output-on-failure --timeout 60

# Issue 6's footprint (docs/PERFORMANCE.md "Footprint"): the stripped size
# of $(LIB_SO), its exported functions, then examples/c/footprint.c, which
# dlopen()s it, registers to a Kamailio on 127.0.0.1 (footprint.sh) and
# reports time, RSS and the idle wake-ups over IDLE seconds.
IDLE ?= 60
footprint: lib cmake-tool
	cmake -S . -B $(BUILD)/cmake -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGO_EXECUTABLE=$$(command -v $(GO)) >/dev/null
	cmake --build $(BUILD)/cmake --target footprint >/dev/null
	@echo "size-bytes $$(stat -c %s $(LIB_SO))"
	@echo "exported-functions $$(nm -D --defined-only $(LIB_SO) | awk '$$2 == "T"' | wc -l)"
	@echo "exported-not-sk400vop $$(nm -D --defined-only $(LIB_SO) | awk '$$2 != "A" && $$3 !~ /^sk400vop_/' | wc -l)"
	sh examples/c/footprint.sh $(BUILD)/cmake/footprint $(LIB_SO) --idle $(IDLE)

# Installs header, libraries, sk400vop.pc and the CMake package config.
install: cmake-tool
	cmake -S . -B $(BUILD)/cmake-install -DCMAKE_BUILD_TYPE=Release -DSK400VOP_EXAMPLES=OFF \
		-DCMAKE_INSTALL_PREFIX=$(PREFIX) -DGO_EXECUTABLE=$$(command -v $(GO))
	cmake --build $(BUILD)/cmake-install -j
	cmake --install $(BUILD)/cmake-install
