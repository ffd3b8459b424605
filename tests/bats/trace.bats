#!/usr/bin/env bats
# art-trace: record pass-through and storage, capture/redaction before storage, spans,
# show, stats, OTLP/HTTP JSON export to a Node receiver (shape, retries, resume),
# replay round trip, eval, gc.
bats_require_minimum_version 1.5.0

setup() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/trace.XXXXXX")
	export ART_TRACE_DB="$T/trace.db"
	RECV_PID=
	# a request that fell back to a second model and called a tool
	cat >"$T/fb.jsonl" <<'JSON'
{"art":1,"id":"req-fb","created":"2026-11-19T10:00:00.000Z","trace":{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"},"actor":{"id":"alice"},"tenant":"acme","task":"support.answer","session":"s-1","messages":[{"role":"user","content":"reset my password please"}],"params":{"max_tokens":128,"temperature":0.2},"context":[{"id":"kb-12","text":"Settings > Account > Reset","score":0.9}],"route":{"provider":"ollama","model":"llama3.2:3b","fallbacks":[{"provider":"openai","model":"gpt-4o-mini"}],"rejected":[{"model":"gpt-4o","reason":"over budget"}]},"output":{"text":"Open Settings > Account > Reset [kb-12]","finish_reason":"stop","model":"gpt-4o-mini","provider":"openai","tool_calls":[{"id":"call-1","name":"kb.search","arguments":{"q":"reset"}}],"usage":{"input_tokens":412,"output_tokens":58,"cached_tokens":100},"cost":{"amount":0.00021,"currency":"USD"},"timing":{"ttft_ms":95.5,"total_ms":640}},"tool_results":[{"call_id":"call-1","name":"kb.search","status":"ok","content":{"hits":3},"duration_ms":12.5}],"policy":{"decisions":[{"stage":"art-policy","rule":"pii.email","action":"flag","field":"messages[0].content"}]},"status":"ok","events":[{"stage":"art-policy","name":"check","start_us":1795082400000000,"end_us":1795082400000150},{"stage":"art-memory","name":"recall","start_us":1795082400000200,"end_us":1795082400002200,"attrs":{"namespace":"kb","hits":1}},{"stage":"art-infer","name":"chat","start_us":1795082400002500,"end_us":1795082400030000,"attrs":{"provider":"ollama","model":"llama3.2:3b","error":"connect_failed"}},{"stage":"art-infer","name":"chat","start_us":1795082400030100,"end_us":1795082400670000,"attrs":{"provider":"openai","model":"gpt-4o-mini"}},{"stage":"art-tool","name":"execute_tool","start_us":1795082400670100,"end_us":1795082400682600,"attrs":{"tool":"kb.search","call_id":"call-1","status":"ok"}}]}
{"art":1,"id":"req-err","created":"2026-11-19T10:00:01.000Z","trace":{"trace_id":"5bf92f3577b34da6a3ce929d0e0e4736","span_id":"10f067aa0ba902b7"},"tenant":"acme","task":"support.answer","messages":[{"role":"user","content":"hello"}],"route":{"provider":"ollama","model":"llama3.2:3b"},"status":"error","error":{"code":"upstream_unavailable","stage":"art-infer","message":"all candidates failed"},"events":[{"stage":"art-infer","name":"chat","start_us":1795082401000000,"end_us":1795082401050000,"attrs":{"provider":"ollama","model":"llama3.2:3b","error":"connect_failed"}}]}
JSON
	# secrets and PII in contents, in an error message and in an event attribute
	cat >"$T/secret.jsonl" <<'JSON'
{"art":1,"id":"req-secret","trace":{"trace_id":"6bf92f3577b34da6a3ce929d0e0e4736"},"messages":[{"role":"user","content":"my key is sk-proj-Zx81QmWq7RtY3uVb9NcKe2Lp and mail bob.secret@example.org, card 4111 1111 1111 1111"}],"output":{"text":"noted AKIAZ7Q4MPLE3XK2T9VA"},"status":"error","error":{"code":"tool_failed","stage":"art-tool","message":"auth failed for sk-proj-Zx81QmWq7RtY3uVb9NcKe2Lp"},"events":[{"stage":"art-tool","name":"execute_tool","start_us":1795082402000000,"end_us":1795082402001000,"attrs":{"tool":"mail.send","to":"bob.secret@example.org","status":"error"}}]}
JSON
}

teardown() {
	if [ -n "$RECV_PID" ]; then
		kill "$RECV_PID" 2>/dev/null || true
		wait "$RECV_PID" 2>/dev/null || true
	fi
	rm -rf "$T"
}

start_receiver() {
	mkdir -p "$T/recv"
	node "$BATS_TEST_DIRNAME/../otlp-receiver.js" "$T/recv" "$@" &
	RECV_PID=$!
	for _ in $(seq 100); do [ -s "$T/recv/port" ] && break; sleep 0.05; done
	[ -s "$T/recv/port" ]
	PORT=$(cat "$T/recv/port")
}

@test "trace: record passes valid lines through byte for byte and stores every envelope" {
	run art-trace record <"$T/fb.jsonl"
	[ "$status" -eq 1 ]                     # req-err is an error envelope
	[ "$output" = "$(cat "$T/fb.jsonl")" ]
	run art-trace stats --json
	[ "$status" -eq 0 ]
	[ "$(jq '.requests.count' <<<"$output")" -eq 2 ]
	[ "$(jq '.requests.errors' <<<"$output")" -eq 1 ]
}

@test "trace: a bad line becomes one error envelope and is recorded too" {
	printf '{"art":1,"id":"ok-1"}\nnot json\n\n{"art":1,"id":"ok-2"}\n' >"$T/in.jsonl"
	run art-trace record <"$T/in.jsonl"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "$(sed -n 2p <<<"$output" | jq -r .error.code)" = bad_json ]
	[ "$(sed -n 2p <<<"$output" | jq -r .error.line)" = 2 ]
	[ "$(sed -n 3p <<<"$output" | jq -r .error.code)" = bad_json ]
	[ "$(sed -n 4p <<<"$output" | jq -r .id)" = ok-2 ]
	run --separate-stderr art-trace replay --status error
	[ "$(wc -l <<<"$output")" -eq 2 ]
}

