#!/usr/bin/env bash
# Scale benchmark: grows an archive of N articles from the shared corpus and
# measures, at that size, Xunwen beside the bare tantivy + tantivy-jieba
# pipeline and the same-work reference (bench/src/bare.rs):
#   indexing wall time, CPU seconds, peak RSS (/usr/bin/time -v), CPU seconds
#   of tantivy's merge threads, index size; a re-run over the unchanged
#   archive; query p50/p99 in process (the query benchmark's mix, snippets,
#   facets, collapse); the same through `search serve` at 1 and 8
#   connections (wrk); server start-up; reload after a commit.
# Each size's figures go to $OUT/results.jsonl, one JSON object a size.
#
#   bash bench/scale.sh 120k 1m          # OUT=/tmp/scale SHARED=../shared DURATION=10s
#   SKIP_BARE=1 bash bench/scale.sh 1m   # Xunwen only: queries without the bare search beside
#   SKIP_SAME=1 bash bench/scale.sh 1m   # no same-work reference (a per-byte figure: one size does)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/scale}
SHARED=${SHARED:-../shared}
DURATION=${DURATION:-10s}
PORT=${PORT:-18778}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed: apt-get install time" >&2; exit 1; }
cargo build --release --quiet --workspace --bins
bin=./target/release
mkdir -p "$OUT"

