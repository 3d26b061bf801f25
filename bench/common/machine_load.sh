# Sourced by the benchmark scripts. machine_load prints the load at the start of a run: the cores busy over one
# second (from /proc/stat) and the processes using them. A ratio against a peer measured while another process
# holds a core hides what does not scale with threads, so machine_idle fails (status 1) when more than a fifth
# of a core was busy, and a benchmark then prints its times without a ratio.
busy_cores() {
  local a b
  read -r _ a1 a2 a3 a4 a5 a6 a7 _ </proc/stat
  sleep 1
  read -r _ b1 b2 b3 b4 b5 b6 b7 _ </proc/stat
  a=$((a1 + a2 + a3 + a6 + a7)); b=$((b1 + b2 + b3 + b6 + b7))
  local idle=$((b4 + b5 - a4 - a5)) busy=$((b - a))
  echo "scale=2; $busy / ($busy + $idle) * $(nproc)" | bc -l
}

machine_load() {
  MACHINE_BUSY=$(busy_cores)
  echo "machine load at start: $MACHINE_BUSY of $(nproc) cores busy over 1 s; $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15-min load)"
  ps -eo pcpu=,comm= --sort=-pcpu | awk '$1 > 5 {printf "  busy: %s %s%%\n", $2, $1}' | head -5
}

machine_idle() {
  [ "$(echo "${MACHINE_BUSY:-9} <= 0.2" | bc -l)" = 1 ]
}
