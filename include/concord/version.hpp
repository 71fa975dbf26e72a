// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — library version; the single source of truth that CMake parses.

#ifndef CONCORD_VERSION_HPP
#define CONCORD_VERSION_HPP

#define CONCORD_VERSION_MAJOR 0
#define CONCORD_VERSION_MINOR 1
#define CONCORD_VERSION_PATCH 0

/// The version as one comparable number: MAJOR * 100000 + MINOR * 100 + PATCH.
#define CONCORD_VERSION                                                                            \
    (CONCORD_VERSION_MAJOR * 100000 + CONCORD_VERSION_MINOR * 100 + CONCORD_VERSION_PATCH)

#endif // CONCORD_VERSION_HPP
