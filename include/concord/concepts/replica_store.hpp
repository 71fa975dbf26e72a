// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the ReplicaStore concept: local records, outbox, shadows, sync log and state.

#ifndef CONCORD_CONCEPTS_REPLICA_STORE_HPP
#define CONCORD_CONCEPTS_REPLICA_STORE_HPP

#include <concord/error.hpp>
#include <concord/model/change.hpp>
#include <concord/model/filter.hpp>
#include <concord/model/record.hpp>
#include <concord/model/replica_state.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace concord {

// clang-format off
/** Storage of a replica (docs/concepts/ReplicaStore.md).

    It holds the local view of every record, the outbox of pending changes (in the order they
    were made), the *shadow* of every record that has pending changes (the hub's copy the
    pending changes sit on top of; a tombstone shadow means the hub has no such record), the
    sync log and the `replica_state`. Everything happens in a transaction from `s.begin()`;
    transactions are serialised; one destroyed without `commit()` leaves no trace. Failures of
    the medium throw `concord::system_error` (`errc::store_failed`) and roll back.

    | expression                   | type                          | semantics |
    |------------------------------|-------------------------------|-----------|
    | `S::transaction`             | move-only                     | one atomic unit of work |
    | `s.begin()`                  | `S::transaction`              | waits for other transactions |
    | `tx.get(entity, id)`         | `std::optional<record>`       | the local view of a record |
    | `tx.put(entity, rec)`        |                               | inserts or replaces a record |
    | `tx.erase(entity, id)`       |                               | removes a record (no-op when absent) |
    | `tx.find(entity, f)`         | `std::vector<record>`         | records matching filter `f`, ordered by id |
    | `tx.count(entity)`           | `std::size_t`                 | number of records of the entity |
    | `tx.ids(entity)`             | `std::vector<std::string>`    | the ids of the entity's records (a re-sync drops those it does not receive again) |
    | `tx.shadow(entity, id)`      | `std::optional<hub_record>`   | the shadow, if the record has pending changes |
    | `tx.put_shadow(h)`           |                               | inserts or replaces a shadow |
    | `tx.erase_shadow(entity, id)`|                               | removes a shadow |
    | `tx.push(c)`                 |                               | appends change `c` to the outbox |
    | `tx.oldest(limit)`           | `std::vector<change>`         | the first `limit` changes of the outbox, oldest first |
    | `tx.oldest_after(n, limit)`  | `std::vector<change>`         | the first `limit` changes of the outbox with a sequence above `n`, oldest first |
    | `tx.pending_for(entity, id)` | `std::vector<change>`         | the outbox changes of one record, oldest first |
    | `tx.replace(c)`              |                               | replaces the outbox change with id `c.id` |
    | `tx.drop(cid)`               | `bool`                        | removes a change from the outbox; false when absent |
    | `tx.outbox_size()`           | `std::size_t`                 | number of pending changes |
    | `tx.add_log(e)`              | `std::uint64_t`               | appends a sync log entry, assigning and returning its id (> 0, increasing) |
    | `tx.log()`                   | `std::vector<sync_log_entry>` | the sync log, oldest first |
    | `tx.erase_log(n)`            | `bool`                        | removes entry `n`; false when absent |
    | `tx.state()`                 | `replica_state`               | the bookkeeping (zero id when fresh) |
    | `tx.save_state(st)`          |                               | replaces the bookkeeping |
    | `tx.commit()`                |                               | makes everything durable at once |
*/
// clang-format on
template <class S>
concept replica_store = requires(S& s, typename S::transaction& tx, std::string_view sv,
                                 const record& rec, const filter& f, const hub_record& h,
                                 const change& c, change_id cid, std::size_t limit,
                                 sync_log_entry& e, std::uint64_t n, const replica_state& st) {
    typename S::transaction;
    { s.begin() } -> std::same_as<typename S::transaction>;
    { tx.get(sv, sv) } -> std::same_as<std::optional<record>>;
    tx.put(sv, rec);
    tx.erase(sv, sv);
    { tx.find(sv, f) } -> std::same_as<std::vector<record>>;
    { tx.count(sv) } -> std::same_as<std::size_t>;
    { tx.ids(sv) } -> std::same_as<std::vector<std::string>>;
    { tx.shadow(sv, sv) } -> std::same_as<std::optional<hub_record>>;
    tx.put_shadow(h);
    tx.erase_shadow(sv, sv);
    tx.push(c);
    { tx.oldest(limit) } -> std::same_as<std::vector<change>>;
    { tx.oldest_after(n, limit) } -> std::same_as<std::vector<change>>;
    { tx.pending_for(sv, sv) } -> std::same_as<std::vector<change>>;
    tx.replace(c);
    { tx.drop(cid) } -> std::same_as<bool>;
    { tx.outbox_size() } -> std::same_as<std::size_t>;
    { tx.add_log(e) } -> std::same_as<std::uint64_t>;
    { tx.log() } -> std::same_as<std::vector<sync_log_entry>>;
    { tx.erase_log(n) } -> std::same_as<bool>;
    { tx.state() } -> std::same_as<replica_state>;
    tx.save_state(st);
    tx.commit();
};

// clang-format off
/** A ReplicaStore that settles a sync round in bulk (docs/concepts/ReplicaStore.md, optional).

    When every change a round pushed was applied, `basic_replica` drops them with one call and,
    once the outbox is empty, removes every shadow with another, instead of dropping, looking
    up and erasing per change. A store without it is settled change by change.

    | expression           | type                 | semantics |
    |----------------------|----------------------|-----------|
    | `tx.drop(ids)`       | `std::vector<bool>`  | removes each change of `ids` (a `std::span<const change_id>`) from the outbox; element `i` is what `tx.drop(ids[i])` would have returned, one after the other |
    | `tx.erase_shadows()` |                      | removes every shadow |
*/
// clang-format on
template <class S>
concept drops_in_bulk = replica_store<S> &&
    requires(typename S::transaction& tx, std::span<const change_id> ids) {
    { tx.drop(ids) } -> std::same_as<std::vector<bool>>;
    tx.erase_shadows();
};

} // namespace concord

#endif // CONCORD_CONCEPTS_REPLICA_STORE_HPP
