// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the hub's store in memory: records, change log, dedupe marks.

#ifndef CONCORD_STORE_MEMORY_HUB_STORE_HPP
#define CONCORD_STORE_MEMORY_HUB_STORE_HPP

#include <concord/concepts/hub_store.hpp>
#include <concord/detail/keys.hpp>
#include <concord/detail/undo_log.hpp>
#include <concord/model/filter.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace concord {

/** A `hub_store` in memory: for tests, demos and hubs whose data may be rebuilt.

    The change log keeps one entry per record (its latest sequence), so updating one record a
    million times does not grow it. Movable, not copyable.
    Thread safety: safe; transactions are serialised by a mutex.
*/
class memory_hub_store {
    struct replica_marks {
        std::uint64_t acknowledged = 0;
        std::map<std::uint64_t, outcome> outcomes;
    };
    using id_map =
        std::unordered_map<std::string, stored_record, detail::string_hash, std::equal_to<>>;
    struct data {
        std::mutex mutex;
        std::unordered_map<std::string, id_map, detail::string_hash, std::equal_to<>> records;
        std::map<std::uint64_t, const stored_record*> by_seq;
        std::uint64_t seq = 0;
        std::unordered_map<replica_id, replica_marks> marks;
        // Per record, by the sequence of the version that moved it.
        std::map<std::pair<std::string, std::string>, std::map<std::uint64_t, departure>,
                 detail::pair_less>
            departures;
    };

public:
    memory_hub_store() : d_(std::make_unique<data>()) {}

    class transaction {
    public:
        transaction(transaction&&) noexcept = default;
        transaction& operator=(transaction&&) = delete;

        std::optional<stored_record> load(std::string_view entity, std::string_view id) const {
            if (const stored_record* r = find(entity, id))
                return *r;
            return std::nullopt;
        }

        std::uint64_t save(stored_record& rec) {
            auto& ids = d_->records[rec.entity];
            auto it = ids.find(rec.id);
            const std::uint64_t old_counter = d_->seq;
            rec.seq = ++d_->seq;
            if (it == ids.end()) {
                it = ids.emplace(rec.id, rec).first;
                undo_.add([d = d_, e = rec.entity, id = rec.id, seq = rec.seq, old_counter] {
                    d->by_seq.erase(seq);
                    d->records[e].erase(id);
                    d->seq = old_counter;
                });
            } else {
                d_->by_seq.erase(it->second.seq);
                // Record nodes are erased only by the undo of their own creation, which runs
                // after this step: the pointer outlives every use.
                undo_.add([d = d_, p = &it->second, old = it->second, seq = rec.seq, old_counter] {
                    d->by_seq.erase(seq);
                    *p = old;
                    d->by_seq.emplace(old.seq, p);
                    d->seq = old_counter;
                });
                it->second = rec;
            }
            d_->by_seq.emplace(rec.seq, &it->second);
            return rec.seq;
        }

        /// `patches_records`: here, the whole record (nothing is cheaper to leave out).
        std::optional<stored_record> load_stamps(std::string_view entity,
                                                 std::string_view id) const {
            return load(entity, id);
        }

        /// `patches_records`: `rec`'s fields over the live record's, then `save`.
        std::uint64_t save_patch(stored_record&& rec) {
            if (const stored_record* cur = find(rec.entity, rec.id); cur && !rec.deleted)
                for (const auto& f : cur->fields)
                    rec.fields.emplace(f.key(), f.value()); // keeps a field the patch sets
            return save(rec);
        }

        std::optional<outcome> find_outcome(change_id id) const {
            auto m = d_->marks.find(id.replica);
            if (m == d_->marks.end())
                return std::nullopt;
            auto o = m->second.outcomes.find(id.seq);
            if (o == m->second.outcomes.end())
                return std::nullopt;
            return o->second;
        }

        void save_outcome(const outcome& o) {
            auto& outcomes = d_->marks[o.change.replica].outcomes;
            if (auto it = outcomes.find(o.change.seq); it != outcomes.end()) {
                // By key: a later acknowledge in this transaction may drop and restore the node.
                undo_.add([&outcomes, old = it->second] {
                    outcomes.insert_or_assign(old.change.seq, old);
                });
                it->second = o;
            } else {
                outcomes.emplace(o.change.seq, o);
                undo_.add([&outcomes, seq = o.change.seq] { outcomes.erase(seq); });
            }
        }

        std::uint64_t acknowledged(replica_id r) const {
            auto m = d_->marks.find(r);
            return m == d_->marks.end() ? 0 : m->second.acknowledged;
        }

