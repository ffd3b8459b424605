#!/usr/bin/env bats
# art-bench: the measuring tool reports what it measured, in the documented shapes, and
# rejects what it cannot measure (the figures themselves are `make bench`'s business).
load common

@test "art-bench infer -j: one JSON line per test, with the ceiling from the given bandwidth" {
	run art-bench infer -m "$SHARED/models/stories260K-f32.gguf" -t 1 -p 8 -n 8 -r 1 -b 1,2 --bandwidth 10 -j
	assert_success
	echo "$output" | jq -se 'length == 5' >/dev/null
	echo "$output" | jq -se '.[0].bench == "infer" and .[0].test == "pp8" and .[0].tok_s > 0' >/dev/null
	# ceiling = bandwidth / file size; share = mean tok/s / ceiling
	size=$(stat -c %s "$SHARED/models/stories260K-f32.gguf")
	echo "$output" | jq -se --argjson s "$size" '.[1].test == "tg8" and .[1].gbps == 10 and
		((.[1].ceiling_tok_s - 10e9 / $s) | fabs) < 0.01 and
		((.[1].ceiling_share - .[1].tok_s / .[1].ceiling_tok_s) | fabs) < 0.001' >/dev/null
	echo "$output" | jq -se '.[2].bench == "load" and .[2].rss_ok == true' >/dev/null
	echo "$output" | jq -se '.[3].bench == "batched" and .[3].seqs == 1 and .[4].seqs == 2 and .[3].vs_single == 1' >/dev/null
}

@test "art-bench infer without --bandwidth probes it before and after decoding (two threads)" {
	# the second probe runs after the OpenMP team exists: it must not fork (that hung)
	run timeout 120 art-bench infer -m "$SHARED/models/stories260K-f32.gguf" -t 2 -p 0 -n 4 -r 1 -b "" -j
	assert_success
	echo "$output" | jq -se '.[0].test == "tg4" and .[0].gbps > 0.1' >/dev/null
}

@test "art-bench infer --depth: the tests run after that many cached tokens" {
	run art-bench infer -m "$SHARED/models/stories260K-f32.gguf" -t 2 -p 8 -n 8 -d 100 -r 1 -b "" --bandwidth 10 -j
	assert_success
	echo "$output" | jq -se '.[0].test == "pp8" and .[0].depth == 100 and .[1].test == "tg8" and .[1].depth == 100' >/dev/null
	echo "$output" | jq -se '.[2].ctx == 116' >/dev/null
	run art-bench infer -m "$SHARED/models/stories260K-f32.gguf" -p 8 -n 8 -d 100 -r 1 -b "" --bandwidth 10
	assert_success
	assert_output --partial "pp@d100"
	assert_output --partial "tg@d100"
	# depth + test must fit the context
	run art-bench infer -m "$SHARED/models/stories260K-f32.gguf" -p 8 -n 8 -d 100 -c 64 -b "" --bandwidth 10
	assert_failure 2
	assert_output --partial "does not fit"
}

@test "art-bench: a missing model is a config error, a bad list a usage error" {
	run art-bench infer -m "$T/none.gguf" -p 4 -n 4 --bandwidth 10
	assert_failure 3
	assert_output --partial "art-bench"
	run art-bench infer -m "$SHARED/models/stories260K-f32.gguf" -b 1,x --bandwidth 10
	assert_failure 2
	run art-bench infer -m "$SHARED/models/stories260K-f32.gguf" --kv-type f8 --bandwidth 10
	assert_failure 2
}

@test "art-bench gemm -j: a line per (type, shape, n, threads) with both rates" {
	run art-bench gemm --type q4_K,f16 -n 1,8 -t 1 --shape 256x64 -r 1 -j
	assert_success
	echo "$output" | jq -se 'length == 4 and all(.[]; .bench == "gemm" and .gemm_gmacs > 0 and .loop_gmacs > 0)' >/dev/null
}
