#!/usr/bin/env bash
# examples/support/run.sh [STATE_DIR] — the support assistant end to end, offline:
# FAQ questions answered by the local GGUF model with memory recall, and ticket look-ups
# by an agent model on an OpenAI-compatible endpoint (aimock) that calls an exec tool and
# an MCP tool.  Prints the answers, then a trace summary.  STATE_DIR keeps the databases
# (default: a temporary directory, removed at the end).
# Needs: art's build/bin on PATH (or BUILD), the model ($ART_MODEL, else
# $SHARED/models/stories260K-f32.gguf) and the npm test peers (tests/npm-setup).
set -euo pipefail
prog=support
# shellcheck source=examples/lib.sh
. "$(dirname "$0")/../lib.sh"
ex_help "$@"
ex_model
ex_path --npm
ex_state "${1:-}" support
# aimock on a free port; the config is copied with that port and the model's path.
ex_aimock "$here/aimock.json"
cp -R "$here/policy.json" "$here/tools.json" "$here/tickets.jsonl" "$here/bin" "$here/memory" "$cfg/"
ex_config

echo "$prog: model $model, agent endpoint 127.0.0.1:$port, state $state" >&2
{
	art new --lines --tenant acme --actor alice --scope kb:read --authority kb:read \
		--task support.answer --deadline 5m --max-tokens 48 --id faq <"$here/questions.txt"
	art new --lines --tenant acme --actor bob --scope kb:read --scope tickets:read --scope tools:echo \
		--authority kb:read --authority tickets:read --authority tools:echo \
		--task support.lookup --deadline 5m --id lookup <"$here/lookups.txt"
} >"$state/in.jsonl"
rc=0
art run -c "$cfg" -s "$state" -m "$model" <"$state/in.jsonl" >"$state/out.jsonl" || rc=$?
art show <"$state/out.jsonl"
echo
echo "== trace summary (art-trace stats)"
art-trace stats --db "$state/trace.db"
echo
echo "== one request (art-trace show lookup-1)"
art-trace show --db "$state/trace.db" lookup-1
exit "$rc"
