# Sanitizer and fuzzer builds of attnc's own code.
#
#   -DATTNC_SANITIZE=address,undefined   ASan + UBSan (what tools/test.sh --sanitize uses)
#   -DATTNC_SANITIZE=thread              TSan
#   -DATTNC_FUZZ=ON                      also the libFuzzer targets in test/fuzz
#                                        (implies address,undefined unless set)
#
# Only what this project compiles is instrumented: Debian's libLLVM and
# libMLIR are prebuilt, so their code is neither checked nor slowed down.
# Include after HandleLLVMOptions, which these settings partly undo.

set(ATTNC_SANITIZE "" CACHE STRING
  "Sanitizers for attnc's own code: address,undefined or thread (empty: none)")
option(ATTNC_FUZZ "Build the libFuzzer targets in test/fuzz" OFF)

set(ATTNC_SANITIZERS "${ATTNC_SANITIZE}")
if(ATTNC_FUZZ AND NOT ATTNC_SANITIZERS)
  set(ATTNC_SANITIZERS "address,undefined")
endif()

if(ATTNC_SANITIZERS OR ATTNC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "ATTNC_SANITIZE and ATTNC_FUZZ need clang (clang-19)")
  endif()
endif()

if(ATTNC_SANITIZERS)
  string(REPLACE "," ";" _attnc_sanitizer_list "${ATTNC_SANITIZERS}")
  foreach(_s IN LISTS _attnc_sanitizer_list)
    if(NOT _s MATCHES "^(address|undefined|thread)$")
      message(FATAL_ERROR "ATTNC_SANITIZE: unsupported sanitizer '${_s}' "
                          "(expected address,undefined or thread)")
    endif()
  endforeach()
  if("thread" IN_LIST _attnc_sanitizer_list AND
     "address" IN_LIST _attnc_sanitizer_list)
    message(FATAL_ERROR "ATTNC_SANITIZE: thread and address cannot be combined")
  endif()
  if(ATTNC_FUZZ AND "thread" IN_LIST _attnc_sanitizer_list)
    message(FATAL_ERROR "ATTNC_FUZZ needs ATTNC_SANITIZE=address,undefined")
  endif()

  # Any finding is fatal, so that a test or fuzz run fails on it instead of
  # printing a report nobody reads; frame pointers and line tables make the
  # reports readable.
  # The prefix map keeps the build directory out of the debug info, so that
  # ccache (which hashes the directory of a -g compile otherwise) shares
  # objects between checkouts.
  set(_attnc_flags -fsanitize=${ATTNC_SANITIZERS} -fno-omit-frame-pointer
                   -gline-tables-only
                   -fdebug-prefix-map=${CMAKE_BINARY_DIR}=.)
  if("undefined" IN_LIST _attnc_sanitizer_list)
    list(APPEND _attnc_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${_attnc_flags})
  add_link_options(-fsanitize=${ATTNC_SANITIZERS})

  # A sanitized shared library (libattnc_runtime.so) leaves the sanitizer
  # runtime's symbols to the executable that loads it, which -z defs (added by
  # HandleLLVMOptions) forbids.
  string(REPLACE "-Wl,-z,defs" "" CMAKE_SHARED_LINKER_FLAGS
                 "${CMAKE_SHARED_LINKER_FLAGS}")
  message(STATUS "attnc: instrumenting attnc's code with -fsanitize=${ATTNC_SANITIZERS}")
endif()

if(ATTNC_FUZZ)
  # Coverage feedback for libFuzzer in every library a fuzz target reaches;
  # the fuzz targets themselves link with -fsanitize=fuzzer (test/fuzz).
  add_compile_options(-fsanitize=fuzzer-no-link)
  message(STATUS "attnc: building the fuzz targets in test/fuzz")
endif()
