#!/bin/sh
# hang.sh PIDFILE — never answers: leaves a background child and sleeps; writes both
# pids to PIDFILE so a test can check the whole process group was killed.
sleep 60 &
echo "$$ $!" >"$1"
sleep 60
