// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — one sync round's request and answer, independent of any wire format.

#ifndef CONCORD_MODEL_BATCH_HPP
#define CONCORD_MODEL_BATCH_HPP

#include <concord/model/change.hpp>
#include <concord/model/outcome.hpp>
#include <concord/model/record.hpp>
#include <concord/model/stamp.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace concord {

/** Asks for the records changed after `after` (a hub change sequence), in sequence order, at
    most `limit` of them. `entities` restricts the pull to those entities (empty: all).
*/
struct pull_request {
    std::uint64_t after = 0;
    std::size_t limit = 1000;
    std::vector<std::string> entities;

    friend bool operator==(const pull_request&, const pull_request&) = default;
};

/** One sync round from a replica: push its oldest pending changes, then pull.

    `acknowledged` is the highest local change sequence whose outcome the replica has durably
    recorded: the hub may forget the stored outcomes up to it.
*/
struct sync_request {
    concord::replica_id replica{};
    std::string credentials; ///< opaque to the engine; checked by the hub's access policy
    std::vector<change> push;
    std::uint64_t acknowledged = 0;
    std::optional<pull_request> pull;

    friend bool operator==(const sync_request&, const sync_request&) = default;
};

/** The hub's answer: one outcome per pushed change, in order; then a page of pulled records.

    `cursor` is where the next pull starts; `more` says another page is waiting. `hub_time` is
    the hub's clock, which the replica's clock merges.
*/
struct sync_response {
    std::vector<outcome> outcomes;
    std::vector<hub_record> rows;
    std::uint64_t cursor = 0;
    bool more = false;
    stamp hub_time;

    friend bool operator==(const sync_response&, const sync_response&) = default;
};

} // namespace concord

#endif // CONCORD_MODEL_BATCH_HPP
