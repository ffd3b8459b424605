#!/usr/bin/env bats
# The reference flow (art run): every step, order, saved steps, the agent loop, the demo.
load common
load remote_helper
bats_require_minimum_version 1.5.0

MODEL="$SHARED/models/stories260K-f32.gguf"
EX="$REPO/examples/support"

faq() { # faq ID QUESTION...: an envelope for the support.answer task
	local id=$1
	shift
	art new --id "$id" --tenant acme --actor alice --scope kb:read --authority kb:read \
		--task support.answer --deadline 5m --max-tokens 24 "$@"
}

lookup() { # lookup ID QUESTION: an envelope for the tool-calling agent
	art new --id "$1" --tenant acme --actor bob --scope tickets:read --scope tools:echo \
		--authority tickets:read --authority tools:echo --task support.lookup --deadline 5m "$2"
}

# agent_config DIR: the support config with the agent endpoint on the mock
agent_config() {
	mkdir -p "$1"
	cp -R "$EX/tools.json" "$EX/tickets.jsonl" "$EX/bin" "$EX/memory" "$1/"
	jq --arg p "$REPO/examples/policy" '.rule_packs |= map($p + "/" + (split("/") | last))' \
		"$EX/policy.json" >"$1/policy.json"
	jq --arg port "$MOCK_PORT" --arg m "$MODEL" '.models |= map(if .provider == "local" then .path = $m
		else .endpoint = "http://127.0.0.1:\($port)/v1" end)' "$EX/routes.json" >"$1/routes.json"
}

# approval_config DIR: the approval example's config with the agent endpoint on the mock
approval_config() {
	local ex="$REPO/examples/approval"
	mkdir -p "$1"
	cp -R "$ex/tools.json" "$ex/bin" "$1/"
	jq --arg p "$REPO/examples/policy" '.rule_packs |= map($p + "/" + (split("/") | last))' \
		"$ex/policy.json" >"$1/policy.json"
	jq --arg port "$MOCK_PORT" '.models |= map(.endpoint = "http://127.0.0.1:\($port)/v1")' \
		"$ex/routes.json" >"$1/routes.json"
}

credit() { # credit ID: a store credit of 120, above the credit tool's approval limit of 100
	art new --id "$1" --tenant acme --actor dana --scope payments:credit --authority payments:credit \
		--task payments.credit --risk medium --deadline 5m "Order A-3003 came a week late: a store credit of 120, please."
}

teardown() {
	stop_mock
	common_teardown
}

@test "art run: --help, bad usage (2), missing config (3)" {
	run art run --help
	assert_success
	assert_output --partial "--max-turns"
	run art-run --max-turns x -c "$EX"
	[ "$status" -eq 2 ]
	run art-run --frobnicate
	[ "$status" -eq 2 ]
	run art-run -c "$T/nowhere" </dev/null
	[ "$status" -eq 3 ]
	mkdir "$T/empty"
	run art-run -c "$T/empty" </dev/null
	[ "$status" -eq 3 ]
	assert_output --partial "policy"
}

