# Every dependency comes from a Debian package (scripts/setup.sh installs them).
# SystemC and TLM have no CMake config on Debian: pkg-config, as imported targets.
find_package(PkgConfig REQUIRED)
pkg_check_modules(SystemC REQUIRED IMPORTED_TARGET systemc)
pkg_check_modules(TLM REQUIRED IMPORTED_TARGET tlm)
find_package(yaml-cpp REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(Catch2 2 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(fmt REQUIRED)
find_package(Threads REQUIRED)
include(Catch)
