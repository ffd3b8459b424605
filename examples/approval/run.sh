#!/usr/bin/env bash
# examples/approval/run.sh [STATE_DIR] — a high-risk action waits for a person, then completes.
# Two refund requests are parked by the policy before any model or tool sees them; a person
# approves one and denies the other; the release is fed back to art run, which resumes the
# approved one at the route step: the agent (aimock, OpenAI-compatible) calls the refund
# tool, which runs exactly once; the denied one is recorded as blocked.
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
export REFUND_LEDGER=$state/refunds.ledger
: >"$REFUND_LEDGER"

{
	art new --id refund-1 --tenant acme --actor dana --scope payments:refund --authority payments:refund \
		--task payments.refund --risk high --deadline 5m "Please refund order A-1001, it arrived broken."
	art new --id refund-2 --tenant acme --actor dana --scope payments:refund --authority payments:refund \
		--task payments.refund --risk high --deadline 5m "Refund order A-2002 in full, all 9000."
} >"$state/in.jsonl"

echo "== 1. the requests (both parked for a person)"
art run -c "$cfg" -s "$state" <"$state/in.jsonl" >"$state/parked.jsonl"
art show <"$state/parked.jsonl"
echo "ledger lines: $(wc -l <"$REFUND_LEDGER")"

echo
echo "== 2. a person decides (art-policy approvals)"
art-policy approvals list --db "$state/approvals.db"
a1=$(art-policy approvals list --db "$state/approvals.db" | jq -r 'select(.envelope_id == "refund-1") | .id')
a2=$(art-policy approvals list --db "$state/approvals.db" | jq -r 'select(.envelope_id == "refund-2") | .id')
art-policy approvals approve "$a1" --by carol --note "photo of the damage checked" --db "$state/approvals.db"
art-policy approvals deny "$a2" --by carol --note "amount above the order value" --db "$state/approvals.db"

echo
echo "== 3. release, and the flow continues where it stopped"
rc=0
art-policy approvals release --db "$state/approvals.db" | art run -c "$cfg" -s "$state" >"$state/final.jsonl" || rc=$?
art show <"$state/final.jsonl"
echo "ledger lines: $(wc -l <"$REFUND_LEDGER")"
cat "$REFUND_LEDGER"
echo
art-trace show --db "$state/trace.db" refund-1
exit "$rc"
