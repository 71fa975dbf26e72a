// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — basic_replica member definitions.

#ifndef CONCORD_REPLICA_IMPL_BASIC_REPLICA_HPP
#define CONCORD_REPLICA_IMPL_BASIC_REPLICA_HPP

#include <concord/error.hpp>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace concord {

namespace detail {

// Applies a change to a local view: how pending changes sit on top of the hub's copy.
inline void apply_change(std::optional<record>& local, const change& c) {
    switch (c.op) {
    case operation::insert:
        if (!local)
            local = record{c.record_id, {}};
        [[fallthrough]];
    case operation::update:
        if (local)
            for (const auto& f : c.fields)
                local->fields[f.key()] = f.value();
        break;
    case operation::remove:
        local.reset();
        break;
    }
}

inline replica_id random_replica_id() {
    std::random_device rd;
    std::uint64_t v = 0;
    while (v == 0)
        v = (std::uint64_t{rd()} << 32) ^ rd();
    return replica_id{v};
}

} // namespace detail

template <class Store, class Transport, class Clock>
basic_replica<Store, Transport, Clock>::basic_replica(replica_options options, Store store,
                                                      Transport transport, Clock clock)
    : options_(std::move(options))
    , store_(std::move(store))
    , transport_(std::move(transport))
    , clock_(std::move(clock), replica_id{}) {
    use_schema(options_.schema);
    if (options_.workplace) {
        if (auto ok = check_workplace(options_.schema, *options_.workplace); !ok)
            throw system_error(ok.error());
        options_.entities.clear();
        for (const auto& e : options_.workplace->entities)
            options_.entities.push_back(e.entity);
    }
    pulls_all_ = options_.entities.empty();
    auto tx = store_.begin();
    replica_state st = tx.state();
    // A schema adopted from the hub earlier is the one in force.
    if (!st.schema.empty()) {
        boost::system::error_code ec;
        auto parsed = boost::json::parse(st.schema, ec);
        if (auto adopted = ec ? result<concord::schema>(error(errc::store_failed, ec.message()))
                              : schema_from_json(parsed))
            use_schema(std::move(*adopted));
    }
    if (pulls_all_)
        for (const auto& e : schema_->entities())
            options_.entities.push_back(e.name);
    const std::string key = options_.workplace ? options_.workplace->key() : std::string();
    if (st.id.value == 0 || st.workplace != key) {
        if (st.id.value == 0)
            st.id = options_.id.value_or(detail::random_replica_id());
        // Opened under another workplace than the local copy follows: re-sync it.
        if (st.workplace != key) {
            st.resync = st.resync || st.cursor > 0;
            st.workplace = key;
        }
        tx.save_state(st);
        tx.commit();
    }
    id_ = st.id;
    clock_ = hlc<Clock>(clock_.physical(), id_, st.clock);
}

// Puts `s` in force. Called by the constructor and by `adopt` (under the sync lock).
template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::use_schema(concord::schema s) {
    std::string version = schema_version(s);
    auto next = std::make_shared<const concord::schema>(std::move(s));
    std::lock_guard lock(schema_mutex_);
    schema_ = std::move(next);
    schema_version_ = std::move(version);
}

// The hub sent its schema: migrate the store (new tables and columns; nothing is reset), tell
// the transport (it types pushed values by column), keep the schema durably, put it in force.
// @returns whether the schema grew (an entity or a column the replica never pulled).
template <class Store, class Transport, class Clock>
result<bool> basic_replica<Store, Transport, Clock>::adopt(const concord::schema& s) {
    const auto before = schema();
    const bool grew = schema_grew(*before, s);
    try {
        if constexpr (requires { store_.migrate(s); })
            store_.migrate(s);
        auto tx = store_.begin();
        replica_state st = tx.state();
        st.schema = boost::json::serialize(to_json(s));
        // New data to fetch: the whole scope again (pending changes and the log are kept).
        if (grew)
            st.resync = true;
        tx.save_state(st);
        tx.commit();
    } catch (const boost::system::system_error& e) {
        return error(e.code(), std::string("adopting the hub's schema: ") + e.what());
    }
    if constexpr (requires { transport_.set_schema(s); })
        transport_.set_schema(s);
    if (pulls_all_) {
        options_.entities.clear();
        for (const auto& e : s.entities())
            options_.entities.push_back(e.name);
    }
    use_schema(s);
    return grew;
}

template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::write(transaction& tx, replica_state& st, change c) {
    c.id = change_id{st.id, st.next_seq++};
    c.at = clock_.now();
    st.clock = clock_.last();
    std::optional<record> local = tx.get(c.entity, c.record_id);
    // The first pending change of a record keeps the hub's copy it was made on (its shadow).
    if (!tx.shadow(c.entity, c.record_id))
        tx.put_shadow(hub_record{c.entity, c.record_id,
                                 local ? local->fields : boost::json::object{}, !local.has_value(),
                                 0});
    detail::apply_change(local, c);
    if (local)
        tx.put(c.entity, *local);
    else
        tx.erase(c.entity, c.record_id);
    tx.push(c);
    tx.save_state(st);
    // Online and hybrid modes push at once: the worker's sync starts its transaction after
    // this one commits (store transactions are serialised).
    poke();
}

