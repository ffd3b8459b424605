#!/bin/sh
# slowmark.sh MARKER_FILE — a slow side effect: creates MARKER_FILE.started, waits
# 0.5 s, then appends its arguments to MARKER_FILE and prints {"runs": N}.
args=$(cat)
: >"$1.started"
sleep 0.5
printf '%s\n' "$args" >>"$1"
printf '{"runs": %d}\n' "$(wc -l <"$1")"
