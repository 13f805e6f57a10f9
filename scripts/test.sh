#!/usr/bin/env bash
# The whole test suite: starts the servers the tests need (PostgreSQL, an OpenSearch-compatible
# server), installs Chromium for the browser tests when missing, then runs pytest on every tier.
# Under CI=true a test whose server (or Chromium) is missing fails instead of skipping (see
# tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
DZINZA_TEST_POSTGRES_URL="$(scripts/services.sh start | tail -1)"
DZINZA_TEST_OPENSEARCH_URL="$(scripts/services.sh opensearch-start | tail -1)"
DZINZA_TEST_S3_URL="$(scripts/services.sh s3-start | tail -1)"
DZINZA_TEST_REDIS_URL="$(scripts/services.sh redis-start | tail -1)"
# A fresh machine has no browser: CI must install it here, since the browser tests never skip
# under CI=true.
DZINZA_TEST_CHROMIUM="$(scripts/services.sh chromium-ensure | tail -1)"
# promtool checks the Prometheus alert rules (tests/unit/test_monitoring.py).
DZINZA_TEST_PROMTOOL="$(scripts/services.sh promtool-ensure | tail -1)"
export DZINZA_TEST_POSTGRES_URL DZINZA_TEST_OPENSEARCH_URL DZINZA_TEST_S3_URL DZINZA_TEST_REDIS_URL
export DZINZA_TEST_CHROMIUM DZINZA_TEST_PROMTOOL
.venv/bin/ruff check src tests bench
.venv/bin/mypy
.venv/bin/lint-imports
# The infrastructure code, checked offline (Kubernetes, the Dockerfile, Terraform, the workflows).
scripts/iac.sh
# One pytest worker per core (pytest-xdist): each worker has its own PostgreSQL database and
# SQLite files, and the suite takes about half the time on two cores. `-n 0` runs it serially.
exec .venv/bin/pytest -p no:cacheprovider -n "${DZINZA_TEST_WORKERS:-auto}" \
  --cov=dzinza --cov-report=term:skip-covered "$@"