@test "trace: --capture none strips contents and redacts the rest; no raw secret in the db or -wal" {
	art-trace record --batch 1 <"$T/secret.jsonl" >/dev/null || true
	for f in "$ART_TRACE_DB" "$ART_TRACE_DB-wal"; do
		[ -e "$f" ] || continue
		! grep -a -q 'sk-proj-Zx81QmWq7RtY3uVb9NcKe2Lp' "$f"
		! grep -a -q 'bob.secret@example.org' "$f"
		! grep -a -q 'AKIAZ7Q4MPLE3XK2T9VA' "$f"
		! grep -a -q '4111 1111 1111 1111' "$f"
	done
	run --separate-stderr art-trace replay --id req-secret
	[ "$(jq -r '.messages[0].content // "absent"' <<<"$output")" = absent ]
	[ "$(jq -r '.error.message' <<<"$output")" = "auth failed for [REDACTED:api_key]" ]
	[ "$(jq -r '.events[0].attrs.to' <<<"$output")" = "[REDACTED:email]" ]
}

@test "trace: --capture redacted keeps contents with secrets replaced; full keeps them (the grep can fail)" {
	art-trace record --capture redacted <"$T/secret.jsonl" >/dev/null || true
	run --separate-stderr art-trace replay --id req-secret
	[ "$(jq -r '.messages[0].content' <<<"$output")" = "my key is [REDACTED:api_key] and mail [REDACTED:email], card [REDACTED:card]" ]
	[ "$(jq -r '.output.text' <<<"$output")" = "noted [REDACTED:aws_key]" ]
	art-trace stats >/dev/null
	for f in "$ART_TRACE_DB" "$ART_TRACE_DB-wal"; do
		[ -e "$f" ] || continue
		! grep -a -q 'sk-proj-Zx81QmWq7RtY3uVb9NcKe2Lp' "$f"
	done
	ART_TRACE_DB="$T/full.db" art-trace record --capture full <"$T/secret.jsonl" >/dev/null || true
	cat "$T/full.db" "$T/full.db-wal" 2>/dev/null | grep -a -q 'sk-proj-Zx81QmWq7RtY3uVb9NcKe2Lp'
}

