#!/bin/bash
# Submits a survey map as a job array of N independent shares (at most THROTTLE running at once) and the merge
# job that writes the map once all of them succeeded. Extra sbatch options (e.g. --ntasks, --time) apply to
# both. Prints the two job ids.
#
#   submit_map_array.sh CONFIG.toml N [THROTTLE] [map|ks] [-- SBATCH-OPTIONS...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
config=${1:?usage: submit_map_array.sh CONFIG.toml N [THROTTLE] [map|ks] [-- SBATCH-OPTIONS...]}
n=${2:?the number of shares N is needed}
throttle=${3:-$n}
command=${4:-map}
shift $(($# < 4 ? $# : 4))
[ "${1:-}" = "--" ] && shift
[ -f "$config" ] || { echo "submit_map_array.sh: configuration '$config' does not exist" >&2; exit 1; }
array=$(sbatch --parsable --array="0-$((n - 1))%$throttle" "$@" "$here/map_array.sbatch" "$config" "$command")
merge=$(sbatch --parsable --dependency="afterok:$array" "$@" "$here/map_merge.sbatch" "$config" "$command")
echo "$array $merge"
