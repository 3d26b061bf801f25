#!/usr/bin/env bash
# A run killed by SIGTERM, SIGINT or SIGHUP while writing leaves no temporary file behind and no output, and
# dies of the signal (exit 128 + signal number), so a batch system sees it was killed. (The catalogue would
# take ~8 s and 0.5 GB; each run is killed as soon as its temporary file exists.)
set -uo pipefail
lofimap=$1
work=$(mktemp -d /tmp/lofimap-signals.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
for sig in TERM INT HUP; do
  "$lofimap" simulate catalogue --npix 1024 --pixel 0.5 --density 30 --no-png -o big.fits >log.txt 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do ls -a | grep -q '^\.big\.fits\.tmp\.' && break; sleep 0.1; done
  kill -"$sig" "$pid"
  wait "$pid"
  rc=$?
  left=$(ls -a | grep -E '^\.big\.fits\.tmp\.|^big\.fits$' || true)
  expected=$((128 + $(kill -l "$sig")))
  if [ "$rc" -ne "$expected" ] || [ -n "$left" ]; then
    echo "FAIL SIG$sig: exit $rc (expected $expected), left behind: ${left:-nothing}"
    failures=$((failures + 1))
  else
    echo "ok   SIG$sig -> exit $rc, no temporary file left"
  fi
done
[ "$failures" -eq 0 ]