template <class Store, class Transport, class Clock>
result<std::string> basic_replica<Store, Transport, Clock>::insert(std::string_view entity,
                                                                   boost::json::object fields) {
    const auto sch = schema(); // a snapshot: a sync may adopt a new one
    const entity_schema* es = sch->find(entity);
    if (es == nullptr)
        return error(errc::unknown_entity, "no entity '" + std::string(entity) + "'");
    std::string id;
    if (auto it = fields.find("Id"); it != fields.end()) {
        if (!it->value().is_string() || !is_guid(it->value().get_string()))
            return error(errc::invalid_id, std::string(entity) + ": Id is not a GUID", "Id");
        id = std::string(it->value().get_string());
        fields.erase(it);
    } else {
        id = new_guid();
    }
    const std::string where = std::string(entity) + " " + id;
    if (auto v = validate_fields(*es, fields, operation::insert, where); !v)
        return v.error();
    if (refuses_writes())
        return error(errc::not_connected, where + ": online mode, and the hub is not reachable");
    try {
        auto tx = store_.begin();
        if (tx.get(entity, id))
            return error(errc::record_exists, where + ": a record with this Id exists");
        replica_state st = tx.state();
        change c{{}, operation::insert, std::string(entity), id, {}, std::move(fields)};
        write(tx, st, std::move(c));
        tx.commit();
        touch(entity, id);
        return id;
    } catch (const boost::system::system_error& e) {
        return error(e.code(), where + ": " + e.what());
    }
}

template <class Store, class Transport, class Clock>
result<void> basic_replica<Store, Transport, Clock>::update(std::string_view entity,
                                                            std::string_view id,
                                                            boost::json::object fields) {
    const auto sch = schema(); // a snapshot: a sync may adopt a new one
    const entity_schema* es = sch->find(entity);
    if (es == nullptr)
        return error(errc::unknown_entity, "no entity '" + std::string(entity) + "'");
    const std::string where = std::string(entity) + " " + std::string(id);
    if (fields.contains("Id"))
        return error(errc::invalid_id, where + ": Id cannot be changed", "Id");
    if (auto v = validate_fields(*es, fields, operation::update, where); !v)
        return v.error();
    if (fields.empty()) // nothing to change; still an error if the record does not exist
        return get(entity, id).has_value()
                   ? result<void>{}
                   : result<void>(error(errc::record_not_found, where + ": no such record"));
    return write_existing(
        change{{}, operation::update, std::string(entity), std::string(id), {}, std::move(fields)});
}

template <class Store, class Transport, class Clock>
result<void> basic_replica<Store, Transport, Clock>::remove(std::string_view entity,
                                                            std::string_view id) {
    const auto sch = schema(); // a snapshot: a sync may adopt a new one
    if (sch->find(entity) == nullptr)
        return error(errc::unknown_entity, "no entity '" + std::string(entity) + "'");
    return write_existing(
        change{{}, operation::remove, std::string(entity), std::string(id), {}, {}});
}

// Records a change to an existing record: the record must exist locally, and the new local
// view, the outbox entry and the state commit together.
template <class Store, class Transport, class Clock>
result<void> basic_replica<Store, Transport, Clock>::write_existing(change c) {
    const std::string where = c.entity + " " + c.record_id;
    if (refuses_writes())
        return error(errc::not_connected, where + ": online mode, and the hub is not reachable");
    // Hybrid mode: a record not held locally is fetched first (a read, as `get` does).
    if (mode_.load() == sync_mode::hybrid)
        if (auto r = get(c.entity, c.record_id); !r)
            return r.error();
    try {
        auto tx = store_.begin();
        if (!tx.get(c.entity, c.record_id))
            return error(errc::record_not_found, where + ": no such record");
        replica_state st = tx.state();
        const std::string entity = c.entity, id = c.record_id;
        write(tx, st, std::move(c));
        tx.commit();
        touch(entity, id);
        return {};
    } catch (const boost::system::system_error& e) {
        return error(e.code(), where + ": " + e.what());
    }
}

template <class Store, class Transport, class Clock>
result<record> basic_replica<Store, Transport, Clock>::get(std::string_view entity,
                                                           std::string_view id) {
    const auto sch = schema(); // a snapshot: a sync may adopt a new one
    if (sch->find(entity) == nullptr)
        return error(errc::unknown_entity, "no entity '" + std::string(entity) + "'");
    try {
        std::optional<record> r;
        {
            auto tx = store_.begin();
            r = tx.get(entity, id);
        }
        // Hybrid mode holds only recent records: while connected, ask the hub for others.
        if (!r && mode_.load() == sync_mode::hybrid &&
            state_.load() == connection_state::connected) {
            auto fetched = fetch(entity, id);
            if (!fetched)
                return fetched.error();
            r = std::move(*fetched);
        }
        if (r) {
            touch(entity, id);
            return std::move(*r);
        }
        return error(errc::record_not_found,
                     std::string(entity) + " " + std::string(id) + ": no such record");
    } catch (const boost::system::system_error& e) {
        return error(e.code(), e.what());
    }
}

