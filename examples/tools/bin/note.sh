#!/bin/sh
# note.sh — exec tool with a side effect (not idempotent): appends its arguments to
# $NOTES_FILE and prints {"saved": true, "notes": N}.
: "${NOTES_FILE:?NOTES_FILE is not set}"
cat >>"$NOTES_FILE"
printf '{"saved": true, "notes": %d}\n' "$(wc -l <"$NOTES_FILE")"
