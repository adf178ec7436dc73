# Installs the CMake package that lets other projects use attnc:
#   cmake --install build --prefix P
#   P/lib/cmake/attnc/{attncConfig,attncConfigVersion,attncTargets}.cmake
include(CMakePackageConfigHelpers)

set(ATTNC_INSTALL_BINDIR bin)
set(ATTNC_INSTALL_CMAKEDIR lib/cmake/attnc)

install(EXPORT attncTargets
  NAMESPACE attnc::
  DESTINATION ${ATTNC_INSTALL_CMAKEDIR}
)
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/attncConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/attncConfig.cmake
  INSTALL_DESTINATION ${ATTNC_INSTALL_CMAKEDIR}
  PATH_VARS ATTNC_INSTALL_BINDIR
)
write_basic_package_version_file(
  ${CMAKE_BINARY_DIR}/cmake/attncConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion
)
install(FILES
  ${CMAKE_BINARY_DIR}/cmake/attncConfig.cmake
  ${CMAKE_BINARY_DIR}/cmake/attncConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/AttncAddModel.cmake
  DESTINATION ${ATTNC_INSTALL_CMAKEDIR}
)
