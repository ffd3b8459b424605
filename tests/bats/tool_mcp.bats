#!/usr/bin/env bats
# art-tool's MCP client against real servers from npm (@modelcontextprotocol/server-everything
# over stdio and streamable HTTP, server-filesystem) and a misbehaving one (tests/tools).
load common

TOOLS="$REPO/tests/tools"
: "${ART_NPM_BIN:=$REPO/tests/node_modules/.bin}"

setup() {
	common_setup
	[ -x "$ART_NPM_BIN/mcp-server-everything" ] || skip "npm test peers not installed (tests/npm-setup)"
	# a wrapper that logs every server start, so tests can count them
	cat >"$T/everything" <<SH
#!/bin/sh
echo \$\$ >>"$T/starts"
exec "$ART_NPM_BIN/mcp-server-everything" stdio
SH
	chmod +x "$T/everything"
	mkdir -p "$T/root"
	echo "inside the root" >"$T/root/hello.txt"
	cat >"$T/reg.json" <<JSON
{"servers": {
   "everything": {"transport": "stdio", "command": ["$T/everything"], "env": ["PATH", "HOME"]},
   "fs": {"transport": "stdio", "command": ["$ART_NPM_BIN/mcp-server-filesystem", "$T/root"], "env": ["PATH", "HOME"]},
   "bad": {"transport": "stdio", "command": ["$TOOLS/mcp-misbehave.mjs"], "env": ["PATH"],
           "set_env": {"MISBEHAVE_STARTS": "$T/bad-starts"}}
 },
 "tools": [
   {"name": "echo", "description": "echo", "kind": "mcp", "mcp": {"server": "everything"},
    "input_schema": {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]},
    "scopes": ["mcp:everything"], "risk": "low", "idempotent": true},
   {"name": "sum", "description": "sum", "kind": "mcp", "mcp": {"server": "everything", "tool": "get-sum"},
    "input_schema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]},
    "scopes": ["mcp:everything"], "risk": "low", "idempotent": true},
   {"name": "read_file", "description": "read a file", "kind": "mcp", "mcp": {"server": "fs", "tool": "read_text_file"},
    "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
    "scopes": [], "risk": "low", "idempotent": true},
   {"name": "chatty", "description": "", "kind": "mcp", "mcp": {"server": "bad"}, "input_schema": {"type": "object"}, "scopes": [], "idempotent": true, "timeout_ms": 5000},
   {"name": "fail", "description": "", "kind": "mcp", "mcp": {"server": "bad"}, "input_schema": {"type": "object"}, "scopes": [], "idempotent": true},
   {"name": "hang", "description": "", "kind": "mcp", "mcp": {"server": "bad"}, "input_schema": {"type": "object"}, "scopes": [], "idempotent": true, "timeout_ms": 400},
   {"name": "crash", "description": "", "kind": "mcp", "mcp": {"server": "bad"}, "input_schema": {"type": "object"}, "scopes": [], "idempotent": true}
 ]}
JSON
}

teardown() {
	[ -n "${HTTP_PID:-}" ] && kill "$HTTP_PID" 2>/dev/null
	common_teardown
}

# calls JSON [SCOPES]: one envelope line
calls() {
	jq -nc --argjson c "$1" --argjson s "${2:-[\"mcp:everything\"]}" \
		'{art: 1, id: "m1", tenant: "acme", actor: {id: "alice", scopes: $s}, output: {tool_calls: $c}}'
}

