#!/usr/bin/env bats
# art-tool: registry, authorization (fail closed), exec tools, idempotency, approval,
# rate limits, HTTP tools, OpenAPI import.  MCP servers are in tool_mcp.bats.
load common

TOOLS="$REPO/tests/tools"

setup() {
	common_setup
	M="$T/marker"
	cat >"$T/reg.json" <<JSON
{
  "tools": [
    {"name": "mark", "description": "leaves a marker line per run", "kind": "exec",
     "exec": {"argv": ["$TOOLS/marker.sh", "$M"], "env": ["PATH"]},
     "input_schema": {"type": "object", "properties": {"n": {"type": "integer", "maximum": 10}}, "additionalProperties": false},
     "output_schema": {"type": "object", "required": ["runs"]},
     "scopes": ["tools:mark"], "tenants": ["acme"], "risk": "low", "idempotent": false,
     "rate_limit": {"per_actor": {"max": 3, "window_s": 60}}},
    {"name": "mark_idem", "description": "marker, idempotent", "kind": "exec",
     "exec": {"argv": ["$TOOLS/marker.sh", "$M"], "env": ["PATH"]},
     "input_schema": {"type": "object"}, "scopes": [], "risk": "low", "idempotent": true},
    {"name": "mark_approve", "description": "marker that needs approval above 100", "kind": "exec",
     "exec": {"argv": ["$TOOLS/marker.sh", "$M"], "env": ["PATH"]},
     "input_schema": {"type": "object", "properties": {"amount": {"type": "number"}}, "required": ["amount"]},
     "scopes": ["tools:mark"], "risk": "medium", "idempotent": false,
     "approval": {"amount": {"pointer": "/amount", "above": 100}, "above_risk": "high"}},
    {"name": "hang", "description": "never answers", "kind": "exec",
     "exec": {"argv": ["$TOOLS/hang.sh", "$T/hang.pids"], "env": ["PATH"]},
     "input_schema": {"type": "object"}, "scopes": [], "idempotent": true, "timeout_ms": 300},
    {"name": "flood", "description": "floods stdout", "kind": "exec",
     "exec": {"argv": ["$TOOLS/flood.sh"], "env": ["PATH"], "max_output_bytes": 65536},
     "input_schema": {"type": "object"}, "scopes": [], "idempotent": true, "timeout_ms": 5000},
    {"name": "fail", "description": "exits 3", "kind": "exec",
     "exec": {"argv": ["$TOOLS/fail.sh"], "env": ["PATH"]},
     "input_schema": {"type": "object"}, "scopes": [], "idempotent": true},
    {"name": "badjson", "description": "prints invalid JSON", "kind": "exec",
     "exec": {"argv": ["$TOOLS/badjson.sh"], "env": ["PATH"]},
     "input_schema": {"type": "object"}, "scopes": [], "idempotent": true},
    {"name": "wrongshape", "description": "output breaks its schema", "kind": "exec",
     "exec": {"argv": ["$TOOLS/echo.sh"], "env": ["PATH"]},
     "input_schema": {"type": "object"}, "output_schema": {"type": "object", "required": ["sum"]},
     "scopes": [], "idempotent": true},
    {"name": "flaky", "description": "hangs once, then answers", "kind": "exec",
     "exec": {"argv": ["$TOOLS/flaky.sh", "$T/flaky.state"], "env": ["PATH"]},
     "input_schema": {"type": "object"}, "scopes": [], "idempotent": true, "timeout_ms": 300,
     "retry": {"max": 2, "backoff_ms": 10}},
    {"name": "flaky_once", "description": "same, not idempotent: never retried", "kind": "exec",
     "exec": {"argv": ["$TOOLS/flaky.sh", "$T/flaky1.state"], "env": ["PATH"]},
     "input_schema": {"type": "object"}, "scopes": [], "idempotent": false, "timeout_ms": 300,
     "retry": {"max": 2, "backoff_ms": 10}},
    {"name": "slowmark", "description": "slow side effect", "kind": "exec",
     "exec": {"argv": ["$TOOLS/slowmark.sh", "$M"], "env": ["PATH"]},
     "input_schema": {"type": "object"}, "scopes": [], "idempotent": false, "timeout_ms": 5000},
    {"name": "showenv", "description": "shows its environment", "kind": "exec",
     "exec": {"argv": ["$TOOLS/echo.sh"], "env": ["PATH"], "set_env": {"SECRET": "fixed-by-registry"}},
     "input_schema": {"type": "object"}, "scopes": [], "idempotent": true}
  ]
}
JSON
}

