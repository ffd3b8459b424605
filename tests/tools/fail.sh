#!/bin/sh
# fail.sh — reads its arguments, complains on stderr and exits with status 3.
cat >/dev/null
echo "warming up" >&2
echo "fail.sh: the widget is broken" >&2
exit 3
