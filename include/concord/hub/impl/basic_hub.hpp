// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — basic_hub member definitions.

#ifndef CONCORD_HUB_IMPL_BASIC_HUB_HPP
#define CONCORD_HUB_IMPL_BASIC_HUB_HPP

#include <concord/error.hpp>

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>

namespace concord {

template <class Store, class Access, class Clock, class Resolver>
basic_hub<Store, Access, Clock, Resolver>::basic_hub(hub_options options, Store store,
                                                     Access access, Clock clock, Resolver resolver)
    : options_(std::move(options))
    , store_(std::move(store))
    , access_(std::move(access))
    , resolver_(std::move(resolver))
    , clock_(std::move(clock), options_.id)
    , schema_(std::make_shared<const concord::schema>(options_.schema))
    , schema_version_(schema_version(options_.schema)) {}

template <class Store, class Access, class Clock, class Resolver>
std::shared_ptr<const schema> basic_hub<Store, Access, Clock, Resolver>::schema() const {
    std::lock_guard lock(schema_mutex_);
    return schema_;
}

template <class Store, class Access, class Clock, class Resolver>
result<void> basic_hub<Store, Access, Clock, Resolver>::set_schema(concord::schema s) {
    try {
        // Inside a transaction: every sync, write and select reads the schema in one.
        auto tx = store_.begin();
        if constexpr (requires { tx.migrate(s); })
            tx.migrate(s);
        else
            return error(errc::unsupported,
                         "this hub store cannot change its schema while open: restart the hub "
                         "with the new schema (the store migrates when it opens)");
        {
            // Swapped while the transaction is open, so no sync reads options_.schema now.
            std::lock_guard lock(schema_mutex_);
            options_.schema = s;
            schema_version_ = schema_version(s);
            schema_ = std::make_shared<const concord::schema>(std::move(s));
        }
        tx.commit();
        return {};
    } catch (const boost::system::system_error& e) {
        return error(e.code(), std::string("hub store: migrating to the new schema: ") + e.what());
    }
}

template <class Store, class Access, class Clock, class Resolver>
stamp basic_hub<Store, Access, Clock, Resolver>::now() {
    std::lock_guard lock(clock_mutex_);
    return clock_.now();
}

template <class Store, class Access, class Clock, class Resolver>
result<sync_response> basic_hub<Store, Access, Clock, Resolver>::sync(const sync_request& req) {
    auto who = access_.authenticate(req.credentials);
    if (!who)
        return who.error();
    try {
        sync_response resp;
        auto tx = store_.begin();
        const bool watched = watchers_.active();
        const std::uint64_t before = watched ? latest_of(tx) : 0;
        if (req.acknowledged > 0)
            tx.acknowledge(req.replica, req.acknowledged);
        resp.outcomes.reserve(req.push.size());
        if constexpr (stamps_suffice && requires { tx.prefetch(req.push, read_ahead::stamps); })
            tx.prefetch(req.push,
                        options_.hooks.before_apply ? read_ahead::records : read_ahead::stamps);
        else if constexpr (requires { tx.prefetch(req.push); })
            tx.prefetch(req.push);
        // The sequences of records this request wrote as sent over a version the replica had
        // pulled: its pull leaves them out (ascending, as sequences are given).
        std::vector<std::uint64_t> echoes;
        std::vector<std::size_t> echoed; // the outcome of each
        for (const change& c : req.push) {
            // Dedupe marks belong to the change's own replica: a change pushed under another
            // replica's id is rejected by apply() and must neither read nor take its slot.
            const bool own = c.id.replica == req.replica;
            if (auto stored = own ? tx.find_outcome(c.id) : std::nullopt) {
                if (stored->entity.empty()) { // a store may keep plain outcomes without them
                    stored->entity = c.entity;
                    stored->record_id = c.record_id;
                }
                attach_hub_copy(tx, *who, *stored, view_of(req, stored->entity));
                resp.outcomes.push_back(std::move(*stored));
                continue;
            }
            if (own && c.id.seq <= tx.acknowledged(c.id.replica)) {
                outcome o;
                o.change = c.id;
                o.entity = c.entity;
                o.record_id = c.record_id;
                o.kind = outcome_kind::duplicate;
                o.message = c.entity + " " + c.record_id + ": change " + to_string(c.id) +
                            " was applied and acknowledged before";
                resp.outcomes.push_back(std::move(o));
                continue;
            }
            write_note w;
            outcome o = apply(tx, *who, req.replica, c, false, &w);
            if (echoes_back(req, c, w, echoes)) {
                echoes.push_back(w.after);
                echoed.push_back(resp.outcomes.size());
            }
            if (own)
                tx.save_outcome(o);
            attach_hub_copy(tx, *who, o, view_of(req, o.entity));
            resp.outcomes.push_back(std::move(o));
        }
        if (req.pull && pull(tx, *who, req, resp, echoes))
            for (std::size_t k = 0; k < echoes.size() && echoes[k] <= resp.cursor; ++k)
                resp.outcomes[echoed[k]].echo_omitted = true;
        auto n = watched ? prepare_notices(tx, before, req.replica) : notices{};
        tx.commit();
        deliver(std::move(n));
        resp.hub_time = now();
        resp.administrator_email = options_.administrator_email;
        {
            std::lock_guard lock(schema_mutex_);
            resp.schema_version = schema_version_;
            if (!req.schema_version.empty() && req.schema_version != schema_version_)
                resp.schema = *schema_;
        }
        return resp;
    } catch (const boost::system::system_error& e) {
        return error(e.code(), std::string("hub store: ") + e.what());
    }
}

// Whether the replica that pushed `c` now holds the record as the hub does, so that this
// request's pull may leave it out: written as sent over the version the replica had pulled, or
// over one this request wrote as sent; of an entity the replica pulls.
template <class Store, class Access, class Clock, class Resolver>
bool basic_hub<Store, Access, Clock, Resolver>::echoes_back(const sync_request& req,
                                                            const change& c, const write_note& w,
                                                            std::span<const std::uint64_t> echoes) {
    if (!omits_echoes || !req.pull || !w.as_sent || w.after == 0)
        return false;
    const auto& ents = req.pull->entities;
    return (w.before == 0 || w.before <= req.pull->after ||
            std::binary_search(echoes.begin(), echoes.end(), w.before)) &&
           (ents.empty() || std::find(ents.begin(), ents.end(), c.entity) != ents.end());
}

// One pull page. A replica whose read scope changed since its last pull (another key) is served
// from the start and told to drop what it does not receive again. A changed row the principal
// may not read is left out — or, when a departure shows the principal could read the record
// before a scope column changed, sent as an eviction (a tombstone): no id reaches anyone who
// never could read the record.
template <class Store, class Access, class Clock, class Resolver>
bool basic_hub<Store, Access, Clock, Resolver>::pull(transaction& tx, const principal& who,
                                                     const sync_request& req, sync_response& resp,
                                                     std::span<const std::uint64_t> echoes) {
    std::uint64_t after = req.pull->after;
    if constexpr (tracks_scope<Access>) {
        resp.scope = access_.scope_key(who);
        // A fresh replica (no key, nothing pulled) has nothing to re-sync.
        if (resp.scope != req.scope && !(req.scope.empty() && after == 0)) {
            resp.resync = true;
            after = 0;
        }
    }
    const std::size_t limit = std::clamp<std::size_t>(req.pull->limit, 1, options_.max_page);
    // A replica pulling from the start may be re-syncing: it drops what it does not receive.
    // A view may reshape or evict a row: the replica's copy is then not the hub's.
    const bool plain_views =
        std::all_of(req.pull->views.begin(), req.pull->views.end(), [](const pull_view& v) {
            return v.where.type() == filter::kind::all && v.columns.empty();
        });
    if (after == 0 || !plain_views)
        echoes = {};
    change_page page = changes_after(tx, after, limit, req.pull->entities, echoes);
    resp.rows.reserve(page.rows.size());
    for (auto& row : page.rows) {
        if (readable(who, row)) {
            // A record the workplace's filter no longer matches is dropped from a replica that
            // may hold it.
            if (!in_view(view_of(req, row.entity), row)) {
                if (after != 0)
                    resp.rows.push_back(hub_record{row.entity, row.id, {}, true, row.seq});
                continue;
            }
            resp.rows.push_back(std::move(row));
            continue;
        }
        if constexpr (tracks_scope<Access>) {
            if (after == 0)
                continue; // a replica pulling from the start holds nothing to evict
            if (evicts(tx, who, row))
                resp.rows.push_back(hub_record{row.entity, row.id, {}, true, row.seq});
        }
    }
    resp.cursor = page.cursor;
    resp.more = page.more;
    resp.latest = std::max(page.latest, page.cursor);
    return !echoes.empty();
}

// A page without the records in `skip`, which do not count towards `limit`. A store that
// cannot skip them reads them too, as many more rows as could be skipped; the page is then cut
// after `limit` rows.
template <class Store, class Access, class Clock, class Resolver>
change_page basic_hub<Store, Access, Clock, Resolver>::changes_after(
    transaction& tx, std::uint64_t after, std::size_t limit,
    const std::vector<std::string>& entities, std::span<const std::uint64_t> skip) {
    skip = skip.subspan(
        static_cast<std::size_t>(std::upper_bound(skip.begin(), skip.end(), after) - skip.begin()));
    // Echoes right after the cursor: a sequence is one write's, so no other row can hold
    // theirs. The page starts past them, and a round that wrote all the log holds reads nothing.
    std::size_t echoes = 0;
    while (echoes < skip.size() && skip[echoes] == after + 1)
        after = skip[echoes++];
    skip = skip.subspan(echoes);
    if (skip.empty())
        return tx.changes_after(after, limit, entities);
    if constexpr (skips_changes<Store>) {
        return tx.changes_after(after, limit, entities, skip);
    } else {
        change_page page = tx.changes_after(after, limit + skip.size(), entities);
        std::vector<hub_record> kept;
        kept.reserve(std::min(limit, page.rows.size()));
        std::uint64_t cursor = after;
        for (hub_record& row : page.rows) {
            if (std::binary_search(skip.begin(), skip.end(), row.seq)) {
                cursor = row.seq;
                continue;
            }
            if (kept.size() == limit) { // more rows than fit: the page ends before this one
                page.more = true;
                page.cursor = cursor;
                break;
            }
            cursor = row.seq;
            kept.push_back(std::move(row));
        }
        page.rows = std::move(kept);
        return page;
    }
}

template <class Store, class Access, class Clock, class Resolver>
template <class F>
auto basic_hub<Store, Access, Clock, Resolver>::in_transaction(std::string_view credentials, F&& f)
    -> decltype(f(std::declval<transaction&>(), std::declval<const principal&>())) {
    auto who = access_.authenticate(credentials);
    if (!who)
        return who.error();
    try {
        auto tx = store_.begin();
        const bool watched = watchers_.active();
        const std::uint64_t before = watched ? latest_of(tx) : 0;
        auto r = f(tx, *who);
        if (r) {
            auto n = watched ? prepare_notices(tx, before, options_.id) : notices{};
            tx.commit();
            deliver(std::move(n));
        }
        return r;
    } catch (const boost::system::system_error& e) {
        return error(e.code(), std::string("hub store: ") + e.what());
    }
}

template <class Store, class Access, class Clock, class Resolver>
result<std::vector<outcome>>
basic_hub<Store, Access, Clock, Resolver>::write(std::string_view credentials,
                                                 std::vector<change> changes) {
    return in_transaction(
        credentials, [&](transaction& tx, const principal& who) -> result<std::vector<outcome>> {
            std::vector<outcome> out;
            out.reserve(changes.size());
            for (change& c : changes) {
                c.id = change_id{options_.id, 0};
                c.at = now();
                // An online insert names a new record: unlike a synced one (which may race another
                // replica's insert of the same id and merge), it must not overwrite a live record.
                if (c.op == operation::insert) {
                    if (auto cur = tx.load(c.entity, c.record_id); cur && !cur->deleted) {
                        outcome o;
                        o.change = c.id;
                        o.entity = c.entity;
                        o.record_id = c.record_id;
                        o.kind = outcome_kind::rejected;
                        o.reason = reject_reason::validation;
                        o.code = make_error_code(errc::record_exists);
                        o.message = c.entity + " " + c.record_id + ": a record with this Id exists";
                        o.field = "Id";
                        o.losing = c.fields;
                        o.hub_copy = cur->copy();
                        out.push_back(std::move(o));
                        continue;
                    }
                }
                out.push_back(apply(tx, who, options_.id, c));
                attach_hub_copy(tx, who, out.back());
            }
            return out;
        });
}

template <class Store, class Access, class Clock, class Resolver>
result<std::vector<outcome>>
basic_hub<Store, Access, Clock, Resolver>::write_where(std::string_view credentials, operation op,
                                                       std::string_view entity, const filter& where,
                                                       const boost::json::object& values) {
    const auto snapshot = schema();
    const entity_schema* es = snapshot->find(entity);
    if (es == nullptr)
        return error(errc::unknown_entity, "the hub has no entity '" + std::string(entity) + "'");
    if (auto v = where.validate(*es); !v)
        return v.error();
    return in_transaction(
        credentials, [&](transaction& tx, const principal& who) -> result<std::vector<outcome>> {
            std::vector<outcome> out;
            for (const hub_record& h : tx.select(entity, where)) {
                if (!access_.may_read(who, h))
                    continue;
                change c{{options_.id, 0},
                         op,
                         std::string(entity),
                         h.id,
                         now(),
                         op == operation::remove ? boost::json::object{} : values};
                out.push_back(apply(tx, who, options_.id, c));
                attach_hub_copy(tx, who, out.back());
            }
            return out;
        });
}

template <class Store, class Access, class Clock, class Resolver>
result<std::vector<hub_record>>
basic_hub<Store, Access, Clock, Resolver>::select(std::string_view credentials,
                                                  std::string_view entity, const filter& where) {
    const auto snapshot = schema();
    const entity_schema* es = snapshot->find(entity);
    if (es == nullptr)
        return error(errc::unknown_entity, "the hub has no entity '" + std::string(entity) + "'");
    if (auto v = where.validate(*es); !v)
        return v.error();
    return in_transaction(
        credentials, [&](transaction& tx, const principal& who) -> result<std::vector<hub_record>> {
            std::vector<hub_record> rows = tx.select(entity, where);
            std::erase_if(rows, [&](hub_record& h) { return !readable(who, h); });
            return rows;
        });
}

// Outcomes are stored without the record copy; every answer — first or replayed — carries the
// hub's copy as of now, so a late replay never hands the replica an old version. A copy the
// principal may not read is left out, and its hidden columns are erased; one outside the
// replica's workplace comes as a tombstone (the replica then drops its copy), and only with the
// workplace's columns otherwise.
template <class Store, class Access, class Clock, class Resolver>
void basic_hub<Store, Access, Clock, Resolver>::attach_hub_copy(transaction& tx,
                                                                const principal& who, outcome& o,
                                                                const pull_view* view) {
    o.hub_copy.reset();
    if (o.kind == outcome_kind::applied || o.kind == outcome_kind::duplicate)
        return;
    if (auto cur = tx.load(o.entity, o.record_id)) {
        hub_record copy = cur->copy();
        if (readable(who, copy)) {
            if (!in_view(view, copy))
                copy = hub_record{copy.entity, copy.id, {}, true, copy.seq};
            o.hub_copy = std::move(copy);
        }
    }
}

// The workplace view a sync request asks for `entity`, if any.
template <class Store, class Access, class Clock, class Resolver>
const pull_view* basic_hub<Store, Access, Clock, Resolver>::view_of(const sync_request& req,
                                                                    std::string_view entity) {
    if (!req.pull || req.pull->views.size() != req.pull->entities.size())
        return nullptr;
    for (std::size_t i = 0; i < req.pull->entities.size(); ++i)
        if (req.pull->entities[i] == entity)
            return &req.pull->views[i];
    return nullptr;
}

// Whether readable record `h` lies in `view` (always, without one); if so, `h` is reduced to
// the view's columns. The filter sees only what the principal may read, so it cannot probe a
// hidden column.
template <class Store, class Access, class Clock, class Resolver>
bool basic_hub<Store, Access, Clock, Resolver>::in_view(const pull_view* view, hub_record& h) {
    if (view == nullptr || h.deleted)
        return true;
    if (view->where.type() != filter::kind::all && !view->where.matches(record{h.id, h.fields}))
        return false;
    if (!view->columns.empty())
        for (auto it = h.fields.begin(); it != h.fields.end();)
            it = std::find(view->columns.begin(), view->columns.end(), it->key()) ==
                         view->columns.end()
                     ? h.fields.erase(it)
                     : std::next(it);
    return true;
}

// Whether `who`, who may not read `h`, could read a former version of it: then it holds a copy
// to drop. Every departure counts, not only those after a cursor: the version that moved the
// record may have been superseded before the replica's pull reached it.
template <class Store, class Access, class Clock, class Resolver>
bool basic_hub<Store, Access, Clock, Resolver>::evicts(transaction& tx, const principal& who,
                                                       const hub_record& h) const {
    if constexpr (tracks_scope<Access>) {
        const auto moved = tx.departures(h.entity, h.id);
        return std::any_of(moved.begin(), moved.end(), [&](const departure& d) {
            return access_.may_read(who, hub_record{d.entity, d.id, d.before, false, d.seq});
        });
    } else {
        (void)tx, (void)who, (void)h;
        return false;
    }
}

template <class Store, class Access, class Clock, class Resolver>
result<std::uint64_t>
basic_hub<Store, Access, Clock, Resolver>::watch(std::string_view credentials, replica_id self,
                                                 std::function<void(const change_notice&)> notify) {
    auto who = access_.authenticate(credentials);
    if (!who)
        return who.error();
    return watchers_.add(std::move(*who), self, std::move(notify));
}

// The hub's latest change sequence, as `tx` sees it.
template <class Store, class Access, class Clock, class Resolver>
std::uint64_t basic_hub<Store, Access, Clock, Resolver>::latest_of(transaction& tx) {
    return tx.changes_after(0, 0, {}).latest; // an empty page still tells the latest
}

// Before the commit, while the transaction still sees its own rows: which watcher the rows
// written since `before` concern. Only entity names travel, never ids or values.
template <class Store, class Access, class Clock, class Resolver>
typename basic_hub<Store, Access, Clock, Resolver>::notices
basic_hub<Store, Access, Clock, Resolver>::prepare_notices(transaction& tx, std::uint64_t before,
                                                           replica_id sender) {
    notices out;
    constexpr std::size_t all = std::size_t{1} << 30; // a commit never writes that many rows
    const change_page page = tx.changes_after(before, all, {});
    if (page.rows.empty())
        return out;
    const std::uint64_t latest = std::max(page.latest, page.cursor);
    watchers_.for_each([&](detail::watchers::entry& w) {
        if (w.self == sender)
            return;
        change_notice n{latest, {}};
        for (const entity_schema& es : options_.schema.entities()) {
            const bool concerned = std::any_of(page.rows.begin(), page.rows.end(), [&](auto& row) {
                if (row.entity != es.name)
                    return false;
                hub_record copy = row;
                return readable(w.who, copy) || evicts(tx, w.who, row);
            });
            if (concerned)
                n.entities.push_back(es.name);
        }
        if (!n.entities.empty())
            out.emplace_back(w.handle, std::move(n));
    });
    return out;
}

// After the commit: tells each concerned watcher still registered.
template <class Store, class Access, class Clock, class Resolver>
void basic_hub<Store, Access, Clock, Resolver>::deliver(notices n) {
    if (n.empty())
        return;
    watchers_.for_each([&](detail::watchers::entry& w) {
        for (const auto& [handle, notice] : n)
            if (handle == w.handle) {
                try {
                    w.notify(notice);
                } catch (...) { // a watcher's failure is its own; the commit stands
                }
            }
    });
}

// Whether `h` may reach `who`; if so, `h` is reduced to the columns `who` may read.
template <class Store, class Access, class Clock, class Resolver>
bool basic_hub<Store, Access, Clock, Resolver>::readable(const principal& who,
                                                         hub_record& h) const {
    if constexpr (grants_everything<Access>) {
        return true;
    } else {
        if (!access_.may_read(who, h))
            return false;
        if constexpr (projects_columns<Access>)
            access_.project(who, h);
        return true;
    }
}

template <class Store, class Access, class Clock, class Resolver>
outcome basic_hub<Store, Access, Clock, Resolver>::apply(transaction& tx, const principal& who,
                                                         replica_id sender, const change& in,
                                                         bool system, write_note* note) {
    std::optional<change> edited; // the before-apply hook works on a copy
    if (!system && options_.hooks.before_apply)
        edited = in;
    const change& c = edited ? *edited : in;
    outcome o;
    o.change = c.id;
    o.entity = c.entity;
    o.record_id = c.record_id;
    const std::string where = c.entity + " " + c.record_id;
    auto reject = [&](reject_reason why, const error& e) {
        o.kind = outcome_kind::rejected;
        o.reason = why;
        o.code = e.code;
        o.message = e.message;
        o.field = e.field;
        o.losing = c.fields;
        return o;
    };

    if (c.id.replica != sender)
        return reject(reject_reason::permission,
                      error(errc::foreign_change, where + ": change " + to_string(c.id) +
                                                      " was pushed by replica " +
                                                      to_string(sender)));
    const entity_schema* es = options_.schema.find(c.entity);
    if (es == nullptr)
        return reject(
            reject_reason::validation,
            error(errc::unknown_entity, where + ": the hub has no entity '" + c.entity + "'"));
    if (!is_valid(c.at))
        return reject(reject_reason::validation,
                      error(errc::invalid_stamp, where + ": stamp " +
                                                     std::to_string(c.at.physical_ms) +
                                                     " ms is outside the valid range"));
    if (!is_guid(c.record_id))
        return reject(reject_reason::validation,
                      error(errc::invalid_id, where + ": Id is not a GUID", "Id"));

    const bool lean = stamps_suffice && !edited; // system changes run no hook either
    std::optional<stored_record> current;
    if constexpr (stamps_suffice)
        current = lean ? tx.load_stamps(c.entity, c.record_id) : tx.load(c.entity, c.record_id);
    else
        current = tx.load(c.entity, c.record_id);
    if (edited) {
        const std::optional<hub_record> copy =
            current ? std::optional<hub_record>(current->copy()) : std::nullopt;
        if (auto v = options_.hooks.before_apply(who, *edited, copy ? &*copy : nullptr); !v)
            return reject(reject_reason::validation, v.error());
    }
    if (c.op != operation::remove)
        if (auto v = validate_fields(*es, c.fields, c.op, where); !v)
            return reject(reject_reason::validation, v.error());

    if constexpr (!grants_everything<Access>) {
        if (!system) {
            std::optional<hub_record> copy;
            if (current)
                copy = current->copy();
            if (auto allowed = access_.may_write(who, c, copy ? &*copy : nullptr); !allowed)
                return reject(reject_reason::permission, allowed.error());
        }
    }

    stamp at = c.at;
    {
        std::lock_guard lock(clock_mutex_);
        const std::int64_t hub_ms = clock_.physical_ms();
        if (c.at.physical_ms > hub_ms + options_.max_skew_ms) {
            // Judge it by the hub's clock instead, and keep the bad clock out of ours.
            const stamp h = clock_.now();
            at = stamp{h.physical_ms, h.logical, c.at.replica};
            o.skew_clamped = true;
        } else {
            clock_.receive(c.at);
        }
    }

    const resolution r = resolver_.resolve(resolve_context{current ? &*current : nullptr, c, at});
    o.kind = r.kind;
    o.reason = r.reason;
    o.losing = r.losing;
    switch (r.kind) {
    case outcome_kind::rejected:
        o.code = make_error_code(r.reason == reject_reason::deleted      ? errc::record_deleted
                                 : r.reason == reject_reason::not_found  ? errc::record_not_found
                                 : r.reason == reject_reason::permission ? errc::permission_denied
                                                                         : errc::type_mismatch);
        o.message = where + ": " + o.code.message();
        break;
    case outcome_kind::superseded:
        o.message =
            where + (c.op == operation::remove ? ": the record was changed after this delete"
                                               : ": every field was changed later elsewhere");
        break;
    case outcome_kind::merged: {
        o.message = where + ": changed later elsewhere:";
        for (const auto& f : r.losing)
            o.message += " " + std::string(f.key());
        break;
    }
    case outcome_kind::applied:
    case outcome_kind::duplicate:
        break;
    }
    if (o.skew_clamped)
        o.message += (o.message.empty() ? where + ": " : std::string("; ")) + "stamp " +
                     to_string(c.at) + " was ahead of the hub clock by more than " +
                     std::to_string(options_.max_skew_ms) + " ms and was judged by the hub clock";

    if (r.kind != outcome_kind::applied && r.kind != outcome_kind::merged)
        return o;
    const bool live = current && !current->deleted;
    if (note != nullptr) {
        note->before = current ? current->seq : 0;
        // An insert merged into a live record keeps fields the sender did not write.
        note->as_sent =
            r.kind == outcome_kind::applied && !edited && (c.op != operation::insert || !live);
    }
    if (c.op == operation::remove) {
        if (live) {
            current->fields.clear();
            current->stamps.clear();
            current->deleted = at;
            const std::uint64_t seq = tx.save(*current);
            if (note != nullptr)
                note->after = seq;
        }
    } else {
        std::optional<boost::json::object> scope_before;
        if constexpr (tracks_scope<Access>)
            if (live)
                scope_before = scope_values(*current);
        // Move-constructed, not assigned: the fields keep the allocator the store gave them.
        stored_record rec = live ? std::move(*current) : stored_record{};
        rec.entity = c.entity;
        rec.id = c.record_id;
        std::size_t written = 0;
        for (const auto& name : r.winners) {
            auto it = c.fields.find(name);
            if (it == c.fields.end())
                continue;
            rec.fields[name] = it->value();
            rec.stamps.insert_or_assign(name, at);
            ++written;
        }
        // A created or re-created record stamps its absent columns too, so an older change can
        // not fill them in later.
        if (!live)
            for (const auto& col : es->columns)
                rec.stamps.try_emplace(col.name, at);
        // `current` was moved from into `rec` when live: keep the scope columns' old values.
        std::optional<departure> dep;
        if constexpr (tracks_scope<Access>)
            if (scope_before)
                dep = departure_of(rec, std::move(*scope_before));
        auto save_whole = [&] {
            if constexpr (requires { tx.save(std::move(rec)); })
                return tx.save(std::move(rec)); // a store may take the record instead of a copy
            else
                return tx.save(rec);
        };
        std::uint64_t seq = 0;
        if constexpr (stamps_suffice) // lean: `rec` holds the fields that won, maybe a few more
            seq = lean ? tx.save_patch(std::move(rec)) : save_whole();
        else
            seq = save_whole();
        if (dep) {
            dep->seq = seq;
            tx.save_departure(*dep);
        }
        if (note != nullptr) {
            note->after = seq;
            note->as_sent = note->as_sent && written == c.fields.size();
        }
    }
    if (!system && options_.hooks.after_apply)
        run_after_apply(tx, who, c, o);
    return o;
}

// The values of the policy's scope columns in `r` (absent ones left out).
template <class Store, class Access, class Clock, class Resolver>
boost::json::object
basic_hub<Store, Access, Clock, Resolver>::scope_values(const stored_record& r) const {
    boost::json::object out;
    if constexpr (tracks_scope<Access>)
        for (const std::string& col : access_.scope_columns(r.entity))
            if (const boost::json::value* v = r.fields.if_contains(col); v && !v->is_null())
                out[col] = *v;
    return out;
}

// A departure when writing `after` changes a scope column whose value was in `before`.
template <class Store, class Access, class Clock, class Resolver>
std::optional<departure>
basic_hub<Store, Access, Clock, Resolver>::departure_of(const stored_record& after,
                                                        boost::json::object before) const {
    if (scope_values(after) == before)
        return std::nullopt;
    return departure{after.entity, after.id, 0, std::move(before)};
}

// Runs the after-apply hook on the record as it now is, then writes what it emitted as the
// hub's own changes; a refused one is left out and named in `o.message`.
template <class Store, class Access, class Clock, class Resolver>
void basic_hub<Store, Access, Clock, Resolver>::run_after_apply(transaction& tx,
                                                                const principal& who,
                                                                const change& c, outcome& o) {
    const std::optional<stored_record> now_stored = tx.load(c.entity, c.record_id);
    if (!now_stored)
        return;
    std::vector<change> emitted;
    options_.hooks.after_apply(who, c, now_stored->copy(),
                               [&](change e) { emitted.push_back(std::move(e)); });
    for (change& e : emitted) {
        e.id = change_id{options_.id, 0};
        e.at = now();
        const outcome done = apply(tx, who, options_.id, e, true);
        if (done.kind == outcome_kind::rejected)
            o.message +=
                (o.message.empty() ? std::string() : "; ") + "after-apply hook: " + done.message;
    }
}

} // namespace concord

#endif // CONCORD_HUB_IMPL_BASIC_HUB_HPP