@test "trace: record --policy applies art-policy's redaction rules before storage" {
	printf '%s\n' '{"art":1,"id":"pol","messages":[{"role":"user","content":"call +44 20 7946 0958 or mail eve@example.net"}],"error":{"code":"x","stage":"s","message":"ring +44 20 7946 0958"},"status":"error"}' >"$T/pol.jsonl"
	art-trace record --capture redacted --policy "$BATS_TEST_DIRNAME/../../examples/policy/pii.json" <"$T/pol.jsonl" >/dev/null || true
	run --separate-stderr art-trace replay --id pol
	[ "$(jq -r '.messages[0].content' <<<"$output")" = "call [PHONE] or mail [EMAIL]" ]
	[ "$(jq -r '.error.message' <<<"$output")" = "ring [PHONE]" ]
	for f in "$ART_TRACE_DB" "$ART_TRACE_DB-wal"; do
		[ -e "$f" ] || continue
		! grep -a -q '7946 0958' "$f"
	done
	run art-trace record --policy "$T/missing.json" </dev/null
	[ "$status" -eq 3 ]
}

@test "trace: a second model call after a successful one is the next agent turn, not a fallback" {
	# req-fb without the failed first call: two chats around a tool call, both ok
	jq -c '.id = "req-turns" | .trace.trace_id = "5bf92f3577b34da6a3ce929d0e0e4736"
		| .events |= (map(select(.attrs.error == null)) + [{"stage": "art-infer", "name": "chat",
			"start_us": 1795082400690000, "end_us": 1795082400700000, "attrs": {"provider": "openai", "model": "gpt-4o-mini"}}])' \
		<(head -n 1 "$T/fb.jsonl") >"$T/turns.jsonl"
	art-trace record <"$T/turns.jsonl" >/dev/null
	run art-trace show req-turns --width 40
	[ "$status" -eq 0 ]
	[ "$(grep -cE '^  chat gpt-4o-mini ' <<<"$output")" -eq 2 ]
	! grep -E '^  chat .* fallback' <<<"$output"
}

@test "trace: show on a request with a fallback and a tool call shows both" {
	art-trace record <"$T/fb.jsonl" >/dev/null || true
	run art-trace show req-fb --width 40
	[ "$status" -eq 0 ]
	[[ "$output" == *"fallbacks: openai/gpt-4o-mini"* ]]
	[[ "$output" == *"rejected: gpt-4o (over budget)"* ]]
	grep -E '^  chat llama3.2:3b .*ERROR connect_failed' <<<"$output"
	grep -E '^  chat gpt-4o-mini .* fallback' <<<"$output"
	grep -E '^  execute_tool kb.search ' <<<"$output"
	grep -E '^  retrieval kb ' <<<"$output"
	[[ "$output" == *"call-1 kb.search -> ok (12.5 ms)"* ]]
	[[ "$output" == *"pii.email"* ]]
	[[ "$output" == *"in 412  out 58  cached 100   cost 0.00021 USD"* ]]
	# by trace id too; unknown id fails
	run art-trace show 4bf92f3577b34da6a3ce929d0e0e4736
	[ "$status" -eq 0 ]
	[[ "$output" == *"request  req-fb"* ]]
	run art-trace show nope
	[ "$status" -eq 1 ]
}

