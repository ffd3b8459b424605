#!/usr/bin/env bats
# Crash safety of the reference flow: 2,000 envelopes through the full pipeline (policy,
# memory, route, a model on an OpenAI-compatible mock asking for a non-idempotent exec tool,
# the tool, the second model turn, output policy, memory write, trace); one stage is killed
# with SIGKILL mid-stream; the run is resumed from the trace's checkpoints.  Afterwards every
# input id has exactly one final envelope and the tool ran once per request.
load common
load remote_helper

N=${FLOW_CRASH_N:-2000}

setup() {
	common_setup
	cfg=$T/cfg
	mkdir -p "$cfg"
	# the tool appends its arguments (one line of canonical JSON) to $LEDGER: a side effect.
	# One awk process per call, no shell, so that 2,000 calls stay quick.
	cat >"$cfg/tools.json" <<'JSON'
{"tools": [{"name": "ledger_append", "description": "Append to the ledger (not idempotent).",
  "kind": "exec", "exec": {"argv": ["awk", "{ print >> ENVIRON[\"LEDGER\"]; print \"{\\\"ok\\\":true}\" }"],
    "env": ["PATH", "LEDGER"]},
  "input_schema": {"type": "object", "properties": {"job": {"type": "string"}}, "required": ["job"],
    "additionalProperties": false},
  "scopes": ["ledger:write"], "risk": "low", "idempotent": false, "timeout_ms": 10000}]}
JSON
	cat >"$cfg/policy.json" <<JSON
{"version": 1, "rule_packs": ["$REPO/examples/policy/secrets.json"],
 "defaults": {"deadline": "10m", "max_deadline": "1h", "risk": "low"},
 "tenants": {"acme": {"tasks": ["crash.run"], "scopes": ["ledger:write"], "risk_ceiling": "medium"}}}
JSON
	# one fixture pair per job: the model asks for the tool with the job's id, then answers
	seq -f 'job-%04g' "$N" | jq -R -s -c 'split("\n") | map(select(. != "")) |
		{fixtures: (map(
			{match: {userMessage: ., hasToolResult: false},
			 response: {toolCalls: [{name: "ledger_append", arguments: {job: .}}]}},
			{match: {userMessage: ., hasToolResult: true}, response: {content: "logged \(.)"}}))}' \
		>"$T/fixture.json"
	seq -f 'job-%04g' "$N" | art new --lines --tenant acme --actor cron --scope ledger:write \
		--authority ledger:write --task crash.run --id crash | jq -c '.id = .messages[-1].content' >"$T/in.jsonl"
	export LEDGER=$T/ledger
	: >"$LEDGER"
}

teardown() {
	stop_mock
	common_teardown
}

@test "crash safety: SIGKILL art-tool mid-stream, resume from the trace, every id once, every tool once" {
	start_mock "$T/fixture.json"
	jq -n --arg port "$MOCK_PORT" '{version: 1, models: [{name: "agent", provider: "openai",
		endpoint: "http://127.0.0.1:\($port)/v1", model: "agent", boundary: "local", latency_ms: 10,
		capabilities: {tools: true, json: true, context: 8192, max_output: 256}}]}' >"$cfg/routes.json"
	art-run -c "$cfg" -s "$T/st" --checkpoint --capture none -p 32 <"$T/in.jsonl" >"$T/out1.jsonl" 2>"$T/err1" &
	run_pid=$!
	# wait until the tool stage is running and has done some of its work, then kill it
	tool_pid=
	for _ in $(seq 3000); do
		tool_pid=$(pgrep -P "$run_pid" -x art-tool || true)
		[ -n "$tool_pid" ] && [ "$(lines_of "$LEDGER")" -ge $((N / 4)) ] && break
		sleep 0.05
	done
	[ -n "$tool_pid" ]
	kill -KILL "$tool_pid"
	rc=0
	wait "$run_pid" || rc=$?
	[ "$rc" -eq 5 ] # a killed stage is an internal error of the run
	grep -q "was killed" "$T/err1"
	before=$(lines_of "$LEDGER")
	[ "$before" -lt "$N" ] # it really stopped mid-stream

	run art-run -c "$cfg" -s "$T/st" --resume --capture none -p 32 <"$T/in.jsonl"
	echo "$output" >"$T/out.jsonl"
	# every input id has exactly one final envelope, in input order
	diff <(jq -r .id "$T/in.jsonl") <(jq -r .id "$T/out.jsonl")
	# the tool ran exactly once per job; a call cut off while running is refused, never re-run
	[ -z "$(sort "$LEDGER" | uniq -d)" ] || { echo "tool ran twice:"; sort "$LEDGER" | uniq -d | head; false; }
	inflight=$(jq -r 'select(.tool_results[0].error.code == "call_in_flight") | .id' "$T/out.jsonl")
	[ "$(printf '%s' "$inflight" | grep -c .)" -le 1 ]
	for id in $(jq -r .id "$T/in.jsonl"); do echo "{\"job\":\"$id\"}"; done | sort >"$T/want"
	sort "$LEDGER" >"$T/got"
	# every job is in the ledger once, except possibly the one in flight at the kill
	run comm -3 "$T/want" "$T/got"
	[ -z "$output" ] || [ "$output" = "{\"job\":\"$inflight\"}" ]
	# everything else finished the second model turn
	run jq -r 'select(.status == "done") | .id' "$T/out.jsonl"
	[ "${#lines[@]}" -ge $((N - 1)) ]
	[ "$(jq -r 'select(.status == "done") | .output.text' "$T/out.jsonl" | grep -c '^logged job-')" -ge $((N - 1)) ]
}
