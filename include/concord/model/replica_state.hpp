// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — what a replica keeps besides records: its sync state and its sync log entries.

#ifndef CONCORD_MODEL_REPLICA_STATE_HPP
#define CONCORD_MODEL_REPLICA_STATE_HPP

#include <concord/model/change.hpp>
#include <concord/model/outcome.hpp>
#include <concord/model/record.hpp>
#include <concord/model/stamp.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace concord {

/** A replica's durable bookkeeping, written in the same transaction as the data it describes.

    A `replica_state` whose `id` is zero belongs to a store that was never opened by a replica.
*/
struct replica_state {
    replica_id id{};
    std::uint64_t next_seq = 1;     ///< the local sequence of the next change
    stamp clock;                    ///< the hybrid logical clock's last value
    std::uint64_t cursor = 0;       ///< the hub change sequence pulled up to
    std::uint64_t acknowledged = 0; ///< local changes up to here have their outcome recorded
    std::optional<std::int64_t> last_sync_ms; ///< when the last sync round completed
    /// The hub's fingerprint of what this replica's principal may read, as of the last pull
    /// (empty: none yet, or the hub's access policy has none).
    std::string scope;
    /// A re-sync of the whole scope is under way: records not received again before the last
    /// page are dropped (unless changes to them are pending).
    bool resync = false;
    /// Where access requests go, as the hub said in its last answer (empty: not set).
    std::string administrator_email;
    /// The key of the workplace the local copy follows (empty: the whole schema).
    std::string workplace;
    /// The hub's schema as JSON, once adopted from a sync (empty: the app's own schema).
    std::string schema;

    friend bool operator==(const replica_state&, const replica_state&) = default;
};

/** One entry of the sync log: a change the hub did not simply apply, kept until the user acts.

    `local_copy` is the record as this replica had it when the outcome arrived (before the hub's
    copy replaced it): what "re-apply mine" and "re-create" start from.
*/
struct sync_log_entry {
    std::uint64_t id = 0;
    change mine;
    outcome result;
    std::optional<record> local_copy;
    std::int64_t at_ms = 0;

    friend bool operator==(const sync_log_entry&, const sync_log_entry&) = default;
};

} // namespace concord

#endif // CONCORD_MODEL_REPLICA_STATE_HPP
