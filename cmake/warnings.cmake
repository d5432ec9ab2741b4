# Warnings are set per target, never globally.
function(govsim_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wpedantic -Wconversion
    -Wno-sign-conversion)
endfunction()
