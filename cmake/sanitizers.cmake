# SPDX-FileCopyrightText: 2026 The concord authors
# SPDX-License-Identifier: BSL-1.0
#
# concord — sanitizer and warning setup for concord's own (non-exported) targets.
#
#   concord_apply_sanitizers(<target>)   adds -fsanitize=${CONCORD_SANITIZE} to compile and link
#   concord_internal_target(<target>)    links concord_warnings, turns off compiler extensions
#                                        (-std=c++20, not gnu++20) and applies the sanitizers
#
# CONCORD_SANITIZE is a comma list such as "address,undefined" (empty: nothing is added). Exported
# targets never get these flags; only tests, examples, benchmarks and the header check do.

include_guard(GLOBAL)

function(concord_apply_sanitizers target)
    if(CONCORD_SANITIZE STREQUAL "")
        return()
    endif()
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "^(GNU|Clang|AppleClang)$")
        message(WARNING "concord: CONCORD_SANITIZE is ignored for ${CMAKE_CXX_COMPILER_ID}")
        return()
    endif()
    set(_flags -fsanitize=${CONCORD_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        # clang 14: -fsanitize=function (part of undefined) breaks C++20 coroutines
        # ("Cannot represent a difference across sections").
        list(APPEND _flags -fno-sanitize=function)
    endif()
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CONCORD_SANITIZE MATCHES "thread")
        list(APPEND _flags -Wno-tsan) # Asio's atomic_thread_fence floods -Wtsan
    endif()
    target_compile_options(${target} PRIVATE ${_flags})
    get_target_property(_type ${target} TYPE)
    if(NOT _type STREQUAL "OBJECT_LIBRARY")
        target_link_options(${target} PRIVATE -fsanitize=${CONCORD_SANITIZE})
    endif()
endfunction()

function(concord_internal_target target)
    target_link_libraries(${target} PRIVATE concord_warnings)
    set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
    concord_apply_sanitizers(${target})
endfunction()
