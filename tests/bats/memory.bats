#!/usr/bin/env bats
# art-memory end to end: filters through pipes, tenant isolation against crafted FTS5
# syntax, approval-gated writes, session turns, ingest (incl. a 50 MB corpus),
# export/import, gc, exit codes, and --help kept in step with the man page.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
export REPO

setup() {
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/art-memory-bats.XXXXXX")
	export T ART_MEMORY_DB="$T/m.db"
}
teardown() {
	rm -rf "$T"
}

# seed: two tenants with overlapping words; acme's secret must never reach globex and back
seed() {
	cat > "$T/seed.jsonl" <<'EOF'
{"art":1,"id":"s1","tenant":"acme","actor":{"id":"alice"},"memory_writes":[{"text":"The acme invoice archive is on the finance drive.","approved":true},{"text":"acme vpn tokens rotate every month","approved":true}]}
{"art":1,"id":"s2","tenant":"globex","actor":{"id":"gina"},"memory_writes":[{"text":"globex secret invoice plan: tenant globex moves the archive","approved":true}]}
EOF
	art-memory write < "$T/seed.jsonl" > "$T/seed.out"
}

@test "write then recall through a pipe; provenance and scores" {
	seed
	run jq -r '.memory_writes[].status' "$T/seed.out"
	assert_output $'written\nwritten\nwritten'
	run bash -c 'art new "where is the invoice archive?" --tenant acme | art-memory recall | jq -c ".context[] | [.kind, .source, .text, (.score > 0)]"'
	assert_success
	assert_output '["fact","memory_writes","The acme invoice archive is on the finance drive.",true]'
	run bash -c 'art-memory export --tenant acme | jq -r "[.envelope, .actor] | join(\" \")"'
	assert_output $'s1 alice\ns1 alice'
}

