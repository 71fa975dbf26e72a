// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the HubStore concept: the hub's records, change log and dedupe marks.

#ifndef CONCORD_CONCEPTS_HUB_STORE_HPP
#define CONCORD_CONCEPTS_HUB_STORE_HPP

#include <concord/error.hpp>
#include <concord/model/filter.hpp>
#include <concord/model/outcome.hpp>
#include <concord/model/record.hpp>
#include <concord/model/stored_record.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace concord {

/// A page of the change log: records in sequence order, where the next page starts, whether
/// one is waiting, and the store's latest sequence (0: the store does not say; used to show a
/// pull's progress).
struct change_page {
    std::vector<hub_record> rows;
    std::uint64_t cursor = 0;
    bool more = false;
    std::uint64_t latest = 0;
};

/** A change that may have moved a record out of some principals' read scope: the version with
    change sequence `seq` altered a scope column, and `before` holds the scope columns' values
    the record had until then (see `tracks_scope`).
*/
struct departure {
    std::string entity;
    std::string id;
    std::uint64_t seq = 0;
    boost::json::object before;

    friend bool operator==(const departure&, const departure&) = default;
};

// clang-format off
/** Storage of the hub (docs/concepts/HubStore.md).

    Everything happens in a transaction `tx` obtained from `s.begin()`; transactions are
    serialised (one writer at a time) and a transaction that is destroyed without `commit()`
    leaves no trace. Operations report failures of the medium (disk full, I/O error) by
    throwing `concord::system_error` with `errc::store_failed`; the transaction is then rolled
    back.

    | expression                             | type                           | semantics |
    |----------------------------------------|--------------------------------|-----------|
    | `S::transaction`                       | move-only                      | one atomic unit of work |
    | `s.begin()`                            | `S::transaction`               | waits for other transactions to finish |
    | `tx.load(entity, id)`                  | `std::optional<stored_record>` | the record with stamps, tombstones included |
    | `tx.save(rec)`                         | `std::uint64_t`                | writes `rec`, gives it the next change sequence (strictly increasing, never reused) and returns it; the change log keeps only the latest sequence per record |
    | `tx.find_outcome(id)`                  | `std::optional<outcome>`       | the stored outcome of change `id`, if not yet acknowledged; a plain `applied` one may come back without `entity` and `record_id` (the hub takes them from the change) |
    | `tx.save_outcome(o)`                   |                                | stores `o` (keyed by `o.change`) for replay |
    | `tx.acknowledged(r)`                   | `std::uint64_t`                | highest change sequence of replica `r` acknowledged (0: none) |
    | `tx.acknowledge(r, seq)`               |                                | forgets `r`'s stored outcomes up to `seq`; the mark never decreases |
    | `tx.changes_after(after, limit, ents)` | `change_page`                  | records with sequence > `after`, in sequence order, at most `limit`, only of entities in `ents` (all when empty) |
    | `tx.select(entity, f)`                 | `std::vector<hub_record>`      | live records of the entity matching filter `f`, ordered by id (online reads, filtered writes) |
    | `tx.save_departure(d)`                 |                                | keeps departure `d` (the hub saves one when a change alters a scope column) |
    | `tx.departures(entity, id)`            | `std::vector<departure>`       | the record's departures, in sequence order |
    | `tx.commit()`                          |                                | makes everything durable at once |

    `entity`, `id` are `std::string_view`; `rec` is `stored_record&`; `o` a `const outcome&`;
    `r` a `replica_id`; `ents` a `const std::vector<std::string>&`; `f` a `const filter&`;
    `d` a `const departure&`.
*/
// clang-format on
template <class S>
concept hub_store = requires(S& s, typename S::transaction& tx, std::string_view sv,
                             stored_record& rec, const outcome& o, change_id cid, replica_id r,
                             std::uint64_t n, std::size_t limit,
                             const std::vector<std::string>& ents, const filter& f,
                             const departure& d) {
    typename S::transaction;
    { s.begin() } -> std::same_as<typename S::transaction>;
    { tx.load(sv, sv) } -> std::same_as<std::optional<stored_record>>;
    { tx.save(rec) } -> std::same_as<std::uint64_t>;
    { tx.find_outcome(cid) } -> std::same_as<std::optional<outcome>>;
    tx.save_outcome(o);
    { tx.acknowledged(r) } -> std::same_as<std::uint64_t>;
    tx.acknowledge(r, n);
    { tx.changes_after(n, limit, ents) } -> std::same_as<change_page>;
    { tx.select(sv, f) } -> std::same_as<std::vector<hub_record>>;
    tx.save_departure(d);
    { tx.departures(sv, sv) } -> std::same_as<std::vector<departure>>;
    tx.commit();
};

/// What `tx.prefetch(changes, what)` reads ahead: whole records, or only what judging a change
/// by its stamps needs (see `patches_records`).
enum class read_ahead { records, stamps };

// clang-format off
/** Optional: a store that can hand out a record without its values, and write only the fields
    that changed. The hub uses it when nothing that sees the record needs its values: every
    write is allowed, no read scope is tracked, the resolver `judges_by_stamps` and no
    before-apply hook is set.

    | expression              | type                           | semantics |
    |-------------------------|--------------------------------|-----------|
    | `tx.load_stamps(e, id)` | `std::optional<stored_record>` | as `load`, but `fields` may be left out (stamps, tombstone and `seq` are exact) |
    | `tx.save_patch(rec)`    | `std::uint64_t`                | as `save`, but `rec.fields` holds only the fields this write sets, and the record's other fields keep their values; a tombstone clears them all |

    `e`, `id` are `std::string_view`; `rec` a `stored_record&&`. `load` still answers the whole
    record after a `save_patch` in the same transaction. A store that reads ahead may also take
    `tx.prefetch(changes, read_ahead::stamps)`: the hub then calls it instead of
    `tx.prefetch(changes)`, and loads those records with `load_stamps`.
*/
// clang-format on
template <class S>
concept patches_records = hub_store<S> &&
    requires(typename S::transaction& tx, std::string_view sv, stored_record&& rec) {
    { tx.load_stamps(sv, sv) } -> std::same_as<std::optional<stored_record>>;
    { tx.save_patch(std::move(rec)) } -> std::same_as<std::uint64_t>;
};

// clang-format off
/** Optional: a store that can leave given change sequences out of a page without reading their
    records. The hub uses it for the records a sync request itself wrote as the replica sent
    them: the replica already holds them, so they are not sent back (see `sync_response`).
    Without it the hub reads those records and drops them.

    | expression                                   | type          | semantics |
    |----------------------------------------------|---------------|-----------|
    | `tx.changes_after(after, limit, ents, skip)` | `change_page` | as `changes_after(after, limit, ents)`, but a record whose sequence is in `skip` is left out and does not count towards `limit`; the cursor moves past it all the same |

    `skip` is a `std::span<const std::uint64_t>` in ascending order.
*/
// clang-format on
template <class S>
concept skips_changes = hub_store<S> &&
    requires(typename S::transaction& tx, std::uint64_t n, std::size_t limit,
             const std::vector<std::string>& ents, std::span<const std::uint64_t> skip) {
    { tx.changes_after(n, limit, ents, skip) } -> std::same_as<change_page>;
};

} // namespace concord

#endif // CONCORD_CONCEPTS_HUB_STORE_HPP
