#!/usr/bin/env bats
# The examples of the reference flow, each run as its README says.
load common

@test "examples/approval: parked, one approved (refund runs once), one denied; a tool call parked, queued, approved, run once" {
	run env ART_NPM_BIN="$ART_NPM_BIN" BUILD="$ART_BUILD" "$REPO/examples/approval/run.sh" "$T/st"
	assert_success
	assert_output --partial "== refund-1  awaiting_approval"
	assert_output --partial "== refund-1  done"
	assert_output --partial "A: Refund of 250 for order A-1001 is done."
	assert_output --partial "error: approval_denied (art-policy): denied by carol"
	assert_output --partial "== credit-1  awaiting_approval"
	assert_output --partial "== credit-1  done"
	assert_output --partial "A: Store credit of 120 for order A-3003 is issued."
	# the side effects happened exactly once, for the approved requests only
	[ "$(lines_of "$T/st/refunds.ledger")" -eq 1 ]
	grep -q '"order_id":"A-1001"' "$T/st/refunds.ledger"
	[ "$(lines_of "$T/st/credits.ledger")" -eq 1 ]
	grep -q '"order_id":"A-3003"' "$T/st/credits.ledger"
	# the policy parked the refunds, art-tool the credit call; all three in one queue
	run jq -r '[.id, .status, .approval.stage] | join(" ")' "$T/st/parked.jsonl"
	assert_line --index 0 "refund-1 awaiting_approval input"
	assert_line --index 1 "refund-2 awaiting_approval input"
	assert_line --index 2 "credit-1 awaiting_approval art-tool"
	run art-policy approvals list --all --db "$T/st/approvals.db"
	assert_success
	run jq -r '[.envelope_id, .stage, .state] | join(" ")' <<<"$output"
	assert_line "refund-1 input approved"
	assert_line "refund-2 input denied"
	assert_line "credit-1 art-tool approved"
	run jq -r '[.id, .status, .turn, .approval.state, .approval.by] | map(tostring) | join(" ")' "$T/st/final.jsonl"
	assert_line --index 0 "refund-1 done 2 approved carol"
	assert_line --index 1 "refund-2 blocked null denied carol"
	assert_line --index 2 "credit-1 done 2 approved carol"
	# releasing again writes nothing: nothing runs twice
	run art-policy approvals release --db "$T/st/approvals.db"
	assert_success
	assert_output ""
}

@test "examples/multi-provider: local and endpoint fall back to each other" {
	run env ART_NPM_BIN="$ART_NPM_BIN" BUILD="$ART_BUILD" SHARED="$SHARED" "$REPO/examples/multi-provider/run.sh" "$T/st"
	assert_success
	run jq -r '[.id, .status, .output.provider, .route.model,
		([.events[] | select(.name == "fallback") | .attrs["error.type"]] | join(","))] | join(" ")' "$T/st/out.jsonl"
	assert_line --index 0 "story-1 done local stories-local "
	assert_line --index 1 "story-2 done openai hosted context_overflow"
	assert_line --index 2 "chat-1 done openai hosted "
	assert_line --index 3 "chat-2 done local stories-local provider_error"
	[ -n "$(jq -r 'select(.id == "chat-2") | .output.text' "$T/st/out.jsonl")" ]
}

@test "examples/nightly: budget moves the batch to the local model; report; bad line counted" {
	{ cat "$REPO/examples/nightly/tickets.jsonl"; echo 'not a ticket'; } >"$T/day.jsonl"
	run env ART_NPM_BIN="$ART_NPM_BIN" BUILD="$ART_BUILD" SHARED="$SHARED" \
		"$REPO/examples/nightly/run.sh" "$T/day.jsonl" "$T/report.md" "$T/st"
	[ "$status" -eq 1 ] # the bad line is an error
	[ "$(lines_of "$T/st/out.jsonl")" -eq 7 ]
	grep -q '^lines: 7, done: 6, errors: 1' "$T/report.md"
	grep -q '^spend: 0.156 USD of a daily budget of 0.2 USD' "$T/report.md"
	grep -q 'models: none 1, hosted-summarizer 3, stories-local 3' "$T/report.md"
	# the local ones were routed there because the hosted model's budget was used up
	run jq -r 'select(.route.model == "stories-local") | .route.rejected[0].reason' "$T/st/out.jsonl"
	assert_output --partial "budget"
}

@test "examples/scale-out: parallel --pipe over 3 processes, answers in order, traces merged" {
	run env BUILD="$ART_BUILD" SHARED="$SHARED" BLOCK=8 "$REPO/examples/scale-out/run.sh" 24 3 "$T/st"
	assert_success
	assert_output --partial "answers: 24 for 24 envelopes, 3 jobs"
	# in input order, one per input line
	diff <(jq -r .id "$T/st/in.jsonl") <(jq -r .id "$T/st/out.jsonl")
	# the merged trace holds every request of every job
	for id in $(jq -r .id "$T/st/in.jsonl"); do
		art-trace show --db "$T/st/trace.db" "$id" >/dev/null || { echo "not merged: $id"; false; }
	done
	run art-trace stats --db "$T/st/trace.db" --json
	assert_success
}