template <class Store, class Transport, class Clock>
result<std::vector<record>> basic_replica<Store, Transport, Clock>::find(std::string_view entity,
                                                                         const filter& f) {
    const auto sch = schema(); // a snapshot: a sync may adopt a new one
    const entity_schema* es = sch->find(entity);
    if (es == nullptr)
        return error(errc::unknown_entity, "no entity '" + std::string(entity) + "'");
    if (auto v = f.validate(*es); !v)
        return v.error();
    // Hybrid mode, connected: the hub's records, with the local view of those held here.
    if (mode_.load() == sync_mode::hybrid && state_.load() == connection_state::connected)
        return fetch_all(entity, f);
    try {
        auto tx = store_.begin();
        return tx.find(entity, f);
    } catch (const boost::system::system_error& e) {
        return error(e.code(), e.what());
    }
}

template <class Store, class Transport, class Clock>
std::vector<change> basic_replica<Store, Transport, Clock>::pending() {
    auto tx = store_.begin();
    return tx.oldest(tx.outbox_size());
}

template <class Store, class Transport, class Clock>
result<sync_summary> basic_replica<Store, Transport, Clock>::sync() {
    std::vector<record_event> events;
    auto r = [&] {
        std::lock_guard sync_lock(sync_mutex_);
        return sync_locked(events);
    }();
    publish(events); // outside every lock: a subscriber may read, write or fetch
    if (r && mode_.load() == sync_mode::hybrid)
        trim();
    return r;
}

template <class Store, class Transport, class Clock>
result<sync_summary>
basic_replica<Store, Transport, Clock>::sync_locked(std::vector<record_event>& events) {
    sync_summary sum;
    // Changes made while this sync runs wait for the next one: the loop ends once the changes
    // that were pending at the start are answered and the last page is in.
    std::uint64_t last_seq_at_start = 0;
    sync_progress progress;
    try {
        auto tx = store_.begin();
        const replica_state st = tx.state();
        last_seq_at_start = st.next_seq - 1;
        progress.to_push = tx.outbox_size();
        progress.start_cursor = progress.cursor = st.resync ? 0 : st.cursor;
    } catch (const boost::system::system_error& e) {
        return error(e.code(), e.what());
    }
    report(progress);
    // While a page is applied, the next one is already on its way (a pull page, or the next
    // push page): the hub works on page n+1 while this replica writes page n.
    std::optional<detail::sweep_set> sweep; // while re-syncing: the ids not received again
    // Hybrid mode pulls only the records it holds (the recent ones and those with pending
    // changes), as they were when this sync started.
    std::optional<held_ids> holding;
    try {
        holding = held();
    } catch (const boost::system::system_error& e) { // never out of sync(): the worker calls it
        return error(e.code(), e.what());
    }
    const held_ids* hold = holding ? &*holding : nullptr;
    std::optional<std::future<result<sync_response>>> prefetched;
    std::shared_ptr<sync_request> prefetched_req;
    bool prefetched_more = false; // more_to_push once the prefetched round is answered
    sync_request req;
    bool more_to_push = false;
    bool restarted = false;
    for (;;) {
        if (!prefetched) {
            req = sync_request{};
            try {
                auto tx = store_.begin();
                const replica_state st = tx.state();
                req.replica = st.id;
                req.credentials = options_.credentials;
                // One more than fits tells whether another push round is needed.
                req.push = tx.oldest(options_.push_limit + 1);
                std::erase_if(req.push,
                              [&](const change& c) { return c.id.seq > last_seq_at_start; });
                more_to_push = req.push.size() > options_.push_limit;
                if (more_to_push)
                    req.push.resize(options_.push_limit);
                req.acknowledged = st.acknowledged;
                req.scope = st.scope;
                {
                    std::lock_guard lock(schema_mutex_);
                    req.schema_version = schema_version_;
                }
                // A re-sync that did not finish starts over: what it received before is only
                // known to the sweep set this call has not built yet.
                const std::uint64_t from = st.resync && !sweep ? 0 : st.cursor;
                req.pull = pull_from(from, hold);
            } catch (const boost::system::system_error& e) {
                return error(e.code(), e.what());
            }
        }
        auto resp = prefetched ? prefetched->get() : transport_.exchange(req);
        if (prefetched) { // get() returned: the exchange is over, its request is ours
            req = std::move(*prefetched_req);
            more_to_push = prefetched_more;
        }
        prefetched.reset();
        prefetched_req.reset();
        ++sum.requests;
        if (!resp)
            return resp.error();
        if (resp->schema && !restarted) {
            // The hub's schema changed. When it grew, this page was pulled without the new
            // entities and columns: drop it (its outcomes are replayed from the hub's dedupe
            // marks) and pull the scope again from the start under the new schema.
            auto grew = adopt(*resp->schema);
            if (!grew)
                return grew.error();
            if (*grew) {
                sweep.reset();
                restarted = true; // once per sync: the next answer names our new version
                continue;
            }
        }
        const bool pushes_done = !more_to_push;
        // A push page is read from the outbox before this round's changes leave it; none goes
        // ahead when this answer restarts the pull (the next round waits for that).
        if ((pushes_done && resp->more) || (more_to_push && !resp->resync)) {
            // It acknowledges only what was recorded before this answer: the outcomes in this
            // answer are acknowledged by a later request, once they are durable here.
            auto next = std::make_shared<sync_request>();
            next->replica = req.replica;
            next->credentials = req.credentials;
            next->acknowledged = req.acknowledged;
            next->scope = resp->scope;
            next->schema_version = resp->schema_version;
            next->pull = pull_from(resp->cursor, hold);
            prefetched_more = false;
            try {
                if (more_to_push)
                    next_push(req, last_seq_at_start, *next, prefetched_more);
                prefetched = std::async(std::launch::async,
                                        [this, next] { return transport_.exchange(*next); });
                prefetched_req = next;
            } catch (const std::exception&) {
                // The page could not be read or no thread started: this answer is applied
                // first, and the next round is built and sent as without the overlap (a store
                // failure then ends the sync there, with this answer kept).
                prefetched.reset();
            }
        }
        if (auto applied = apply(req, *resp, sum, sweep, events); !applied) {
            if (prefetched)
                prefetched->wait(); // the transport is ours again before we return
            return applied.error();
        }
        if (resp->resync)
            progress.start_cursor = 0;
        progress.pushed = sum.pushed;
        progress.pulled = sum.pulled;
        progress.cursor = sum.cursor;
        progress.latest = std::max(progress.latest, resp->latest);
        ++progress.pages;
        free_aside(req, *resp);
        if (!prefetched && pushes_done && !resp->more) {
            progress.done = true;
            report(progress);
            return sum;
        }
        report(progress);
    }
}

