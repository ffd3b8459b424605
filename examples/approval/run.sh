#!/usr/bin/env bash
# examples/approval/run.sh [STATE_DIR] — a high-risk action waits for a person, then completes.
# Two refund requests are parked by the policy before any model or tool sees them; a store
# credit request passes the policy, but the agent's credit call (120, above the tool's limit
# of 100) is parked by art-tool and queued by art run in the same art-policy queue.  A person
# approves one refund and the credit and denies the other refund; the release is fed back to
# art run, which resumes the refund at the route step (the agent calls the refund tool) and
# the credit at the tool step (the approved call itself): each tool runs exactly once and
# the agent answers; the denied one is recorded as blocked.
set -euo pipefail
prog=approval
# shellcheck source=examples/lib.sh
. "$(dirname "$0")/../lib.sh"
ex_help "$@"
ex_path --npm
ex_state "${1:-}" approval
ex_aimock "$here/aimock.json"
ex_config
cp -R "$here/tools.json" "$here/bin" "$cfg/"
export REFUND_LEDGER=$state/refunds.ledger CREDIT_LEDGER=$state/credits.ledger
: >"$REFUND_LEDGER"
: >"$CREDIT_LEDGER"
ledgers() { echo "ledger lines: refunds $(wc -l <"$REFUND_LEDGER"), credits $(wc -l <"$CREDIT_LEDGER")"; }

{
	art new --id refund-1 --tenant acme --actor dana --scope payments:refund --authority payments:refund \
		--task payments.refund --risk high --deadline 5m "Please refund order A-1001, it arrived broken."
	art new --id refund-2 --tenant acme --actor dana --scope payments:refund --authority payments:refund \
		--task payments.refund --risk high --deadline 5m "Refund order A-2002 in full, all 9000."
	art new --id credit-1 --tenant acme --actor dana --scope payments:credit --authority payments:credit \
		--task payments.credit --risk medium --deadline 5m "Order A-3003 came a week late: a store credit of 120, please."
} >"$state/in.jsonl"

echo "== 1. the requests (refunds parked by the policy, the credit call by its tool)"
art run -c "$cfg" -s "$state" <"$state/in.jsonl" >"$state/parked.jsonl"
art show <"$state/parked.jsonl"
ledgers

echo
echo "== 2. a person decides (art-policy approvals)"
art-policy approvals list --db "$state/approvals.db"
a1=$(art-policy approvals list --db "$state/approvals.db" | jq -r 'select(.envelope_id == "refund-1") | .id')
a2=$(art-policy approvals list --db "$state/approvals.db" | jq -r 'select(.envelope_id == "refund-2") | .id')
a3=$(art-policy approvals list --db "$state/approvals.db" | jq -r 'select(.envelope_id == "credit-1") | .id')
art-policy approvals approve "$a1" --by carol --note "photo of the damage checked" --db "$state/approvals.db"
art-policy approvals deny "$a2" --by carol --note "amount above the order value" --db "$state/approvals.db"
art-policy approvals approve "$a3" --by carol --note "late delivery confirmed" --db "$state/approvals.db"

echo
echo "== 3. release, and the flow continues where it stopped"
rc=0
art-policy approvals release --db "$state/approvals.db" | art run -c "$cfg" -s "$state" >"$state/final.jsonl" || rc=$?
art show <"$state/final.jsonl"
ledgers
cat "$REFUND_LEDGER" "$CREDIT_LEDGER"
echo
art-trace show --db "$state/trace.db" refund-1
echo
art-trace show --db "$state/trace.db" credit-1
exit "$rc"
