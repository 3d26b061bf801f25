# CUDA's runtime and NCCL for the NCCL gradient reducer. LOFIMAP_NCCL: AUTO (build it when both are found),
# ON (required), OFF. NCCL is looked for in NCCL_ROOT, beside CUDA (/usr/local/cuda carries nccl.h and libnccl
# on the project's machines), and in a pip wheel's site-packages/nvidia/nccl (give its folder as NCCL_ROOT).
set(LOFIMAP_NCCL AUTO CACHE STRING "Build the NCCL gradient reducer: AUTO, ON or OFF")
set_property(CACHE LOFIMAP_NCCL PROPERTY STRINGS AUTO ON OFF)
set(LOFIMAP_NCCL_FOUND FALSE)
if(NOT LOFIMAP_NCCL STREQUAL "OFF")
  if(NOT CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
    set(CUDAToolkit_ROOT /usr/local/cuda)
  endif()
  find_package(CUDAToolkit QUIET)
  if(CUDAToolkit_FOUND)
    find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${NCCL_ROOT} ${CUDAToolkit_INCLUDE_DIRS} PATH_SUFFIXES include)
    find_library(NCCL_LIBRARY NAMES nccl libnccl.so.2 HINTS ${NCCL_ROOT} ${CUDAToolkit_LIBRARY_DIR}
                 PATH_SUFFIXES lib lib64)
  endif()
  if(CUDAToolkit_FOUND AND NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
    set(LOFIMAP_NCCL_FOUND TRUE)
    message(STATUS "NCCL gradient reducer: built (CUDA ${CUDAToolkit_VERSION}, ${NCCL_LIBRARY})")
  elseif(LOFIMAP_NCCL STREQUAL "ON")
    message(FATAL_ERROR "LOFIMAP_NCCL=ON but CUDA (${CUDAToolkit_FOUND}) or NCCL (${NCCL_INCLUDE_DIR}, "
                        "${NCCL_LIBRARY}) was not found; set CUDAToolkit_ROOT / NCCL_ROOT")
  else()
    message(STATUS "NCCL gradient reducer: not built (no CUDA runtime or NCCL found)")
  endif()
endif()
