// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — one local mutation: insert, update or remove, with its id and stamp.

#ifndef CONCORD_MODEL_CHANGE_HPP
#define CONCORD_MODEL_CHANGE_HPP

#include <concord/model/stamp.hpp>

#include <boost/json/object.hpp>

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

/// "<replica hex>:<seq>", for messages and logs.
inline std::string to_string(const change_id& id) {
    return to_string(id.replica) + ":" + std::to_string(id.seq);
}

} // namespace concord

#endif // CONCORD_MODEL_CHANGE_HPP
