# SPDX-FileCopyrightText: 2026 The concord authors
# SPDX-License-Identifier: BSL-1.0
#
# concord — warning flags for concord's own tests, examples and benchmarks.
#
# concord_warnings is an INTERFACE target that internal targets link PRIVATE. It is never linked
# by an exported target and never installed: consumers choose their own warnings.

include_guard(GLOBAL)

add_library(concord_warnings INTERFACE)
target_compile_options(concord_warnings INTERFACE
    $<$<CXX_COMPILER_ID:GNU,Clang,AppleClang>:
        -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast>
    $<$<AND:$<BOOL:${CONCORD_WERROR}>,$<CXX_COMPILER_ID:GNU,Clang,AppleClang>>:-Werror>)
