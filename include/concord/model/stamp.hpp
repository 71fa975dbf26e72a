// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — replica ids and stamps (hybrid logical clock values), totally ordered.

#ifndef CONCORD_MODEL_STAMP_HPP
#define CONCORD_MODEL_STAMP_HPP

#include <concord/error.hpp>

#include <charconv>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace concord {

/** The stable identity of a replica (or of the hub), a 64-bit value.

    Text form: 16 lower-case hex digits. The order of ids is the tie-break of stamps, so it is
    the same on every replica and on the hub.
*/
struct replica_id {
    std::uint64_t value = 0;

    friend constexpr auto operator<=>(replica_id, replica_id) = default;
};

/** When a change was made: physical milliseconds, a logical counter, and the replica id.

    Valid stamps have `0 <= physical_ms < 2^48` (until the year 10889), which the text form
    holds in 12 hex digits; `is_valid` checks it, and the hub rejects other stamps.

    Stamps are totally ordered: by `physical_ms`, then `logical`, then `replica` — so equal
    physical time and counter are won by the larger replica id, everywhere.

    Text form: `PPPPPPPPPPPP-LLLLLLLL-RRRRRRRRRRRRRRRR` (fixed-width lower-case hex), whose
    lexicographic order is the stamp order.

    Thread safety: a value type.
*/
struct stamp {
    std::int64_t physical_ms = 0;
    std::uint32_t logical = 0;
    concord::replica_id replica{};

    friend constexpr auto operator<=>(const stamp&, const stamp&) = default;
};

/// True when the stamp's physical time fits its text form (0 ≤ ms < 2^48).
constexpr bool is_valid(const stamp& s) noexcept {
    return s.physical_ms >= 0 && s.physical_ms < (std::int64_t{1} << 48);
}

namespace detail {

template <class U>
void put_hex(std::string& out, U v, int digits) {
    static constexpr char hex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i)
        out.push_back(hex[(v >> (4 * i)) & 0xF]);
}

template <class U>
bool get_hex(std::string_view s, U& v) {
    if (s.empty())
        return false;
    const auto* end = s.data() + s.size();
    auto [p, ec] = std::from_chars(s.data(), end, v, 16);
    return ec == std::errc{} && p == end;
}

} // namespace detail

/// The text form of a replica id: 16 lower-case hex digits.
inline std::string to_string(replica_id id) {
    std::string s;
    s.reserve(16);
    detail::put_hex(s, id.value, 16);
    return s;
}

/// Parses the text form of a replica id; `errc::invalid_stamp` on anything else.
inline result<replica_id> parse_replica_id(std::string_view s) {
    replica_id id;
    if (s.size() != 16 || !detail::get_hex(s, id.value))
        return error(errc::invalid_stamp,
                     "replica id '" + std::string(s) + "' is not 16 hex digits");
    return id;
}

namespace detail {

// Appends the text form of `st`: hex digits and dashes, nothing a JSON string escapes.
inline void put_stamp(std::string& out, const stamp& st) {
    put_hex(out, static_cast<std::uint64_t>(st.physical_ms), 12);
    out.push_back('-');
    put_hex(out, st.logical, 8);
    out.push_back('-');
    put_hex(out, st.replica.value, 16);
}

} // namespace detail

/// The text form of a stamp (see `stamp`).
inline std::string to_string(const stamp& st) {
    std::string s;
    s.reserve(38);
    detail::put_stamp(s, st);
    return s;
}

/// Parses the text form of a stamp; `errc::invalid_stamp` naming the text on anything else.
inline result<stamp> parse_stamp(std::string_view s) {
    stamp st;
    std::uint64_t ms = 0;
    if (s.size() != 38 || s[12] != '-' || s[21] != '-' || !detail::get_hex(s.substr(0, 12), ms) ||
        !detail::get_hex(s.substr(13, 8), st.logical) ||
        !detail::get_hex(s.substr(22, 16), st.replica.value))
        return error(errc::invalid_stamp, "stamp '" + std::string(s) +
                                              "' is not PPPPPPPPPPPP-LLLLLLLL-RRRRRRRRRRRRRRRR");
    st.physical_ms = static_cast<std::int64_t>(ms);
    return st;
}

} // namespace concord

template <>
struct std::hash<concord::replica_id> {
    std::size_t operator()(concord::replica_id id) const noexcept {
        return std::hash<std::uint64_t>{}(id.value);
    }
};

#endif // CONCORD_MODEL_STAMP_HPP
