# tipring — build, run and test the gateway firmware.
GO      ?= go
BIN     := bin
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
PKGS    := ./...

.PHONY: all build run test test-short bench lint cross clean test-dahdi bench-anchors

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/tipringd ./cmd/tipring

# The daemon on its embedded default: simulated board, SIP on 127.0.0.1:5060,
# web UI and API on http://127.0.0.1:8080. CDRs go to ./data.
run: build
	$(BIN)/tipringd --data-dir data

# Every test, including interop with SIPp, Kamailio, baresip and sipvicious
# on loopback. Packages run one at a time (-p 1): many tests clock real RTP
# against the wall clock and measure audio levels to the decibel, which a
# second CPU-heavy package on a two-core machine would disturb.
test:
	$(GO) test -p 1 -count=1 -timeout 30m $(PKGS)

# Unit tests only (no third-party peers).
test-short:
	$(GO) test -count=1 -short $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 -timeout 20m ./dsp/... ./sip/... ./hal/... ./gateway/...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' ; git ls-files -o --exclude-standard '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

cross:
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/linux-amd64/ ./cmd/tipringd ./cmd/tipring
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/linux-arm64/ ./cmd/tipringd ./cmd/tipring

clean:
	rm -rf $(BIN)

# hal/dahdi against the real DAHDI kernel driver in a qemu (TCG) guest built
# from Debian packages; cached under build/dahdi-vm. Needs root or sudo for
# apt-get on the first run. Ends with an "N passed, N failed" line.
test-dahdi:
	bash scripts/dahdi-vm/run.sh

# The DSP benchmarks side by side with spandsp on the same workloads
# (tipring/spandsp ratio per workload). Needs cgo and libspandsp-dev;
# installs nothing.
bench-anchors:
	@if ! pkg-config --exists spandsp 2>/dev/null && ! test -f /usr/include/spandsp/dtmf.h; then \
	  echo "bench-anchors: spandsp headers not found: install Debian's libspandsp-dev (apt-get install libspandsp-dev)" >&2; exit 1; fi
	CGO_ENABLED=1 $(GO) test -tags anchors -run '^TestAnchors$$' -count=1 -v -timeout 20m ./bench/anchors/
