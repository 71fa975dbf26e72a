// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a replica's store in memory: records, outbox, shadows, sync log, state.

#ifndef CONCORD_STORE_MEMORY_REPLICA_STORE_HPP
#define CONCORD_STORE_MEMORY_REPLICA_STORE_HPP

#include <concord/concepts/replica_store.hpp>
#include <concord/detail/keys.hpp>
#include <concord/detail/undo_log.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace concord {

/** A `replica_store` in memory: nothing survives the process. For tests, and for apps that
    only cache (online mode). Movable, not copyable.
    Thread safety: safe; transactions are serialised by a mutex.
*/
class memory_replica_store {
    using id_map =
        std::unordered_map<std::string, boost::json::object, detail::string_hash, std::equal_to<>>;
    using key = std::pair<std::string, std::string>; // entity, id
    struct data {
        std::mutex mutex;
        std::unordered_map<std::string, id_map, detail::string_hash, std::equal_to<>> records;
        std::map<key, hub_record, detail::pair_less> shadows;
        std::map<std::uint64_t, change> outbox; // by local sequence
        std::multimap<key, std::uint64_t, detail::pair_less> outbox_index;
        std::map<std::uint64_t, sync_log_entry> log;
        std::uint64_t next_log_id = 1;
        replica_state state;
    };

public:
    memory_replica_store() : d_(std::make_unique<data>()) {}

    class transaction {
    public:
        transaction(transaction&&) noexcept = default;
        transaction& operator=(transaction&&) = delete;

        std::optional<record> get(std::string_view entity, std::string_view id) const {
            auto e = d_->records.find(entity);
            if (e == d_->records.end())
                return std::nullopt;
            auto r = e->second.find(id);
            if (r == e->second.end())
                return std::nullopt;
            return record{r->first, r->second};
        }

        void put(std::string_view entity, const record& rec) {
            auto& ids = d_->records[std::string(entity)];
            // Null means "no value": kept as absent, as a column store reads it back.
            boost::json::object fields;
            fields.reserve(rec.fields.size());
            for (const auto& f : rec.fields)
                if (!f.value().is_null())
                    fields.emplace(f.key(), f.value());
            // Undo steps find their entry by key: a later step of the same transaction may
            // erase and re-create the node, so a pointer kept here could dangle.
            if (auto it = ids.find(rec.id); it != ids.end()) {
                undo_.add([&ids, id = rec.id, old = it->second] { ids.insert_or_assign(id, old); });
                it->second = std::move(fields);
            } else {
                ids.emplace(rec.id, std::move(fields));
                undo_.add([&ids, id = rec.id] { ids.erase(id); });
            }
        }

        void erase(std::string_view entity, std::string_view id) {
            auto e = d_->records.find(entity);
            if (e == d_->records.end())
                return;
            auto& ids = e->second;
            auto it = ids.find(id);
            if (it == ids.end())
                return;
            undo_.add([&ids, id = it->first, old = it->second] { ids.emplace(id, old); });
            ids.erase(it);
        }

        std::vector<record> find(std::string_view entity, const filter& f) const {
            std::vector<record> out;
            auto e = d_->records.find(entity);
            if (e == d_->records.end())
                return out;
            record r;
            for (const auto& [id, fields] : e->second) {
                r.id = id;
                r.fields = fields;
                if (f.matches(r))
                    out.push_back(r);
            }
            std::sort(out.begin(), out.end(),
                      [](const record& a, const record& b) { return a.id < b.id; });
            return out;
        }

        std::size_t count(std::string_view entity) const {
            auto e = d_->records.find(entity);
            return e == d_->records.end() ? 0 : e->second.size();
        }

        std::vector<std::string> ids(std::string_view entity) const {
            std::vector<std::string> out;
            if (auto e = d_->records.find(entity); e != d_->records.end()) {
                out.reserve(e->second.size());
                for (const auto& r : e->second)
                    out.push_back(r.first);
            }
            return out;
        }

        std::optional<hub_record> shadow(std::string_view entity, std::string_view id) const {
            auto it = d_->shadows.find(std::pair(entity, id));
            if (it == d_->shadows.end())
                return std::nullopt;
            return it->second;
        }

        void put_shadow(const hub_record& h) {
            key k{h.entity, h.id};
            if (auto it = d_->shadows.find(k); it != d_->shadows.end()) {
                undo_.add([d = d_, k, old = it->second] { d->shadows.insert_or_assign(k, old); });
                it->second = h; // assigning keeps the kept copy's (default) storage
            } else {
                // Copied into the default storage: `h` may live in a pulled page's arena, which
                // a copy constructor would share, keeping the whole page alive with the shadow.
                d_->shadows.emplace(k, hub_record{h.entity, h.id, boost::json::object(h.fields, {}),
                                                  h.deleted, h.seq});
                undo_.add([d = d_, k] { d->shadows.erase(k); });
            }
        }

