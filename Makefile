# iysgate: `make run` serves the appliance, `make test` runs every test.
# Both install the Debian packages they need when they are missing
# (PostgreSQL server binaries; for tests also chromium and promtool).

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT  := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get
GO   ?= go

.PHONY: run test lint build deps deps-test bench fuzz

run: deps
	$(GO) run . serve

build:
	$(GO) build -trimpath -o iysgate .

test: deps-test lint
	$(GO) test -count=1 -parallel 4 -timeout 45m ./...

# The gates every change passes before its tests run: a tidy module,
# formatted code, go vet and staticcheck (pinned; fetched through the Go
# module proxy on first use).
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	$(GO) mod tidy -diff
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt -w gerekli:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# PostgreSQL server binaries (initdb, pg_ctl, postgres) for the private cluster.
deps:
	@command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
		{ echo "PostgreSQL sunucu programları kuruluyor..."; $(APT) update -qq && $(APT) install -y -qq postgresql; }

# Tests also drive Debian's chromium, check /metrics and the alert rules
# (deploy/prometheus) with promtool, and read workbooks written by
# LibreOffice Calc and openpyxl.
deps-test: deps
	@command -v chromium >/dev/null 2>&1 || { echo "chromium kuruluyor..."; $(APT) update -qq && $(APT) install -y -qq chromium; }
	@command -v promtool >/dev/null 2>&1 || { echo "promtool (prometheus) kuruluyor..."; $(APT) update -qq && $(APT) install -y -qq prometheus; }
	@command -v soffice >/dev/null 2>&1 || { echo "LibreOffice Calc kuruluyor..."; $(APT) update -qq && $(APT) install -y -qq libreoffice-calc-nogui; }
	@/usr/bin/python3 -c 'import openpyxl' 2>/dev/null || { echo "openpyxl kuruluyor..."; $(APT) update -qq && $(APT) install -y -qq python3-openpyxl; }

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz:
	$(GO) test ./app/consent -run '^$$' -fuzz FuzzNormalizePhone -fuzztime 60s
	$(GO) test ./app/consent -run '^$$' -fuzz FuzzNormalizeEmail -fuzztime 60s
	$(GO) test ./app/consent -run '^$$' -fuzz FuzzParseDate -fuzztime 60s
	$(GO) test ./app/consent -run '^$$' -fuzz FuzzCleanText -fuzztime 60s
	$(GO) test ./app/importer -run '^$$' -fuzz FuzzSheetBoundaries -fuzztime 60s -fuzzminimizetime 2s
