#!/usr/bin/env bash
# Load benchmark of `search serve` with wrk on loopback: the dev questions and
# short queries against the whole shared corpus, at 1, 8 and 64 connections,
# each for a bounded time. Run the index benchmark first (it builds the index).
#
#   bash bench/load.sh            # WORK=/tmp/xunwen-bench SHARED=../shared DURATION=15s
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/xunwen-bench}
SHARED=${SHARED:-../shared}
DURATION=${DURATION:-15s}
PORT=${PORT:-18777}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet --workspace --bins
./target/release/xunwen-bench paths --shared "$SHARED" --work "$WORK" > "$WORK/paths.txt"
./target/release/search serve --index "$WORK/xunwen-index" --addr "127.0.0.1:$PORT" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
echo "$(wc -l < "$WORK/paths.txt") query paths; $DURATION per run"
echo "| connections | requests/s | p50 ms | p99 ms | errors |"
echo "|---|---|---|---|---|"
for connections in 1 8 64; do
  threads=$(( connections < 2 ? 1 : 2 ))
  line=$(XUNWEN_PATHS="$WORK/paths.txt" wrk -t"$threads" -c"$connections" -d"$DURATION" --latency -s bench/load.lua "http://127.0.0.1:$PORT" | grep '^XUNWEN')
  rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")
  p50=$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$line")
  p99=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$line")
  errors=$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$line")
  echo "| $connections | $rps | $p50 | $p99 | $errors |"
done
