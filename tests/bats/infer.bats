#!/usr/bin/env bats
# art-infer: local generation through envelopes, token counting, hostile model files.
load common

M=models/stories260K-f32.gguf

# ref N FIELD: a field of line N (1-based) of the stories260K-f32 reference file
ref() { sed -n "${1}p" "$SHARED/models/expected/stories260K-f32.greedy.jsonl" | jq -c ".$2"; }

@test "acceptance: greedy 64 tokens equal the reference text" {
	run bash -c "art new 'Once upon a time' | art-infer -m '$SHARED/$M' -n 64 --temp 0"
	assert_success
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	want=$(ref 1 text)
	echo "$output" | jq -e --argjson want "$want" '.status == "ok" and .output.text == $want
		and .output.finish_reason == "length" and .output.usage == {"input_tokens":5,"output_tokens":64}
		and .output.provider == "local" and (.output.timing | .load_ms >= 0 and .prompt_ms >= 0
		and .ttft_ms >= 0 and .total_ms >= .ttft_ms and .tokens_per_s > 0)
		and (.events[-1] | .stage == "art-infer" and .name == "generate")'
}

@test "every reference prompt, in one run, with envelope params and 2 threads" {
	run bash -c "sed -n '1,8p' '$SHARED/models/expected/prompts.txt' | art new --lines -n 64 --temp 0 |
		ART_MODEL='$SHARED/$M' art-infer -t 2 | jq -c .output.text"
	assert_success
	want=$(jq -c .text "$SHARED/models/expected/stories260K-f32.greedy.jsonl")
	[ "$output" = "$want" ]
}

@test "tokenize and detokenize round trip the reference prompt ids" {
	run bash -c "echo '{\"text\":\"Once upon a time\"}' | art-infer tokenize -m '$SHARED/$M' --bos"
	assert_success
	[ "$output" = "{\"ids\":$(ref 1 prompt_ids),\"n\":5}" ]
	run bash -c "echo '{\"ids\":$(ref 1 ids)}' | art-infer detokenize -m '$SHARED/$M' | jq -c .text"
	assert_success
	[ "$output" = "$(ref 1 text)" ]
	run bash -c "printf '{\"text\":1}\nnot json\n{\"ids\":[99999]}\n' | art-infer tokenize -m '$SHARED/$M'"
	assert_failure 1
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == '{"error":'* && "${lines[1]}" == '{"error":'* ]]
}

@test "params: stop sequence, max_tokens, seed determinism across thread counts" {
	# table: params json | jq check on .output
	while IFS='|' read -r params check; do
		run bash -c "art new 'Once upon a time' | jq -c '.params = $params' | art-infer -m '$SHARED/$M'"
		assert_success
		echo "$output" | jq -e ".output | $check"
	done <<'TABLE'
{"stop":["Lily"],"temperature":0}|.text == ", there was a little girl named " and .finish_reason == "stop"
{"max_tokens":5,"temperature":0}|.usage.output_tokens == 5 and .finish_reason == "length"
{"max_tokens":1000,"temperature":0}|.finish_reason == "stop" or .finish_reason == "length"
TABLE
	a=$(art new 'Once upon a time' -n 40 --temp 1 --seed 7 | art-infer -m "$SHARED/$M" -t 1 | jq -c .output.text)
	b=$(art new 'Once upon a time' -n 40 --temp 1 --seed 7 | art-infer -m "$SHARED/$M" -t 3 | jq -c .output.text)
	c=$(art new 'Once upon a time' -n 40 --temp 1 --seed 8 | art-infer -m "$SHARED/$M" -t 1 | jq -c .output.text)
	[ "$a" = "$b" ]
	[ "$a" != "$c" ]
}

@test "bad envelopes become error envelopes, one line out per line in" {
	run bash -c "{ art new --deadline 2000-01-01T00:00:00Z q; echo '{\"art\":1,\"id\":\"x\"}'; echo 'not json';
		art new q | jq -c '.params.temperature = -1'; } | art-infer -m '$SHARED/$M'"
	assert_failure 1
	[ "${#lines[@]}" -eq 4 ]
	echo "${lines[0]}" | jq -e '.status == "error" and .error.code == "deadline_exceeded"'
	echo "${lines[1]}" | jq -e '.status == "error" and .error.code == "bad_request"'
	echo "${lines[2]}" | jq -e '.status == "error" and .error.code == "bad_json"'
	echo "${lines[3]}" | jq -e '.status == "error" and (.error.message | contains("temperature"))'
}

@test "--stream writes delta events to stderr; stdout stays one envelope" {
	art new 'Once upon a time' -n 8 --temp 0 | art-infer -m "$SHARED/$M" --stream >"$T/out" 2>"$T/err"
	[ "$(lines_of "$T/out")" -eq 1 ]
	text=$(jq -r '[inputs | select(.event == "delta") | .text] | add' -n <"$T/err")
	[ "$(jq -r .output.text "$T/out")" = "$text" ]
	tail -1 "$T/err" | jq -e '.event == "done"'
}

@test "usage and model errors: exit 2 and 3 with a message" {
	run art-infer </dev/null
	assert_failure 2
	assert_output --partial "no model"
	run art-infer -m /nonexistent.gguf </dev/null
	assert_failure 3
	assert_output --partial "/nonexistent.gguf"
	run art-infer -m "$SHARED/tokenizers/ggml-vocab-gpt-2.gguf" </dev/null
	assert_failure 3
	assert_output --partial "unsupported architecture 'gpt2'"
}

@test "corrupted GGUF: 50 truncations and 50 byte flips never crash art-infer" {
	src="$SHARED/$M"
	size=$(stat -c %s "$src")
	crashes=0
	for i in $(seq 1 100); do
		cp "$src" "$T/c.gguf"
		chmod u+w "$T/c.gguf"
		if [ "$i" -le 50 ]; then
			# truncation points: mostly in the metadata (first 64 KiB), some anywhere
			if [ $((i % 2)) -eq 0 ]; then off=$(( (RANDOM * 32768 + RANDOM) % size )); else off=$(( (RANDOM * 2) % 65536 )); fi
			truncate -s "$off" "$T/c.gguf"
		else
			off=$(( (RANDOM * 2) % 65536 ))
			printf "\\x$(printf %02x $((RANDOM % 256)))" | dd of="$T/c.gguf" bs=1 seek="$off" conv=notrunc status=none
		fi
		rc=0
		art new 'Once upon a time' -n 4 --temp 0 | art-infer -m "$T/c.gguf" >"$T/out" 2>"$T/err" || rc=$?
		if [ "$rc" -ge 128 ] || [ "$rc" -eq 5 ]; then crashes=$((crashes + 1)); echo "crash rc=$rc at $off"; fi
		if [ "$rc" -eq 3 ]; then grep -q "c.gguf" "$T/err" || { echo "no file in message: $(cat "$T/err")"; crashes=$((crashes + 1)); }; fi
		if [ "$rc" -le 1 ]; then [ "$(lines_of "$T/out")" -eq 1 ] || crashes=$((crashes + 1)); fi
	done
	[ "$crashes" -eq 0 ]
}
