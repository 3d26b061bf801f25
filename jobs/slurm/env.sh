# Source this file to use an installed lofimap: `source PREFIX/share/lofimap/env.sh` (also from a module file
# or a job script). It finds its prefix from its own location, so the installed tree may be moved.
_lofimap_prefix=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/../.." && pwd)
export LOFIMAP_PREFIX=$_lofimap_prefix
export PATH="$_lofimap_prefix/bin${PATH:+:$PATH}"
export LD_LIBRARY_PATH="$_lofimap_prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
unset _lofimap_prefix
