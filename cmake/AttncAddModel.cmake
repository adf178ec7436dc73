# attnc_add_model(<name> SOURCE <file.attn> [DEFINES name=value ...]
#                 [OUTPUT_DIRECTORY <dir>] [TARGET_CPU <cpu>]
#                 [TARGET_FEATURES <+a,-b>])
#
# Compiles <file.attn> at build time, whenever it changes, into
# <dir>/lib<name>.so (default dir: the current binary directory), and
# generates <dir>/include/<name>.h, a typed C++ wrapper (class
# attnc::models::<name>) built on runtime.hpp.
#
# Creates <name>, an INTERFACE library to link against: it brings the header's
# directory, attnc::runtime, and the definition ATTNC_MODEL_<NAME>_PATH (the
# absolute path of the .so) that gives the class an open() without arguments.
# The target <name>_model builds the .so and the header.
#
# TARGET_CPU and TARGET_FEATURES are `attnc compile --target-cpu` and
# `--target-features` (default: the build machine's CPU).
#
# The compiler is the imported executable attnc::attnc; the .so is linked by
# a C compiler driver found at build time (see `attnc compile`).
function(attnc_add_model name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG ""
    "SOURCE;OUTPUT_DIRECTORY;TARGET_CPU;TARGET_FEATURES" "DEFINES")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "attnc_add_model(${name}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "attnc_add_model(${name}): SOURCE <file.attn> is required")
  endif()
  if(NOT name MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR
      "attnc_add_model(${name}): the name must be a C++ identifier")
  endif()
  if(NOT TARGET attnc::attnc)
    message(FATAL_ERROR
      "attnc_add_model(${name}): no attnc::attnc target; find_package(attnc) first")
  endif()

  get_filename_component(source "${ARG_SOURCE}" ABSOLUTE
                         BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(ARG_OUTPUT_DIRECTORY)
    set(dir "${ARG_OUTPUT_DIRECTORY}")
  else()
    set(dir "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  set(library "${dir}/lib${name}.so")
  set(header "${dir}/include/${name}.h")

  set(defines)
  foreach(define IN LISTS ARG_DEFINES)
    if(NOT define MATCHES "^[A-Za-z_][A-Za-z0-9_]*=.+$")
      message(FATAL_ERROR
        "attnc_add_model(${name}): DEFINES entries are name=value, found '${define}'")
    endif()
    list(APPEND defines -D "${define}")
  endforeach()
  set(target)
  if(ARG_TARGET_CPU)
    list(APPEND target "--target-cpu=${ARG_TARGET_CPU}")
  endif()
  if(ARG_TARGET_FEATURES)
    list(APPEND target "--target-features=${ARG_TARGET_FEATURES}")
  endif()

  add_custom_command(
    OUTPUT "${library}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
    COMMAND attnc::attnc compile "${source}" ${defines} ${target} -o "${library}"
    DEPENDS "${source}" "$<TARGET_FILE:attnc::attnc>"
    COMMENT "Compiling model ${name} (${ARG_SOURCE})"
    VERBATIM
  )
  add_custom_command(
    OUTPUT "${header}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}/include"
    COMMAND attnc::attnc header "${library}" --class "${name}" -o "${header}"
    DEPENDS "${library}" "$<TARGET_FILE:attnc::attnc>"
    COMMENT "Generating ${name}.h"
    VERBATIM
  )
  add_custom_target(${name}_model DEPENDS "${library}" "${header}")

  string(TOUPPER "${name}" upper)
  add_library(${name} INTERFACE)
  add_dependencies(${name} ${name}_model)
  target_include_directories(${name} INTERFACE "${dir}/include")
  target_link_libraries(${name} INTERFACE attnc::runtime)
  target_compile_definitions(${name} INTERFACE
    "ATTNC_MODEL_${upper}_PATH=\"${library}\"")
  target_compile_features(${name} INTERFACE cxx_std_17)
  set_target_properties(${name} PROPERTIES
    ATTNC_MODEL_LIBRARY "${library}"
    ATTNC_MODEL_HEADER "${header}"
  )
endfunction()