// Fills `next` with the push page after `prev`'s, read while `prev`'s changes are still in the
// outbox (its answer not yet applied): the page the loop's own read finds once they have left
// it. It acknowledges what is durable here now (the rounds before `prev`). Changes made after
// the sync started wait for the next sync; `more` tells whether another page follows.
template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::next_push(const sync_request& prev,
                                                       std::uint64_t last_seq, sync_request& next,
                                                       bool& more) {
    std::uint64_t after = 0;
    for (const change& c : prev.push)
        after = std::max(after, c.id.seq);
    // Every change still here up to `after` is one of prev's (the outbox is read in order):
    // the page starts past them, without decoding them again.
    auto tx = store_.begin();
    next.acknowledged = tx.state().acknowledged;
    next.push = tx.oldest_after(after, options_.push_limit + 1);
    std::erase_if(next.push, [&](const change& c) { return c.id.seq > last_seq; });
    more = next.push.size() > options_.push_limit;
    if (more)
        next.push.resize(options_.push_limit);
}

// A large round's changes, outcomes and pulled rows are freed on another thread: thousands of
// allocations (a few milliseconds for 10k changes) the caller of sync() need not wait for. At
// most one such task is pending: the next one waits for it first.
template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::free_aside(sync_request& req, sync_response& resp) {
    if (req.push.size() + resp.outcomes.size() + resp.rows.size() < free_aside_from)
        return;
    if (freeing_.valid())
        freeing_.wait();
    try {
        freeing_ = std::async(std::launch::async,
                              [push = std::move(req.push), outcomes = std::move(resp.outcomes),
                               rows = std::move(resp.rows)]() mutable {
                                  push.clear();
                                  outcomes.clear();
                                  rows.clear();
                              });
    } catch (...) { // no thread (or no memory for one): freed here, as usual
    }
}

template <class Store, class Transport, class Clock>
result<sync_summary> basic_replica<Store, Transport, Clock>::apply(
    const sync_request& req, sync_response& resp, sync_summary& sum,
    std::optional<detail::sweep_set>& sweep, std::vector<record_event>& events) {
    if (resp.outcomes.size() != req.push.size())
        return error(errc::protocol_error,
                     "the hub answered " + std::to_string(resp.outcomes.size()) + " outcomes for " +
                         std::to_string(req.push.size()) + " changes");
    for (std::size_t i = 0; i < req.push.size(); ++i)
        if (resp.outcomes[i].change != req.push[i].id)
            return error(errc::protocol_error, "outcome " + std::to_string(i) + " is for change " +
                                                   to_string(resp.outcomes[i].change) +
                                                   ", expected " + to_string(req.push[i].id));
    try {
        auto tx = store_.begin();
        replica_state st = tx.state();
        clock_.receive(resp.hub_time);
        std::vector<std::size_t> lost; // pushed changes no longer pending whose echo was left out
        if (!settle_in_bulk(tx, st, req, resp, sum, lost))
            settle(tx, st, req, resp, sum, lost);
        if (req.pull) {
            if (resp.resync) { // the hub serves the whole scope again from this page on
                st.resync = true;
                sweep.reset();
            }
            if (st.resync && !sweep) {
                sweep.emplace();
                // Every entity of the schema: one the scope no longer pulls goes entirely.
                const auto sch = schema(); // a snapshot: a sync may adopt a new one
                for (const auto& e : sch->entities())
                    for (std::string& id : tx.ids(e.name))
                        (*sweep)[e.name].insert(std::move(id));
            }
            if (sweep) {
                for (const hub_record& h : resp.rows)
                    if (auto it = sweep->find(h.entity); it != sweep->end())
                        it->second.erase(h.id);
                // Left out as echoes: held here as the hub holds them, so still in scope.
                for (std::size_t i = 0; i < req.push.size(); ++i)
                    if (resp.outcomes[i].echo_omitted)
                        if (auto it = sweep->find(req.push[i].entity); it != sweep->end())
                            it->second.erase(req.push[i].record_id);
            }
        }
        const bool watching = observing_.load();
        const auto take = [&](hub_record h) {
            if (watching && observed(h.entity)) {
                auto before = tx.get(h.entity, h.id);
                const hub_record key{h.entity, h.id, {}, h.deleted, h.seq};
                rebase(tx, std::move(h));
                note(tx, key, events, std::move(before));
                return;
            }
            rebase(tx, std::move(h));
        };
        for (std::size_t i : lost)
            take(echoed_copy(tx, req.push[i]));
        for (hub_record& h : resp.rows) // the rows are ours: moved into the store, not copied
            take(std::move(h));
        sum.pulled += resp.rows.size();
        if (req.pull) {
            // A re-sync moves the cursor back to the start; otherwise it only moves forward.
            st.cursor = st.resync ? resp.cursor : std::max(st.cursor, resp.cursor);
            st.scope = resp.scope;
            if (sweep && !resp.more) {
                // The whole scope is in: what did not come again left it. Records with pending
                // changes stay until the hub has answered them.
                for (const auto& [entity, ids] : *sweep)
                    for (const std::string& id : ids)
                        if (!tx.shadow(entity, id)) {
                            tx.erase(entity, id);
                            ++sum.evicted;
                        }
                sweep.reset();
                st.resync = false;
            }
        }
        st.administrator_email = resp.administrator_email;
        sum.cursor = st.cursor;
        st.last_sync_ms = now_ms();
        st.clock = clock_.last();
        tx.save_state(st);
        tx.commit();
        return sum;
    } catch (const boost::system::system_error& e) {
        return error(e.code(), std::string("applying the hub's answer: ") + e.what());
    }
}