@test "mcp stdio: server-everything echo and get-sum; many calls, one server process" {
	{
		calls '[{"id":"1","name":"echo","arguments":{"message":"hi there"}},{"id":"2","name":"sum","arguments":{"a":2,"b":40}}]'
		for i in 1 2 3 4 5; do calls "[{\"id\":\"e$i\",\"name\":\"echo\",\"arguments\":{\"message\":\"n$i\"}}]"; done
	} >"$T/in.jsonl"
	run art-tool run -v --registry "$T/reg.json" <"$T/in.jsonl"
	assert_success
	assert_output --partial "6 envelopes, 1 MCP server start(s)"
	assert_output --partial "protocol 2025-11-25"
	grep '^{' <<<"$output" >"$T/out.jsonl"
	jq -se '.[0].tool_results[0].content.content[0].text == "Echo: hi there"
		and (.[0].tool_results[1].content.content[0].text | contains("is 42"))
		and ([.[0].messages[] | select(.role == "tool") | .content] == ["Echo: hi there", .[0].tool_results[1].content.content[0].text])
		and ([.[1:][].tool_results[0].content.content[0].text] == ["Echo: n1","Echo: n2","Echo: n3","Echo: n4","Echo: n5"])' "$T/out.jsonl"
	[ "$(lines_of "$T/starts")" -eq 1 ]
	# invalid arguments are refused by the registry schema: the server is never even started
	rm -f "$T/starts"
	run art-tool run --registry "$T/reg.json" < <(calls '[{"id":"x","name":"sum","arguments":{"a":"two","b":1}}]')
	echo "$output" | jq -e '.tool_results[0].error.code == "invalid_arguments"'
	[ ! -e "$T/starts" ]
	# and no scope, no server
	run art-tool run --registry "$T/reg.json" < <(calls '[{"id":"x","name":"echo","arguments":{"message":"m"}}]' '[]')
	echo "$output" | jq -e '.tool_results[0].error.code == "missing_scope"'
	[ ! -e "$T/starts" ]
}

@test "mcp-import: tools/list becomes registry entries; protocol version negotiation" {
	run art-tool mcp-import -v --registry "$T/reg.json" --protocol 2025-06-18 --prefix ev_ everything
	assert_success
	assert_output --partial "protocol 2025-06-18"
	grep -v '^art-tool:' <<<"$output" >"$T/imported.json"
	jq -e '(.tools | length >= 5) and (.tools[] | select(.name == "ev_get-sum")
		| .kind == "mcp" and .mcp == {"server": "everything", "tool": "get-sum"}
		  and .input_schema.required == ["a","b"] and .scopes == ["mcp:everything"]
		  and .risk == "low" and .idempotent == true)' "$T/imported.json"
	# the imported entries plus the server form a working registry
	jq -s '{servers: .[0].servers, tools: .[1].tools}' "$T/reg.json" "$T/imported.json" >"$T/reg2.json"
	run art-tool run --registry "$T/reg2.json" < <(calls '[{"id":"1","name":"ev_get-sum","arguments":{"a":1.5,"b":2}}]')
	assert_success
	echo "$output" | jq -e '.tool_results[0].status == "ok" and (.tool_results[0].content.content[0].text | contains("3.5"))'
	# a server answering with a version this client does not speak is refused
	jq '.servers.bad.set_env.MISBEHAVE_VERSION = "2024-01-01"' "$T/reg.json" >"$T/reg3.json"
	run art-tool mcp-import --registry "$T/reg3.json" bad
	assert_failure 3
	assert_output --partial "2024-01-01, which this client does not speak"
	run art-tool mcp-import --registry "$T/reg.json" --protocol 2025-03-26 -v bad
	assert_success
	assert_output --partial "protocol 2025-03-26"
}

