// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — configuration macros shared by every header.

#ifndef CONCORD_CONFIG_HPP
#define CONCORD_CONFIG_HPP

#include <concord/version.hpp>

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "concord requires C++20"
#endif

/// Marks results that must not be ignored: a dropped error is a lost change.
#define CONCORD_NODISCARD [[nodiscard]]

#endif // CONCORD_CONFIG_HPP