@test "art run: one final envelope per line, in order, every step, recorded in the trace" {
	{
		faq q1 "How do I reset my VPN token?"
		echo 'not json {'
		faq q2 "Where is the invoice archive?"
		art new --id q3 --tenant nobody --actor eve --task support.answer "let me in"
	} >"$T/in.jsonl"
	run art run -c "$EX" -s "$T/st" -m "$MODEL" --save-dir "$T/saved" <"$T/in.jsonl"
	[ "$status" -eq 1 ] # the bad line is an error envelope
	echo "$output" >"$T/out.jsonl"
	[ "$(lines_of "$T/out.jsonl")" -eq 4 ]
	run jq -r '[.id, .status, (.turn // 0 | tostring), (.error.code // "-")] | join(" ")' "$T/out.jsonl"
	assert_line --index 0 "q1 done 1 -"
	assert_line --index 1 --regexp '^bad-2-[0-9a-f]{12} error 0 bad_json$'
	assert_line --index 2 "q2 done 1 -"
	assert_line --index 3 "q3 blocked 0 policy_unknown_tenant"
	# the answer is the local model's, with recalled context and every stage's event
	run jq -r 'select(.id == "q1") | [.output.provider, (.output.text | length > 0), (.context | length > 0),
		([.events[].stage] | unique | join(","))] | map(tostring) | join(" ")' "$T/out.jsonl"
	assert_output "local true true art-infer,art-memory,art-policy,art-route"
	# each step's output was kept, and one step alone on a saved file gives the same route
	for s in boundary recall list input route infer tool output memory trace; do
		ls "$T/saved/"*"-$s.jsonl" >/dev/null
	done
	run art run -c "$EX" -s "$T/st" --stage route <"$T"/saved/04-t0-input.jsonl
	assert_success
	[ "$(jq -r .route.model <<<"${lines[0]}")" = stories-local ]
	# the trace holds every request, the blocked one and the bad line included
	for id in q1 q2 q3; do art-trace show --db "$T/st/trace.db" "$id" >/dev/null; done
	run art-trace stats --db "$T/st/trace.db" --json
	assert_success
	# the turn was remembered for nothing (no session) but memory was created from memory/
	[ -f "$T/st/memory.db" ]
}

@test "art run: agent loop — tool call, tool result, second model turn; max-turns" {
	start_mock "$EX/aimock.json"
	agent_config "$T/cfg"
	export PATH="$ART_NPM_BIN:$PATH"
	{ lookup l1 "What is the status of ticket T-1001?"; lookup l2 "Please echo a hello"; } >"$T/in.jsonl"
	run art run -c "$T/cfg" -s "$T/st" <"$T/in.jsonl"
	stop_mock
	assert_success
	echo "$output" >"$T/out.jsonl"
	run jq -r '[.id, .status, .turn, .tool_results[0].name, .tool_results[0].status, .output.text] | map(tostring) | join("|")' "$T/out.jsonl"
	assert_line --index 0 "l1|done|2|ticket_status|ok|Ticket T-1001 is open: the VPN token was rejected with code 51. Reset it in the self-service portal."
	assert_line --index 1 "l2|done|2|echo|ok|The MCP echo tool answered; the desk is reachable."
	# the exec tool really read the ticket file
	run jq -c '.tool_results[0].content.summary' <(head -1 "$T/out.jsonl")
	assert_output '"VPN token rejected with code 51"'
	# the tool ran once and was audited
	run art-tool audit --db "$T/st/tools.db"
	[ "$(grep -c '"decision":"execute"' <<<"$output")" -eq 2 ]
}

@test "art run: --max-turns 1 stops a request that still wants tools" {
	start_mock "$EX/aimock.json"
	agent_config "$T/cfg"
	export PATH="$ART_NPM_BIN:$PATH"
	lookup l1 "What is the status of ticket T-1001?" >"$T/in.jsonl"
	run art run -c "$T/cfg" -s "$T/st" --max-turns 1 <"$T/in.jsonl"
	stop_mock
	[ "$status" -eq 1 ]
	run jq -r '[.status, .turn, .error.code] | map(tostring) | join(" ")' <<<"$output"
	assert_output "error 1 max_turns"
}

