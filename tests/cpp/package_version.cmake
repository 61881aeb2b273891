# cmake -DCONFIG_VERSION_FILE=.../stsConfigVersion.cmake -DFIND=0.1 -DEXPECT=TRUE [-DPOINTER_SIZE=8]
#   -P package_version.cmake
# Evaluates the version file as find_package(sts ${FIND}) would and fails unless the package
# is compatible exactly when EXPECT is TRUE (and unsuitable for another pointer size).
string(REGEX MATCHALL "[0-9]+" _parts "${FIND}")
list(LENGTH _parts PACKAGE_FIND_VERSION_COUNT)
list(APPEND _parts 0 0 0)
list(GET _parts 0 PACKAGE_FIND_VERSION_MAJOR)
list(GET _parts 1 PACKAGE_FIND_VERSION_MINOR)
list(GET _parts 2 PACKAGE_FIND_VERSION_PATCH)
set(PACKAGE_FIND_NAME sts)
set(PACKAGE_FIND_VERSION "${FIND}")
if(NOT POINTER_SIZE)
  set(POINTER_SIZE 8)
endif()
set(CMAKE_SIZEOF_VOID_P "${POINTER_SIZE}")

include("${CONFIG_VERSION_FILE}")

if(PACKAGE_VERSION_UNSUITABLE)
  set(_compatible FALSE)
elseif(PACKAGE_VERSION_COMPATIBLE)
  set(_compatible TRUE)
else()
  set(_compatible FALSE)
endif()
if(NOT _compatible STREQUAL EXPECT)
  message(FATAL_ERROR "find_package(sts ${FIND}) with ${POINTER_SIZE}-byte pointers against ${PACKAGE_VERSION}: "
                      "compatible is ${_compatible}, expected ${EXPECT}")
endif()