# Runs a command under /usr/bin/time -v and the thread sampler; prints
# `wall_s cpu_s peak_rss_mib merge_cpu_s`.
timed() {
  local log="$OUT/time.log" measured="$OUT/measure.log"
  /usr/bin/time -v -o "$log" "$bin/xunwen-bench" measure -- "$@" 2> "$measured" >/dev/null \
    || { cat "$measured" >&2; exit 1; }
  local wall user sys rss merge
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")
  user=$(awk -F': ' '/User time/ {print $2}' "$log")
  sys=$(awk -F': ' '/System time/ {print $2}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  merge=$(grep '^MEASURE' "$measured" | sed 's/^MEASURE //' | jq '.merge_cpu_s')
  echo "$wall $(echo "$user + $sys" | bc) $rss $merge"
}

# Starts `search serve` on index $1; sets $server (its pid) and $started_ms
# (launch to the first answer of /healthz).
start_server() {
  local started
  started=$(date +%s.%N)
  "$bin/search" serve --index "$1" --addr "127.0.0.1:$PORT" 2>/dev/null &
  server=$!
  until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.02; done
  started_ms=$(echo "($(date +%s.%N) - $started) * 1000" | bc)
}

for size in "$@"; do
  archive="$OUT/$size.jsonl"
  [ -s "$archive" ] || "$bin/grow-archive" --articles "$size" --corpus "$SHARED/corpus" --out "$archive"
  text_mb=$(jq -r '(.title + .body) | utf8bytelength' "$archive" | awk '{s+=$1} END {printf "%.1f", s/1e6}')
  articles=$(wc -l < "$archive")
  echo "== $size: $articles articles, $text_mb MB of title+body text"
  xunwen="$OUT/$size-xunwen"; bare="$OUT/$size-bare"; same="$OUT/$size-same"
  rm -rf "$xunwen"
  read -r x_wall x_cpu x_rss x_merge < <(timed "$bin/search" index "$archive" --index "$xunwen" --threads "$THREADS")
  x_size=$(du -sb "$xunwen" | cut -f1)
  echo "xunwen: $x_wall s wall, $x_cpu s CPU, $x_rss MiB peak, $x_merge s merging, $x_size bytes"
  read -r r_wall r_cpu r_rss _ < <(timed "$bin/search" index "$archive" --index "$xunwen" --threads "$THREADS")
  echo "re-run: $r_wall s wall, $r_cpu s CPU, $r_rss MiB peak"
  if [ -z "${SKIP_BARE:-}" ]; then
    read -r b_wall b_cpu b_rss b_merge < <(timed "$bin/xunwen-bench" bare-index --input "$archive" --index "$bare")
    b_size=$(du -sb "$bare" | cut -f1)
    echo "bare: $b_wall s wall, $b_cpu s CPU, $b_rss MiB peak, $b_merge s merging, $b_size bytes"
    if [ -z "${SKIP_SAME:-}" ]; then
      read -r s_wall s_cpu s_rss s_merge < <(timed "$bin/xunwen-bench" same-work-index --input "$archive" --index "$same")
      s_size=$(du -sb "$same" | cut -f1)
      rm -rf "$same"
      echo "same-work: $s_wall s wall, $s_cpu s CPU, $s_rss MiB peak, $s_merge s merging, $s_size bytes"
    else
      s_wall=null s_cpu=null s_rss=null s_merge=null s_size=null
    fi
  else
    b_wall=null b_cpu=null b_rss=null b_merge=null b_size=null
    s_wall=null s_cpu=null s_rss=null s_merge=null s_size=null
  fi
  if [ -d "$bare" ]; then
    queries=$("$bin/xunwen-bench" query --shared "$SHARED" --index "$xunwen" --bare-index "$bare" 2>&1 >/dev/null | grep '^{')
  else
    queries=null
  fi
  echo "queries: $queries"
  # What each part costs: facets, collapse, snippets each off in turn.
  parts=$("$bin/xunwen-bench" query-parts --shared "$SHARED" --index "$xunwen")
  echo "parts: $parts"
  # Server start-up: from launch to the first answer of /healthz; first with
  # every file's checksum read (the record of checked files removed), then
  # as after indexing (the writer checked what it wrote).
  "$bin/xunwen-bench" paths --shared "$SHARED" > "$OUT/paths.txt"
  rm -f "$xunwen/verified.json"
  start_server "$xunwen"; full_check_ms=$started_ms
  kill "$server"; wait "$server" 2>/dev/null || true
  start_server "$xunwen"; startup_ms=$started_ms
  http="{}"
  for connections in 1 8; do
    threads=$(( connections < 2 ? 1 : 2 ))
    line=$(XUNWEN_PATHS="$OUT/paths.txt" wrk -t"$threads" -c"$connections" -d"$DURATION" --latency -s bench/load.lua "http://127.0.0.1:$PORT" | grep '^XUNWEN')
    p50=$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$line")
    p99=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$line")
    rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")
    http=$(jq -c ". + {\"c$connections\": {rps: $rps, p50_ms: $p50, p99_ms: $p99}}" <<<"$http")
  done
  kill "$server"; wait "$server" 2>/dev/null || true
  echo "server: start-up $startup_ms ms ($full_check_ms ms reading every checksum), HTTP $http"
  reload=$("$bin/xunwen-bench" reload --index "$xunwen" --work "$OUT")
  echo "reload: $reload"
  jq -nc --arg size "$size" --argjson articles "$articles" --argjson text_mb "$text_mb" \
    --argjson x "[$x_wall,$x_cpu,$x_rss,$x_merge,$x_size]" \
    --argjson r "[$r_wall,$r_cpu,$r_rss]" \
    --argjson b "[$b_wall,$b_cpu,$b_rss,$b_merge,$b_size]" \
    --argjson s "[$s_wall,$s_cpu,$s_rss,$s_merge,$s_size]" \
    --argjson queries "$queries" --argjson parts "$parts" --argjson http "$http" --argjson startup "$startup_ms" --argjson full_check "$full_check_ms" \
    --argjson reload "$reload" --arg commit "$(git rev-parse --short HEAD)" --arg date "$(date -u +%FT%TZ)" \
    '{size: $size, articles: $articles, text_mb: $text_mb, commit: $commit, date: $date,
      xunwen: {wall_s: $x[0], cpu_s: $x[1], peak_rss_mib: $x[2], merge_cpu_s: $x[3], index_bytes: $x[4]},
      rerun: {wall_s: $r[0], cpu_s: $r[1], peak_rss_mib: $r[2]},
      bare: {wall_s: $b[0], cpu_s: $b[1], peak_rss_mib: $b[2], merge_cpu_s: $b[3], index_bytes: $b[4]},
      same_work: {wall_s: $s[0], cpu_s: $s[1], peak_rss_mib: $s[2], merge_cpu_s: $s[3], index_bytes: $s[4]},
      queries: $queries, parts: $parts, http: $http, server_startup_ms: $startup, server_startup_full_check_ms: $full_check, reload: $reload}' >> "$OUT/results.jsonl"
done
