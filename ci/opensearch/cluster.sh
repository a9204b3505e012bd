#!/usr/bin/env bash
# A real OpenSearch test cluster on loopback: one JVM per node, each with its own
# data directory, log file and ports under DIR. See README.md beside this file.
#
#   cluster.sh start DIR N        start N nodes, wait for green, print one node's URL
#   cluster.sh stop DIR           end every recorded node (SIGTERM, then SIGKILL)
#   cluster.sh kill-node DIR I    SIGKILL node I (1..N), for fault tests
#   cluster.sh start-node DIR I   restart node I on its data and ports, wait for green
#   cluster.sh url DIR            print the URL of a live node
#
# Only the URL goes to stdout; progress and errors go to stderr.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR="$HERE/target/opensearch-test-node.jar"
LIB="$HERE/target/lib"
MAIN_CLASS=org.xunwen.ci.opensearch.TestNode
# Class-data-sharing archive of the node's classes: made by the first cluster's node-1
# when it stops, then mapped by every later node. It halves start time on 2 cores.
# The JVM checks it against the jars and ignores a stale one. Making it costs ~20 s at
# that first stop, which a fresh CI clone would never win back: off there by default.
# OPENSEARCH_TEST_CDS=0 or 1 decides.
JSA="$HERE/target/test-node-classes.jsa"
if [[ "${CI:-}" == true ]]; then CDS="${OPENSEARCH_TEST_CDS:-0}"; else CDS="${OPENSEARCH_TEST_CDS:-1}"; fi

JAVA="${OPENSEARCH_TEST_JAVA:-java}"
# How long start and start-node wait for a green cluster.
TIMEOUT="${OPENSEARCH_TEST_TIMEOUT:-180}"
# How long stop waits after SIGTERM before SIGKILL (a node stops in < 1 s; one that
# writes the class archive takes ~20 s).
STOP_TIMEOUT=60
# Ports are probed upwards from these; 100 candidates each.
HTTP_BASE="${OPENSEARCH_TEST_HTTP_BASE:-9200}"
TRANSPORT_BASE="${OPENSEARCH_TEST_TRANSPORT_BASE:-9300}"
# One lock for building and for choosing ports, so two runs on one machine neither
# build over each other nor pick the same free port before either node has bound it.
LOCK_FILE="${TMPDIR:-/tmp}/xunwen-opensearch-cluster.lock"

# Small heap. C1 only (TieredStopAtLevel=1): a node starts in half the time on 2 cores
# (for throughput figures pass OPENSEARCH_TEST_JAVA_OPTS=-XX:TieredStopAtLevel=4).
# G1 with the distribution's occupancy settings, so the real-memory circuit breaker
# sees collected heap; netty without unsafe pooling, as in the distribution; log4j
# left running until the node has closed (TestNode's shutdown hook stops it).
# shellcheck disable=SC2054 # the comma in SPI,COMPAT is part of one option
JVM_OPTS=(
  -Xms256m -Xmx512m -XX:TieredStopAtLevel=1
  -XX:+UseG1GC -XX:G1ReservePercent=25 -XX:InitiatingHeapOccupancyPercent=30
  -XX:+ExitOnOutOfMemoryError
  -Dfile.encoding=UTF-8 -Djava.locale.providers=SPI,COMPAT
  -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true
  -Dio.netty.recycler.maxCapacityPerThread=0 -Dio.netty.allocator.numDirectArenas=0
  -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true
)
# Extra JVM options from the caller come last, so they win (e.g. -Xmx1g).
read -r -a EXTRA_OPTS <<<"${OPENSEARCH_TEST_JAVA_OPTS:-}"

