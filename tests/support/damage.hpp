// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — text damaged at random, for tests that a fast reader never reads damaged text as
// anything the JSON parser would not.

#ifndef CONCORD_TESTS_SUPPORT_DAMAGE_HPP
#define CONCORD_TESTS_SUPPORT_DAMAGE_HPP

#include <cstddef>
#include <random>
#include <string>
#include <string_view>

namespace concord::test {

/// `text` with one random change: a character replaced by one of `alphabet`, up to `max_erase`
/// characters erased, or one of `alphabet` inserted. `at` receives the position.
inline std::string damaged(std::string text, std::mt19937& rng, std::string_view alphabet,
                           std::size_t max_erase, std::size_t& at) {
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    at = pick(text.size());
    switch (pick(3)) {
    case 0:
        text[at] = alphabet[pick(alphabet.size())];
        break;
    case 1:
        text.erase(at, 1 + pick(max_erase));
        break;
    default:
        text.insert(at, 1, alphabet[pick(alphabet.size())]);
    }
    return text;
}

} // namespace concord::test

#endif // CONCORD_TESTS_SUPPORT_DAMAGE_HPP
