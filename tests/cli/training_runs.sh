#!/usr/bin/env bash
# `lofimap train` as a batch job sees it: SIGTERM (or --stop-after) ends a run with exit 4 after a checkpoint,
# with every completed step in a CSV log that has its header; --resume continues it to exit 0; a resume with a
# changed option that shapes the optimisation is refused naming the option; an existing log is not replaced
# without --overwrite; SIGINT stops like SIGTERM. Log lines go to stderr, stdout stays empty.
set -uo pipefail
lofimap=$1
work=$(mktemp -d /tmp/lofimap-training-runs.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

"$lofimap" -q simulate training-set -o set.h5 --maps 12 --npix 32 --pixel 1 --density 20 --lambda 1 || exit 1
common=(train --training-set set.h5 --validation-maps 2 --maps-per-step 2 --coords-per-map 64 --validate-every 1000)

# 1. SIGTERM mid-run: exit 4, checkpoint, flushed log with header, nothing on stdout.
"$lofimap" "${common[@]}" --steps 100000 -o model.pt >stdout.txt 2>stderr.txt &
pid=$!
for _ in $(seq 1 100); do [ -s model.pt.log.csv ] && [ "$(wc -l <model.pt.log.csv)" -ge 4 ] && break; sleep 0.2; done
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 4 ] || fail "SIGTERM: exit $rc, expected 4"
[ -s model.pt.checkpoint ] || fail "SIGTERM: no checkpoint"
[ -e model.pt ] && fail "SIGTERM: a final model was written"
head -1 model.pt.log.csv | grep -q "^step,lr,loss" || fail "SIGTERM: log without header"
[ "$(wc -l <model.pt.log.csv)" -ge 4 ] || fail "SIGTERM: log lost its lines"
[ -s stdout.txt ] && fail "log lines on stdout: $(head -2 stdout.txt)"
grep -q "stopped at step" stderr.txt || fail "SIGTERM: no message on stderr"
echo "ok   SIGTERM -> exit $rc after $(($(wc -l <model.pt.log.csv) - 1)) logged steps"

# 2. --resume with a changed learning rate or seed: refused, naming the option; the checkpoint is kept.
for changed in "--lr 0.01" "--seed 7"; do
  "$lofimap" "${common[@]}" --steps 100000 -o model.pt --resume $changed >out.txt 2>&1
  rc=$?
  option=${changed%% *}
  if [ "$rc" -ne 2 ] || ! grep -q -- "--resume: $option" out.txt; then fail "resume with $changed: exit $rc"; cat out.txt; fi
done
echo "ok   --resume with a changed --lr / --seed -> exit 2 naming the option"

# 3. --resume with --stop-after: exit 4 again, the log continues (one header).
"$lofimap" "${common[@]}" --steps 100000 -o model.pt --resume --stop-after 3 >/dev/null 2>&1
rc=$?
[ "$rc" -eq 4 ] || fail "--resume --stop-after: exit $rc, expected 4"
[ "$(grep -c '^step' model.pt.log.csv)" -eq 1 ] || fail "resumed log has $(grep -c '^step' model.pt.log.csv) headers"
echo "ok   --resume --stop-after 3 -> exit $rc, log continued"

# 4. A new run next to an existing log: refused without --overwrite (exit 3), the log untouched.
before=$(sha256sum model.pt.log.csv)
"$lofimap" "${common[@]}" --steps 2 -o model.pt >out.txt 2>&1
rc=$?
if [ "$rc" -ne 3 ] || ! grep -q "model.pt.log.csv.*already exists" out.txt; then fail "existing log: exit $rc"; cat out.txt; fi
[ "$(sha256sum model.pt.log.csv)" = "$before" ] || fail "existing log was changed"
echo "ok   existing log without --overwrite -> exit $rc, kept"

# 5. SIGINT (Ctrl-C) stops like SIGTERM; a finished run exits 0.
"$lofimap" "${common[@]}" --steps 100000 -o other.pt >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s other.pt.log.csv ] && [ "$(wc -l <other.pt.log.csv)" -ge 3 ] && break; sleep 0.2; done
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 4 ] && [ -s other.pt.checkpoint ] || fail "SIGINT: exit $rc, expected 4 with a checkpoint"
"$lofimap" "${common[@]}" --steps 3 -o done.pt >/dev/null 2>&1
rc2=$?
[ "$rc2" -eq 0 ] && [ -s done.pt ] || fail "a finished run: exit $rc2"
echo "ok   SIGINT -> exit $rc; finished run -> exit $rc2"

# 6. SIGTERM in the middle of a long step (400 maps of one pass each, ~25 s): honoured between micro-batches
# within seconds; the step is abandoned and the checkpoint holds the state before it (step 0), readable by a
# resume (which here refuses a changed option, so as not to run another long step).
"$lofimap" train --training-set set.h5 --validation-maps 2 --global-batch 400 --micro-batch 1 \
  --coords-per-map 2048 --steps 2 --validate-every 1000 -o long.pt >/dev/null 2>long.txt &
pid=$!
for _ in $(seq 1 100); do [ -s long.pt.log.csv ] && break; sleep 0.1; done
sleep 1.5
sent=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
rc=$?
took_ms=$((($(date +%s%N) - sent) / 1000000))
if [ "$rc" -ne 4 ] || [ "$took_ms" -gt 5000 ] || ! grep -q "stopped at step 0" long.txt; then
  fail "SIGTERM mid-step: exit $rc after $took_ms ms"; cat long.txt
fi
"$lofimap" train --training-set set.h5 --validation-maps 2 --global-batch 400 --micro-batch 1 \
  --coords-per-map 16 --steps 2 --validate-every 1000 -o long.pt --resume --stop-after 1 >/dev/null 2>resumed.txt
rc2=$?
if [ "$rc2" -ne 2 ] || ! grep -q -- "--resume: --coords-per-map" resumed.txt; then
  fail "resume from a mid-step checkpoint with another --coords-per-map: exit $rc2"; cat resumed.txt
fi
echo "ok   SIGTERM mid-step -> exit $rc after $took_ms ms, checkpoint at step 0"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
