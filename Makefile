# monhook: `make help` lists the targets.
# VERSION is computed once (not on every use), so a build and the check of that build agree.
ifndef VERSION
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
endif
ifndef REVISION
REVISION := $(shell git rev-parse HEAD 2>/dev/null)
endif
LDFLAGS := -X main.version=$(VERSION) -X main.revision=$(REVISION)
GO      ?= go
IMAGE   ?= monhook

# golangci-lint is not a go.mod tool (its dependencies would pin ours): it is installed pinned into bin/.
GOLANGCI_VERSION := 2.15.0
GOLANGCI         := $(CURDIR)/bin/golangci-lint

.DEFAULT_GOAL := help
.PHONY: help run build build-static check-static image test vet fmt-check tidy-check lint golangci-lint proto proto-check check \
	bench bench-go bench-load fuzz soak attack readme-check readme-tools

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## serve gRPC on 0.0.0.0:50051 and the admin listener on 127.0.0.1:9464 (text logs; RUN_FLAGS="--admin-listen=" to turn it off)
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/monhook serve --log-format text $(RUN_FLAGS)

# CGO_ENABLED=0: nothing needs cgo, and without it the process reserves far less address space (no 8 MiB C stack
# per thread), which matters under ulimit -v.
build: ## build bin/monhook (static, CGO_ENABLED=0) with the version from git describe
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/monhook ./cmd/monhook

build-static: ## build bin/monhook-static: CGO_ENABLED=0, -trimpath, stripped (what the image runs)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w $(LDFLAGS)" -o bin/monhook-static ./cmd/monhook

# go version -m reads the build settings the toolchain recorded, so the check needs neither file(1) nor ldd;
# ldd, where present, must also refuse the binary ("not a dynamic executable").
check-static: build-static ## fail unless bin/monhook-static is static, runs and reports VERSION
	@$(GO) version -m bin/monhook-static | grep -qE '^[[:space:]]+build[[:space:]]+CGO_ENABLED=0$$' \
		|| { echo "bin/monhook-static: not built with CGO_ENABLED=0"; exit 1; }
	@if command -v ldd >/dev/null 2>&1 && ldd bin/monhook-static >/dev/null 2>&1; then \
		echo "bin/monhook-static: dynamically linked:"; ldd bin/monhook-static; exit 1; fi
	@got="$$(bin/monhook-static version)"; if [ "$$got" != "$(VERSION)" ]; then \
		echo "bin/monhook-static version = $$got, want $(VERSION)"; exit 1; fi
	@echo "bin/monhook-static: static, runs, version $(VERSION)"

image: ## docker build monhook:VERSION (needs a Docker engine)
	@command -v docker >/dev/null 2>&1 || { echo "make image: no docker command here; build the image where a Docker engine runs"; exit 1; }
	@docker info >/dev/null 2>&1 || { echo "make image: docker cannot reach a Docker engine; build the image where one runs"; exit 1; }
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION) .

test: ## run every test with the race detector
	$(GO) test -race -count=1 ./...

vet: ## go vet
	$(GO) vet ./...

fmt-check: ## fail when a file is not gofmt-formatted
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

tidy-check: ## fail when go.mod/go.sum are not tidy
	$(GO) mod tidy -diff

lint: golangci-lint ## buf lint (proto/buf.yaml) and golangci-lint (.golangci.yml)
	cd proto && $(GO) tool buf lint
	$(GOLANGCI) run ./...

# Installs golangci-lint into bin/ only when it is missing or another version.
golangci-lint:
	@if [ "$$($(GOLANGCI) version --short 2>/dev/null)" != "$(GOLANGCI_VERSION)" ]; then \
		echo "installing golangci-lint v$(GOLANGCI_VERSION) into bin/"; \
		GOBIN=$(CURDIR)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v$(GOLANGCI_VERSION); \
	fi

proto: ## regenerate the Go code beside the .proto files (pinned local generators)
	cd proto && $(GO) tool buf generate

proto-check: proto ## fail when the committed generated code is stale
	@git diff --exit-code -- proto || { echo "generated code is stale: run make proto and commit"; exit 1; }
	@test -z "$$(git ls-files --others --exclude-standard -- proto)" || { echo "make proto made new files: commit them"; exit 1; }

