#!/usr/bin/env bash
# examples/multi-provider/run.sh [STATE_DIR] — a local model and an OpenAI-compatible
# endpoint (aimock) falling back to each other:
#   story-1  short story prompt: the local model answers (first choice);
#   story-2  a prompt the router thought would fit, but that overflows the local model's
#            512-token context: art-infer fails (context_overflow), the endpoint answers;
#   chat-1   the endpoint answers (first choice for chat);
#   chat-2   the endpoint fails (503, retried): the local model answers.
set -euo pipefail
prog=multi-provider
# shellcheck source=examples/lib.sh
. "$(dirname "$0")/../lib.sh"
ex_help "$@"
ex_model
ex_path --npm
ex_state "${1:-}" multi
ex_aimock "$here/aimock.json"
ex_config

# a prompt of about 1,500 bytes in words the story tokenizer cuts finely: over 512 tokens
long="Write a story about $(printf 'zyxquorp blimfax %.0s' $(seq 45))and a dragon."
common=(--tenant acme --actor ann --deadline 2m --max-tokens 40)
{
	art new --id story-1 "${common[@]}" --task story.write "Once upon a time there was a little fox"
	art new --id story-2 "${common[@]}" --task story.write "$long"
	art new --id chat-1 "${common[@]}" --task chat.answer "What is the capital of France?"
	art new --id chat-2 "${common[@]}" --task chat.answer "Is there an outage right now?"
} >"$state/in.jsonl"
rc=0
art run -c "$cfg" -s "$state" -m "$model" <"$state/in.jsonl" >"$state/out.jsonl" || rc=$?
jq -r '"\(.id)  \(.status)  answered by \(.output.provider // "-")/\(.route.model // "-")" +
	(if any(.events[]?; .name == "fallback") then
		"  (fallback after \([.events[] | select(.name == "fallback") | .attrs["error.type"]] | join(", ")))"
	 else "" end) + "\n  " + ((.output.text // .error.message // "") | gsub("\n"; " ") | .[0:100])' "$state/out.jsonl"
echo
art-trace stats --db "$state/trace.db"
exit "$rc"