# gone PID: the process is dead (or a zombie waiting for init to reap it), within 2 s
gone() {
	for _ in $(seq 40); do
		kill -0 "$1" 2>/dev/null || return 0
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ] && return 0
		sleep 0.05
	done
	echo "process $1 is still running" >&2
	return 1
}

# env_calls ACTOR SCOPES_JSON TENANT CALLS_JSON: one envelope line on stdout
env_calls() {
	jq -nc --arg a "$1" --argjson s "$2" --arg t "$3" --argjson c "$4" \
		'{art: 1, id: "req-1", tenant: $t, actor: {id: $a, scopes: $s}, output: {tool_calls: $c}}'
}

@test "art-tool: the example registry loads; list --all prints model tool definitions" {
	run art-tool list --all --registry "$REPO/examples/tools/registry.json"
	assert_success
	echo "$output" | jq -e 'length == 5 and all(.type == "function" and (.name | length > 0) and (.parameters | type == "object"))'
	run art-tool list --all --registry "$T/reg.json"
	assert_success
}

@test "art-tool: registries validate against schemas/tools.schema.json" {
	{
		jq -c . "$REPO/examples/tools/registry.json"
		jq -c . "$T/reg.json"
		art-tool import-openapi --base-url http://127.0.0.1:9 "$TOOLS/openapi.json" | jq -c .
	} >"$T/regs.jsonl"
	run art-validate "$REPO/schemas/tools.schema.json" <"$T/regs.jsonl"
	assert_success
	[ "$(grep -c '"valid":true' <<<"$output")" -eq 3 ]
	# and the schema rejects what the loader rejects
	run art-validate "$REPO/schemas/tools.schema.json" <<<'{"tools":[{"name":"x","kind":"exec","input_schema":{},"exec":{"argv":["/bin/true"]}}]}'
	assert_failure 1
	assert_output --partial 'required property \"scopes\" is missing'
}

@test "art-tool list: an envelope gets only the tools its actor and tenant may use" {
	reg="$REPO/examples/tools/registry.json"
	run bash -c "jq -nc '{art:1,id:\"a\",tenant:\"acme\",actor:{id:\"al\",scopes:[\"tools:math\",\"payments:refund\"]}}' | art-tool list -r $reg"
	assert_success
	echo "$output" | jq -e '[.tools[].name] == ["add","clock","refund"]'
	# another tenant does not see refund; authority.granted narrows the actor's scopes
	run bash -c "jq -nc '{art:1,id:\"a\",tenant:\"other\",actor:{id:\"al\",scopes:[\"tools:math\",\"payments:refund\"]},authority:{granted:[\"payments:refund\"]}}' | art-tool list -r $reg"
	assert_success
	echo "$output" | jq -e '[.tools[].name] == ["clock"]'
}

