#!/bin/sh
# flaky.sh STATEFILE — hangs on its first run (until killed), answers on later runs:
# a transient failure that a retry cures.  Appends one line per run to STATEFILE.
cat >/dev/null
echo run >>"$1"
if [ "$(wc -l <"$1")" -eq 1 ]; then
	exec sleep 30
fi
printf '{"attempt": %d}\n' "$(wc -l <"$1")"
