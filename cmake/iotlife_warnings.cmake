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
    if(IOTLIFE_SANITIZE)
      target_compile_options(${target} PRIVATE -fsanitize=address,undefined
        -fno-sanitize-recover=all -fno-omit-frame-pointer)
      target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    endif()
  endif()
endfunction()
