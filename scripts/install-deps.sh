#!/usr/bin/env bash
# Installs the Debian packages CloudPlane builds and tests with. Idempotent: when every package is
# already installed it changes nothing and does not touch the network.
set -euo pipefail

PACKAGES=(
  # Swift toolchain runtime and build dependencies (Debian 12)
  binutils git gnupg2 libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev libpython3-dev
  libsqlite3-0 libsqlite3-dev libstdc++-12-dev libxml2-dev libncurses-dev libz3-dev pkg-config tzdata zlib1g-dev
  # the C reference radix heap of `bench sim`
  gcc make
  # Snappy (block format) for remote-write bodies, through the CSnappy system-library target
  libsnappy-dev
  # Prometheus, promtool and Alertmanager: the observability tests start them on loopback
  prometheus prometheus-alertmanager
  # the PostgreSQL store is tested against a real server the tests start (initdb in a temp dir)
  postgresql-15
  # the integration tests (tests/integration) run on Python 3
  python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
fi

# Python packages of the integration tests: pytest, PyYAML and prometheus-client (its strict
# OpenMetrics parser). Installed for the python3 on PATH only when one is missing.
# The API tests add openapi-spec-validator and schemathesis (the fuzzer of the OpenAPI document).
PIP_PACKAGES=(pytest pyyaml prometheus-client openapi-spec-validator schemathesis==4.32.5)
if ! python3 -c "import pytest, yaml, prometheus_client, openapi_spec_validator, schemathesis" >/dev/null 2>&1 \
  || ! command -v schemathesis >/dev/null 2>&1; then
  echo "installing Python packages: ${PIP_PACKAGES[*]}" >&2
  python3 -m pip install --quiet "${PIP_PACKAGES[@]}" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "${PIP_PACKAGES[@]}"
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "error: no Swift toolchain on PATH. CloudPlane needs Swift 6.x (expected at /opt/swift/usr/bin)." >&2
  exit 1
fi
