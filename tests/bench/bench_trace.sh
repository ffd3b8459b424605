#!/usr/bin/env bash
# bench_trace.sh — art-trace record throughput against jq -c . on the same 100,000
# realistic envelopes (policy, memory recall, route with a fallback, two inference
# attempts, a tool call: ~2.6 KB each).  Both read a file and write to /dev/null; record
# also stores every envelope (checked).  Target: record >= 3x jq's envelopes per second.
# Exit 1 if any envelope was not stored, or (STRICT=1) if the target was missed.
# Timings are of a shared machine: the load average is printed with them.
#   N=100000 TARGET=3 STRICT=0 bash tests/bench/bench_trace.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
N=${N:-100000}
TARGET=${TARGET:-3}
STRICT=${STRICT:-0}
bin="$BUILD/bin/art-trace"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

node - "$N" >"$tmp/in.jsonl" <<'JS'
'use strict';
const n = parseInt(process.argv[2] || '1000', 10);
const hex = (i, w) => (BigInt(i) * 2654435761n + 0x9e3779b97f4a7c15n).toString(16).padStart(w, '0').slice(-w);
const models = ['llama-3.2-1b-q4', 'gpt-4o-mini', 'qwen2.5-7b-q4'];
const t0 = 1795000000000000;
let out = [];
for (let i = 0; i < n; i++) {
  const t = t0 + i * 1000, m = models[i % 3], err = i % 50 === 0;
  const env = {
    art: 1, id: `req-${hex(i, 16)}`, created: new Date(t / 1000).toISOString(),
    trace: { trace_id: hex(i, 16) + hex(i + 7, 16), span_id: hex(i + 3, 16) },
    actor: { id: 'alice', scopes: ['tools:read', 'kb:read'] }, tenant: 'acme', task: 'support.answer',
    messages: [
      { role: 'system', content: 'You are a helpful support assistant for Acme. Answer briefly and cite sources.' },
      { role: 'user', content: `How do I reset my password on device ${i}? My email is user${i}@example.com.` },
    ],
    params: { max_tokens: 256, temperature: 0.2, top_p: 0.9, seed: i },
    context: [
      { id: `kb-${i % 97}`, source: 'kb', kind: 'document', text: 'To reset your password open Settings, choose Account, then Reset password and follow the emailed link.', score: 0.82 },
      { id: `kb-${i % 89}`, source: 'kb', kind: 'document', text: 'Passwords must be at least 12 characters long and may not repeat the last five passwords.', score: 0.61 },
    ],
    route: { provider: m.startsWith('gpt') ? 'openai' : 'local', model: m, reason: 'cheapest model meeting task tier',
      fallbacks: [{ provider: 'ollama', model: 'llama3.2:3b' }], rejected: [{ model: 'gpt-4o', reason: 'over budget' }] },
    output: err ? undefined : { text: 'Open Settings > Account > Reset password, then follow the link we email you [kb-12].',
      finish_reason: 'tool_calls', model: m, provider: 'local',
      tool_calls: [{ id: `call-${i}`, name: 'kb.search', arguments: { q: 'reset password' } }],
      usage: { input_tokens: 412 + (i % 100), output_tokens: 58 + (i % 40), cached_tokens: 128 },
      cost: { amount: 0.00021, currency: 'USD' }, timing: { queue_ms: 1.2, prompt_ms: 80.5, ttft_ms: 95.1 + (i % 30), total_ms: 640 + (i % 200), tokens_per_s: 42.5 } },
    tool_results: err ? undefined : [{ call_id: `call-${i}`, name: 'kb.search', status: 'ok', content: { hits: 3 }, duration_ms: 12.5 }],
    policy: { decisions: [{ stage: 'art-policy', rule: 'pii.email', action: 'flag', field: 'messages[1].content', severity: 'low' }] },
    status: err ? 'error' : 'ok',
    error: err ? { code: 'upstream_unavailable', stage: 'art-infer', message: 'all candidates failed' } : undefined,
    events: [
      { stage: 'art-policy', name: 'check', start_us: t, end_us: t + 150, attrs: { decisions: 1 } },
      { stage: 'art-memory', name: 'recall', start_us: t + 200, end_us: t + 2200, attrs: { namespace: 'kb', hits: 2 } },
      { stage: 'art-route', name: 'route', start_us: t + 2300, end_us: t + 2400, attrs: { model: m } },
      { stage: 'art-infer', name: 'attempt', start_us: t + 2500, end_us: t + 30000, attrs: { provider: 'ollama', model: 'llama3.2:3b', error: 'connect_failed' } },
      { stage: 'art-infer', name: 'chat', start_us: t + 30100, end_us: t + 670000, attrs: { provider: 'local', model: m } },
      { stage: 'art-tool', name: 'execute_tool', start_us: t + 670100, end_us: t + 682600, attrs: { tool: 'kb.search', call_id: `call-${i}`, status: 'ok' } },
    ],
  };
  out.push(JSON.stringify(env));
  if (out.length === 1000) { process.stdout.write(out.join('\n') + '\n'); out = []; }
}
if (out.length) process.stdout.write(out.join('\n') + '\n');
JS
[ "$(wc -l <"$tmp/in.jsonl")" -eq "$N" ]

# wall and CPU seconds of one command: "REAL USER SYS"
timed() { local TIMEFORMAT='%R %U %S'; { time "$@" >/dev/null 2>/dev/null; } 2>&1; }
jq_t=$(timed jq -c . "$tmp/in.jsonl")
rec_t=$(timed sh -c '"$1" record --db "$2" <"$3" || [ $? -eq 1 ]' sh "$bin" "$tmp/trace.db" "$tmp/in.jsonl")
stored=$("$bin" replay --db "$tmp/trace.db" 2>/dev/null | wc -l)

awk -v n="$N" -v jt="$jq_t" -v rt="$rec_t" -v st="$stored" -v target="$TARGET" -v strict="$STRICT" -v mb="$(du -m "$tmp/in.jsonl" | cut -f1)" \
	-v load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)" 'BEGIN {
	split(jt, j, " "); split(rt, r, " ")
	jr = n / j[1]; rr = n / r[1]; ratio = rr / jr
	jc = j[2] + j[3]; rc = r[2] + r[3]
	printf "bench_trace: %d envelopes (%d MB), load average %s\n", n, mb, load
	printf "  jq -c .              %8.0f envelopes/s  (%.2f s wall, %.2f s CPU)\n", jr, j[1], jc
	printf "  art-trace record     %8.0f envelopes/s  (%.2f s wall, %.2f s CPU, 2 threads), %d stored\n", rr, r[1], rc, st
	printf "  ratio                %8.2fx wall, %.2fx CPU  (target >= %sx wall)\n", ratio, (rc > 0 ? jc / rc : 0), target
	met = ratio >= target
	printf "  verdict              %s\n", st != n ? "FAILED: not every envelope was stored" : met ? "target met" : "BELOW TARGET"
	exit st != n || (strict == 1 && !met)
}'
