// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — records (an Id plus column values) and the hub's versioned copies of them.

#ifndef CONCORD_MODEL_RECORD_HPP
#define CONCORD_MODEL_RECORD_HPP

#include <concord/error.hpp>

#include <boost/json/object.hpp>
#include <unistd.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace concord {

/** One row of an entity: its `Id` (GUID text) and its column values.

    `fields` never holds `Id`. A column that is absent has no value; stores keep a null value
    as absent, so records read back from any store compare equal.
    Thread safety: a value type.
*/
struct record {
    std::string id;
    boost::json::object fields;

    friend bool operator==(const record&, const record&) = default;
};

/** The hub's copy of a record as of change sequence `seq`: what a pull delivers and what an
    outcome carries back. A tombstone (`deleted`) has no fields.
*/
struct hub_record {
    std::string entity;
    std::string id;
    boost::json::object fields;
    bool deleted = false;
    std::uint64_t seq = 0;

    friend bool operator==(const hub_record&, const hub_record&) = default;
};

/// True when `s` is a GUID in canonical 8-4-4-4-12 hex text form (either case).
inline bool is_guid(std::string_view s) noexcept {
    if (s.size() != 36)
        return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

/** A new random (version 4) GUID in lower-case canonical text form.
    Thread safety: safe (a thread-local generator).
*/
inline std::string new_guid() {
    // Seeded with 256 bits: one 32-bit seed would give only 2^32 distinct id streams, so two of
    // many offline devices would soon generate the same ids.
    // Reseeded in a forked child, which would otherwise repeat its parent's ids.
    thread_local std::mt19937_64 gen;
    thread_local ::pid_t seeded_for = 0;
    if (const ::pid_t pid = ::getpid(); pid != seeded_for) {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
        gen.seed(seq);
        seeded_for = pid;
    }
    const std::uint64_t hi = (gen() & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
    const std::uint64_t lo = (gen() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (int i = 0; i < 32; ++i) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            s.push_back('-');
        const std::uint64_t word = i < 16 ? hi : lo;
        s.push_back(hex[(word >> (4 * (15 - (i % 16)))) & 0xF]);
    }
    return s;
}

} // namespace concord

#endif // CONCORD_MODEL_RECORD_HPP
