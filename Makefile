# monhook: `make help` lists the targets.
# VERSION is computed once (not on every use), so a build and the check of that build agree.
ifndef VERSION
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
endif
# The commit built: the starting log line's revision (-X main.revision) and the image's org.opencontainers.image.revision.
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
	bench bench-go bench-load fuzz soak attack image-local image-test image-deps chart-check readme-check readme-tools

# `make help` prints the targets with a `## ` comment, under the `##@ ` heading above them.
##@ Start here

help: ## list the targets, by group
	@awk 'BEGIN {FS = ":.*## "} /^##@ / {printf "\n%s\n", substr($$0, 5)} /^[a-z-]+:.*## / {printf "  %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## serve gRPC on 0.0.0.0:50051 and the admin listener on 127.0.0.1:9464 (text logs; RUN_FLAGS="--admin-listen=" to turn it off)
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/monhook serve --log-format text $(RUN_FLAGS)

##@ Build and images

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

# A Docker engine when one answers, else podman (with the docker format, which keeps the HEALTHCHECK).
image: ## build IMAGE:VERSION and IMAGE-alert-manager:VERSION from the Dockerfile (docker or podman; pulls the pinned bases)
	@if docker info >/dev/null 2>&1; then engine="docker build"; \
	elif command -v podman >/dev/null 2>&1; then engine="podman build --format docker"; \
	else echo "make image: no Docker engine answers and podman is not installed (make image-deps installs it)"; exit 1; fi; \
	args="--build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION)"; set -x; \
	$$engine $$args --target monitoring -t $(IMAGE):$(VERSION) . && \
	$$engine $$args --target alert-manager -t $(IMAGE)-alert-manager:$(VERSION) .

image-local: build-static ## the same two images built offline with podman: the Dockerfile's runtime stages on bin/monhook-static and a scratch base
	deploy/image/build-local.sh $(IMAGE) $(VERSION) $(REVISION) bin/monhook-static

image-test: image-local ## run the images with podman: SERVING, Event.parse, /readyz, HEALTHCHECK, read-only root, any UID, SIGTERM, size, user
	MONHOOK_IMAGE=$(IMAGE):$(VERSION) MONHOOK_IMAGE_VARIANT=$(IMAGE)-alert-manager:$(VERSION) MONHOOK_IMAGE_VERSION=$(VERSION) \
		$(GO) test -count=1 -tags image -run '^TestImage' -v ./test

image-deps: ## install what image-local and image-test need from Debian's packages: podman, runc, CA certificates (as root)
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman runc ca-certificates

##@ Checks (make check runs them all, as CI does)

check: fmt-check vet tidy-check proto-check lint check-static test chart-check ## every check CI runs that needs only Go (CI adds readme-check and image-test)

# helm and kubecheck are pinned in deploy/tools/go.mod, a module of its own, so that Kubernetes' and Helm's
# dependencies never pin monhook's. Their first build takes a few minutes; Go's build cache keeps it.
CHART := deploy/helm/monhook

chart-check: golangci-lint ## helm lint --strict and helm template of deploy/helm/monhook (defaults, every ci/*-values.yaml), manifests validated offline against Kubernetes' schemas; the chart's tests
	cd deploy/tools && $(GO) mod tidy -diff && $(GO) vet ./... && $(GOLANGCI) run ./...
	@set -e; cd deploy/tools; for values in "" $(patsubst $(CHART)/%,%,$(wildcard $(CHART)/ci/*-values.yaml)); do \
		echo "== $(CHART) $${values:-(default values)}"; \
		$(GO) tool helm lint --strict ../helm/monhook $${values:+-f ../helm/monhook/$$values}; \
		$(GO) tool helm template monhook ../helm/monhook $${values:+-f ../helm/monhook/$$values} | $(GO) run ./cmd/kubecheck -; \
	done
	cd deploy/tools && $(GO) test -count=1 ./...

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

##@ Performance and reliability

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
	./adapters/grpc:FuzzAsMap ./adapters/grpc:FuzzAsMapWire ./adapters/grpc:FuzzDecodeDocument ./adapters/grpc:FuzzCodecRequest ./adapters/grpc:FuzzParseWire \
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

##@ The README's examples

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