say() { echo "cluster.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
  sed -n '5,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# --- build -------------------------------------------------------------------

# Build the launcher jar and copy its classpath to target/lib when they are missing
# or older than the sources. A rebuild of an already built tree runs offline first,
# since every artifact is then in the local Maven repository.
build_if_needed() {
  if [[ -f "$JAR" && -d "$LIB" ]] &&
    [[ -z "$(find "$HERE/pom.xml" "$HERE/src" -newer "$JAR" -print -quit)" ]]; then
    return 0
  fi
  local mvn=(mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml" clean package)
  if [[ -f "$JAR" ]]; then
    say "rebuilding the test node (offline)"
    "${mvn[@]}" -o >&2 || { say "offline build failed, trying online"; "${mvn[@]}" >&2; }
  else
    say "building the test node (first build downloads from Maven Central)"
    "${mvn[@]}" >&2
  fi
  [[ -f "$JAR" && -d "$LIB" ]] || die "build produced no $JAR"
}

# --- state in DIR ------------------------------------------------------------
# DIR/cluster.env   cluster name, node count, every node's ports (sourced)
# DIR/node-I.pid    PID, HTTP_PORT, TRANSPORT_PORT of node I (sourced)
# DIR/node-I/       node I's path.home: config/, data/, logs/, tmp/
# DIR/node-I.log    node I's stdout and stderr (its whole log)

load_cluster() {
  [[ -f "$DIR/cluster.env" ]] || die "$DIR has no cluster (no cluster.env)"
  # shellcheck disable=SC1091
  source "$DIR/cluster.env"
}

check_index() {
  if ! [[ "$1" =~ ^[1-9][0-9]*$ ]] || (($1 > NODES)); then die "node index must be 1..$NODES, got '$1'"; fi
}

# The recorded pid of node I, or nothing.
node_pid() {
  local f="$DIR/node-$1.pid"
  [[ -f "$f" ]] || return 0
  (
    # shellcheck disable=SC1090
    source "$f"
    echo "$PID"
  )
}

# True if PID is alive and is the JVM of node I (a recycled pid is not ours to kill).
is_our_node() {
  local pid="$1" i="$2"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$DIR/node-$i"
}

node_alive() {
  is_our_node "$(node_pid "$1")" "$1"
}

# --- ports -------------------------------------------------------------------

port_in_use() {
  # A connect to a closed loopback port is refused at once.
  (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Print N free ports from BASE upwards, skipping those in TAKEN (space separated).
free_ports() {
  local n="$1" base="$2" taken=" $3 " p found=()
  for ((p = base; p < base + 100 && ${#found[@]} < n; p++)); do
    [[ "$taken" == *" $p "* ]] && continue
    port_in_use "$p" && continue
    found+=("$p")
  done
  ((${#found[@]} == n)) || die "fewer than $n free ports in $base..$((base + 99))"
  echo "${found[*]}"
}

# --- nodes -------------------------------------------------------------------

# Launch node I in the background and record its pid and ports.
launch_node() {
  local i="$1" http transport home seeds="" names="" j
  read -r -a hp <<<"$HTTP_PORTS"
  read -r -a tp <<<"$TRANSPORT_PORTS"
  http="${hp[i - 1]}"
  transport="${tp[i - 1]}"
  home="$DIR/node-$i"
  for ((j = 1; j <= NODES; j++)); do
    seeds+="${seeds:+,}127.0.0.1:${tp[j - 1]}"
    names+="${names:+,}node-$j"
  done
  mkdir -p "$home/tmp"
  local cds=()
  if [[ "$CDS" != 0 && -f "$JSA" ]]; then
    cds=(-XX:SharedArchiveFile="$JSA")
  elif [[ "$CDS" != 0 && "$i" == 1 ]]; then
    # Written when this JVM exits on SIGTERM; cmd_stop moves it to $JSA.
    cds=(-XX:ArchiveClassesAtExit="$home/tmp/classes.jsa" -Xlog:cds=off)
  fi
  # fd 9 holds the lock: the node must not inherit it.
  "$JAVA" "${JVM_OPTS[@]}" "${cds[@]}" -Djava.io.tmpdir="$home/tmp" "${EXTRA_OPTS[@]}" \
    -cp "$JAR:$LIB/*" "$MAIN_CLASS" \
    --name "node-$i" --home "$home" \
    --http-port "$http" --transport-port "$transport" \
    --cluster-name "$CLUSTER_NAME" --seed-hosts "$seeds" \
    --initial-cluster-manager-nodes "$names" \
    </dev/null >>"$DIR/node-$i.log" 2>&1 9>&- &
  printf 'PID=%s\nHTTP_PORT=%s\nTRANSPORT_PORT=%s\n' "$!" "$http" "$transport" >"$DIR/node-$i.pid"
  say "node-$i: pid $!, http $http, transport $transport, log $DIR/node-$i.log"
}

show_logs() {
  local i
  for ((i = 1; i <= NODES; i++)); do
    [[ -f "$DIR/node-$i.log" ]] || continue
    echo "----- tail of $DIR/node-$i.log" >&2
    tail -n 25 "$DIR/node-$i.log" >&2
  done
}

# Print the URL of the first node that is alive and answers HTTP.
live_url() {
  local i url
  read -r -a hp <<<"$HTTP_PORTS"
  for ((i = 1; i <= NODES; i++)); do
    node_alive "$i" || continue
    url="http://127.0.0.1:${hp[i - 1]}"
    if curl -sf -m 5 -o /dev/null "$url/"; then
      echo "$url"
      return 0
    fi
  done
  return 1
}

# Wait until the cluster is green with all NODES nodes, or fail at DEADLINE (in SECONDS).
# Every node in EXPECT (indices) must stay alive meanwhile.
wait_green() {
  local i url
  while ((SECONDS < DEADLINE)); do
    for i in $EXPECT; do
      node_alive "$i" || { show_logs; die "node-$i (pid $(node_pid "$i")) exited; see its log above"; }
    done
    # health answers 408 (curl -f fails) until it is green with exactly NODES nodes.
    if url="$(live_url)" &&
      curl -sf -m 10 -o /dev/null \
        "$url/_cluster/health?wait_for_status=green&wait_for_nodes=$NODES&timeout=3s"; then
      return 0
    fi
    sleep 1
  done
  show_logs
  die "cluster in $DIR not green with $NODES nodes after ${TIMEOUT}s"
}

# Wait until each of EXPECT has bound its HTTP port or has died, at most until DEADLINE.
wait_bound() {
  local i pending
  read -r -a hp <<<"$HTTP_PORTS"
  while ((SECONDS < DEADLINE)); do
    pending=0
    for i in $EXPECT; do
      node_alive "$i" || continue
      port_in_use "${hp[i - 1]}" || pending=1
    done
    ((pending)) || return 0
    sleep 1
  done
}

# --- commands ----------------------------------------------------------------

cmd_start() {
  local n="$1" i
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number, got '$n'"
  mkdir -p "$DIR"
  DIR="$(cd "$DIR" && pwd)"
  if [[ -f "$DIR/cluster.env" ]]; then
    load_cluster
    for ((i = 1; i <= NODES; i++)); do
      if node_alive "$i"; then die "node-$i of $DIR is still running; run: $0 stop $DIR"; fi
    done
    # A previous cluster of ours: start afresh, as its node count and ports may differ.
    rm -rf "$DIR"/node-* "$DIR/cluster.env"
  elif [[ -n "$(ls -A "$DIR")" ]]; then
    die "$DIR is not empty and holds no cluster; give an empty or new directory"
  fi

  exec 9>"$LOCK_FILE"
  flock -w 900 9 || die "could not take $LOCK_FILE"
  build_if_needed

  NODES="$n"
  HTTP_PORTS="$(free_ports "$n" "$HTTP_BASE" "")"
  TRANSPORT_PORTS="$(free_ports "$n" "$TRANSPORT_BASE" "$HTTP_PORTS")"
  CLUSTER_NAME="xunwen-test-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
  printf 'CLUSTER_NAME=%s\nNODES=%s\nHTTP_PORTS="%s"\nTRANSPORT_PORTS="%s"\n' \
    "$CLUSTER_NAME" "$NODES" "$HTTP_PORTS" "$TRANSPORT_PORTS" >"$DIR/cluster.env"

  # If start fails from here on, it leaves no node running.
  trap 'cmd_stop >/dev/null 2>&1 || true' EXIT
  EXPECT="$(seq 1 "$NODES")"
  DEADLINE=$((SECONDS + TIMEOUT))
  for ((i = 1; i <= NODES; i++)); do
    launch_node "$i"
  done
  # Keep the lock until the nodes hold their ports, then let other runs choose theirs.
  wait_bound
  exec 9>&-
  wait_green
  trap - EXIT
  live_url
}

cmd_stop() {
  local i pid pids=() deadline
  [[ -f "$DIR/cluster.env" ]] || { say "nothing to stop in $DIR"; return 0; }
  load_cluster
  for ((i = 1; i <= NODES; i++)); do
    pid="$(node_pid "$i")"
    if is_our_node "$pid" "$i"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$i:$pid")
    fi
  done
  deadline=$((SECONDS + STOP_TIMEOUT))
  for entry in "${pids[@]}"; do
    i="${entry%%:*}" pid="${entry#*:}"
    while is_our_node "$pid" "$i" && ((SECONDS < deadline)); do sleep 0.2; done
    if is_our_node "$pid" "$i"; then
      say "node-$i (pid $pid) still up after ${STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while is_our_node "$pid" "$i"; do sleep 0.1; done
      # A class archive cut short is no use.
      rm -f "$DIR/node-$i/tmp/classes.jsa"
    fi
  done
  rm -f "$DIR"/node-*.pid
  # Keep node-1's class archive for later nodes (copy, then rename: no half-written file).
  if [[ -s "$DIR/node-1/tmp/classes.jsa" && ! -f "$JSA" && -d "$(dirname "$JSA")" ]]; then
    if ! { cp "$DIR/node-1/tmp/classes.jsa" "$JSA.$$" && mv -f "$JSA.$$" "$JSA"; }; then
      rm -f "$JSA.$$"
    fi
  fi
  rm -f "$DIR/node-1/tmp/classes.jsa"
  say "stopped ${#pids[@]} node(s) in $DIR"
}

cmd_kill_node() {
  local i="$1" pid
  load_cluster
  check_index "$i"
  pid="$(node_pid "$i")"
  is_our_node "$pid" "$i" || die "node-$i is not running"
  kill -KILL "$pid"
  while is_our_node "$pid" "$i"; do sleep 0.1; done
  say "killed node-$i (pid $pid)"
}

cmd_start_node() {
  local i="$1"
  load_cluster
  check_index "$i"
  if node_alive "$i"; then die "node-$i is already running"; fi
  EXPECT="$i"
  DEADLINE=$((SECONDS + TIMEOUT))
  launch_node "$i"
  wait_green
  say "node-$i is back; cluster green with $NODES nodes"
}

cmd_url() {
  load_cluster
  live_url || die "no live node in $DIR"
}

[[ $# -ge 2 ]] || usage
CMD="$1"
DIR="$2"
[[ -d "$DIR" || "$CMD" == start ]] || die "no directory $DIR"
[[ "$CMD" == start ]] || DIR="$(cd "$DIR" && pwd)"
case "$CMD" in
  start) [[ $# -eq 3 ]] || usage; cmd_start "$3" ;;
  stop) [[ $# -eq 2 ]] || usage; cmd_stop ;;
  kill-node) [[ $# -eq 3 ]] || usage; cmd_kill_node "$3" ;;
  start-node) [[ $# -eq 3 ]] || usage; cmd_start_node "$3" ;;
  url) [[ $# -eq 2 ]] || usage; cmd_url ;;
  *) usage ;;
esac