// Takes the round's pushed changes out of the outbox, one by one in push order: logs those the
// hub did not apply as sent and rebases their records on the hub's copy.
template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::settle(transaction& tx, replica_state& st,
                                                    const sync_request& req,
                                                    const sync_response& resp, sync_summary& sum,
                                                    std::vector<std::size_t>& lost) {
    for (std::size_t i = 0; i < req.push.size(); ++i) {
        const change& c = req.push[i];
        const outcome& o = resp.outcomes[i];
        if (!tx.drop(c.id)) {
            // Answered by an earlier round (a replay; recorded then), or reverted while this
            // one was in flight.
            if (o.echo_omitted)
                lost.push_back(i);
            continue;
        }
        st.acknowledged = std::max(st.acknowledged, c.id.seq);
        ++sum.pushed;
        const bool applied = o.kind == outcome_kind::applied || o.kind == outcome_kind::duplicate;
        if (applied) {
            ++sum.applied;
        } else {
            ++sum.logged;
            sync_log_entry e;
            e.mine = c;
            e.local_copy = tx.get(c.entity, c.record_id);
            e.at_ms = now_ms();
            e.result = o;
            tx.add_log(e);
            rebase(tx, o.hub_copy ? *o.hub_copy : hub_record{c.entity, c.record_id, {}, true, 0});
        }
        settle_shadow(tx, c, applied);
    }
}

// As settle(), for a round whose changes the hub all applied, with a store that drops in bulk:
// one call drops them and, when nothing was written meanwhile, one more removes every shadow
// (a shadow exists only while its record has pending changes). The per-change path costs three
// statements a change, more than the hub spends applying it.
// @returns false when it cannot: settle() does the work.
template <class Store, class Transport, class Clock>
bool basic_replica<Store, Transport, Clock>::settle_in_bulk(transaction& tx, replica_state& st,
                                                            const sync_request& req,
                                                            const sync_response& resp,
                                                            sync_summary& sum,
                                                            std::vector<std::size_t>& lost) {
    if constexpr (!drops_in_bulk<Store>) {
        return false;
    } else {
        if (req.push.empty())
            return true; // a pull page: nothing to settle, no statement to run
        for (const outcome& o : resp.outcomes)
            if (o.kind != outcome_kind::applied && o.kind != outcome_kind::duplicate)
                return false;
        std::vector<change_id> ids;
        ids.reserve(req.push.size());
        for (const change& c : req.push)
            ids.push_back(c.id);
        const std::vector<bool> found = tx.drop(std::span<const change_id>(ids));
        std::size_t dropped = 0;
        for (std::size_t i = 0; i < ids.size(); ++i)
            if (found[i]) {
                st.acknowledged = std::max(st.acknowledged, ids[i].seq);
                ++dropped;
            } else if (resp.outcomes[i].echo_omitted) { // as in settle()
                lost.push_back(i);
            }
        sum.pushed += dropped;
        sum.applied += dropped;
        if (tx.outbox_size() == 0) {
            tx.erase_shadows();
            return true;
        }
        // Written while the round was in flight: those records keep their shadow, which now
        // holds the applied changes. Dropping all first changes nothing: a record's shadow goes
        // once none of its changes is pending, whatever the order of the drops.
        for (std::size_t i = 0; i < ids.size(); ++i)
            if (found[i])
                settle_shadow(tx, req.push[i], true);
        return true;
    }
}