@test "art run: a tool call parked by art-tool is queued in approvals.db; approve/deny, release, art run: runs once" {
	start_mock "$REPO/examples/approval/aimock.json"
	approval_config "$T/cfg"
	export CREDIT_LEDGER="$T/credits.ledger"
	: >"$CREDIT_LEDGER"
	{ credit c1; credit c2; } >"$T/in.jsonl"
	run --separate-stderr art run -c "$T/cfg" -s "$T/st" <"$T/in.jsonl"
	assert_success
	[ -z "$stderr" ] || { echo "stderr: $stderr"; false; }
	echo "$output" >"$T/parked.jsonl"
	run jq -r '[.id, .status, .turn, .approval.state, .approval.stage, .approval.resume, .approval.tool_calls[0].name] | map(tostring) | join(" ")' "$T/parked.jsonl"
	assert_line --index 0 "c1 awaiting_approval 1 pending art-tool art-tool credit"
	assert_line --index 1 "c2 awaiting_approval 1 pending art-tool art-tool credit"
	[ "$(lines_of "$CREDIT_LEDGER")" -eq 0 ]
	# both are in art-policy's queue, under the envelopes' own approval ids
	id1=$(jq -r 'select(.id == "c1") | .approval.id' "$T/parked.jsonl")
	id2=$(jq -r 'select(.id == "c2") | .approval.id' "$T/parked.jsonl")
	run art-policy approvals list --db "$T/st/approvals.db"
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	run jq -r '[.id, .envelope_id, .stage, .resume, .state] | join(" ")' <<<"$output"
	assert_line "$id1 c1 art-tool art-tool pending"
	assert_line "$id2 c2 art-tool art-tool pending"
	# a parked envelope fed in again is queued once, and nothing runs; one from elsewhere
	# (another state directory) is queued there
	run art run -c "$T/cfg" -s "$T/st" <"$T/parked.jsonl"
	assert_success
	[ "$(jq -r .status <<<"$output" | sort -u)" = awaiting_approval ]
	[ "$(art-policy approvals list --all --db "$T/st/approvals.db" | wc -l)" -eq 2 ]
	art run -c "$T/cfg" -s "$T/st2" <"$T/parked.jsonl" >/dev/null
	[ "$(art-policy approvals list --db "$T/st2/approvals.db" | jq -r .envelope_id | sort | tr '\n' ' ')" = "c1 c2 " ]
	# nothing is released before a person decides
	run art-policy approvals release --db "$T/st/approvals.db"
	assert_success
	assert_output ""
	[ "$(lines_of "$CREDIT_LEDGER")" -eq 0 ]
	art-policy approvals approve "$id1" --by carol --note "late delivery confirmed" --db "$T/st/approvals.db"
	art-policy approvals deny "$id2" --by carol --note "already credited" --db "$T/st/approvals.db"
	art-policy approvals release --db "$T/st/approvals.db" >"$T/released.jsonl"
	[ "$(lines_of "$T/released.jsonl")" -eq 2 ]
	run --separate-stderr art run -c "$T/cfg" -s "$T/st" <"$T/released.jsonl"
	assert_success
	echo "$output" >"$T/final.jsonl"
	run jq -r '[.id, .status, .turn, .approval.state, .approval.by, .tool_results[0].status, .error.code,
		.output.text] | map(tostring) | join("|")' "$T/final.jsonl"
	assert_line "c1|done|2|approved|carol|ok|null|Store credit of 120 for order A-3003 is issued."
	assert_line "c2|blocked|1|denied|carol|awaiting_approval|approval_denied|"
	# the approved call ran once, the denied one never
	[ "$(lines_of "$CREDIT_LEDGER")" -eq 1 ]
	grep -q '"order_id":"A-3003"' "$CREDIT_LEDGER"
	# exactly once: a second release writes nothing, and the released envelope fed in again
	# gets the stored result (art-tool's ledger) without running the tool
	run art-policy approvals release --db "$T/st/approvals.db"
	assert_output ""
	run art run -c "$T/cfg" -s "$T/st" < <(jq -c 'select(.id == "c1")' "$T/released.jsonl")
	assert_success
	[ "$(jq -r '[.status, .tool_results[0].status] | join(" ")' <<<"$output")" = "done ok" ]
	[ "$(lines_of "$CREDIT_LEDGER")" -eq 1 ]
	run art-tool audit --db "$T/st/tools.db"
	[ "$(grep -c '"decision":"execute"' <<<"$output")" -eq 1 ]
}

@test "make demo's script prints the answers and a trace summary" {
	run env ART_NPM_BIN="$ART_NPM_BIN" BUILD="$ART_BUILD" SHARED="$SHARED" "$REPO/scripts/demo"
	assert_success
	assert_output --partial "faq-1  done"
	assert_output --partial "Ticket T-1001 is open"
	assert_output --partial "REQUESTS"
	assert_output --partial "execute_tool ticket_status"
}
