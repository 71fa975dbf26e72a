# SPDX-FileCopyrightText: 2026 The concord authors
# SPDX-License-Identifier: BSL-1.0
#
# concord — ctest fixture "cmake:install": installs the build tree into a fresh scratch prefix.
# cmake -DCONCORD_BINARY_DIR=... -DCONCORD_PREFIX=... -DCONCORD_CONSUMER_BINARY_DIR=...
#       [-DCONCORD_CONFIG=...] -P install.cmake

foreach(_var CONCORD_BINARY_DIR CONCORD_PREFIX CONCORD_CONSUMER_BINARY_DIR)
    if(NOT ${_var})
        message(FATAL_ERROR "install.cmake: ${_var} is not set")
    endif()
endforeach()

file(REMOVE_RECURSE "${CONCORD_PREFIX}" "${CONCORD_CONSUMER_BINARY_DIR}")
set(_config_args)
if(CONCORD_CONFIG)
    set(_config_args --config "${CONCORD_CONFIG}")
endif()
execute_process(
    COMMAND "${CMAKE_COMMAND}" --install "${CONCORD_BINARY_DIR}" --prefix "${CONCORD_PREFIX}"
            ${_config_args}
    RESULT_VARIABLE _result)
if(NOT _result EQUAL 0)
    message(FATAL_ERROR "install.cmake: cmake --install failed (${_result})")
endif()
if(NOT EXISTS "${CONCORD_PREFIX}/include/concord/version.hpp")
    message(FATAL_ERROR "install.cmake: headers missing under ${CONCORD_PREFIX}/include")
endif()
