// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — basic_replica's online and hybrid modes (the worker, the recent-records cache) and
// its subscriptions.

#ifndef CONCORD_REPLICA_IMPL_LIVE_HPP
#define CONCORD_REPLICA_IMPL_LIVE_HPP

#include <concord/error.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace concord {

template <class Store, class Transport, class Clock>
result<void> basic_replica<Store, Transport, Clock>::set_mode(sync_mode m) {
    if constexpr (!watching_transport<Transport>) {
        if (m != sync_mode::offline)
            return error(errc::unsupported,
                         std::string(to_string(m)) +
                             " mode needs a transport that can watch the hub (watching_transport)");
    }
    std::lock_guard control(live_control_);
    if (m == mode_.load())
        return {};
    stop_live();
    mode_ = m;
    if (m == sync_mode::offline) {
        set_state(connection_state::offline);
        return {};
    }
    if constexpr (watching_transport<Transport>) {
        set_state(connection_state::connecting);
        {
            std::lock_guard lock(live_mutex_);
            live_stop_ = false;
            live_dirty_ = true; // catch up at once
            live_lost_ = false;
        }
        if (m == sync_mode::hybrid) { // whatever is held now counts as used, oldest last
            std::lock_guard lock(recent_mutex_);
            if (recent_.empty()) {
                try {
                    auto tx = store_.begin();
                    const auto sch = schema(); // a snapshot: a sync may adopt a new one
                    for (const auto& e : sch->entities())
                        for (std::string& id : tx.ids(e.name))
                            recent_.emplace_back(e.name, std::move(id));
                } catch (const boost::system::system_error& e) {
                    recent_.clear();
                    mode_ = sync_mode::offline;
                    set_state(connection_state::offline);
                    return error(e.code(), std::string("reading the local store: ") + e.what());
                }
            }
        }
        live_ = std::thread([this] { live_loop(); });
    }
    return {};
}

// Stops the worker and closes the watch. Holds live_control_ (or runs in the destructor).
template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::stop_live() {
    {
        std::lock_guard lock(live_mutex_);
        live_stop_ = true;
    }
    live_wake_.notify_all();
    if (live_.joinable())
        live_.join();
}

template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::poke() {
    if (mode_.load() == sync_mode::offline)
        return;
    {
        std::lock_guard lock(live_mutex_);
        live_dirty_ = true;
    }
    live_wake_.notify_all();
}

template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::set_state(connection_state s) {
    std::lock_guard lock(state_mutex_);
    if (state_.exchange(s) != s && options_.on_connection)
        options_.on_connection(s);
}

// The worker of online and hybrid modes: connect (watch, then a catch-up sync), then sync
// whenever a local write or a hub notice asks; on any failure, drop the watch and reconnect
// after a backoff that doubles up to reconnect_max.
template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::live_loop() {
    if constexpr (watching_transport<Transport>) {
        using std::chrono::milliseconds;
        std::mt19937_64 jitter(id_.value); // reproducible per replica
        milliseconds backoff = options_.reconnect_min;
        bool watching = false;
        auto on_notice = [this](const change_notice&) {
            {
                std::lock_guard lock(live_mutex_);
                live_dirty_ = true;
            }
            live_wake_.notify_all();
        };
        auto on_lost = [this] {
            {
                std::lock_guard lock(live_mutex_);
                live_lost_ = true;
            }
            live_wake_.notify_all();
        };
        // After a failure: forget the watch, say so, and wait (unless told to stop).
        auto fall_back = [&](std::unique_lock<std::mutex>& lock) {
            if (watching) {
                lock.unlock();
                transport_.unwatch();
                lock.lock();
                watching = false;
            }
            live_lost_ = false;
            lock.unlock();
            set_state(connection_state::disconnected);
            lock.lock();
            const auto spread =
                static_cast<std::uint64_t>(std::max<std::int64_t>(backoff.count() / 4, 1));
            const milliseconds wait{backoff.count() + static_cast<std::int64_t>(jitter() % spread)};
            live_wake_.wait_for(lock, wait, [this] { return live_stop_; });
            backoff = std::min(backoff * 2, options_.reconnect_max);
        };
        std::unique_lock lock(live_mutex_);
        while (!live_stop_) {
            if (!watching) {
                lock.unlock();
                auto w =
                    transport_.watch(watch_request{id_, options_.credentials}, on_notice, on_lost);
                lock.lock();
                if (!w) {
                    fall_back(lock);
                    continue;
                }
                watching = true;
                live_dirty_ = true; // catch up: what changed while the watch was down
            }
            live_wake_.wait(lock, [this] { return live_stop_ || live_dirty_ || live_lost_; });
            if (live_stop_)
                break;
            if (live_lost_) {
                fall_back(lock);
                continue;
            }
            live_dirty_ = false;
            lock.unlock();
            auto r = sync();
            lock.lock();
            if (!r) {
                fall_back(lock);
                continue;
            }
            backoff = options_.reconnect_min;
            lock.unlock();
            set_state(connection_state::connected);
            lock.lock();
        }
        if (watching) {
            lock.unlock();
            transport_.unwatch();
        }
    }
}

