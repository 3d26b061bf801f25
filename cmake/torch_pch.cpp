// An empty translation unit: the target that compiles LibTorch's precompiled header (CMakeLists.txt).
