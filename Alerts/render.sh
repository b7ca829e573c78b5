#!/usr/bin/env bash
# Prints Alerts/cloudplane.rules.yml for another Prometheus job name and runbook location:
#   Alerts/render.sh [--job NAME] [--runbook-base URL] [--rules FILE] > my-rules.yml
# --job replaces every job="cloudplane" selector (the job that scrapes `cloudplane serve`);
# --runbook-base replaces the runbook URL prefix (it must end with '/', e.g.
# https://wiki.example.org/cloudplane/runbooks/). Prints the rules to stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rules="$here/cloudplane.rules.yml"
job=cloudplane
base=https://github.com/cloudplane/cloudplane/blob/main/docs/runbooks/
while [ $# -gt 0 ]; do
  case "$1" in
    --job) job="${2:?--job needs a value}"; shift 2 ;;
    --runbook-base) base="${2:?--runbook-base needs a value}"; shift 2 ;;
    --rules) rules="${2:?--rules needs a value}"; shift 2 ;;
    *) echo "error: unknown argument '$1' (allowed: --job, --runbook-base, --rules)" >&2; exit 2 ;;
  esac
done
if ! [[ "$job" =~ ^[A-Za-z0-9_.:/-]+$ ]]; then
  echo "error: --job '$job': use letters, digits and _ . : / - only" >&2; exit 2
fi
if ! [[ "$base" =~ ^https?://[^[:space:]\'\"]+/$ ]]; then
  echo "error: --runbook-base '$base': an absolute http(s) URL ending with '/'" >&2; exit 2
fi
[ -r "$rules" ] || { echo "error: --rules '$rules': cannot read the file" >&2; exit 2; }
esc_base=$(printf '%s' "$base" | sed 's/[&|\\]/\\&/g')
sed -e "s|job=\"cloudplane\"|job=\"$job\"|g" \
    -e "s|runbook_url: https://github.com/cloudplane/cloudplane/blob/main/docs/runbooks/|runbook_url: $esc_base|g" \
    "$rules"
