#!/bin/sh
# badjson.sh — exits 0 but prints something that is not JSON.
cat >/dev/null
echo '{"unterminated": '