// Hybrid mode: `entity`/`id` was just used; it goes to the front of the recent list.
template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::touch(std::string_view entity, std::string_view id) {
    if (mode_.load() != sync_mode::hybrid)
        return;
    std::lock_guard lock(recent_mutex_);
    std::erase_if(recent_, [&](const auto& r) { return r.first == entity && r.second == id; });
    recent_.emplace(recent_.begin(), std::string(entity), std::string(id));
}

// Hybrid mode: drops the local records that are neither among the recent_limit used last nor
// touched by a pending change. Runs after a sync, never during one.
template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::trim() {
    std::set<std::pair<std::string, std::string>, std::less<>> keep;
    {
        std::lock_guard lock(recent_mutex_);
        if (recent_.size() > options_.recent_limit)
            recent_.resize(options_.recent_limit);
        keep.insert(recent_.begin(), recent_.end());
    }
    std::lock_guard sync_lock(sync_mutex_); // no page is being applied meanwhile
    try {
        auto tx = store_.begin();
        bool dropped = false;
        const auto sch = schema(); // a snapshot: a sync may adopt a new one
        for (const auto& e : sch->entities())
            for (std::string& id : tx.ids(e.name)) {
                if (keep.count(std::pair(e.name, id)) != 0 || tx.shadow(e.name, id))
                    continue; // recent, or pending changes sit on it
                tx.erase(e.name, id);
                dropped = true;
            }
        if (dropped)
            tx.commit();
    } catch (const boost::system::system_error&) {
        // A failed trim keeps more than needed, which is harmless; the next one retries.
    }
}

// Hybrid mode: the ids held per entity, for the pull's views (none in the other modes).
template <class Store, class Transport, class Clock>
auto basic_replica<Store, Transport, Clock>::held() -> std::optional<held_ids> {
    if (mode_.load() != sync_mode::hybrid)
        return std::nullopt;
    held_ids out;
    auto tx = store_.begin();
    for (const std::string& entity : options_.entities)
        out[entity] = tx.ids(entity);
    return out;
}

// Hybrid mode: asks the hub for one record it does not hold, and keeps it. The request pulls
// from the start under a view of that record alone: it moves no cursor.
template <class Store, class Transport, class Clock>
result<std::optional<record>> basic_replica<Store, Transport, Clock>::fetch(std::string_view entity,
                                                                            std::string_view id) {
    auto records = fetch_all(entity, where("Id") == std::string(id));
    if (!records)
        return records.error();
    if (records->empty())
        return std::optional<record>{};
    return std::optional<record>(std::move(records->front()));
}

// Hybrid mode: the hub's records of `entity` matching `f`, each replaced by the local view when
// held here (pending changes sit on it), plus local records the hub does not have yet. Only a
// single record asked for by id is kept locally (`get`); a search result is not "used".
template <class Store, class Transport, class Clock>
result<std::vector<record>>
basic_replica<Store, Transport, Clock>::fetch_all(std::string_view entity, const filter& f) {
    std::lock_guard sync_lock(sync_mutex_); // the transport is used by one thread at a time
    sync_request req;
    std::string scope;
    {
        auto tx = store_.begin();
        const replica_state st = tx.state();
        req.replica = st.id;
        scope = st.scope;
    }
    req.credentials = options_.credentials;
    req.scope = scope;
    filter view = f;
    if (options_.workplace)
        for (const auto& e : options_.workplace->entities)
            if (e.entity == entity)
                view = e.where && std::move(view);
    std::vector<hub_record> rows;
    std::uint64_t after = 0;
    for (;;) {
        req.pull = pull_request{after, options_.pull_limit, {std::string(entity)}, {}};
        req.pull->views.push_back(pull_view{view, {}});
        if (options_.workplace)
            for (const auto& e : options_.workplace->entities)
                if (e.entity == entity)
                    req.pull->views.back().columns = e.columns;
        auto resp = transport_.exchange(req);
        if (!resp)
            return resp.error();
        for (hub_record& h : resp->rows)
            if (!h.deleted && h.entity == entity)
                rows.push_back(std::move(h));
        if (!resp->more || resp->cursor <= after)
            break;
        after = resp->cursor;
        // Pages after the first would send tombstones for rows outside the view: a search
        // has no use for them, but they are harmless (skipped above).
    }
    std::vector<record> out;
    try {
        auto tx = store_.begin();
        const bool keep = rows.size() == 1 && f == (where("Id") == rows.front().id);
        for (hub_record& h : rows) {
            if (auto local = tx.get(entity, h.id)) {
                out.push_back(std::move(*local));
                continue;
            }
            if (tx.shadow(entity, h.id))
                continue; // deleted here, not yet pushed
            if (keep)
                tx.put(h.entity, record{h.id, h.fields});
            // Copied out of the page's arena: the caller may keep a result for long.
            out.push_back(record{std::move(h.id), boost::json::object(h.fields, {})});
        }
        for (record& r : tx.find(entity, f))
            if (std::none_of(out.begin(), out.end(), [&](const record& x) { return x.id == r.id; }))
                out.push_back(std::move(r));
        if (keep)
            tx.commit();
    } catch (const boost::system::system_error& e) {
        return error(e.code(), e.what());
    }
    std::sort(out.begin(), out.end(), [](const record& a, const record& b) { return a.id < b.id; });
    return out;
}

