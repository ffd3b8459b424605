# remote_helper.bash — shared setup for the route/remote bats files: a free 127.0.0.1
# port, an aimock (llmock) server on it, and a routes config pointing at it.

free_port() {
	node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_mock FIXTURE [extra llmock args]: sets MOCK_PORT, MOCK_PID; waits until ready.
start_mock() {
	local fx=$1
	shift
	MOCK_PORT=$(free_port)
	"${ART_NPM_BIN:?tests/npm-setup first}/llmock" -h 127.0.0.1 -p "$MOCK_PORT" -f "$fx" \
		--log-level silent "$@" >"$BATS_FILE_TMPDIR/mock-$MOCK_PORT.log" 2>&1 &
	MOCK_PID=$!
	for _ in $(seq 200); do
		curl -sf "http://127.0.0.1:$MOCK_PORT/health" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "aimock did not start" >&2
	return 1
}

stop_mock() {
	if [ -n "${MOCK_PID:-}" ]; then
		kill "$MOCK_PID" 2>/dev/null || true
		wait "$MOCK_PID" 2>/dev/null || true
	fi
}

# write_routes FILE: models on the mock (openai "gpt", "gpt-500", ollama "oll"), a model on
# a closed port ("down"), a breaker of 2 failures / 2 s cooldown, and budgets.
write_routes() {
	local f=$1 down
	down=$(free_port)
	cat >"$f" <<JSON
{
  "version": 1,
  "strategy": "priority",
  "breaker": { "failures": 2, "window": "60s", "cooldown": "2s" },
  "models": [
    { "name": "down", "provider": "openai", "endpoint": "http://127.0.0.1:$down/v1", "model": "gpt-down",
      "capabilities": { "tools": true, "json": true, "context": 8000, "max_output": 1000 },
      "boundary": "us", "latency_ms": 50, "priority": 30 },
    { "name": "gpt-500", "provider": "openai", "endpoint": "http://127.0.0.1:$MOCK_PORT/v1", "model": "always-500",
      "capabilities": { "tools": true, "json": true, "context": 8000, "max_output": 1000 },
      "boundary": "us", "latency_ms": 50, "priority": 20 },
    { "name": "gpt", "provider": "openai", "endpoint": "http://127.0.0.1:$MOCK_PORT/v1", "model": "gpt-4o-mini",
      "api_key_env": "ART_TEST_OPENAI_KEY",
      "capabilities": { "tools": true, "json": true, "context": 8000, "max_output": 1000 },
      "boundary": "us", "price": { "input": 1.0, "output": 4.0, "cached": 0.25, "currency": "USD" },
      "latency_ms": 50, "priority": 10 },
    { "name": "oll", "provider": "ollama", "endpoint": "http://127.0.0.1:$MOCK_PORT", "model": "llama3.2",
      "capabilities": { "tools": true, "json": true, "context": 8000, "max_output": 1000 },
      "boundary": "local", "latency_ms": 50, "priority": 5 }
  ],
  "tenants": {
    "acme": { "budget": { "amount": 10, "currency": "USD", "period": "day" } },
    "tiny": { "budget": { "amount": 0.00002, "currency": "USD", "period": "day" } }
  }
}
JSON
}

# envelope ID QUESTION ROUTE-JSON: one envelope line with a fixed route
envelope() {
	art new --id "$1" --tenant acme "$2" | jq -c --argjson r "$3" '.route = $r'
}
export -f envelope free_port