// The hub left `c`'s record out of the pull as an echo, but `c` was reverted here while the round
// was in flight: the replica no longer holds the record as the hub does. The hub's copy is the
// one `c` was made on plus `c` (an echo means no other write came between), and the replica
// still has that base: the shadow, or the record itself when nothing is pending for it.
template <class Store, class Transport, class Clock>
hub_record basic_replica<Store, Transport, Clock>::echoed_copy(transaction& tx, const change& c) {
    std::optional<record> base;
    if (auto sh = tx.shadow(c.entity, c.record_id)) {
        if (!sh->deleted)
            base = record{sh->id, std::move(sh->fields)};
    } else {
        base = tx.get(c.entity, c.record_id);
    }
    detail::apply_change(base, c);
    if (!base)
        return hub_record{c.entity, c.record_id, {}, true, 0};
    return hub_record{c.entity, c.record_id, std::move(base->fields), false, 0};
}

// A pushed change left the outbox: its record's shadow goes when nothing else is pending for
// it; otherwise an applied change becomes part of the hub's copy that the rest sits on.
template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::settle_shadow(transaction& tx, const change& c,
                                                           bool applied) {
    if (tx.pending_for(c.entity, c.record_id).empty()) {
        tx.erase_shadow(c.entity, c.record_id);
        return;
    }
    if (!applied)
        return;
    if (auto sh = tx.shadow(c.entity, c.record_id)) {
        std::optional<record> base;
        if (!sh->deleted)
            base = record{sh->id, sh->fields};
        detail::apply_change(base, c);
        sh->deleted = !base.has_value();
        sh->fields = base ? std::move(base->fields) : boost::json::object{};
        tx.put_shadow(*sh);
    }
}

// Puts the hub's copy of a record in place: directly when nothing is pending for it, otherwise
// as the new shadow with the pending changes re-applied on top.
template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::rebase(transaction& tx, hub_record h) {
    if (!tx.shadow(h.entity, h.id)) {
        if (h.deleted)
            tx.erase(h.entity, h.id);
        else
            tx.put(h.entity, record{std::move(h.id), std::move(h.fields)});
        return;
    }
    tx.put_shadow(h);
    std::optional<record> local;
    if (!h.deleted)
        local = record{h.id, h.fields};
    for (const change& c : tx.pending_for(h.entity, h.id))
        detail::apply_change(local, c);
    if (local)
        tx.put(h.entity, *local);
    else
        tx.erase(h.entity, h.id);
}

template <class Store, class Transport, class Clock>
pull_request basic_replica<Store, Transport, Clock>::pull_from(std::uint64_t after,
                                                               const held_ids* held) const {
    pull_request p{after, options_.pull_limit, options_.entities, {}};
    if (options_.workplace)
        for (const auto& e : options_.workplace->entities)
            p.views.push_back(pull_view{e.where, e.columns});
    if (held != nullptr) {
        // Hybrid mode: only the records held, within the workplace's view when there is one.
        p.views.resize(p.entities.size());
        for (std::size_t i = 0; i < p.entities.size(); ++i) {
            filter ids = where("Id").is_null(); // matches nothing: no record has a null Id
            bool first = true;
            if (auto it = held->find(p.entities[i]); it != held->end())
                for (const std::string& id : it->second) {
                    filter eq = where("Id") == id;
                    ids = first ? std::move(eq) : std::move(ids) || std::move(eq);
                    first = false;
                }
            p.views[i].where = std::move(p.views[i].where) && std::move(ids);
        }
    }
    return p;
}

template <class Store, class Transport, class Clock>
result<void> basic_replica<Store, Transport, Clock>::check_workplace(const concord::schema& s,
                                                                     const concord::workplace& w) {
    for (std::size_t i = 0; i < w.entities.size(); ++i) {
        const workplace_entity& e = w.entities[i];
        for (std::size_t j = 0; j < i; ++j)
            if (w.entities[j].entity == e.entity)
                return error(errc::invalid_request, "workplace " + w.name + ": " + e.entity +
                                                        " is listed twice; combine its filters");
        const entity_schema* es = s.find(e.entity);
        if (es == nullptr)
            return error(errc::unknown_entity,
                         "workplace " + w.name + ": no entity '" + e.entity + "'");
        if (auto ok = e.where.validate(*es); !ok)
            return error(ok.error().code, "workplace " + w.name + ": " + ok.error().message,
                         ok.error().field);
        for (const auto& c : e.columns)
            if (c != "Id" && es->find(c) == nullptr)
                return error(errc::unknown_column,
                             "workplace " + w.name + ": " + e.entity + " has no column '" + c + "'",
                             c);
    }
    return {};
}

template <class Store, class Transport, class Clock>
result<void> basic_replica<Store, Transport, Clock>::switch_workplace(concord::workplace w) {
    const auto sch = schema(); // a snapshot: a sync may adopt a new one
    if (auto ok = check_workplace(*sch, w); !ok)
        return ok;
    std::lock_guard sync_lock(sync_mutex_); // not in the middle of a sync's pages
    try {
        auto tx = store_.begin();
        replica_state st = tx.state();
        const std::string key = w.key();
        if (key != st.workplace) {
            st.workplace = key;
            st.resync = true; // durable: a crash before the next sync still re-syncs
            tx.save_state(st);
            tx.commit();
        }
        options_.entities.clear();
        for (const auto& e : w.entities)
            options_.entities.push_back(e.entity);
        std::lock_guard lock(workplace_mutex_);
        options_.workplace = std::move(w);
        return {};
    } catch (const boost::system::system_error& e) {
        return error(e.code(), e.what());
    }
}

