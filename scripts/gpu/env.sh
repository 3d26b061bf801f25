# Source this (bash) with LOFIMAP_DEPS set to the PREFIX of scripts/gpu/unpack-deps: compilers, CMake,
# pkg-config and the loader then find the unpacked Debian packages, and Open MPI is relocated there.
: "${LOFIMAP_DEPS:?set LOFIMAP_DEPS to the unpack-deps prefix}"
_arch=x86_64-linux-gnu
export PKG_CONFIG_SYSROOT_DIR=$LOFIMAP_DEPS
export PKG_CONFIG_LIBDIR=$LOFIMAP_DEPS/usr/lib/$_arch/pkgconfig:$LOFIMAP_DEPS/usr/share/pkgconfig:$LOFIMAP_DEPS/usr/lib/$_arch/openmpi/lib/pkgconfig
export CMAKE_PREFIX_PATH=$LOFIMAP_DEPS/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}
export LD_LIBRARY_PATH=$LOFIMAP_DEPS/lib-run${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# Debian's Open MPI was configured with prefix /usr: OPAL_PREFIX moves its libdir, helper binaries and
# data files (help texts, wrapper data) under the unpacked tree.
export OPAL_PREFIX=$LOFIMAP_DEPS/usr
export OPAL_LIBDIR=$LOFIMAP_DEPS/usr/lib/$_arch/openmpi/lib
export PATH=$LOFIMAP_DEPS/usr/bin:$PATH
# CMake's FindMPI without the compiler wrappers (their wrapper data name /usr paths).
LOFIMAP_MPI_CMAKE_ARGS=(
  -DMPI_SKIP_COMPILER_WRAPPER=ON -DMPI_SKIP_GUESSING=OFF
  -DMPI_C_HEADER_DIR=$LOFIMAP_DEPS/usr/lib/$_arch/openmpi/include
  -DMPI_CXX_HEADER_DIR=$LOFIMAP_DEPS/usr/lib/$_arch/openmpi/include
  -DMPI_C_LIB_NAMES=mpi "-DMPI_CXX_LIB_NAMES=mpi_cxx;mpi"
  -DMPI_mpi_cxx_LIBRARY=$LOFIMAP_DEPS/usr/lib/$_arch/openmpi/lib/libmpi_cxx.so
  -DMPI_mpi_LIBRARY=$LOFIMAP_DEPS/usr/lib/$_arch/openmpi/lib/libmpi.so
)
unset _arch
