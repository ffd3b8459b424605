#!/usr/bin/env bash
# bench_remote.sh — 1,000 envelopes through art-remote --parallel 64 against aimock
# answering after 100 ms (--chaos-latency 100).  Target: < 4 s wall, all 1,000 lines
# present, in input order.  Prints the measured wall time; exit 1 on a miss.
# Streams (SSE) by default; FLAGS=--no-stream measures one-JSON responses (about half the
# mock server's CPU: the mock, not art-remote, is the bottleneck on a busy 2-core box).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BIN=$PWD/$BUILD/bin
NPM_BIN=${ART_NPM_BIN:-$(tests/npm-setup)}
N=${N:-1000}
PAR=${PAR:-64}
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"$NPM_BIN/llmock" -h 127.0.0.1 -p "$port" -f tests/fixtures/aimock/bench.json --chaos-latency 100 \
	--log-level silent --journal-max 1 >"$tmp/mock.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.05; done

seq "$N" | sed 's/^/question /' | "$BIN/art" new --lines --id bench |
	jq -c --arg ep "http://127.0.0.1:$port/v1" '.route = {provider: "openai", model: "bench", endpoint: $ep}' >"$tmp/in.jsonl"

start=$(date +%s.%N)
# shellcheck disable=SC2086
"$BIN/art-remote" ${FLAGS:-} --parallel "$PAR" <"$tmp/in.jsonl" >"$tmp/out.jsonl"
end=$(date +%s.%N)
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')

lines=$(wc -l <"$tmp/out.jsonl")
ok=$(jq -r 'select(.status == "ok" and .output.text == "A short benchmark answer.") | .id' "$tmp/out.jsonl" | wc -l)
inorder=$(jq -r .id "$tmp/out.jsonl" | diff -q - <(jq -r .id "$tmp/in.jsonl") >/dev/null && echo yes || echo no)
printf 'bench_remote: %d envelopes, --parallel %d %s, 100 ms server latency: wall %.2f s, %d lines, %d ok, in order: %s\n' \
	"$N" "$PAR" "${FLAGS:-(SSE)}" "$wall" "$lines" "$ok" "$inorder"
[ "$lines" -eq "$N" ] && [ "$ok" -eq "$N" ] && [ "$inorder" = yes ] && awk -v w="$wall" 'BEGIN { exit !(w < 4) }'
