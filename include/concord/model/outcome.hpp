// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — what the hub did with one change, as the replica records it.

#ifndef CONCORD_MODEL_OUTCOME_HPP
#define CONCORD_MODEL_OUTCOME_HPP

#include <concord/error.hpp>
#include <concord/model/change.hpp>
#include <concord/model/record.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace concord {

/** What the hub did with a change.

    | kind       | meaning                                                               |
    |------------|-----------------------------------------------------------------------|
    | applied    | every field of the change was written                                 |
    | merged     | some fields were written; others lost to later stamps (see `losing`)  |
    | superseded | nothing was written: every field lost to a later stamp                |
    | rejected   | nothing was written: see `reason` and `code`                          |
    | duplicate  | the change was already applied and acknowledged earlier               |

    The numeric values are wire facts and never change.
*/
enum class outcome_kind : std::uint8_t {
    applied = 0,
    merged = 1,
    superseded = 2,
    rejected = 3,
    duplicate = 4,
};

/// Why a change was rejected; the numeric values are wire facts.
enum class reject_reason : std::uint8_t {
    none = 0,
    permission = 1, ///< the principal may not write the entity, record or field
    validation = 2, ///< a value fails the schema (type, required, length, allowed values)
    deleted = 3,    ///< the record was deleted on the hub
    not_found = 4,  ///< the record never existed on the hub
};

constexpr std::string_view to_string(outcome_kind k) noexcept {
    switch (k) {
    case outcome_kind::applied:
        return "applied";
    case outcome_kind::merged:
        return "merged";
    case outcome_kind::superseded:
        return "superseded";
    case outcome_kind::rejected:
        return "rejected";
    case outcome_kind::duplicate:
        return "duplicate";
    }
    return "?";
}

constexpr std::string_view to_string(reject_reason r) noexcept {
    switch (r) {
    case reject_reason::none:
        return "none";
    case reject_reason::permission:
        return "permission";
    case reject_reason::validation:
        return "validation";
    case reject_reason::deleted:
        return "deleted";
    case reject_reason::not_found:
        return "not found";
    }
    return "?";
}

/** The hub's answer for one change: nothing is silently dropped.

    For anything but `applied`, `hub_copy` is the hub's current copy of the record (a tombstone
    when deleted; absent when the record never existed) and `losing` holds the change's values
    that were not written.
*/
struct outcome {
    change_id change;
    std::string entity;
    std::string record_id;
    outcome_kind kind = outcome_kind::applied;
    reject_reason reason = reject_reason::none;
    error_code code;           ///< set for `rejected`
    std::string message;       ///< for people: names the entity, record and field
    std::string field;         ///< the column concerned by a rejection, if any
    bool skew_clamped = false; ///< the stamp was ahead of the hub clock beyond the bound
    /// The request's pull left the record out: the replica holds it as the hub does (an echo,
    /// see `sync_response`). Set only in the answer to the request that pushed the change.
    bool echo_omitted = false;
    std::optional<hub_record> hub_copy;
    boost::json::object losing;

    friend bool operator==(const outcome&, const outcome&) = default;
};

} // namespace concord

#endif // CONCORD_MODEL_OUTCOME_HPP