@test "mcp streamable HTTP: server-everything over POST + SSE with a session" {
	port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
	PORT=$port node --import "$TOOLS/localhost.mjs" "$ART_NPM_BIN/mcp-server-everything" streamableHttp >"$T/http.log" 2>&1 3>&- &
	HTTP_PID=$!
	for _ in $(seq 200); do (: >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
	jq --arg u "http://127.0.0.1:$port/mcp" '.servers.web = {transport: "http", url: $u, headers: {"X-Test": "1"}}
		| .tools += [(.tools[0] | .name = "web_echo" | .mcp = {server: "web", tool: "echo"}), (.tools[1] | .name = "web_sum" | .mcp.server = "web")]' \
		"$T/reg.json" >"$T/http.json"
	{
		calls '[{"id":"1","name":"web_echo","arguments":{"message":"over http"}},{"id":"2","name":"web_sum","arguments":{"a":20,"b":22}}]'
		calls '[{"id":"3","name":"web_echo","arguments":{"message":"same session"}}]'
	} >"$T/in.jsonl"
	run art-tool run --registry "$T/http.json" <"$T/in.jsonl"
	assert_success
	echo "$output" | jq -se '.[0].tool_results[0].content.content[0].text == "Echo: over http"
		and (.[0].tool_results[1].content.content[0].text | contains("is 42"))
		and .[1].tool_results[0].content.content[0].text == "Echo: same session"'
	# one session for the whole run (initialize once)
	[ "$(grep -c 'Session initialized' "$T/http.log")" -eq 1 ]
	# (this server answers POSTs with SSE streams: the client above parsed them)
	run node -e 'fetch(process.argv[1], {method: "POST", headers: {"content-type": "application/json",
		accept: "application/json, text/event-stream"}, body: JSON.stringify({jsonrpc: "2.0", id: 1, method: "initialize",
		params: {protocolVersion: "2025-11-25", capabilities: {}, clientInfo: {name: "t", version: "1"}}})})
		.then((r) => { console.log("content-type: " + r.headers.get("content-type")); process.exit(0); })' "http://127.0.0.1:$port/mcp"
	assert_output --partial "content-type: text/event-stream"
	run art-tool mcp-import -v --registry "$T/http.json" web
	assert_success
	assert_output --partial "protocol 2025-11-25"
	kill "$HTTP_PID"
	HTTP_PID=
	# the server gone: a transport error, reported as a tool error
	run art-tool run --registry "$T/http.json" < <(calls '[{"id":"1","name":"web_echo","arguments":{"message":"x"}}]')
	assert_success
	echo "$output" | jq -e '.tool_results[0].status == "error" and .tool_results[0].error.code == "mcp_error"'
}

@test "mcp filesystem: a path outside the server's root comes back as a tool error" {
	calls "[{\"id\":\"in\",\"name\":\"read_file\",\"arguments\":{\"path\":\"$T/root/hello.txt\"}},{\"id\":\"out\",\"name\":\"read_file\",\"arguments\":{\"path\":\"/etc/passwd\"}}]" '[]' >"$T/in.jsonl"
	run art-tool run --registry "$T/reg.json" <"$T/in.jsonl"
	assert_success
	echo "$output" | jq -e '.tool_results[0].status == "ok" and .tool_results[0].content.content[0].text == "inside the root\n"
		and .tool_results[1].status == "error" and .tool_results[1].error.code == "tool_error"
		and (.tool_results[1].error.message | test("denied|outside|not allowed"; "i"))
		and (.messages[-1].content | startswith("error:"))'
	refute_output --partial "root:x:0:0"
}

@test "mcp misbehaving server: notifications, isError, hang and crash detected, server restarted" {
	calls '[{"id":"1","name":"chatty","arguments":{"text":"a"}},{"id":"2","name":"fail"},{"id":"3","name":"hang"},
		{"id":"4","name":"chatty","arguments":{"text":"b"}},{"id":"5","name":"crash"},{"id":"6","name":"chatty","arguments":{"text":"c"}}]' '[]' >"$T/in.jsonl"
	start=$(date +%s%N)
	run art-tool run -v --registry "$T/reg.json" <"$T/in.jsonl"
	elapsed_ms=$((($(date +%s%N) - start) / 1000000))
	assert_success
	grep '^{' <<<"$output" >"$T/out.jsonl"
	jq -e '[.tool_results[] | [.status, .error.code]] == [["ok",null],["error","tool_error"],["error","tool_timeout"],["ok",null],["error","mcp_server_crashed"],["ok",null]]' "$T/out.jsonl"
	jq -e '.tool_results[0].content.content[0].text == "chatty: a (ping answered: true)"
		and .tool_results[1].error.message == "it failed on purpose"
		and (.tool_results[4].error.message | contains("exited with status 7") and contains("fatal: crash requested"))' "$T/out.jsonl"
	assert_output --partial "3 MCP server start(s)"
	[ "$(lines_of "$T/bad-starts")" -eq 3 ]
	[ "$elapsed_ms" -lt 8000 ]
	# every server process is gone after the run
	while read -r p; do ! kill -0 "$p" 2>/dev/null || [ "$(awk '{print $3}' /proc/$p/stat)" = Z ]; done <"$T/bad-starts"
}