@test "trace: stats per model and stage, JSON with OTel-named histograms, window" {
	art-trace record <"$T/fb.jsonl" >/dev/null || true
	run art-trace stats --json
	[ "$status" -eq 0 ]
	j=$output
	[ "$(jq -r '.models[] | select(.model=="llama3.2:3b") | .count' <<<"$j")" -eq 2 ]
	[ "$(jq -r '.models[] | select(.model=="llama3.2:3b") | .error_rate' <<<"$j")" = 1 ]
	[ "$(jq -r '.models[] | select(.model=="gpt-4o-mini") | .input_tokens' <<<"$j")" -eq 412 ]
	[ "$(jq -r '.models[] | select(.model=="gpt-4o-mini") | .ttft_p50_ms' <<<"$j")" = 95.5 ]
	[ "$(jq -r '.models[] | select(.model=="gpt-4o-mini") | .p50_ms' <<<"$j")" = 639.9 ]
	[ "$(jq -r '.stages[] | select(.stage=="art-tool") | .count' <<<"$j")" -eq 1 ]
	[ "$(jq -r '[.metrics[].name] | join(",")' <<<"$j")" = "gen_ai.client.operation.duration,gen_ai.client.token.usage,gen_ai.server.time_to_first_token" ]
	[ "$(jq -r '.metrics[0].histogram.dataPoints | map(.count) | add' <<<"$j")" -eq 3 ]
	run art-trace stats
	[[ "$output" == *"gpt-4o-mini"* ]]
	run art-trace stats --json --since 2026-11-19T10:00:00.500Z
	[ "$(jq '.requests.count' <<<"$output")" -eq 1 ]
}

@test "trace: re-recording the same envelopes is idempotent" {
	art-trace record <"$T/fb.jsonl" >/dev/null || true
	art-trace stats --json >"$T/a.json"
	art-trace record <"$T/fb.jsonl" >/dev/null || true
	art-trace stats --json >"$T/b.json"
	cmp "$T/a.json" "$T/b.json"
}

@test "trace: export sends OTLP/HTTP JSON the receiver accepts, with GenAI attributes" {
	art-trace record --eval contains-citation <"$T/fb.jsonl" >/dev/null || true
	start_receiver
	run art-trace export --otlp "http://127.0.0.1:$PORT" --header "X-Test-Header: yes" --batch 4
	[ "$status" -eq 0 ]
	[ "$(jq .spans <<<"$output")" -eq 8 ]
	[ "$(jq .requests <<<"$output")" -eq 2 ]
	[ ! -e "$T/recv/errors.txt" ]
	r="$T/recv/requests.jsonl"
	[ "$(jq -r .header "$r" | sort -u)" = yes ]
	spans=$(jq -c '.body.resourceSpans[].scopeSpans[].spans[]' "$r")
	chat=$(jq -c 'select(.name=="chat gpt-4o-mini")' <<<"$spans")
	attr() { jq -c --arg k "$2" '.attributes[] | select(.key==$k) | .value' <<<"$1"; }
	[ "$(attr "$chat" gen_ai.operation.name)" = '{"stringValue":"chat"}' ]
	[ "$(attr "$chat" gen_ai.provider.name)" = '{"stringValue":"openai"}' ]
	[ "$(attr "$chat" gen_ai.usage.input_tokens)" = '{"intValue":"412"}' ]
	[ "$(attr "$chat" gen_ai.usage.cache_read.input_tokens)" = '{"intValue":"100"}' ]
	[ "$(attr "$chat" gen_ai.request.temperature)" = '{"doubleValue":0.2}' ]
	[ "$(attr "$chat" gen_ai.response.finish_reasons)" = '{"arrayValue":{"values":[{"stringValue":"stop"}]}}' ]
	[ "$(jq -r .startTimeUnixNano <<<"$chat")" = 1795082400030100000 ]
	[ "$(jq -r .parentSpanId <<<"$chat")" = 00f067aa0ba902b7 ]
	failed=$(jq -c 'select(.name=="chat llama3.2:3b" and .traceId=="4bf92f3577b34da6a3ce929d0e0e4736")' <<<"$spans")
	[ "$(attr "$failed" error.type)" = '{"stringValue":"connect_failed"}' ]
	[ "$(jq .status.code <<<"$failed")" -eq 2 ]
	tool=$(jq -c 'select(.name=="execute_tool kb.search")' <<<"$spans")
	[ "$(attr "$tool" gen_ai.tool.call.id)" = '{"stringValue":"call-1"}' ]
	root=$(jq -c 'select(.name=="art.request support.answer" and .spanId=="00f067aa0ba902b7")' <<<"$spans")
	[ "$(jq -r .traceId <<<"$root")" = 4bf92f3577b34da6a3ce929d0e0e4736 ]
	[ "$(attr "$root" art.tenant)" = '{"stringValue":"acme"}' ]
	[ "$(attr "$root" enduser.id)" = '{"stringValue":"alice"}' ]
	[ "$(jq -r '.events[0].name' <<<"$root")" = gen_ai.evaluation.result ]
	# resume: nothing new, nothing sent
	run art-trace export --otlp "http://127.0.0.1:$PORT/v1/traces"
	[ "$status" -eq 0 ]
	[ "$(jq .spans <<<"$output")" -eq 0 ]
}

