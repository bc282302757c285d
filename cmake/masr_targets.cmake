# Helpers that give every project target the same warnings, sanitizers and
# test registration.

function(masr_target_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  # The mask encoding lives on popcount; without the instruction every
  # popcount is a libgcc call (5x slower PE tiles). Every x86-64 CPU since 2008
  # has it.
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    target_compile_options(${target} PRIVATE -mpopcnt)
  endif()
  if(MASR_SANITIZE)
    # -O1 -g1 (after the build type's -O2 -g, so they win): line tables for the
    # reports, half the compile time of -O2 -g, and still fast enough to run
    # the system tests.
    target_compile_options(${target} PRIVATE -O1 -g1 -fsanitize=address,undefined
                                             -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(MASR_TSAN)
    target_compile_options(${target} PRIVATE -O1 -g1 -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=thread)
  endif()
  if(MASR_FUZZ)
    # Coverage for libFuzzer in every library; only the fuzz targets link its main.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                                             -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# masr_add_fuzzer(<name> SOURCES ... [DEPS ...]): a libFuzzer target (MASR_FUZZ).
function(masr_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  masr_add_executable(${name} SOURCES ${ARG_SOURCES} DEPS ${ARG_DEPS})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()

# masr_add_library(<name> SOURCES ... [DEPS ...])
function(masr_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
                                            $<INSTALL_INTERFACE:include/masr>)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  masr_target_options(${name})
  # cmake --install: every library, for find_package(masr) (cmake/masr-config.cmake.in).
  install(TARGETS ${name} EXPORT masr-targets ARCHIVE DESTINATION lib)
endfunction()

# masr_add_executable(<name> SOURCES ... [DEPS ...])
function(masr_add_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  masr_target_options(${name})
  if(MASR_SANITIZE)
    target_link_options(${name} PRIVATE -fsanitize=address,undefined)
  endif()
  if(MASR_TSAN)
    target_link_options(${name} PRIVATE -fsanitize=thread)
  endif()
endfunction()

# masr_add_testbench(<name> LABELS <unit|system|cosim|slow...> SOURCES ... [DEPS ...])
# Each Catch2 case becomes its own CTest test, so every case runs in a fresh
# process with a fresh SystemC kernel (SystemC elaborates one design per process).
function(masr_add_testbench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  masr_add_executable(${name} SOURCES ${ARG_SOURCES} DEPS masr_catch_main ${ARG_DEPS})
  set(environment "SC_COPYRIGHT_MESSAGE=DISABLE;MASR_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  if(MASR_SANITIZE)
    # SystemC switches the main thread onto its own coroutine stacks, and at
    # exit ASan's record of the main thread's stack can still name one that
    # has since been freed: LeakSanitizer's scan of it then faults ("Tracer
    # caught signal 11") in a third of the runs. Leaks are still found
    # without the stack scan, since nothing is live on a stack after main.
    list(APPEND environment "LSAN_OPTIONS=use_stacks=0")
  endif()
  catch_discover_tests(${name}
    TEST_PREFIX "${name}: "
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${ARG_LABELS}"
               ENVIRONMENT "${environment}")
endfunction()
