// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — one local mutation: insert, update or remove, with its id and stamp.

#ifndef CONCORD_MODEL_CHANGE_HPP
#define CONCORD_MODEL_CHANGE_HPP

#include <concord/model/stamp.hpp>

#include <boost/json/object.hpp>

#include <charconv>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace concord {

/// What a change does to its record.
enum class operation : std::uint8_t { insert = 1, update = 2, remove = 3 };

/// "insert", "update" or "remove".
constexpr std::string_view to_string(operation op) noexcept {
    switch (op) {
    case operation::insert:
        return "insert";
    case operation::update:
        return "update";
    case operation::remove:
        return "remove";
    }
    return "?";
}

/** The identity of a change: the replica that made it and that replica's local sequence
    (1, 2, 3, … in the order the changes were made). Unique across all replicas; the hub's
    dedupe key.
*/
struct change_id {
    concord::replica_id replica{};
    std::uint64_t seq = 0;

    friend constexpr auto operator<=>(const change_id&, const change_id&) = default;
};

/** One local mutation, durable in the replica's outbox until the hub answers it.

    `fields` holds the columns an insert or update sets (never `Id`); it is empty for a remove.
    Thread safety: a value type.
*/
struct change {
    change_id id;
    operation op = operation::update;
    std::string entity;
    std::string record_id;
    concord::stamp at;
    boost::json::object fields;

    friend bool operator==(const change&, const change&) = default;
};

namespace detail {

// Appends the text form of `id`. It is only hex digits, ':' and digits, so the wire writers put
// it between quotes as it is, with no escaping and no string of its own (one per pushed change
// and per outcome, each way).
inline void put_change_id(std::string& out, const change_id& id) {
    put_hex(out, id.replica.value, 16);
    out.push_back(':');
    char digits[20]; // 2^64 - 1 has 20 digits
    out.append(digits, std::to_chars(digits, digits + sizeof digits, id.seq).ptr);
}

} // namespace detail

/// "<replica hex>:<seq>": 16 lower-case hex digits, a colon, the sequence in decimal. The wire
/// form of a pushed change's id, and how messages and logs name it.
inline std::string to_string(const change_id& id) {
    std::string s;
    s.reserve(37);
    detail::put_change_id(s, id);
    return s;
}

/// Parses the text form of a change id; `errc::invalid_request` naming the text on anything
/// else, a sequence of 0 included (sequences start at 1).
inline result<change_id> parse_change_id(std::string_view s) {
    change_id id;
    const auto colon = s.find(':');
    const std::string_view digits =
        colon == std::string_view::npos ? std::string_view{} : s.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id.seq);
    if (colon != 16 || !detail::get_hex(s.substr(0, 16), id.replica.value) || digits.empty() ||
        ec != std::errc{} || end != digits.data() + digits.size() || id.seq == 0)
        return error(errc::invalid_request,
                     "change id '" + std::string(s) + "' is not <16 hex digits>:<sequence>");
    return id;
}

} // namespace concord

#endif // CONCORD_MODEL_CHANGE_HPP
