#!/usr/bin/env bash
# Smoke test of the OpenSearch test cluster: starts 3 nodes in DIR, checks health,
# loopback netty4 HTTP, whitespace-analysed phrases with placeholder gaps, a node
# killed during bulk indexing and restarted, then stops the cluster. Every step is
# bounded in time. Ends with "N passed, N failed"; exits non-zero on any failure.
#
#   bash ci/opensearch/smoke.sh [DIR]     (default: a new temporary directory)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLUSTER="$HERE/cluster.sh"
if [[ $# -ge 1 ]]; then
  DIR="$1"
  OWN_DIR=0
else
  DIR="$(mktemp -d "${TMPDIR:-/tmp}/xunwen-os-smoke.XXXXXX")"
  OWN_DIR=1
fi
PASSED=0
FAILED=0

# The cluster never outlives this script; a temporary DIR goes too unless a check
# failed, when its node logs are worth reading.
finish() {
  bash "$CLUSTER" stop "$DIR" >/dev/null 2>&1 || true
  if ((OWN_DIR)) && ((FAILED == 0)) && ((PASSED > 0)); then
    rm -rf "$DIR"
  else
    echo "cluster directory and node logs: $DIR"
  fi
}
trap finish EXIT

check() { # check NAME COMMAND...: run COMMAND, count and report the result
  local name="$1"
  shift
  if "$@"; then
    PASSED=$((PASSED + 1))
    echo "ok   $name"
  else
    FAILED=$((FAILED + 1))
    echo "FAIL $name"
  fi
}

now() { date +%s.%N; }
since() { printf '%.1f' "$(echo "$(now) - $1" | bc)"; }

# curl with a bound; JSON in, JSON out.
get() { curl -sS -m 30 "$URL$1"; }
post() { curl -sS -m 30 -H 'Content-Type: application/json' -X "${3:-POST}" "$URL$1" -d "$2"; }

# json EXPR: evaluate a Python expression over the JSON on stdin (as j); true if truthy.
json() { python3 -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }

# hits QUERY: the sorted ids that a search of index news returns, space separated.
hits() {
  post /news/_search "{\"query\":$1}" |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print(" ".join(sorted(h["_id"] for h in r["hits"]["hits"])))'
}
hits_are() { [[ "$(hits "$1")" == "$2" ]]; }

health_is() { # health_is STATUS NODES
  get "/_cluster/health" | json "j['status'] == '$1' and j['number_of_nodes'] == $2"
}

# ----------------------------------------------------------------------------
http_is_loopback_netty4() {
  get "/_nodes/http,settings" | python3 -c '
import json, sys
nodes = json.load(sys.stdin)["nodes"].values()
sys.exit(0 if len(nodes) == 3 and all(
    n["settings"]["http"]["type"] == "netty4"
    and all(a.startswith("127.0.0.1:") for a in n["http"]["bound_address"])
    for n in nodes) else 1)'
}

echo "== start 3 nodes in $DIR"
t=$(now)
if ! URL="$(bash "$CLUSTER" start "$DIR" 3)"; then
  FAILED=1
  echo "FAIL start 3 nodes"
  echo "$PASSED passed, $FAILED failed"
  exit 1
fi
echo "started in $(since "$t") s: $URL"
check "health green with 3 nodes" health_is green 3
check "HTTP is netty4 on 127.0.0.1 on every node" http_is_loopback_netty4
echo "RSS of each node (KiB): $(for f in "$DIR"/node-*.pid; do ps -o rss= -p "$(sed -n 's/^PID=//p' "$f")"; done | tr -s ' \n' ' ')"

# ----------------------------------------------------------------------------
create_index() {
  post /news '{
    "settings": {"number_of_shards": 6, "number_of_replicas": 1,
      "analysis": {
        "filter": {"placeholder": {"type": "stop", "stopwords": ["_"]}},
        "analyzer": {
          "seg": {"type": "custom", "tokenizer": "whitespace"},
          "seg_gap": {"type": "custom", "tokenizer": "whitespace", "filter": ["placeholder"]}}}},
    "mappings": {"properties": {
      "body": {"type": "text", "analyzer": "seg"},
      "gap": {"type": "text", "analyzer": "seg_gap"}}}}' PUT | json "j.get('acknowledged') is True"
}
placeholder_leaves_gap() {
  post /news/_analyze '{"analyzer": "seg_gap", "text": "北京 _ 大学"}' |
    json "[(t['token'], t['position']) for t in j['tokens']] == [('北京', 0), ('大学', 2)]"
}
# bulk NDJSON: post it to news/_bulk, true if no item failed.
bulk() {
  curl -sS -m 60 -H 'Content-Type: application/x-ndjson' "$URL/news/_bulk${1:-}" --data-binary @- |
    json "j['errors'] is False"
}
bulk_four_docs() {
  bulk '?refresh=true' <<'NDJSON'
{"index":{"_id":"1"}}
{"body":"北京 大学 发布 新闻","gap":"北京 _ 大学 发布"}
{"index":{"_id":"2"}}
{"body":"上海 交通 大学 北京 分校","gap":"北京 大学 上海"}
{"index":{"_id":"3"}}
{"body":"新华社 北京 电 记者 报道","gap":"a _ b"}
{"index":{"_id":"4"}}
{"body":"大学 北京","gap":"a b"}
NDJSON
}

echo "== index: 6 shards, 1 replica, whitespace tokenizer, '_' as a stopword placeholder"
check "create index news" create_index
check "placeholder leaves a position gap" placeholder_leaves_gap
check "bulk of 4 docs" bulk_four_docs
check "match_phrase body '北京 大学' finds only 1" hits_are '{"match_phrase":{"body":"北京 大学"}}' "1"
check "match_phrase gap '北京 大学' skips the gapped 1" hits_are '{"match_phrase":{"gap":"北京 大学"}}' "2"
check "match_phrase gap 'a b' does not match 'a _ b'" hits_are '{"match_phrase":{"gap":"a b"}}' "4"
check "match_phrase gap 'a b' slop 1 matches 'a _ b'" hits_are '{"match_phrase":{"gap":{"query":"a b","slop":1}}}' "3 4"
check "match_phrase gap 'a _ b' matches the gap exactly" hits_are '{"match_phrase":{"gap":"a _ b"}}' "3"

# ----------------------------------------------------------------------------
ROUNDS=60
bulk_loop() { # ROUNDS bulks of 50 docs, ids r<round>-<doc>; prints how many were acknowledged
  local r d ok=0
  for ((r = 1; r <= ROUNDS; r++)); do
    if for ((d = 1; d <= 50; d++)); do
      printf '{"index":{"_id":"r%s-%s"}}\n{"body":"北京 大学 第 %s 轮","gap":"a _ b %s"}\n' "$r" "$d" "$r" "$d"
    done | bulk 2>/dev/null; then
      ok=$((ok + 1))
    fi
    sleep 0.2
  done
  echo "$ok"
}
becomes_yellow_with_2() { # within 30 s
  local i
  for ((i = 0; i < 30; i++)); do
    health_is yellow 2 2>/dev/null && return 0
    sleep 1
  done
  return 1
}
search_all_shards() {
  post /news/_search '{"query":{"match_phrase":{"body":"北京 大学"}}}' |
    json "j['_shards']['successful'] == 6 and j['hits']['total']['value'] >= 1"
}
acknowledged_docs_searchable() { # the 2 small docs with a 'b' plus 50 per acknowledged round
  post /news/_refresh '' >/dev/null
  get "/news/_count?q=gap:b" | json "j['count'] >= 2 + 50 * $ok_rounds"
}

echo "== kill node-2 during a bulk loop, then restart it"
bulk_loop >"$DIR/bulk-ok" &
loop_pid=$!
sleep 4
bash "$CLUSTER" kill-node "$DIR" 2
check "cluster yellow with 2 nodes after the kill" becomes_yellow_with_2
check "search answers from all 6 shards with node-2 down" search_all_shards
t=$(now)
check "start-node 2 rejoins (green with 3 nodes)" bash "$CLUSTER" start-node "$DIR" 2
echo "node-2 back and cluster green $(since "$t") s after start-node"
check "health green with 3 nodes after the restart" health_is green 3
wait "$loop_pid"
ok_rounds="$(cat "$DIR/bulk-ok")"
echo "bulk rounds acknowledged during the kill and restart: $ok_rounds of $ROUNDS"
check "bulk indexing went on while node-2 was down" test "$ok_rounds" -gt 0
check "every acknowledged bulk doc is searchable" acknowledged_docs_searchable

# ----------------------------------------------------------------------------
no_node_left() { # none of the pids is a live (non-zombie) process
  local p
  for p in $pids; do
    [[ "$(ps -o stat= -p "$p" 2>/dev/null || true)" == [^Z]* ]] && return 1
  done
  return 0
}
no_pid_files() { ! compgen -G "$DIR/node-*.pid" >/dev/null; }

echo "== stop"
pids="$(sed -n 's/^PID=//p' "$DIR"/node-*.pid)"
t=$(now)
bash "$CLUSTER" stop "$DIR"
echo "stopped in $(since "$t") s"
check "stop ends every node JVM" no_node_left
check "stop removes the pid files" no_pid_files

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