template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::start_auto_sync(std::chrono::milliseconds interval) {
    if (timer_id_.load() == std::this_thread::get_id())
        throw std::logic_error("concord: start_auto_sync called from on_auto_sync");
    std::lock_guard control(timer_control_);
    stop_timer();
    timer_stop_ = false;
    timer_ = std::thread([this, interval] {
        timer_id_ = std::this_thread::get_id();
        struct forget { // a later thread may get this id: clear it on the way out
            std::atomic<std::thread::id>& id;
            ~forget() { id = std::thread::id{}; }
        } on_exit{timer_id_};
        std::unique_lock lock(timer_mutex_);
        for (;;) {
            if (timer_wake_.wait_for(lock, interval, [this] { return timer_stop_; }))
                return;
            lock.unlock();
            auto r = sync();
            if (options_.on_auto_sync)
                options_.on_auto_sync(r);
            lock.lock();
        }
    });
}

template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::stop_auto_sync() {
    {
        std::lock_guard lock(timer_mutex_);
        timer_stop_ = true;
    }
    timer_wake_.notify_all();
    // From on_auto_sync (the timer's own thread) the flag is all: the thread ends after the
    // callback, and is joined by the next start or the destructor.
    if (timer_id_.load() == std::this_thread::get_id())
        return;
    std::lock_guard control(timer_control_);
    stop_timer();
}

// Joins the timer thread once it has been told to stop. Holds timer_control_.
template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::stop_timer() {
    {
        std::lock_guard lock(timer_mutex_);
        timer_stop_ = true;
    }
    timer_wake_.notify_all();
    if (timer_.joinable())
        timer_.join();
}

template <class Store, class Transport, class Clock>
result<std::size_t> basic_replica<Store, Transport, Clock>::clear_cache(bool discard_pending) {
    // Not while a sync is applying pages: it would write rows back after the clear.
    std::lock_guard sync_lock(sync_mutex_);
    try {
        auto tx = store_.begin();
        const std::size_t pending = tx.outbox_size();
        if (pending > 0 && !discard_pending)
            return error(errc::pending_changes,
                         std::to_string(pending) + " pending change" + (pending == 1 ? "" : "s") +
                             " would be lost; sync first, or clear_cache(true) to discard " +
                             (pending == 1 ? "it" : "them"));
        for (const change& c : tx.oldest(pending)) {
            tx.drop(c.id);
            tx.erase_shadow(c.entity, c.record_id);
        }
        const auto sch = schema(); // a snapshot: a sync may adopt a new one
        for (const auto& e : sch->entities())
            for (const std::string& id : tx.ids(e.name))
                tx.erase(e.name, id);
        replica_state st = tx.state();
        st.cursor = 0;
        st.scope.clear(); // the next pull is a fresh replica's
        st.resync = false;
        // Outcomes of discarded changes will never be recorded: nothing is left to acknowledge
        // beyond what was already sent.
        tx.save_state(st);
        tx.commit();
        return pending;
    } catch (const boost::system::system_error& e) {
        return error(e.code(), e.what());
    }
}

template <class Store, class Transport, class Clock>
sync_log_view basic_replica<Store, Transport, Clock>::sync_log() {
    auto tx = store_.begin();
    return sync_log_view{tx.state().last_sync_ms, tx.log()};
}

namespace detail {

template <class Tx>
std::optional<sync_log_entry> find_entry(Tx& tx, std::uint64_t id) {
    for (auto& e : tx.log())
        if (e.id == id)
            return std::move(e);
    return std::nullopt;
}

inline error no_entry(std::uint64_t id) {
    return error(errc::sync_log_entry_not_found, "no sync log entry " + std::to_string(id));
}

} // namespace detail

template <class Store, class Transport, class Clock>
result<void> basic_replica<Store, Transport, Clock>::dismiss(std::uint64_t entry) {
    try {
        auto tx = store_.begin();
        if (!tx.erase_log(entry))
            return detail::no_entry(entry);
        tx.commit();
        return {};
    } catch (const boost::system::system_error& e) {
        return error(e.code(), e.what());
    }
}

template <class Store, class Transport, class Clock>
result<record_target> basic_replica<Store, Transport, Clock>::go_to_record(std::uint64_t entry) {
    try {
        auto tx = store_.begin();
        auto e = detail::find_entry(tx, entry);
        if (!e)
            return detail::no_entry(entry);
        record_target t{e->mine.entity, e->mine.record_id,
                        tx.get(e->mine.entity, e->mine.record_id)};
        tx.commit();
        return t;
    } catch (const boost::system::system_error& e) {
        return error(e.code(), e.what());
    }
}