        void erase_shadow(std::string_view entity, std::string_view id) {
            auto it = d_->shadows.find(std::pair(entity, id));
            if (it == d_->shadows.end())
                return;
            undo_.add([d = d_, k = it->first, old = it->second] { d->shadows.emplace(k, old); });
            d_->shadows.erase(it);
        }

        void push(const change& c) {
            d_->outbox.emplace(c.id.seq, c);
            auto ix = d_->outbox_index.emplace(key{c.entity, c.record_id}, c.id.seq);
            undo_.add([d = d_, seq = c.id.seq, ix] {
                d->outbox_index.erase(ix);
                d->outbox.erase(seq);
            });
        }

        std::vector<change> oldest(std::size_t limit) const {
            return from(d_->outbox.begin(), limit);
        }

        std::vector<change> oldest_after(std::uint64_t seq, std::size_t limit) const {
            return from(d_->outbox.upper_bound(seq), limit);
        }

        std::vector<change> pending_for(std::string_view entity, std::string_view id) const {
            std::vector<std::uint64_t> seqs;
            auto [b, e] = d_->outbox_index.equal_range(std::pair(entity, id));
            for (auto it = b; it != e; ++it)
                seqs.push_back(it->second);
            std::sort(seqs.begin(), seqs.end());
            std::vector<change> out;
            for (auto s : seqs)
                out.push_back(d_->outbox.at(s));
            return out;
        }

        void replace(const change& c) {
            auto it = d_->outbox.find(c.id.seq);
            if (it == d_->outbox.end())
                return;
            undo_.add([d = d_, old = it->second] { d->outbox.insert_or_assign(old.id.seq, old); });
            it->second = c;
        }

        bool drop(change_id id) {
            auto it = d_->outbox.find(id.seq);
            if (it == d_->outbox.end() || it->second.id != id)
                return false;
            auto [b, e] =
                d_->outbox_index.equal_range(std::pair(it->second.entity, it->second.record_id));
            for (auto ix = b; ix != e; ++ix)
                if (ix->second == id.seq) {
                    d_->outbox_index.erase(ix);
                    break;
                }
            undo_.add([d = d_, old = it->second] {
                d->outbox.emplace(old.id.seq, old);
                d->outbox_index.emplace(key{old.entity, old.record_id}, old.id.seq);
            });
            d_->outbox.erase(it);
            return true;
        }

        std::vector<bool> drop(std::span<const change_id> ids) {
            std::vector<bool> found(ids.size());
            for (std::size_t i = 0; i < ids.size(); ++i)
                found[i] = drop(ids[i]);
            return found;
        }

        void erase_shadows() {
            if (d_->shadows.empty())
                return;
            undo_.add(
                [d = d_, old = std::move(d_->shadows)]() mutable { d->shadows = std::move(old); });
            d_->shadows.clear();
        }

        std::size_t outbox_size() const { return d_->outbox.size(); }

        std::uint64_t add_log(sync_log_entry& e) {
            e.id = d_->next_log_id++;
            d_->log.emplace(e.id, e);
            undo_.add([d = d_, id = e.id] {
                d->log.erase(id);
                d->next_log_id = id;
            });
            return e.id;
        }

        std::vector<sync_log_entry> log() const {
            std::vector<sync_log_entry> out;
            out.reserve(d_->log.size());
            for (const auto& [id, e] : d_->log)
                out.push_back(e);
            return out;
        }

        bool erase_log(std::uint64_t id) {
            auto it = d_->log.find(id);
            if (it == d_->log.end())
                return false;
            undo_.add([d = d_, old = it->second] { d->log.emplace(old.id, old); });
            d_->log.erase(it);
            return true;
        }

        replica_state state() const { return d_->state; }

        void save_state(const replica_state& st) {
            undo_.add([d = d_, old = d_->state] { d->state = old; });
            d_->state = st;
        }

        void commit() { undo_.commit(); }

    private:
        friend class memory_replica_store;
        explicit transaction(data* d) : d_(d), undo_(d->mutex) {}

        // Up to `limit` outbox changes from `it` on, in sequence order.
        std::vector<change> from(std::map<std::uint64_t, change>::const_iterator it,
                                 std::size_t limit) const {
            std::vector<change> out;
            for (; it != d_->outbox.end() && out.size() < limit; ++it)
                out.push_back(it->second);
            return out;
        }

        data* d_;
        detail::undo_scope undo_;
    };

    /// Starts a transaction; blocks while another one is open.
    transaction begin() { return transaction(d_.get()); }

private:
    std::unique_ptr<data> d_;
};

static_assert(replica_store<memory_replica_store>);

} // namespace concord

#endif // CONCORD_STORE_MEMORY_REPLICA_STORE_HPP