@test "crafted FTS5 syntax in the user message: never an error, never another tenant" {
	seed
	while IFS= read -r q; do
		art new "invoice archive $q" --tenant acme > "$T/in.jsonl"
		run art-memory recall < "$T/in.jsonl"
		assert_success
		[ "$(jq -r .status <<< "$output")" = ok ] || { echo "query: $q -> $output"; false; }
		if jq -r '.context[]?.text' <<< "$output" | grep -q globex; then
			echo "cross-tenant hit for: $q"; false
		fi
	done <<'EOF'
" OR tenant:*
" OR "globex
NEAR(secret plan, 2)
NEAR(
*
^secret
secret*
"unbalanced
text:secret
{text}: globex
tenant:globex
- globex
secret AND NOT acme
((((
"""
globex' OR '1'='1
EOF
	# and the same through memory_query
	run bash -c 'jq -nc "{art:1,id:\"q\",tenant:\"acme\",memory_query:\"\\\" OR tenant:* NEAR( globex\"}" | art-memory recall'
	assert_success
	refute_output --partial 'globex secret'
}

@test "recall without a tenant fails closed with no_tenant; one line per input line" {
	seed
	{
		art new "invoice"
		echo 'not json'
		art new "invoice" --tenant acme
	} > "$T/in.jsonl"
	run art-memory recall < "$T/in.jsonl"
	assert_failure 1
	[ "${#lines[@]}" -eq 3 ]
	[ "$(jq -r .error.code <<< "${lines[0]}")" = no_tenant ]
	[ "$(jq -r .error.code <<< "${lines[1]}")" = bad_json ]
	[ "$(jq -r .error.line <<< "${lines[1]}")" = 2 ]
	[ "$(jq -r .status <<< "${lines[2]}")" = ok ]
}

@test "writes without approval are refused, recorded, and never stored" {
	cat > "$T/w.jsonl" <<'EOF'
{"art":1,"id":"w","tenant":"acme","memory_writes":[{"text":"ssn is 078-05-1120 zebra","approved":false},{"text":"unflagged zebra"},{"text":"real zebra fact","approved":true}]}
EOF
	run art-memory write < "$T/w.jsonl"
	assert_success
	run jq -c '[.memory_writes[] | [.status, .reason]]' <<< "$output"
	assert_output '[["refused","not approved by policy"],["refused","not approved by policy"],["written",null]]'
	run bash -c 'art-memory export --tenant acme | jq -r .text'
	assert_output 'real zebra fact'
	# replaying the written envelope stores nothing twice
	art-memory write < "$T/w.jsonl" | art-memory write > /dev/null
	[ "$(art-memory export --tenant acme | wc -l)" -eq 1 ]
}

@test "duplicates are recorded with the stored id" {
	echo '{"art":1,"id":"d","tenant":"acme","memory_writes":[{"text":"Same  Fact","approved":true},{"text":"same fact","approved":true}]}' > "$T/d.jsonl"
	run bash -c 'art-memory write < "$T/d.jsonl" | jq -r "(.memory_writes | map(.status) | join(\" \")), (.memory_writes[0].id == .memory_writes[1].id)"'
	assert_output $'written duplicate\ntrue'
}

@test "multi-turn chat through a pipe: turns stored by write --turns, recalled by session" {
	for i in 1 2 3; do
		art new "question number $i" --tenant acme --session chat1 |
			jq -c ".output = {text: \"answer number $i\"}" | art-memory write --turns > /dev/null
	done
	art new "question number 9" --tenant globex --session chat1 | jq -c '.output = {text: "x"}' |
		art-memory write --turns > /dev/null
	run bash -c 'art new "and then?" --tenant acme --session chat1 | art-memory recall --turns 2 | jq -c "[.context[] | [.kind, .user, .assistant]]"'
	assert_output '[["turn","question number 2","answer number 2"],["turn","question number 3","answer number 3"]]'
	run bash -c 'art-memory gc --keep-turns 1'
	assert_output '{"expired":0,"trimmed":2}'
}

@test "budget and top-k bound what recall adds" {
	for i in $(seq 1 30); do
		printf '{"art":1,"id":"b%d","tenant":"acme","memory_writes":[{"text":"llama note %d %s","approved":true}]}\n' \
			"$i" "$i" "$(head -c $((i * 20)) /dev/zero | tr '\0' 'x' | sed 's/x\{10\}/words here /g')"
	done | art-memory write > /dev/null
	for b in 0 20 100 400; do
		out=$(art new "llama note" --tenant acme | art-memory recall -k 4 -b "$b")
		spent=$(jq '[.context[]?.tokens] | add // 0' <<< "$out")
		n=$(jq '.context // [] | length' <<< "$out")
		[ "$spent" -le "$b" ] || { echo "budget $b: spent $spent"; false; }
		[ "$n" -le 4 ] || { echo "top-k 4: got $n"; false; }
	done
	[ "$(art new "llama note" --tenant acme | art-memory recall -k 4 -b 100000 | jq '.context | length')" -eq 4 ]
}

@test "expired items are not recalled and gc removes them" {
	echo '{"art":1,"id":"e","tenant":"acme","memory_writes":[{"text":"old walrus","approved":true,"expires":"2001-01-01T00:00:00Z"},{"text":"new walrus","approved":true,"ttl":"1h"}]}' |
		art-memory write > /dev/null
	run bash -c 'art new walrus --tenant acme | art-memory recall | jq -r ".context[].text"'
	assert_output 'new walrus'
	run art-memory gc
	assert_output '{"expired":1,"trimmed":0}'
}

@test "export then import into a fresh database keeps items, ids and dedupes" {
	seed
	art-memory export --tenant acme > "$T/acme.jsonl"
	run art-memory import --db "$T/n.db" < "$T/acme.jsonl"
	assert_success
	assert_output '{"imported":2,"duplicate":0,"rejected":0}'
	run art-memory import --db "$T/n.db" < "$T/acme.jsonl"
	assert_output '{"imported":0,"duplicate":2,"rejected":0}'
	[ "$(art-memory export --db "$T/n.db" --tenant acme | jq -r .id)" = "$(jq -r .id "$T/acme.jsonl")" ]
	run art-memory import --db "$T/n.db" --tenant globex < "$T/acme.jsonl"
	assert_failure 1
	assert_output --partial '"rejected":2'
}

@test "ingest: markdown and JSON lines, chunk sources, a bad line named" {
	printf '# Guide\n\nThe gizmo resets with the red button.\n\nOther paragraph about nothing.\n' > "$T/guide.md"
	printf '{"text":"The widget warranty lasts two years.","source":"faq/widget"}\nnot json\n{"text":"x","kind":"turn"}\n' > "$T/faq.jsonl"
	run art-memory ingest --tenant acme -N docs "$T/guide.md" "$T/faq.jsonl"
	assert_failure 1
	assert_output --partial "faq.jsonl: line 2: not a JSON object; skipped"
	assert_output --partial "faq.jsonl: line 3:"
	run bash -c 'art new "how to reset the gizmo" --tenant acme | art-memory recall -N docs | jq -r ".context[0].source"'
	assert_output "$T/guide.md#0"
	run bash -c 'art new "widget warranty" --tenant acme | art-memory recall -N other | jq ".context | length"'
	assert_output 0
	run bash -c 'art new "widget warranty" --tenant acme | art-memory recall | jq -r ".context[0].source"'
	assert_output 'faq/widget#0'
}

@test "ingest of a 50 MB corpus generated on the fly" {
	# 78,000 paragraphs are 50.4 MB; under ASan (make test SAN=1, ~10x slower) 5 MB
	paras=78000 want=50000000
	case "${ART_BUILD:-}" in *build-san*) paras=7800 want=5000000 ;; esac
	awk -v paras=$paras -v seed=7 -f "$REPO/tests/bench/memgen.awk" > "$T/big.txt"
	echo "The quokka password reset lives in the blue binder." >> "$T/big.txt"
	size=$(stat -c %s "$T/big.txt")
	[ "$size" -ge "$want" ] || { echo "corpus only $size bytes"; false; }
	start=$(date +%s.%N)
	run art-memory ingest --tenant big --chunk-tokens 512 --overlap 32 "$T/big.txt"
	end=$(date +%s.%N)
	assert_success
	echo "# ingest of $size bytes: $(awk "BEGIN { print $end - $start }") s" >&3
	assert_output --partial "ingest: 1 files, $((want / 1000000))"
	chunks=$(art-memory export --tenant big | wc -l)
	[ "$chunks" -gt $((want / 2500)) ]
	run bash -c 'art new "where is the quokka password reset?" --tenant big | art-memory recall -k 1 | jq -r ".context[0].text"'
	assert_output --partial "quokka password reset lives in the blue binder"
}

@test "exit codes: no database 3, bad option 2, unknown command 2, missing db for recall 3" {
	unset ART_MEMORY_DB
	run art-memory recall < /dev/null
	assert_failure 3
	assert_output --partial "no database"
	run art-memory recall --db "$T/m.db" --top-k -1
	assert_failure 2
	run art-memory frobnicate
	assert_failure 2
	run art-memory recall --db "$T/none.db" < /dev/null
	assert_failure 3
	printf 'this is a text file, not sqlite\n%.0s' $(seq 100) > "$T/notdb"
	run art-memory write --db "$T/notdb" < /dev/null
	assert_failure 3
	run art-memory ingest --db "$T/m.db" "$T/x.txt"
	assert_failure 2
	assert_output --partial "--tenant"
}

@test "man page lints clean and documents every option of every subcommand" {
	run mandoc -Tlint -Wwarning "$REPO/man/art-memory.1"
	assert_success
	for c in recall write ingest gc export import; do
		for o in $(art-memory "$c" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
			[ "$o" = --help ] || [ "$o" = --version ] && continue
			grep -qF -- "\\-${o#--}" "$REPO/man/art-memory.1" || { echo "$c: $o missing from man page"; false; }
		done
	done
	run art-memory --version
	assert_output --partial "art-memory"
}

@test "examples/memory: the handbook answers a VPN question; facts load as facts" {
	run art-memory ingest -q --tenant acme -N handbook "$REPO/examples/memory/handbook.md" "$REPO/examples/memory/facts.jsonl"
	assert_success
	run bash -c 'art new "How do I reset my VPN token?" --tenant acme | art-memory recall -N handbook -k 1 | jq -r ".context[0].text"'
	assert_output --partial 'Reset token'
	run bash -c 'art new "when is the service desk open" --tenant acme | art-memory recall -k 1 | jq -r ".context[0] | .kind + \" \" + .source"'
	assert_output 'fact facts/service-desk#0'
	run bash -c 'art new "How do I reset my VPN token?" --tenant globex | art-memory recall | jq ".context | length"'
	assert_output 0
}

@test "art-policy approves, art-memory write applies: only the allowed kind is stored" {
	command -v art-policy > /dev/null || skip "art-policy not built"
	echo '{"art":1,"id":"p1","tenant":"acme","task":"support.answer","deadline":"2099-01-01T00:00:00Z","actor":{"id":"alice"},"messages":[{"role":"user","content":"refunds?"}],"context":[{"id":"kb1","text":"Refunds: 30 days."}],"output":{"text":"The refund window is 30 days [cite:kb1]."},"memory_writes":[{"kind":"fact","text":"Refund window is 30 days."},{"kind":"document","text":"A document the policy does not allow."}]}' > "$T/p.jsonl"
	run bash -c 'art-policy check -s output -p "$REPO/examples/policy/policy.json" < "$T/p.jsonl" | art-memory write | jq -c "[.status // \"ok\", (.memory_writes[] | [.approved, .status])]"'
	assert_success
	assert_output '["ok",[true,"written"],[false,"refused"]]'
	run bash -c 'art-memory export --tenant acme | jq -r .text'
	assert_output 'Refund window is 30 days.'
}
