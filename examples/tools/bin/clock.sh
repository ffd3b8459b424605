#!/bin/sh
# clock.sh — exec tool: prints the current UTC time as {"utc": "..."}.
cat >/dev/null
printf '{"utc": "%s"}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
