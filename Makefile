# sk400vop — the two commands a fresh machine needs are `make demo` and `make test`.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
export GOFLAGS := -buildvcs=false
GO ?= go
FUZZTIME ?= 10m

.PHONY: all demo test vet unit interop bench-check bench fuzz tools

all: test

# Fail loudly when the Go toolchain is missing: it cannot be installed from
# Debian at the version go.mod needs.
tools:
	@command -v $(GO) >/dev/null || { echo "error: Go toolchain not found (need go as in go.mod)" >&2; exit 1; }
	@$(GO) version
	$(GO) mod download

demo: tools
	@echo "sk400vop: the loopback call demo arrives with the C API (issue 6)."
	@echo "Today the engine has its message core, transactions and transports (see README.md);"
	@echo "run 'make test' to exercise them."

test: tools vet unit interop bench-check

vet:
	$(GO) vet ./...
	cd bench && $(GO) vet ./...

# The race-enabled suite, including the RFC 4475/5118 torture corpus read
# from ../shared/corpus.
unit:
	$(GO) test -race -count=1 ./...

# Real peers on 127.0.0.1 (interop/README.md): install whichever of
# Kamailio, baresip and SIPp is missing from Debian, then run the interop
# suite, which skips unless SK400VOP_INTEROP=1.
INTEROP_PKGS := kamailio:kamailio baresip:baresip-core sipp:sip-tester
interop:
	@set -e; export PATH="$$PATH:/usr/sbin:/sbin"; missing=""; \
	for pair in $(INTEROP_PKGS); do \
		command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "interop: installing$$missing with apt-get"; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; \
		{ $$sudo apt-get -q update && \
		  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -q -y --no-install-recommends \
			-o DPkg::Lock::Timeout=120$$missing; } \
		|| { echo "error: interop: apt-get could not install$$missing (needs root or passwordless sudo and a Debian mirror)" >&2; exit 1; }; \
	fi; \
	for pair in $(INTEROP_PKGS); do \
		command -v $${pair%%:*} >/dev/null || { echo "error: interop: $${pair%%:*} still missing after installing $${pair#*:}" >&2; exit 1; }; \
	done
	SK400VOP_INTEROP=1 $(GO) test -race -count=1 -timeout=5m -v ./interop/

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
