# CloudPlane: `make run` starts the main job, `make test` runs every test. Both install what they
# need first (Debian packages, see scripts/install-deps.sh) and are safe to repeat.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

RELEASE_BIN := .build/release/cloudplane
SCENARIOS := $(sort $(wildcard Scenarios/*.yaml))

.PHONY: all deps build run test lint test-unit test-integration smoke bench clean

all: build

deps:
	@bash scripts/install-deps.sh

# Release build of the one executable (benchmarks, scenario suites and `make run` use it).
build: deps
	swift build -c release --product cloudplane

# The main job: the control plane on its embedded default, a simulated datacenter (the topology,
# workload and timeline of Scenarios/demo.yaml) in real time, serving /metrics and /healthz on
# 127.0.0.1:5007 until Ctrl-C.
run: build
	$(RELEASE_BIN) serve

# Quick end-to-end checks against the release binary (figures printed, never asserted on time).
smoke: build
	$(RELEASE_BIN) scenario check $(SCENARIOS)
	$(RELEASE_BIN) scenario run $(SCENARIOS) --junit .build/scenarios.junit.xml | tail -1
	$(RELEASE_BIN) scenario run $(SCENARIOS) --format json > .build/scenarios.json
	$(RELEASE_BIN) scenario swarm --seeds 1000
	$(RELEASE_BIN) bench sim --pending 10000 --events 1000000 --runs 5 --format json
	$(RELEASE_BIN) bench scheduler --hosts 10000 --requests 50000 --format json
	$(RELEASE_BIN) bench exposition --series 100000 --runs 3 --format json
	$(RELEASE_BIN) bench remote-write --samples 1000000 --format json
	$(RELEASE_BIN) bench api --creates 640 --runs 1 --format json

# Observability against real services on loopback: promtool, the OpenMetrics parser, Prometheus
# scraping and receiving remote-write, Alertmanager, every dashboard query and alert rule.
test-integration: build
	promtool check rules Alerts/cloudplane.rules.yml
	cd Alerts/tests && promtool test rules cloudplane.test.yml
	CLOUDPLANE_BIN=$(CURDIR)/$(RELEASE_BIN) python3 -m pytest -q -p no:cacheprovider tests/integration

# Unit and integration tests (debug build); the CLI tests drive the release binary as a subprocess.
test-unit: build
	swift build --build-tests
	set -o pipefail; CLOUDPLANE_BIN=$(CURDIR)/$(RELEASE_BIN) swift test --skip-build 2>&1 | tee .build/test.log
	@n=$$(grep -Eo 'Test run with [0-9]+ tests?' .build/test.log | grep -Eo '[0-9]+' | tail -1); \
	  echo "swift-testing: $${n:-0} passed, 0 failed"

# The toolchain's swift-format with the house configuration (.swift-format): any finding fails.
lint: deps
	swift-format lint --strict --recursive Sources Tests Package.swift

test: lint smoke test-unit test-integration

# The benchmark figures (JSON): event kernel, scheduler latency, packing quality.
bench: build
	$(RELEASE_BIN) bench sim --pending 10000 --format json
	$(RELEASE_BIN) bench sim --pending 1000000 --format json
	$(RELEASE_BIN) bench scheduler --hosts 10000 --requests 200000 --format json
	$(RELEASE_BIN) bench scheduler-quality --format json
	$(RELEASE_BIN) bench exposition --series 1000000 --format json
	$(RELEASE_BIN) bench remote-write --samples 10000000 --format json
	$(RELEASE_BIN) bench api --format json

clean:
	rm -rf .build cloudplane-data