BENCH_TIME ?= 1s
LOAD_FLAGS ?=

bench: bench-go bench-load ## Go benchmarks (-benchmem), then the gRPC load comparison with the bare baseline (see BENCHMARKS.md)

bench-go: ## Go benchmarks with -benchmem: options, metadata, every source parser, Struct <-> domain conversions
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCH_TIME) ./...

bench-load: ## load monhook and test/bench/baseline in turn on loopback (LOAD_FLAGS="-duration 3s -rounds 3")
	$(GO) run ./test/bench/load $(LOAD_FLAGS)

FUZZTIME ?= 30s
# package:target pairs; go test -fuzz takes one target per run.
FUZZ_TARGETS := \
	./domain/option:FuzzParse ./domain/option:FuzzPathSegments ./domain/option:FuzzTemplateParts \
	./domain/source:FuzzNormalize ./domain/source:FuzzNormalizeWithOptions \
	./adapters/grpc:FuzzAsMap ./adapters/grpc:FuzzAsMapWire ./adapters/grpc:FuzzParseWire \
	./domain/trust:FuzzTrust
SOAK_CALLERS ?= 100
SOAK_DURATION ?= 60s

# A run fails only when it writes a reproducer to <package>/testdata/fuzz/<target>: Go 1.26's coordinator can end a
# clean run with "context deadline exceeded" at the -fuzztime boundary (go.dev/issue/75804), which is no finding.
fuzz: ## Fuzz every target for FUZZTIME each (default 30s); a crasher lands in the package's testdata/fuzz
	@set -u; failed=0; for pt in $(FUZZ_TARGETS); do \
		pkg=$${pt%%:*}; target=$${pt##*:}; corpus=$$pkg/testdata/fuzz/$$target; \
		before=$$(ls $$corpus 2>/dev/null | wc -l); \
		echo "== $$target ($$pkg, $(FUZZTIME))"; \
		if ! go test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg; then \
			if [ "$$(ls $$corpus 2>/dev/null | wc -l)" -gt "$$before" ]; then failed=1; \
			else echo "== $$target: no reproducer written; the fuzz coordinator's deadline race, not a finding"; fi; \
		fi; \
	done; exit $$failed

attack: ## the hostile-traffic attacks that once killed the process, at once, against the built binary under ulimit -v 2 GiB
	$(GO) test -count=1 -tags attack -run 'TestAttacks' -v ./test

soak: ## Soak a built server on loopback: SOAK_CALLERS concurrent callers (100) for SOAK_DURATION (60s)
	go run ./test/soak -callers $(SOAK_CALLERS) -duration $(SOAK_DURATION)

# The versions the README tells users to install.
GRPCURL_VERSION      := 1.9.4
HEALTH_PROBE_VERSION := 0.4.62

readme-check: readme-tools ## run the README's shell examples as written against the built binary (needs curl)
	PATH=$(CURDIR)/bin:$$PATH $(GO) test -count=1 -tags readme -run 'TestREADMEShellExamples' -v ./test

# grpcurl and grpc-health-probe, as the README installs them, into bin/ (not go.mod tools: they would pin ours).
readme-tools:
	@if ! $(GO) version -m $(CURDIR)/bin/grpcurl 2>/dev/null | grep -q "grpcurl[[:space:]]*v$(GRPCURL_VERSION)"; then \
		GOBIN=$(CURDIR)/bin $(GO) install github.com/fullstorydev/grpcurl/cmd/grpcurl@v$(GRPCURL_VERSION); fi
	@if ! $(GO) version -m $(CURDIR)/bin/grpc-health-probe 2>/dev/null | grep -q "grpc-health-probe[[:space:]]*v$(HEALTH_PROBE_VERSION)"; then \
		GOBIN=$(CURDIR)/bin $(GO) install github.com/grpc-ecosystem/grpc-health-probe@v$(HEALTH_PROBE_VERSION); fi

check: fmt-check vet tidy-check proto-check lint check-static test ## everything CI runs
