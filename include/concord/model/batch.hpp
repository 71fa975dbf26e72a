// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — one sync round's request and answer, independent of any wire format.

#ifndef CONCORD_MODEL_BATCH_HPP
#define CONCORD_MODEL_BATCH_HPP

#include <concord/model/change.hpp>
#include <concord/model/filter.hpp>
#include <concord/model/outcome.hpp>
#include <concord/model/record.hpp>
#include <concord/model/schema.hpp>
#include <concord/model/stamp.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace concord {

/** What a pull takes of one entity (a workplace's entry): the records matching `where`, with
    only `columns` (every column when empty; `Id` always).
*/
struct pull_view {
    filter where;
    std::vector<std::string> columns;

    friend bool operator==(const pull_view&, const pull_view&) = default;
};

/** Asks for the records changed after `after` (a hub change sequence), in sequence order, at
    most `limit` of them. `entities` restricts the pull to those entities (empty: all); `views`,
    when not empty, holds one `pull_view` per entry of `entities`. A changed record that the
    view's filter no longer matches comes as a tombstone (the replica may hold it from before).
*/
struct pull_request {
    std::uint64_t after = 0;
    std::size_t limit = 1000;
    std::vector<std::string> entities;
    std::vector<pull_view> views;

    friend bool operator==(const pull_request&, const pull_request&) = default;
};

/** One sync round from a replica: push its oldest pending changes, then pull.

    `acknowledged` is the highest local change sequence whose outcome the replica has durably
    recorded: the hub may forget the stored outcomes up to it. `scope` is the read-scope
    fingerprint of the replica's last pull (`sync_response::scope`): when the principal's scope
    has changed since, the hub serves the pull from the start (`sync_response::resync`).
*/
struct sync_request {
    concord::replica_id replica{};
    std::string credentials; ///< opaque to the engine; checked by the hub's access policy
    std::vector<change> push;
    std::uint64_t acknowledged = 0;
    std::optional<pull_request> pull;
    std::string scope;
    std::string schema_version; ///< `schema_version` of the replica's schema (empty: unknown)

    friend bool operator==(const sync_request&, const sync_request&) = default;
};

/** The hub's answer: one outcome per pushed change, in order; then a page of pulled records.

    `cursor` is where the next pull starts; `more` says another page is waiting; `latest` is
    the hub's latest change sequence (0: unknown), so a pull's progress can be shown. `hub_time`
    is the hub's clock, which the replica's clock merges.

    Echoes: a record this request itself wrote is not pulled back when the replica already
    holds it as the hub does — the change was `applied` as sent (every field won, no hook
    edited it), the record had not changed since the pull's cursor (or did not exist), the pull
    is not from cursor 0 and neither the policy nor the pull's views reshape rows. The cursor
    moves past it all the same. Anything else the change touched (a merge, a hook's write, a
    view's eviction) comes as a row.

    Scope: `scope` fingerprints what the principal may read (empty when the hub's policy has no
    such notion); the replica sends it back with its next request. `resync` says the scope
    changed since the replica's last pull: this page starts from cursor 0, and the replica
    drops every record it does not receive again by the last page. A row with `deleted` and
    no fields is also how a record that left the principal's scope is evicted.
    `administrator_email` is where the hub wants access requests sent (empty: not set).
    Schema: `schema_version` is the hub's; `schema` comes with it when the request named
    another version, and the replica adopts it (migrating its store) before applying the page.
*/
struct sync_response {
    std::vector<outcome> outcomes;
    std::vector<hub_record> rows;
    std::uint64_t cursor = 0;
    bool more = false;
    std::uint64_t latest = 0;
    stamp hub_time;
    std::string scope;
    bool resync = false;
    std::string administrator_email;
    std::string schema_version;            ///< the hub's schema version
    std::optional<concord::schema> schema; ///< the hub's schema, when the replica's differs

    friend bool operator==(const sync_response&, const sync_response&) = default;
};

/** What the hub tells a watching replica (online and hybrid modes) after a commit that changed
    records the replica's principal may read, or must drop: pull now, up to `latest`.
    It names no record, so a notice reveals nothing a pull would not.
*/
struct change_notice {
    std::uint64_t latest = 0;          ///< the hub's change sequence after the commit
    std::vector<std::string> entities; ///< the entities with such changes, in schema order

    friend bool operator==(const change_notice&, const change_notice&) = default;
};

} // namespace concord

#endif // CONCORD_MODEL_BATCH_HPP
