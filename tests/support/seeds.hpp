// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the seed of a randomised test, replayable from the environment.

#ifndef CONCORD_TESTS_SUPPORT_SEEDS_HPP
#define CONCORD_TESTS_SUPPORT_SEEDS_HPP

#include <cstdint>
#include <cstdlib>
#include <optional>

namespace concord::test {

/// CONCORD_SEED, when set: the one seed a randomised test replays instead of its range.
inline std::optional<std::uint64_t> seed_from_env() {
    const char* s = std::getenv("CONCORD_SEED");
    if (s == nullptr || *s == '\0')
        return std::nullopt;
    return std::strtoull(s, nullptr, 0);
}

} // namespace concord::test

#endif // CONCORD_TESTS_SUPPORT_SEEDS_HPP
