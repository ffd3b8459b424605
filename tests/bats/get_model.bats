#!/usr/bin/env bats
# scripts/get-model: a download is used only when its sha256 matches (file:// URLs here:
# the tests never touch the network).
load common

@test "get-model saves a matching download and refuses a mismatching one" {
	ART_MODEL_URL="file://$SHARED/models/stories260K-f32.gguf" run "$REPO/scripts/get-model" "$T/m.gguf"
	assert_success
	assert_line "$T/m.gguf"
	cmp "$T/m.gguf" "$SHARED/models/stories260K-f32.gguf"
	# already there and matching: no download
	ART_MODEL_URL="file:///nonexistent" run "$REPO/scripts/get-model" "$T/m.gguf"
	assert_success
	ART_MODEL_URL="file://$SHARED/models/stories260K-f16.gguf" run "$REPO/scripts/get-model" "$T/x.gguf"
	assert_failure 3
	assert_output --partial "not the expected"
	[ ! -e "$T/x.gguf" ] && [ ! -e "$T/x.gguf.part" ]
	ART_MODEL_URL="file:///nonexistent/model.gguf" run "$REPO/scripts/get-model" "$T/y.gguf"
	assert_failure 4
}
