// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — transparent hashing and ordering for string and (entity, id) keys.

#ifndef CONCORD_DETAIL_KEYS_HPP
#define CONCORD_DETAIL_KEYS_HPP

#include <cstddef>
#include <functional>
#include <string_view>

namespace concord::detail {

// Hashes std::string keys and accepts std::string_view lookups (no temporary strings).
// Not noexcept on purpose (see pair_hash).
struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const {
        return std::hash<std::string_view>{}(s);
    }
};

// Orders (entity, id) pairs of any string-like types, so maps keyed by pair<string, string>
// can be searched with pair<string_view, string_view>.
struct pair_less {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
        const std::string_view a1 = a.first, b1 = b.first;
        if (a1 != b1)
            return a1 < b1;
        return std::string_view(a.second) < std::string_view(b.second);
    }
};

// Hashes and compares (entity, id) pairs of any string-like types, so unordered maps keyed by
// pair<string, string> can be searched with pair<string_view, string_view>.
//
// Not noexcept on purpose: libstdc++ then keeps each node's hash, instead of hashing the next
// node's key again at every step of a lookup to see where a bucket ends.
struct pair_hash {
    using is_transparent = void;
    template <class P>
    std::size_t operator()(const P& p) const {
        const std::size_t h = std::hash<std::string_view>{}(std::string_view(p.first));
        return h ^ (std::hash<std::string_view>{}(std::string_view(p.second)) +
                    0x9e3779b97f4a7c15U + (h << 6) + (h >> 2));
    }
};
struct pair_equal {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
        return std::string_view(a.second) == std::string_view(b.second) &&
               std::string_view(a.first) == std::string_view(b.first);
    }
};

} // namespace concord::detail

#endif // CONCORD_DETAIL_KEYS_HPP
