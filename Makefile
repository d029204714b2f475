GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: build run test bench vet clean

## build: compile bin/owed
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/owed ./cmd/owed

## run: the bot, the Slack sandbox and demo data on a local Postgres under .owed/
run: build
	./bin/owed dev

## test: every test; starts a throw-away Postgres unless TEST_DATABASE_URL or DATABASE_URL is set
test:
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		$(GO) test -timeout 10m ./... ; \
	elif [ -n "$$DATABASE_URL" ]; then \
		TEST_DATABASE_URL="$$DATABASE_URL" $(GO) test -timeout 10m ./... ; \
	else \
		$(GO) run ./internal/withpg -- $(GO) test -timeout 10m ./... ; \
	fi

## bench: the performance targets on 1M invoices / 100k customers, each beside its baseline (large data; slow)
bench:
	$(GO) run ./internal/withpg -- $(GO) test -p 1 -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)

clean:
	rm -rf bin
