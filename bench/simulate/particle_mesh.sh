#!/usr/bin/env bash
# Benchmark: particle-mesh light cones (bench/README.md, "Particle-mesh skies"). Run on an idle machine.
#  1. matter P(k) at z = 1 and 0 against halofit and the growth of the box's largest modes against D(z);
#  2. box cost at 1 and 2 ranks (1 thread each), wall time and peak memory per rank;
#  3. convergence C_ell over 5 boxes x 20 cones (z_s = 1, 2 deg at 0.5') against Limber/halofit, with and
#     without the sub-mesh haloes; one box and 100 cones timed alone;
#  4. one-point PDF, skewness and peak counts of particle-mesh, lognormal and halo-model skies (40 maps each,
#     2 deg at 0.5', z_s = 1; peaks after 1' Gaussian smoothing above 3 sigma of the noise of n_gal 30, sigma_e
#     0.26 per component: sigma_N = 0.26 / sqrt(4 pi (1')^2 30) = 0.0134);
#  5. particle-mesh training sets (128^2 at 0.5', 50 cones per box): 240 maps at 1 and 2 ranks (speed-up, rank
#     identity), 1,200 maps at 2 ranks.
# Usage: bench/simulate/particle_mesh.sh [build dir] [steps to run, default 12345]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
steps=${2:-12345}
work=$root/bench/work/particle_mesh
mkdir -p "$work"
bench=$build/bin/lofimap-bench-particle-mesh
bin=$build/bin/lofimap
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(uptime)"
if [[ $steps == *1* ]]; then
  echo "== 1. matter power and growth (box 256 Mpc, 128^3, 10 steps)"
  "$bench" power --box 256 --particles 128 --steps 10 --bins 14
fi
if [[ $steps == *2* ]]; then
  echo "== 2. one box to z = 1 with its lens planes, 1 and 2 ranks"
  for ranks in 1 2; do
    /usr/bin/time -f "%e s, peak RSS %M KiB per rank" mpirun -n $ranks --bind-to none "$bench" cones --cones 1 \
      --npix 240 --pixel 0.5 --z-source 1 --bins 4 --haloes 0 2>&1 | grep -E "^# box|peak RSS"
  done
fi
if [[ $steps == *3* ]]; then
  echo "== 3. convergence power, 5 boxes x 20 cones"
  "$bench" cones --boxes 5 --cones 20 --npix 240 --pixel 0.5 --z-source 1 --bins 12
  echo "   one box and 100 cones (timing)"
  /usr/bin/time -f "%e s, peak RSS %M KiB" "$bench" cones --boxes 1 --cones 100 --npix 240 --pixel 0.5 --z-source 1 \
    --bins 4 2>&1 | grep -E "^# box|peak RSS"
fi
if [[ $steps == *4* ]]; then
  echo "== 4. one-point statistics beside the other families"
  common=(--maps 40 --npix 240 --pixel 0.5 --z-source-range 1 1 --density 30 30 --sigma-e 0.26 0.26
          --masked-fraction 0 --seed 31 --overwrite)
  "$bin" -q simulate training-set --family particle-mesh --cones-per-box 10 "${common[@]}" -o "$work/stats_pm.h5"
  "$bin" -q simulate training-set --family lognormal --lambda 0.02 "${common[@]}" -o "$work/stats_ln.h5"
  "$bin" -q simulate training-set --family halo-model "${common[@]}" -o "$work/stats_hm.h5"
  /usr/bin/python3 "$root/bench/simulate/one_point_stats.py" 0.5 0.0134 "$work"/stats_{pm,ln,hm}.h5
fi
if [[ $steps == *5* ]]; then
  echo "== 5. particle-mesh training sets (128^2 at 0.5', n_gal 5-80, 50 cones per box): 240 maps at 1 and 2 ranks,"
  echo "      then 1,200 maps at 2 ranks"
  args=(simulate training-set --family particle-mesh --cones-per-box 50 --npix 128 --pixel 0.5
        --sigma8-range 0.75 0.88 --omega-m-range 0.27 0.35 --z-source-range 0.8 1.4 --density 5 80
        --sigma-e 0.25 0.31 --masked-fraction 0.1 --seed 41 --overwrite)
  /usr/bin/time -f "240 maps, 1 rank:  %e s, peak RSS %M KiB" "$bin" --quiet --threads 1 "${args[@]}" --maps 240 \
    -o "$work/ts_1.h5"
  /usr/bin/time -f "240 maps, 2 ranks: %e s, peak RSS %M KiB per rank" mpirun -n 2 --bind-to none "$bin" --quiet \
    --threads 1 "${args[@]}" --maps 240 -o "$work/ts_2.h5"
  /usr/bin/python3 -c "
import h5py, numpy as np
with h5py.File('$work/ts_1.h5') as a, h5py.File('$work/ts_2.h5') as b:
    print('1 vs 2 ranks, largest kappa difference:', float(np.abs(a['kappa'][()] - b['kappa'][()]).max()))"
  /usr/bin/time -f "1,200 maps, 2 ranks: %e s, peak RSS %M KiB per rank" mpirun -n 2 --bind-to none "$bin" --quiet \
    --threads 1 "${args[@]}" --maps 1200 -o "$work/ts_1200.h5"
fi