template <class Store, class Transport, class Clock>
result<access_request> basic_replica<Store, Transport, Clock>::request_access(std::uint64_t entry) {
    std::optional<sync_log_entry> e;
    try {
        auto tx = store_.begin();
        e = detail::find_entry(tx, entry);
        tx.commit();
    } catch (const boost::system::system_error& ex) {
        return error(ex.code(), ex.what());
    }
    if (!e)
        return detail::no_entry(entry);
    const outcome& o = e->result;
    if (o.kind != outcome_kind::rejected || o.reason != reject_reason::permission)
        return error(errc::action_not_applicable,
                     "entry " + std::to_string(entry) + " was not refused for lack of a right");
    const change& mine = e->mine;
    const std::string user = options_.user_name.empty() ? "a user" : options_.user_name;
    std::string to = options_.administrator_email;
    if (to.empty()) {
        try {
            auto tx = store_.begin();
            to = tx.state().administrator_email;
            tx.commit();
        } catch (const boost::system::system_error& ex) {
            return error(ex.code(), ex.what());
        }
    }
    const char* verb = mine.op == operation::insert   ? "create"
                       : mine.op == operation::remove ? "delete"
                                                      : "change";
    access_request r;
    r.to = std::move(to);
    r.subject = "Access request: " + mine.entity + " " + mine.record_id +
                (o.field.empty() ? std::string() : " field " + o.field);
    r.body = "Hello,\n\n" + user + " asks for the right to " + verb +
             (o.field.empty() ? " " : " the field " + o.field + " of ") + mine.entity + " " +
             mine.record_id;
    if (const auto* v = o.field.empty() ? nullptr : mine.fields.if_contains(o.field))
        r.body += ", to set it to " + boost::json::serialize(*v);
    r.body += ".\nThe hub refused the change: " + o.message + "\n";
    return r;
}

template <class Store, class Transport, class Clock>
result<void> basic_replica<Store, Transport, Clock>::revert(std::uint64_t entry) {
    try {
        auto tx = store_.begin();
        auto e = detail::find_entry(tx, entry);
        if (!e)
            return detail::no_entry(entry);
        const std::string& entity = e->mine.entity;
        const std::string& id = e->mine.record_id;
        if (auto sh = tx.shadow(entity, id)) {
            for (const change& c : tx.pending_for(entity, id))
                tx.drop(c.id);
            tx.erase_shadow(entity, id);
            rebase(tx, *sh);
        }
        tx.erase_log(entry);
        tx.commit();
        return {};
    } catch (const boost::system::system_error& e) {
        return error(e.code(), e.what());
    }
}

template <class Store, class Transport, class Clock>
result<void> basic_replica<Store, Transport, Clock>::retry(std::uint64_t entry,
                                                           boost::json::object edits) {
    if (refuses_writes())
        return error(errc::not_connected, "entry " + std::to_string(entry) +
                                              ": online mode, and the hub is not reachable");
    try {
        auto tx = store_.begin();
        auto e = detail::find_entry(tx, entry);
        if (!e)
            return detail::no_entry(entry);
        const change& mine = e->mine;
        const outcome& o = e->result;
        if (o.kind == outcome_kind::applied || o.kind == outcome_kind::duplicate)
            return error(errc::action_not_applicable,
                         "entry " + std::to_string(entry) + " needs no retry");
        const auto sch = schema(); // a snapshot: a sync may adopt a new one
        const entity_schema* es = sch->find(mine.entity);
        if (es == nullptr)
            return error(errc::unknown_entity, "no entity '" + mine.entity + "'");
        const std::string where = mine.entity + " " + mine.record_id;
        const std::optional<record> local = tx.get(mine.entity, mine.record_id);
        change c{{}, operation::update, mine.entity, mine.record_id, {}, {}};
        if (mine.op == operation::remove) {
            if (!local)
                return error(errc::action_not_applicable, where + ": the record is already gone");
            c.op = operation::remove;
        } else {
            // Merged / superseded: my losing values; rejected: the whole change.
            c.fields = o.kind == outcome_kind::rejected ? mine.fields : o.losing;
            for (const auto& f : edits)
                c.fields[f.key()] = f.value();
            // A field edited back to the value the hub has is no change any more: leave it out
            // (so a retry can drop a field the user may not write).
            if (local && o.hub_copy)
                for (const auto& f : edits)
                    if (const auto* hub_value = o.hub_copy->fields.if_contains(f.key());
                        hub_value && *hub_value == f.value())
                        c.fields.erase(f.key());
            if (c.fields.empty() && c.op == operation::update) {
                tx.erase_log(entry); // nothing left to send
                tx.commit();
                return {};
            }
            if (!local) {
                // Re-create: start from my copy of the record.
                c.op = operation::insert;
                boost::json::object all =
                    e->local_copy ? e->local_copy->fields : boost::json::object{};
                for (const auto& f : c.fields)
                    all[f.key()] = f.value();
                c.fields = std::move(all);
            }
            if (auto v = validate_fields(*es, c.fields, c.op, where); !v)
                return v.error();
        }
        replica_state st = tx.state();
        write(tx, st, std::move(c));
        tx.erase_log(entry);
        tx.commit();
        return {};
    } catch (const boost::system::system_error& e) {
        return error(e.code(), e.what());
    }
}

} // namespace concord

#endif // CONCORD_REPLICA_IMPL_BASIC_REPLICA_HPP
