#!/bin/sh
# add.sh — exec tool: reads {"a": NUMBER, "b": NUMBER} (canonical JSON) on stdin and
# prints {"sum": a + b}.  The registry's input schema has already checked the types.
args=$(cat)
num() { printf '%s' "$args" | sed -n "s/.*\"$1\":\(-\{0,1\}[0-9][0-9.eE+-]*\).*/\1/p"; }
awk -v a="$(num a)" -v b="$(num b)" 'BEGIN { printf "{\"sum\": %.15g}\n", a + b }'