template <class Store, class Transport, class Clock>
result<std::uint64_t> basic_replica<Store, Transport, Clock>::observe(subscription s) {
    const auto sch = schema(); // a snapshot: a sync may adopt a new one
    const entity_schema* es = sch->find(s.entity);
    if (es == nullptr)
        return error(errc::unknown_entity, "no entity '" + s.entity + "'");
    for (const std::string& c : s.columns)
        if (es->find(c) == nullptr)
            return error(errc::unknown_column, s.entity + ": no column '" + c + "'", c);
    if (auto v = s.where.validate(*es); !v)
        return v.error();
    std::sort(s.columns.begin(), s.columns.end());
    std::lock_guard lock(observers_mutex_);
    const std::uint64_t h = next_observer_++;
    observers_.emplace_back(h, std::move(s));
    observing_ = true;
    return h;
}

template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::unobserve(std::uint64_t handle) {
    std::lock_guard lock(observers_mutex_);
    std::erase_if(observers_, [&](const auto& o) { return o.first == handle; });
    observing_ = !observers_.empty();
}

template <class Store, class Transport, class Clock>
bool basic_replica<Store, Transport, Clock>::observed(std::string_view entity) {
    std::lock_guard lock(observers_mutex_);
    return std::any_of(observers_.begin(), observers_.end(),
                       [&](const auto& o) { return o.second.entity == entity; });
}

// A pulled row was just put in place: what changed in the local view, if anything.
template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::note(transaction& tx, const hub_record& h,
                                                  std::vector<record_event>& events,
                                                  std::optional<record> before) {
    std::optional<record> now = tx.get(h.entity, h.id);
    if (!before && !now)
        return;
    record_event ev{h.entity,          h.id,          record_event::kind::changed, {},
                    std::move(before), std::move(now)};
    if (!ev.before)
        ev.what = record_event::kind::created;
    else if (!ev.now)
        ev.what = record_event::kind::deleted;
    const boost::json::object empty;
    const auto& a = ev.before ? ev.before->fields : empty;
    const auto& b = ev.now ? ev.now->fields : empty;
    for (const auto& f : a)
        if (const auto* v = b.if_contains(f.key()); v == nullptr || *v != f.value())
            ev.columns.emplace_back(f.key());
    for (const auto& f : b)
        if (!a.contains(f.key()))
            ev.columns.emplace_back(f.key());
    if (ev.what == record_event::kind::changed && ev.columns.empty())
        return; // nothing new here (e.g. the hub's copy of my own change)
    std::sort(ev.columns.begin(), ev.columns.end());
    events.push_back(std::move(ev));
}

// Tells each subscription the events it asked for. Runs outside every lock of the replica.
template <class Store, class Transport, class Clock>
void basic_replica<Store, Transport, Clock>::publish(const std::vector<record_event>& events) {
    if (events.empty())
        return;
    std::vector<subscription> subs;
    {
        std::lock_guard lock(observers_mutex_);
        for (const auto& o : observers_)
            subs.push_back(o.second);
    }
    for (const record_event& ev : events)
        for (const subscription& s : subs) {
            if (s.entity != ev.entity)
                continue;
            const record& r = ev.now ? *ev.now : *ev.before;
            if (!s.where.matches(r))
                continue;
            if (ev.what == record_event::kind::changed && !s.columns.empty() &&
                std::none_of(ev.columns.begin(), ev.columns.end(), [&](const std::string& c) {
                    return std::binary_search(s.columns.begin(), s.columns.end(), c);
                }))
                continue;
            if (s.notify)
                s.notify(ev);
        }
}

} // namespace concord

#endif // CONCORD_REPLICA_IMPL_LIVE_HPP
