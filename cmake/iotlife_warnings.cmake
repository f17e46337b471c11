# SPDX-License-Identifier: Apache-2.0
# Per-target warning and sanitizer flags. Never global: a consumer's own
# targets are not touched.
set(IOTLIFE_C_WARNINGS
  -Wall -Wextra -Wundef -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wpointer-arith -Wcast-qual -Wvla -Wformat=2 -Wwrite-strings -Wold-style-definition
  -Wmissing-declarations -Wredundant-decls -Wnested-externs -Wswitch-enum
)

function(iotlife_target_flags target)
  if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE ${IOTLIFE_C_WARNINGS})
    if(IOTLIFE_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
    if(IOTLIFE_STACK_USAGE AND CMAKE_C_COMPILER_ID STREQUAL "GNU")
      # Per-function frames (.su) and call graphs (.ci) next to each object,
      # for scripts/footprint.sh's worst-case stack analysis.
      target_compile_options(${target} PRIVATE -fstack-usage -fcallgraph-info=su)
    endif()
    if(IOTLIFE_SANITIZE)
      target_compile_options(${target} PRIVATE -fsanitize=address,undefined
        -fno-sanitize-recover=all -fno-omit-frame-pointer)
      target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
  endif()
endfunction()
