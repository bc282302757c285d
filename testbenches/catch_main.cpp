// Test runner: libsystemc provides main() and calls sc_main, which hands over
// to Catch2. CTest runs each case in its own process (catch_discover_tests),
// so every case elaborates on a fresh SystemC kernel.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <systemc>

int sc_main(int argc, char* argv[]) {
    return Catch::Session().run(argc, argv);
}
