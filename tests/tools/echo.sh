#!/bin/sh
# echo.sh — prints {"args": ARGS, "home": $HOME or null, "secret": $SECRET or null}:
# shows what arguments and which environment variables a tool received.
args=$(cat)
if [ -n "${HOME+x}" ]; then home="\"$HOME\""; else home=null; fi
if [ -n "${SECRET+x}" ]; then secret="\"$SECRET\""; else secret=null; fi
printf '{"args": %s, "home": %s, "secret": %s}\n' "$args" "$home" "$secret"