@test "art-tool: bad registries are config errors (exit 3) naming the problem" {
	while IFS='|' read -r doc frag; do
		printf '%s\n' "$doc" >"$T/bad.json"
		run art-tool run --registry "$T/bad.json" </dev/null
		assert_failure 3
		assert_output --partial "$frag"
	done <<'TABLE'
{"tools": [{"name": "x", "kind": "exec", "exec": {"argv": ["/bin/true"]}, "input_schema": {"type": "object"}}]}|scopes (an array
{"tools": [{"name": "x y", "kind": "exec", "scopes": [], "input_schema": {}}]}|name must match
{"tools": [{"name": "x", "kind": "ftp", "scopes": [], "input_schema": {}}]}|kind must be exec, http or mcp
{"tools": [{"name": "x", "kind": "exec", "scopes": [], "input_schema": {"type": 5}, "exec": {"argv": ["/bin/true"]}}]}|input_schema
{"tools": [{"name": "x", "kind": "exec", "scopes": [], "input_schema": {}, "exec": {"argv": ["no-such-prog-zz"]}}]}|no such executable
{"tools": [{"name": "x", "kind": "mcp", "scopes": [], "input_schema": {}, "mcp": {"server": "nope"}}]}|not in servers
{"tools": [{"name": "x", "kind": "exec", "scopes": [], "input_schema": {}, "exec": {"argv": ["/bin/true"]}, "approval": "sometimes"}]}|approval must be
not json|not JSON
TABLE
	run art-tool run </dev/null
	assert_failure 2
	assert_output --partial "no registry"
}

@test "art-tool: refused calls never start a process (scope, tenant, unknown, arguments)" {
	# table: actor scopes | tenant | calls | expected code
	while IFS='|' read -r scopes tenant calls code; do
		rm -f "$M"
		env_calls alice "$scopes" "$tenant" "$calls" >"$T/in.jsonl"
		run art-tool run --registry "$T/reg.json" <"$T/in.jsonl"
		assert_success
		echo "$output" | jq -e --arg c "$code" '(.status // "ok") == "ok" and (.tool_results | length == 1)
			and .tool_results[0].status == "refused" and .tool_results[0].error.code == $c
			and (.messages[-1] | .role == "tool" and (.content | startswith("refused:")))
			and (.policy.decisions[-1].action == "deny")'
		[ ! -e "$M" ] || { echo "marker file exists: a process was started for $code"; return 1; }
	done <<'TABLE'
[]|acme|[{"id":"c1","name":"mark","arguments":{}}]|missing_scope
["tools:other"]|acme|[{"id":"c1","name":"mark","arguments":{}}]|missing_scope
["tools:mark"]|globex|[{"id":"c1","name":"mark","arguments":{}}]|tenant_not_allowed
["tools:mark"]|acme|[{"id":"c1","name":"rm_rf","arguments":{}}]|unknown_tool
["tools:mark"]|acme|[{"id":"c1","name":"mark","arguments":{"n":99}}]|invalid_arguments
["tools:mark"]|acme|[{"id":"c1","name":"mark","arguments":{"extra":1}}]|invalid_arguments
["tools:mark"]|acme|[{"id":"c1","name":"mark","arguments":"{not json"}]|invalid_arguments
TABLE
	# the same call with the scope does run (so the test above can fail)
	env_calls alice '["tools:mark"]' acme '[{"id":"c1","name":"mark","arguments":"{\"n\":1}"}]' >"$T/in.jsonl"
	run art-tool run --registry "$T/reg.json" <"$T/in.jsonl"
	assert_success
	echo "$output" | jq -e '.tool_results[0].status == "ok" and .tool_results[0].content.runs == 1'
	[ "$(lines_of "$M")" -eq 1 ]
}

@test "art-tool: replaying an envelope runs a non-idempotent tool exactly once" {
	env_calls alice '["tools:mark"]' acme '[{"id":"c1","name":"mark","arguments":{"n":1}}]' >"$T/in.jsonl"
	art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/in.jsonl" >"$T/out1.jsonl"
	art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/in.jsonl" >"$T/out2.jsonl"
	# and a replay of the already-processed envelope (results present) through a third process
	ART_TOOL_DB="$T/tool.db" art-tool run --registry "$T/reg.json" <"$T/out2.jsonl" >"$T/out3.jsonl"
	[ "$(lines_of "$M")" -eq 1 ]
	jq -e '.tool_results[0].content.runs == 1' "$T/out1.jsonl"
	jq -se '(map(.tool_results) | unique | length == 1) and (.[2].tool_results | length == 1)
		and ([.[2].messages[] | select(.role == "tool")] | length == 1)' "$T/out1.jsonl" "$T/out2.jsonl" "$T/out3.jsonl"
	jq -e '.policy.decisions[-1].rule == "tool.idempotency" and .events[-1].attrs.decision == "replay"' "$T/out2.jsonl"
	art-tool audit --db "$T/tool.db" >"$T/audit.jsonl"
	jq -se '([.[] | select(.decision == "execute")] | length == 1) and ([.[] | select(.decision == "replay")] | length == 2)
		and (.[] | select(.decision == "execute") | .actor == "alice" and .tenant == "acme" and .tool == "mark"
			and (.args_sha256 | length == 64) and .outcome == "ok" and .call_id == "c1" and .env_id == "req-1"
			and .duration_ms > 0)' "$T/audit.jsonl"
	# a new call id is a new call; an idempotent tool simply runs again
	env_calls alice '["tools:mark"]' acme '[{"id":"c2","name":"mark","arguments":{"n":1}},{"id":"c3","name":"mark_idem"}]' >"$T/in2.jsonl"
	art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/in2.jsonl" >/dev/null
	art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/in2.jsonl" >/dev/null
	[ "$(lines_of "$M")" -eq 4 ]
}

@test "art-tool: a call whose art-tool died mid-run is never run again" {
	env_calls alice '[]' acme '[{"id":"c1","name":"slowmark","arguments":{}}]' >"$T/in.jsonl"
	art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/in.jsonl" >/dev/null 3>&- &
	pid=$!
	for _ in $(seq 100); do [ -e "$M.started" ] && break; sleep 0.05; done
	kill -9 "$pid"
	wait "$pid" || true
	run art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/in.jsonl"
	assert_success
	echo "$output" | jq -e '.tool_results[0].status == "refused" and .tool_results[0].error.code == "call_in_flight"'
	# the orphaned tool finishes its one side effect; nothing repeats it
	for _ in $(seq 40); do [ -s "$M" ] && break; sleep 0.05; done
	sleep 0.2
	[ "$(lines_of "$M")" -eq 1 ]
}

@test "art-tool audit: one row per decision and per execution" {
	env_calls alice '["tools:mark"]' acme '[{"id":"a","name":"mark"},{"id":"b","name":"nope"}]' >"$T/in.jsonl"
	art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/in.jsonl" >/dev/null
	run art-tool audit --db "$T/tool.db"
	assert_success
	echo "$output" | jq -se '[.[] | [.call_id, .decision, .outcome, (.reason // "-")]]
		== [["a","execute","ok","-"],["a","allow","ok","-"],["b","deny","refused","unknown_tool"]]'
	run art-tool audit --db "$T/none.db"
	assert_failure 3
}

@test "art-tool: rate limit per actor refuses the call past the limit" {
	env_calls alice '["tools:mark"]' acme '[{"id":"a","name":"mark"},{"id":"b","name":"mark"},{"id":"c","name":"mark"},{"id":"d","name":"mark"}]' >"$T/in.jsonl"
	run art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/in.jsonl"
	assert_success
	echo "$output" | jq -e '[.tool_results[].status] == ["ok","ok","ok","refused"] and .tool_results[3].error.code == "rate_limited"'
	[ "$(lines_of "$M")" -eq 3 ]
	# the window is shared through the database by the next process; another actor has its own
	run art-tool run --registry "$T/reg.json" --db "$T/tool.db" < <(env_calls alice '["tools:mark"]' acme '[{"id":"e","name":"mark"}]')
	echo "$output" | jq -e '.tool_results[0].error.code == "rate_limited"'
	run art-tool run --registry "$T/reg.json" --db "$T/tool.db" < <(env_calls bob '["tools:mark"]' acme '[{"id":"e","name":"mark"}]')
	echo "$output" | jq -e '.tool_results[0].status == "ok"'
	[ "$(lines_of "$M")" -eq 4 ]
}

@test "art-tool: approval parks the envelope, runs once when approved, and is bound to the arguments" {
	calls='[{"id":"c1","name":"mark_approve","arguments":{"amount":150}},{"id":"c2","name":"mark_idem","arguments":{}}]'
	env_calls alice '["tools:mark"]' acme "$calls" >"$T/in.jsonl"
	run art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/in.jsonl"
	assert_success
	echo "$output" >"$T/parked.jsonl"
	jq -e '.status == "awaiting_approval" and .approval.state == "pending" and .approval.resume == "art-tool"
		and (.approval.id | startswith("apr-")) and (.approval.reason | contains("amount 150"))
		and .approval.tool_calls[0].id == "c1" and (.approval.tool_calls[0].args_sha256 | length == 64)
		and [.tool_results[].status] == ["awaiting_approval","skipped"]
		and .policy.decisions[0].action == "require_approval"' "$T/parked.jsonl"
	[ ! -e "$M" ]
	# art-policy releases it approved, with status ok: the approved call runs, once
	jq -c '.status = "ok" | .approval.state = "approved" | .approval.by = "carol"' "$T/parked.jsonl" >"$T/approved.jsonl"
	run art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/approved.jsonl"
	assert_success
	echo "$output" | jq -e '(.status // "ok") == "ok" and [.tool_results[].status] == ["ok","ok"] and (.tool_results | length == 2)
		and ([.messages[] | select(.role == "tool")] | length == 2)'
	[ "$(lines_of "$M")" -eq 2 ]
	art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/approved.jsonl" >/dev/null
	[ "$(lines_of "$M")" -eq 3 ] # only the idempotent mark_idem ran again
	# an approval does not carry over to other arguments
	jq -c '.output.tool_calls[0].arguments.amount = 9000' "$T/approved.jsonl" >"$T/tampered.jsonl"
	run art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/tampered.jsonl"
	echo "$output" | jq -e '.status == "awaiting_approval" and .approval.state == "pending"'
	[ "$(lines_of "$M")" -eq 3 ]
	# under the limit, and envelope risk above the rule's level
	run art-tool run --registry "$T/reg.json" < <(env_calls alice '["tools:mark"]' acme '[{"id":"c9","name":"mark_approve","arguments":{"amount":50}}]')
	echo "$output" | jq -e '(.status // "ok") == "ok" and .tool_results[0].status == "ok"'
	run art-tool run --registry "$T/reg.json" < <(env_calls alice '["tools:mark"]' acme '[{"id":"c9","name":"mark_approve","arguments":{"amount":50}}]' | jq -c '.risk = "critical"')
	echo "$output" | jq -e '.status == "awaiting_approval" and (.approval.reason | contains("risk critical"))'
}

@test "art-tool: exec tools that hang, flood, fail or print invalid JSON become tool errors" {
	env_calls alice '[]' acme '[{"id":"h","name":"hang"},{"id":"f","name":"flood"},{"id":"x","name":"fail"},{"id":"j","name":"badjson"},{"id":"w","name":"wrongshape"}]' >"$T/in.jsonl"
	start=$(date +%s%N)
	run art-tool run --registry "$T/reg.json" <"$T/in.jsonl"
	elapsed_ms=$((($(date +%s%N) - start) / 1000000))
	assert_success
	echo "$output" | jq -e '[.tool_results[] | [.status, .error.code]] ==
		[["error","tool_timeout"],["error","output_too_large"],["error","tool_exit_status"],["error","invalid_output"],["error","invalid_output"]]'
	echo "$output" | jq -e '.tool_results[2].error.details.exit_code == 3 and (.tool_results[2].error.details.stderr_tail | contains("widget is broken"))'
	echo "$output" | jq -e '.tool_results[0].duration_ms >= 300 and .tool_results[0].duration_ms < 2000'
	[ "$elapsed_ms" -lt 5000 ]
	# the hung tool's whole process group is gone (leader and background child)
	read -r p1 p2 <"$T/hang.pids"
	gone "$p1"
	gone "$p2"
}

@test "art-tool: transient failures are retried for idempotent tools only" {
	env_calls alice '[]' acme '[{"id":"1","name":"flaky"},{"id":"2","name":"flaky_once"}]' >"$T/in.jsonl"
	run art-tool run --registry "$T/reg.json" <"$T/in.jsonl"
	assert_success
	echo "$output" | jq -e '.tool_results[0] | .status == "ok" and .content.attempt == 2'
	echo "$output" | jq -e '.tool_results[1] | .status == "error" and .error.code == "tool_timeout"'
	[ "$(lines_of "$T/flaky.state")" -eq 2 ]
	[ "$(lines_of "$T/flaky1.state")" -eq 1 ]
}

@test "art-tool: two processes replaying one envelope at once run the side effect once" {
	env_calls alice '[]' acme '[{"id":"1","name":"slowmark","arguments":{"k":1}}]' >"$T/in.jsonl"
	art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/in.jsonl" >"$T/a.jsonl" &
	art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/in.jsonl" >"$T/b.jsonl"
	wait
	[ "$(lines_of "$M")" -eq 1 ]
	# one ran it; the other saw it running (refused) or finished (replayed the result)
	jq -se '[.[].tool_results[0] | .status + "/" + (.error.code // "-")] | sort
		| (. == ["ok/-","refused/call_in_flight"] or . == ["ok/-","ok/-"])' "$T/a.jsonl" "$T/b.jsonl"
	# afterwards every replay gets the stored result
	run art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/in.jsonl"
	echo "$output" | jq -e '.tool_results[0].status == "ok" and .tool_results[0].content.runs == 1'
	[ "$(lines_of "$M")" -eq 1 ]
}

@test "art-tool: exec tools get a clean environment with only the listed variables" {
	env_calls alice '[]' acme '[{"id":"e","name":"showenv","arguments":{"q":"x y"}}]' >"$T/in.jsonl"
	run env HOME=/home/leak SECRET=from-parent art-tool run --registry "$T/reg.json" <"$T/in.jsonl"
	assert_success
	echo "$output" | jq -e '.tool_results[0].content == {"args": {"q": "x y"}, "home": null, "secret": "fixed-by-registry"}'
}

@test "art-tool: bad lines, calls without ids, past deadlines; one line out per line in" {
	{
		env_calls alice '[]' acme '[{"id":"x","name":"mark_idem"}]' | jq -c '.deadline = "2001-01-01T00:00:00Z"'
		echo 'not json'
		echo '{"art":1,"id":"plain"}'
		env_calls alice '[]' acme '[{"name":"mark_idem"}]'
	} >"$T/in.jsonl"
	run env -u ART_STRICT art-tool run --registry "$T/reg.json" <"$T/in.jsonl"
	assert_failure 1
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 4 ]
	echo "$output" | jq -se '.[0].tool_results[0].error.code == "deadline_exceeded" and .[1].error.code == "bad_json"
		and .[1].error.line == 2 and .[2] == {"art":1,"id":"plain"}
		and .[3].tool_results[0].error.code == "invalid_arguments"'
	# in strict mode a call without an id breaks the envelope contract on input
	run env ART_STRICT=1 art-tool run --registry "$T/reg.json" <"$T/in.jsonl"
	assert_failure 1
	echo "$output" | jq -se '.[0].tool_results[0].error.code == "deadline_exceeded" and .[3].error.code == "bad_envelope"'
	[ ! -e "$M" ]
}

