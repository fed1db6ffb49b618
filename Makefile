# iysgate: `make run` serves the appliance, `make test` runs every test.
# Both install the Debian packages they need when they are missing
# (PostgreSQL server binaries; for tests also chromium and promtool).

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT  := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get
GO   ?= go

.PHONY: run test build deps deps-test bench fuzz

run: deps
	$(GO) run . serve

build:
	$(GO) build -trimpath -o iysgate .

test: deps-test
	$(GO) test -count=1 -timeout 45m ./...

# PostgreSQL server binaries (initdb, pg_ctl, postgres) for the private cluster.
deps:
	@command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
		{ echo "PostgreSQL sunucu programları kuruluyor..."; $(APT) update -qq && $(APT) install -y -qq postgresql; }

# Tests also drive Debian's chromium and check /metrics with promtool.
deps-test: deps
	@command -v chromium >/dev/null 2>&1 || { echo "chromium kuruluyor..."; $(APT) update -qq && $(APT) install -y -qq chromium; }
	@command -v promtool >/dev/null 2>&1 || { echo "promtool (prometheus) kuruluyor..."; $(APT) update -qq && $(APT) install -y -qq prometheus; }

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz:
	$(GO) test ./app/consent -run '^$$' -fuzz FuzzNormalizePhone -fuzztime 60s
	$(GO) test ./app/consent -run '^$$' -fuzz FuzzNormalizeEmail -fuzztime 60s
	$(GO) test ./app/consent -run '^$$' -fuzz FuzzParseDate -fuzztime 60s
