# SPDX-License-Identifier: Apache-2.0
# Cross toolchain: bare-metal Arm Cortex-M4 with Debian's gcc-arm-none-eabi and
# libnewlib-arm-none-eabi (newlib-nano). Used by the `cortex-m4` preset:
#
#   cmake --preset cortex-m4 && cmake --build --preset cortex-m4
#
# Code is built for size (-Os) with one section per function and object, so
# the linker's --gc-sections keeps only what a firmware uses. Soft-float ABI:
# iotlife needs no floating point, and the result links into any M4 firmware
# (with or without the FPU) built with -mfloat-abi=soft.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(IOTLIFE_CROSS_PREFIX "arm-none-eabi-" CACHE STRING "Prefix of the cross tools")
find_program(CMAKE_C_COMPILER ${IOTLIFE_CROSS_PREFIX}gcc REQUIRED)
find_program(CMAKE_AR ${IOTLIFE_CROSS_PREFIX}ar REQUIRED)
find_program(CMAKE_RANLIB ${IOTLIFE_CROSS_PREFIX}ranlib REQUIRED)
find_program(CMAKE_OBJCOPY ${IOTLIFE_CROSS_PREFIX}objcopy)
find_program(CMAKE_SIZE ${IOTLIFE_CROSS_PREFIX}size)

# No OS to link test programs against: check the compiler with a static library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(IOTLIFE_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=soft")
set(CMAKE_C_FLAGS_INIT
  "${IOTLIFE_CPU_FLAGS} --specs=nano.specs -Os -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${IOTLIFE_CPU_FLAGS}")
# CMake passes the C flags (CPU, --specs=nano.specs) to the link step too.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")
# -Os comes from the INIT flags for every build type; keep the per-type flags
# from overriding it with -O2/-O3.
set(CMAKE_C_FLAGS_RELEASE_INIT "-DNDEBUG")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-DNDEBUG")
set(CMAKE_C_FLAGS_RELWITHDEBINFO_INIT "-g -DNDEBUG")
set(CMAKE_C_FLAGS_DEBUG_INIT "-g")

# Find target libraries (cross-built zlib/cJSON/Mbed TLS) only in the target
# prefixes (CMAKE_FIND_ROOT_PATH), never the host's; programs from the host.
# The toolchain's own tree is always a root, so that an empty
# CMAKE_FIND_ROOT_PATH cannot fall back to the host's /usr/include.
list(APPEND CMAKE_FIND_ROOT_PATH /usr/lib/arm-none-eabi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