@test "trace: export retries 503s with backoff, then resumes after a failed run" {
	art-trace record <"$T/fb.jsonl" >/dev/null || true
	start_receiver --fail-first 2
	run art-trace export --otlp "http://127.0.0.1:$PORT" --backoff 10ms
	[ "$status" -eq 0 ]
	[ "$(jq .retries <<<"$output")" -eq 2 ]
	[ "$(jq .spans <<<"$output")" -eq 8 ]
	# a new request; the collector is down: exit 4, cursor kept
	sed 's/req-err/req-err2/; s/5bf92f35/7bf92f35/' "$T/fb.jsonl" | sed -n 2p | art-trace record >/dev/null || true
	run --separate-stderr art-trace export --otlp "http://user:hunter2@127.0.0.1:1" --retries 1 --backoff 1ms
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"http://127.0.0.1:1/v1/traces"* ]]
	[[ "$stderr" != *hunter2* ]]
	[ "$(jq .spans <<<"$output")" -eq 0 ]
	[ "$(jq .retries <<<"$output")" -eq 1 ]
	run art-trace export --otlp "http://127.0.0.1:$PORT"
	[ "$status" -eq 0 ]
	[ "$(jq .spans <<<"$output")" -eq 2 ]
	[ ! -e "$T/recv/errors.txt" ]
}

@test "trace: replay re-emits envelopes as they were at a stage (round trip)" {
	# stage "routed": as the envelope was before art-infer; stage "end": after it failed
	jq -c 'del(.output, .tool_results) | .status = "ok" | del(.error)' "$T/fb.jsonl" >"$T/routed.jsonl"
	art-trace record --stage routed --capture full <"$T/routed.jsonl" >/dev/null
	art-trace record --stage end --capture full <"$T/fb.jsonl" >/dev/null || true
	run --separate-stderr art-trace replay --stage routed
	[ "$status" -eq 0 ]
	diff <(jq -cS . <<<"$output") <(jq -cS . "$T/routed.jsonl")
	# only the request that failed, as it was at "routed", ready to resume
	run --separate-stderr art-trace replay --stage routed --status error
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r .id <<<"$output")" = req-err ]
	[ "$(jq -r .status <<<"$output")" = ok ]
	[ "$(jq -r .messages[0].content <<<"$output")" = hello ]
	run --separate-stderr art-trace replay --stage end --id req-fb
	diff <(jq -cS . <<<"$output") <(head -1 "$T/fb.jsonl" | jq -cS .)
	run --separate-stderr art-trace replay --stage end --since 1h
	[ "${#lines[@]}" -eq 2 ]
	run --separate-stderr art-trace replay --stage end --until 2000-01-01T00:00:00Z
	[ -z "$output" ]
}

@test "trace: eval stores scores from a file and built-in checks, summarised in stats" {
	art-trace record --capture full <"$T/fb.jsonl" >/dev/null || true
	printf '%s\n' '{"id":"req-fb","name":"relevance","value":0.8,"label":"relevant","explanation":"on topic"}' \
		'{"id":"req-err","name":"relevance","value":0.2,"label":"not_relevant"}' >"$T/scores.jsonl"
	run art-trace eval --scores "$T/scores.jsonl"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	run --separate-stderr art-trace eval --check contains-citation --check non-empty
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.name=="contains-citation") | .label' <<<"$output")" = pass ]
	run art-trace stats --json
	[ "$(jq -r '.evaluations[] | select(.name=="relevance") | .mean' <<<"$output")" = 0.5 ]
	[ "$(jq -r '.evaluations[] | select(.name=="contains-citation") | .pass' <<<"$output")" -eq 1 ]
	run art-trace show req-fb
	[[ "$output" == *"relevance"*"0.8 relevant  on topic"* ]]
	echo '{"id":"nope","name":"x","value":1}' | { run art-trace eval --scores -; [ "$status" -eq 1 ]; }
	echo '{"id":"req-fb"}' >"$T/bad.jsonl"
	run art-trace eval --scores "$T/bad.jsonl"
	[ "$status" -eq 1 ]
}

