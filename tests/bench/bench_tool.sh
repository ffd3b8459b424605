#!/usr/bin/env bash
# bench_tool.sh — 1,000 MCP echo calls through one art-tool process (stdio transport,
# @modelcontextprotocol/server-everything).  Prints calls/s and the number of server
# processes started (a wrapper logs each start), which must be 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${N:-1000}
NPM_BIN=$(tests/npm-setup)
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
cat >"$tmp/start-everything" <<SH
#!/bin/sh
echo \$\$ >>"$tmp/starts"
exec "$NPM_BIN/mcp-server-everything" stdio
SH
chmod +x "$tmp/start-everything"
cat >"$tmp/registry.json" <<JSON
{"servers": {"everything": {"transport": "stdio", "command": ["$tmp/start-everything"], "env": ["PATH", "HOME"]}},
 "tools": [{"name": "echo", "description": "echo", "kind": "mcp", "mcp": {"server": "everything"},
   "input_schema": {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]},
   "scopes": ["tools:echo"], "risk": "low", "idempotent": true, "timeout_ms": 10000}]}
JSON
for i in $(seq 1 "$N"); do
	printf '{"art":1,"id":"b-%d","tenant":"bench","actor":{"id":"bench","scopes":["tools:echo"]},"output":{"tool_calls":[{"id":"c%d","name":"echo","arguments":{"message":"hello %d"}}]}}\n' "$i" "$i" "$i"
done >"$tmp/in.jsonl"
t0=$(date +%s.%N)
"$BUILD/bin/art-tool" run --registry "$tmp/registry.json" ${DB:+--db "$tmp/tool.db"} <"$tmp/in.jsonl" >"$tmp/out.jsonl"
t1=$(date +%s.%N)
ok=$(grep -c '"status":"ok","content":{"content":\[{"type":"text","text":"Echo: hello' "$tmp/out.jsonl" || true)
starts=$(wc -l <"$tmp/starts")
awk -v n="$N" -v ok="$ok" -v s="$starts" -v t0="$t0" -v t1="$t1" 'BEGIN {
	printf "bench_tool: %d MCP echo calls (%d ok) in %.2f s: %.0f calls/s; %d server start(s)\n", n, ok, t1 - t0, n / (t1 - t0), s }'
# steady state: from the end of the first call (which includes the server's start) to the last
jq -rs '(.[0].events[0].end_us) as $a | (.[-1].events[0].end_us) as $b | (.[0].events[0].end_us - .[0].events[0].start_us) as $f
	| "bench_tool: first call (server start + initialize) \($f / 1000 | floor) ms; then \(length - 1) calls at \((length - 1) / (($b - $a) / 1e6) | floor) calls/s"' "$tmp/out.jsonl"
[ "$ok" -eq "$N" ] && [ "$starts" -eq 1 ]
