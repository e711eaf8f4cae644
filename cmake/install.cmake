# Installing nnpipe like a real package: headers, both libraries, the nnpipe
# command, a CMake package (find_package(nnpipe) -> nnpipe::nnpipe, the shared
# library, and nnpipe::nnpipe_static) and a pkg-config file. Both the package
# and the .pc file locate the prefix relative to themselves, so an install
# tree can be moved (and `cmake --install --prefix DIR` works).
include(CMakePackageConfigHelpers)

set(NNPIPE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/nnpipe)

install(TARGETS nnpipe_shared nnpipe_static EXPORT nnpipeTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS nnpipe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
file(GLOB NNPIPE_PUBLIC_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/nnpipe/*.h)
install(FILES ${NNPIPE_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nnpipe)

install(EXPORT nnpipeTargets NAMESPACE nnpipe:: DESTINATION ${NNPIPE_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/nnpipeConfig.cmake.in
  ${PROJECT_BINARY_DIR}/nnpipeConfig.cmake INSTALL_DESTINATION ${NNPIPE_CMAKE_DIR})
# The SONAME carries the major version, so the package promises the same.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/nnpipeConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/nnpipeConfig.cmake
  ${PROJECT_BINARY_DIR}/nnpipeConfigVersion.cmake DESTINATION ${NNPIPE_CMAKE_DIR})

# pkg-config: the prefix is found from the .pc file's own folder.
file(RELATIVE_PATH NNPIPE_PC_UP /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
configure_file(${PROJECT_SOURCE_DIR}/cmake/nnpipe.pc.in ${PROJECT_BINARY_DIR}/nnpipe.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/nnpipe.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
