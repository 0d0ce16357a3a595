# monhook: `make help` lists the targets.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
GO      ?= go

.DEFAULT_GOAL := help
.PHONY: help run build test vet fmt-check tidy-check proto proto-check check

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## serve on 0.0.0.0:50051 (configs/monhook.yaml, text logs)
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/monhook serve --log-format text

build: ## build bin/monhook with the version from git describe
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/monhook ./cmd/monhook

test: ## run every test with the race detector
	$(GO) test -race -count=1 ./...

vet: ## go vet
	$(GO) vet ./...

fmt-check: ## fail when a file is not gofmt-formatted
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

tidy-check: ## fail when go.mod/go.sum are not tidy
	$(GO) mod tidy -diff

proto: ## regenerate the Go code beside the .proto files (pinned local generators)
	cd proto && $(GO) tool buf generate

proto-check: proto ## fail when the committed generated code is stale
	@git diff --exit-code -- proto || { echo "generated code is stale: run make proto and commit"; exit 1; }
	@test -z "$$(git ls-files --others --exclude-standard -- proto)" || { echo "make proto made new files: commit them"; exit 1; }

check: fmt-check vet tidy-check proto-check test ## everything CI runs
