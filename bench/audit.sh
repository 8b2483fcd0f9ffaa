#!/usr/bin/env bash
# Times the Audit stage's live audit (connect, audit.Collect, audit.Analyze)
# on a database of 10,000 tables and about 23,000 indexes (built once,
# batched DDL, and kept for the next run; -fresh rebuilds it), and prints
# the wall time of each part and the number of queries of each run. Target:
# the whole audit under 2 seconds.
#   bash bench/audit.sh [-tables 10000] [-runs 5] [-fresh] [-drop] [-dsn ADMIN_DSN] [-db NAME]
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./bench/auditbench "$@"
