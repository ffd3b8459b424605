#!/usr/bin/env bash
# examples/approval/run.sh [STATE_DIR] — a high-risk action waits for a person, then completes.
# Two refund requests are parked by the policy before any model or tool sees them; a person
# approves one and denies the other; the release is fed back to art run, which resumes the
# approved one at the route step: the agent (aimock, OpenAI-compatible) calls the refund
# tool, which runs exactly once; the denied one is recorded as blocked.
set -euo pipefail
prog=approval
case ${1:-} in -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$repo/$BUILD ;; esac
npm_bin=${ART_NPM_BIN:-}
[ -n "$npm_bin" ] || npm_bin=$("$repo/tests/npm-setup") || { echo "$prog: npm test peers missing" >&2; exit 3; }
export PATH="$BUILD/bin:$npm_bin:$PATH"
if [ -n "${1:-}" ]; then
	mkdir -p "$1"
	state=$(cd "$1" && pwd)
	keep=1
else
	state=$(mktemp -d "${TMPDIR:-/tmp}/art-approval.XXXXXX")
	keep=0
fi
mock_pid=
cleanup() {
	[ -z "$mock_pid" ] || { kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; }
	[ "$keep" -eq 1 ] || rm -rf "$state"
}
trap cleanup EXIT

port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
llmock -h 127.0.0.1 -p "$port" -f "$here/aimock.json" --log-level silent >"$state/aimock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 100); do
	node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' \
		"http://127.0.0.1:$port/health" 2>/dev/null && break
	sleep 0.1
done
cfg=$state/config
mkdir -p "$cfg"
cp -R "$here/tools.json" "$here/bin" "$cfg/"
jq --arg port "$port" '.models |= map(.endpoint = "http://127.0.0.1:\($port)/v1")' \
	"$here/routes.json" >"$cfg/routes.json"
jq --arg p "$repo/examples/policy" '.rule_packs |= map($p + "/" + (split("/") | last))' \
	"$here/policy.json" >"$cfg/policy.json"
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
