// Compiles the precompiled header every layer shares (CMakeLists.txt).
