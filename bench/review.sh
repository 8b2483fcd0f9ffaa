#!/usr/bin/env bash
# Times pgrollout review against squawk 2.66.0 on the same generated
# 10,000-statement migration (about 1 MB), both writing JSON, and reports wall
# time, peak memory and the ratio. squawk comes from npm (squawk-cli ships its
# binary); set BENCH_CACHE to keep it between runs.
#   bash bench/review.sh [statements] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
runs=${2:-3}
cache=${BENCH_CACHE:-${TMPDIR:-/tmp}/pgrollout-bench}
mkdir -p "$cache"

if [ ! -x "$cache/node_modules/.bin/squawk" ]; then
  echo "installing squawk-cli@2.66.0 into $cache" >&2
  npm install --prefix "$cache" --no-audit --no-fund --silent squawk-cli@2.66.0 >&2
fi
squawk="$cache/node_modules/.bin/squawk"
go build -o "$cache/pgrollout" .
go run ./bench/genmigration -n "$n" -out "$cache"

# measure CMD...: prints "wall_seconds max_rss_kb" for the median run by wall time.
measure() {
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$cache/time.txt" "$@" > /dev/null 2>&1 || true
    tail -n 1 "$cache/time.txt" # the line before says "Command exited with non-zero status 1" on findings
  done | sort -n | awk -v r="$runs" 'NR == int((r + 1) / 2)'
}

read -r pw pm < <(measure "$cache/pgrollout" review --format json --baseline "$cache/baseline.sql" "$cache/migration.sql")
read -r sw sm < <(measure "$squawk" --reporter json "$cache/migration.sql")
prules=$("$cache/pgrollout" rules | tail -n +2 | wc -l)
srules=38 # squawk 2.66.0: 37 default-on rules plus the opt-in require-table-schema (migration-safety.md §2.5)
size=$(wc -c < "$cache/migration.sql")

printf 'input: %s statements, %s bytes (median of %s runs)\n' "$n" "$size" "$runs"
awk -v pw="$pw" -v pm="$pm" -v pr="$prules" -v sw="$sw" -v sm="$sm" -v sr="$srules" 'BEGIN {
  printf "%-10s %10s %12s %7s\n", "tool", "wall_s", "peak_mb", "rules"
  printf "%-10s %10.2f %12.1f %7d\n", "pgrollout", pw, pm / 1024, pr
  printf "%-10s %10.2f %12.1f %7d\n", "squawk", sw, sm / 1024, sr
  printf "ratio pgrollout/squawk wall time: %.2f\n", pw / sw
}'
