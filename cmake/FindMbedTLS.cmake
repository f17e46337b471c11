# SPDX-License-Identifier: Apache-2.0
# Find Mbed TLS. Debian's libmbedtls-dev 2.28 ships neither a CMake package nor
# a pkg-config file, so look for the headers and libraries directly. An
# installed 3.x tree is found the same way (set MbedTLS_ROOT to its prefix).
#
# Result: MbedTLS_FOUND, MbedTLS_VERSION, imported targets MbedTLS::mbedcrypto,
# MbedTLS::mbedx509, MbedTLS::mbedtls.
find_path(MbedTLS_INCLUDE_DIR mbedtls/version.h)
find_library(MbedTLS_CRYPTO_LIBRARY mbedcrypto)
find_library(MbedTLS_X509_LIBRARY mbedx509)
find_library(MbedTLS_TLS_LIBRARY mbedtls)

if(MbedTLS_INCLUDE_DIR)
  foreach(hdr build_info.h version.h)
    if(EXISTS "${MbedTLS_INCLUDE_DIR}/mbedtls/${hdr}")
      file(STRINGS "${MbedTLS_INCLUDE_DIR}/mbedtls/${hdr}" _ver
           REGEX "#define[ \t]+MBEDTLS_VERSION_STRING[ \t]+\"[0-9.]+\"")
      if(_ver)
        string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" MbedTLS_VERSION "${_ver}")
        break()
      endif()
    endif()
  endforeach()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MbedTLS
  REQUIRED_VARS MbedTLS_CRYPTO_LIBRARY MbedTLS_INCLUDE_DIR
  VERSION_VAR MbedTLS_VERSION)

if(MbedTLS_FOUND)
  foreach(comp crypto x509 tls)
    string(TOUPPER ${comp} _up)
    set(_tgt mbed${comp})
    if(comp STREQUAL "tls")
      set(_tgt mbedtls)
    endif()
    if(MbedTLS_${_up}_LIBRARY AND NOT TARGET MbedTLS::${_tgt})
      add_library(MbedTLS::${_tgt} UNKNOWN IMPORTED)
      set_target_properties(MbedTLS::${_tgt} PROPERTIES
        IMPORTED_LOCATION "${MbedTLS_${_up}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${MbedTLS_INCLUDE_DIR}")
    endif()
  endforeach()
  if(TARGET MbedTLS::mbedx509)
    set_property(TARGET MbedTLS::mbedx509 APPEND PROPERTY INTERFACE_LINK_LIBRARIES MbedTLS::mbedcrypto)
  endif()
  if(TARGET MbedTLS::mbedtls)
    set_property(TARGET MbedTLS::mbedtls APPEND PROPERTY INTERFACE_LINK_LIBRARIES MbedTLS::mbedx509)
  endif()
endif()
mark_as_advanced(MbedTLS_INCLUDE_DIR MbedTLS_CRYPTO_LIBRARY MbedTLS_X509_LIBRARY MbedTLS_TLS_LIBRARY)
