#!/bin/sh
# flood.sh — writes to stdout without end (the runner must cap and kill it).
exec yes 'flooding flooding flooding flooding flooding flooding'
