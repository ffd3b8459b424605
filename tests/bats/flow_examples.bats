#!/usr/bin/env bats
# The examples of the reference flow, each run as its README says.
load common

@test "examples/approval: parked, one approved (refund runs once), one denied" {
	run env ART_NPM_BIN="$ART_NPM_BIN" BUILD="$ART_BUILD" "$REPO/examples/approval/run.sh" "$T/st"
	assert_success
	assert_output --partial "== refund-1  awaiting_approval"
	assert_output --partial "== refund-1  done"
	assert_output --partial "A: Refund of 250 for order A-1001 is done."
	assert_output --partial "error: approval_denied (art-policy): denied by carol"
	# the side effect happened exactly once, for the approved request only
	[ "$(lines_of "$T/st/refunds.ledger")" -eq 1 ]
	grep -q '"order_id":"A-1001"' "$T/st/refunds.ledger"
	run jq -r '[.id, .status, .turn, .approval.state, .approval.by] | map(tostring) | join(" ")' "$T/st/final.jsonl"
	assert_line --index 0 "refund-1 done 2 approved carol"
	assert_line --index 1 "refund-2 blocked null denied carol"
	# releasing again writes nothing: nothing runs twice
	run art-policy approvals release --db "$T/st/approvals.db"
	assert_success
	assert_output ""
}