@test "trace: record --eval schema-valid checks output against response_schema before contents are stripped" {
	printf '%s\n' '{"art":1,"id":"js-ok","response_schema":{"type":"object","required":["a"]},"output":{"text":"{\"a\":1}"}}' \
		'{"art":1,"id":"js-bad","response_schema":{"type":"object","required":["a"]},"output":{"text":"{\"b\":1}"}}' \
		'{"art":1,"id":"js-none","output":{"text":"{}"}}' >"$T/js.jsonl"
	art-trace record --eval schema-valid --eval non-empty <"$T/js.jsonl" >/dev/null
	run art-trace stats --json
	[ "$(jq -r '.evaluations[] | select(.name=="schema-valid") | "\(.count) \(.pass) \(.fail)"' <<<"$output")" = "2 1 1" ]
	[ "$(jq -r '.evaluations[] | select(.name=="non-empty") | .pass' <<<"$output")" -eq 3 ]
	run --separate-stderr art-trace replay --id js-ok
	[ "$(jq -r '.output.text // "absent"' <<<"$output")" = absent ]
}

@test "trace: gc by count and by age" {
	art-trace record <"$T/fb.jsonl" >/dev/null || true
	art-trace record <"$T/secret.jsonl" >/dev/null || true
	run art-trace gc --keep 1
	[ "$status" -eq 0 ]
	[ "$(jq .envelopes <<<"$output")" -eq 2 ]
	[ "$(art-trace replay | jq -r .id)" = req-secret ]
	run art-trace gc --max-age 1d
	[ "$(jq .envelopes <<<"$output")" -eq 0 ]
	sleep 0.01
	run art-trace gc --max-age 1ms
	[ "$(jq .envelopes <<<"$output")" -eq 1 ]
	[ -z "$(art-trace replay)" ]
}

@test "trace: an idle pipe is committed within --flush time" {
	mkfifo "$T/fifo"
	art-trace record --flush 50ms <"$T/fifo" >"$T/out.jsonl" &
	pid=$!
	exec 5>"$T/fifo"
	head -1 "$T/fb.jsonl" >&5
	sleep 0.5
	run --separate-stderr art-trace replay --id req-fb
	exec 5>&-
	wait "$pid"
	[ "$(jq -r .id <<<"$output")" = req-fb ]
	[ "$(cat "$T/out.jsonl")" = "$(head -1 "$T/fb.jsonl")" ]
}

@test "trace: ART_STRICT=1 turns an envelope that breaks the contract into an error envelope" {
	printf '%s\n' '{"art":1,"id":"fine"}' '{"art":1,"id":"nope","risk":"extreme"}' >"$T/strict.jsonl"
	run env ART_STRICT=1 art-trace record <"$T/strict.jsonl"
	[ "$status" -eq 1 ]
	[ "$(sed -n 1p <<<"$output")" = '{"art":1,"id":"fine"}' ]
	[ "$(sed -n 2p <<<"$output" | jq -r .error.code)" = bad_envelope ]
	run --separate-stderr art-trace replay --status error
	[ "$(jq -r .id <<<"$output")" = nope ]
	# without strict mode the same line passes through
	run env ART_STRICT=0 art-trace record --db "$T/lax.db" <"$T/strict.jsonl"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$T/strict.jsonl")" ]
}

@test "trace: usage and config errors have their exit codes" {
	run art-trace record --capture everything
	[ "$status" -eq 2 ]
	run env -u ART_TRACE_DB art-trace stats
	[ "$status" -eq 2 ]
	run art-trace stats --db "$T/missing.db"
	[ "$status" -eq 3 ]
	run art-trace export
	[ "$status" -eq 2 ]
	run art-trace frob
	[ "$status" -eq 2 ]
	run art-trace record --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--capture"* ]]
}