        /// Adopts a new schema: nothing to do, records here keep any columns.
        void migrate(const concord::schema&) noexcept {}

        void acknowledge(replica_id r, std::uint64_t seq) {
            auto& m = d_->marks[r];
            if (seq <= m.acknowledged)
                return;
            auto end = m.outcomes.upper_bound(seq);
            std::map<std::uint64_t, outcome> dropped(m.outcomes.begin(), end);
            m.outcomes.erase(m.outcomes.begin(), end);
            undo_.add([&m, old = m.acknowledged, dropped = std::move(dropped)]() mutable {
                m.acknowledged = old;
                m.outcomes.merge(dropped);
            });
            m.acknowledged = seq;
        }

        change_page changes_after(std::uint64_t after, std::size_t limit,
                                  const std::vector<std::string>& entities) const {
            change_page page;
            page.cursor = after;
            page.latest = d_->seq;
            auto wanted = [&](const std::string& e) {
                return entities.empty() ||
                       std::find(entities.begin(), entities.end(), e) != entities.end();
            };
            for (auto it = d_->by_seq.upper_bound(after); it != d_->by_seq.end(); ++it) {
                if (!wanted(it->second->entity))
                    continue;
                if (page.rows.size() == limit) {
                    page.more = true;
                    return page;
                }
                page.rows.push_back(it->second->copy());
                page.cursor = it->first;
            }
            // Nothing more matches: later pulls may start after everything seen so far.
            page.cursor = std::max(page.cursor, d_->seq);
            return page;
        }

        std::vector<hub_record> select(std::string_view entity, const filter& f) const {
            std::vector<hub_record> out;
            auto e = d_->records.find(entity);
            if (e == d_->records.end())
                return out;
            for (const auto& [id, rec] : e->second) {
                if (rec.deleted)
                    continue;
                hub_record h = rec.copy();
                if (f.matches(record{h.id, h.fields}))
                    out.push_back(std::move(h));
            }
            std::sort(out.begin(), out.end(),
                      [](const hub_record& a, const hub_record& b) { return a.id < b.id; });
            return out;
        }

        void save_departure(const departure& dep) {
            auto& list = d_->departures[std::pair(dep.entity, dep.id)];
            if (auto it = list.find(dep.seq); it != list.end()) {
                undo_.add([&list, old = it->second] { list.insert_or_assign(old.seq, old); });
                it->second = dep;
            } else {
                list.emplace(dep.seq, dep);
                undo_.add([&list, seq = dep.seq] { list.erase(seq); });
            }
        }

        std::vector<departure> departures(std::string_view entity, std::string_view id) const {
            std::vector<departure> out;
            if (auto it = d_->departures.find(std::pair(entity, id)); it != d_->departures.end())
                for (const auto& [seq, dep] : it->second)
                    out.push_back(dep);
            return out;
        }

        void commit() { undo_.commit(); }

    private:
        friend class memory_hub_store;
        explicit transaction(data* d) : d_(d), undo_(d->mutex) {}

        const stored_record* find(std::string_view entity, std::string_view id) const {
            auto e = d_->records.find(entity);
            if (e == d_->records.end())
                return nullptr;
            auto r = e->second.find(id);
            return r == e->second.end() ? nullptr : &r->second;
        }

        data* d_;
        detail::undo_scope undo_;
    };

    /// Starts a transaction; blocks while another one is open.
    transaction begin() { return transaction(d_.get()); }

    /// Number of records (tombstones included) of an entity. Thread safety: safe.
    std::size_t size(std::string_view entity) const {
        std::lock_guard lock(d_->mutex);
        auto e = d_->records.find(entity);
        return e == d_->records.end() ? 0 : e->second.size();
    }

    /// Entries in the change log: one per record, whatever the number of updates.
    std::size_t change_log_size() const {
        std::lock_guard lock(d_->mutex);
        return d_->by_seq.size();
    }

    /// Stored outcomes awaiting acknowledgement, over all replicas.
    std::size_t stored_outcomes() const {
        std::lock_guard lock(d_->mutex);
        std::size_t n = 0;
        for (const auto& [r, m] : d_->marks)
            n += m.outcomes.size();
        return n;
    }

private:
    std::unique_ptr<data> d_;
};

static_assert(hub_store<memory_hub_store>);
static_assert(patches_records<memory_hub_store>);

} // namespace concord

#endif // CONCORD_STORE_MEMORY_HUB_STORE_HPP