@test "art-tool: output envelopes validate against the envelope schema" {
	env_calls alice '["tools:mark"]' acme '[{"id":"c1","name":"mark","arguments":{}},{"id":"c2","name":"nope"}]' >"$T/in.jsonl"
	art-tool run --registry "$T/reg.json" <"$T/in.jsonl" >"$T/out.jsonl"
	jq -c '.output.tool_calls[0].arguments.amount = 500 | .output.tool_calls[0].name = "mark_approve" | .id = "p"' "$T/in.jsonl" |
		art-tool run --registry "$T/reg.json" >>"$T/out.jsonl"
	run art-validate "$REPO/schemas/envelope.schema.json" <"$T/out.jsonl"
	assert_success
}

@test "art-tool: http tools: URL template, query, credentials from env, errors" {
	node "$TOOLS/http-api.mjs" "$T/port" 3>&- &
	pid=$!
	for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
	port=$(cat "$T/port")
	cat >"$T/http.json" <<JSON
{"tools": [
 {"name": "item", "description": "get an item", "kind": "http",
  "http": {"method": "GET", "url": "http://127.0.0.1:$port/items/{id}", "query": ["verbose"]},
  "input_schema": {"type": "object", "properties": {"id": {"type": "string"}, "verbose": {"type": "boolean"}}, "required": ["id"]},
  "output_schema": {"type": "object", "required": ["id"]}, "scopes": [], "idempotent": true},
 {"name": "order", "description": "place an order", "kind": "http",
  "http": {"method": "POST", "url": "http://127.0.0.1:$port/orders",
           "headers": {"Authorization": {"env": "ORDERS_KEY", "prefix": "Bearer "}}},
  "input_schema": {"type": "object"}, "scopes": [], "idempotent": false},
 {"name": "broken", "description": "500", "kind": "http", "http": {"url": "http://127.0.0.1:$port/broken"},
  "input_schema": {"type": "object"}, "scopes": [], "idempotent": true},
 {"name": "notjson", "description": "text", "kind": "http", "http": {"url": "http://127.0.0.1:$port/notjson"},
  "input_schema": {"type": "object"}, "scopes": [], "idempotent": true}
]}
JSON
	env_calls alice '[]' acme '[{"id":"1","name":"item","arguments":{"id":"a b/c","verbose":true}},{"id":"2","name":"order","arguments":{"sku":"X1","qty":2}},{"id":"3","name":"broken"},{"id":"4","name":"notjson"}]' >"$T/in.jsonl"
	run env ORDERS_KEY=s3cret art-tool run --registry "$T/http.json" <"$T/in.jsonl"
	echo "$output" | jq -e '.tool_results[0].content == {"id": "a b/c", "verbose": "true"}
		and .tool_results[1].content == {"order": {"sku": "X1", "qty": 2}}
		and .tool_results[2].error.code == "http_error" and .tool_results[2].error.details.http_status == 500
		and .tool_results[3].error.code == "invalid_output"'
	# no credential in the environment: refused before any request; the key is never written out
	env_calls alice '[]' acme '[{"id":"5","name":"order","arguments":{"sku":"X1"}}]' >"$T/in.jsonl"
	run art-tool run --registry "$T/http.json" <"$T/in.jsonl"
	echo "$output" | jq -e '.tool_results[0].error.code == "missing_credential"'
	run env ORDERS_KEY=s3cret art-tool run --registry "$T/http.json" --db "$T/t.db" <"$T/in.jsonl"
	refute_output --partial s3cret
	! grep -q s3cret "$T/t.db"*
	kill "$pid"
}

@test "art-tool import-openapi: operations become registry entries that work" {
	node "$TOOLS/http-api.mjs" "$T/port" 3>&- &
	pid=$!
	for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
	port=$(cat "$T/port")
	run art-tool import-openapi --base-url "http://127.0.0.1:$port" --scope api:shop "$TOOLS/openapi.json"
	assert_success
	echo "$output" >"$T/imported.json"
	jq -e '[.tools[].name] == ["getItem","createOrder"]
		and .tools[0].input_schema.required == ["id"] and .tools[0].http.query == ["verbose"]
		and .tools[0].idempotent == true and .tools[1].idempotent == false
		and .tools[1].input_schema.properties.body["$ref"] == "#/$defs/Order"
		and .tools[0].output_schema["$ref"] == "#/$defs/Item" and .tools[0].scopes == ["api:shop"]' "$T/imported.json"
	jq '.tools[1].http.headers = {"Authorization": {"env": "ORDERS_KEY", "prefix": "Bearer "}}' "$T/imported.json" >"$T/reg2.json"
	env_calls alice '["api:shop"]' acme '[{"id":"1","name":"getItem","arguments":{"id":"7"}},{"id":"2","name":"createOrder","arguments":{"body":{"sku":"Z","qty":1}}},{"id":"3","name":"createOrder","arguments":{"body":{"qty":"many"}}}]' >"$T/in.jsonl"
	run env ORDERS_KEY=s3cret art-tool run --registry "$T/reg2.json" <"$T/in.jsonl"
	echo "$output" | jq -e '.tool_results[0].content.id == "7" and .tool_results[1].content.order == {"sku":"Z","qty":1}
		and .tool_results[2].error.code == "invalid_arguments"'
	kill "$pid"
	run art-tool import-openapi "$TOOLS/marker.sh"
	assert_failure 3
}

@test "art-tool: man page is lint-clean and documents exit status" {
	run mandoc -Tlint -Wwarning "$REPO/man/art-tool.1"
	assert_success
	grep -q '^\.Sh EXIT STATUS' "$REPO/man/art-tool.1"
}

@test "art-tool approval through art-policy's queue: park -> policy queues -> approve -> release -> runs once" {
	calls='[{"id":"c1","name":"mark_approve","arguments":{"amount":150}}]'
	env_calls alice '["tools:mark"]' acme "$calls" >"$T/in.jsonl"
	art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/in.jsonl" >"$T/parked.jsonl"
	jq -e '.status == "awaiting_approval" and .approval.stage == "art-tool"' "$T/parked.jsonl"
	# any art-policy check in the pipe queues it (twice through: still one row)
	art-policy check --stage output -p "$REPO/examples/policy/policy.json" --db "$T/pol.db" <"$T/parked.jsonl" >"$T/q1.jsonl"
	art-policy check --stage output -p "$REPO/examples/policy/policy.json" --db "$T/pol.db" <"$T/q1.jsonl" >/dev/null
	id=$(jq -r .approval.id "$T/q1.jsonl")
	run art-policy approvals list --db "$T/pol.db"
	assert_success
	[ "$(printf '%s\n' "$output" | grep -c "$id")" -eq 1 ]
	art-policy approvals approve "$id" --by carol --db "$T/pol.db"
	art-policy approvals release --db "$T/pol.db" >"$T/released.jsonl"
	jq -e '.status == "ok" and .approval.state == "approved" and .approval.resume == "art-tool"' "$T/released.jsonl"
	[ ! -e "$M" ]
	art-tool run --registry "$T/reg.json" --db "$T/tool.db" <"$T/released.jsonl" >"$T/done.jsonl"
	jq -e '.tool_results[0].status == "ok"' "$T/done.jsonl"
	[ "$(lines_of "$M")" -eq 1 ]
	# a second release emits nothing: the call never runs twice
	art-policy approvals release --db "$T/pol.db" >"$T/again.jsonl"
	[ ! -s "$T/again.jsonl" ]
}
