// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a BatchQuery (or single query) request decoded into concord's model, strictly.

#ifndef CONCORD_PROTOCOL_REQUEST_HPP
#define CONCORD_PROTOCOL_REQUEST_HPP

#include <concord/model/change.hpp>
#include <concord/model/filter.hpp>
#include <concord/model/schema.hpp>
#include <concord/model/stamp.hpp>
#include <concord/protocol/dataservice.hpp>
#include <concord/protocol/detail/split_items.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <charconv>
#include <future>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace concord::protocol {

/// The sync extension of a write item: the change's id and stamp.
struct write_sync {
    change_id id;
    stamp at;
};

/// A column to sort a select by.
struct order_by {
    std::string column;
    bool descending = false;
};

/** One decoded query. Writes carry `values` (insert, update) and `where` (update, delete);
    selects carry the projection, order and paging. `sync` / `pull` are set when the item uses
    the sync extension.
*/
struct query {
    operation_type type = operation_type::select;
    std::string entity;
    boost::json::value query_id;         ///< echoed in the result as sent (null: none)
    std::string record_id;               ///< insert: the Id column, when sent
    boost::json::object values;          ///< insert / update column values
    filter where;                        ///< update / delete / select
    std::optional<std::string> where_id; ///< the filter is exactly `Id = <guid>`
    bool all_columns = false;
    std::vector<std::pair<std::string, std::string>> columns; ///< (alias, column)
    std::vector<order_by> order;
    std::optional<std::size_t> row_count;
    std::size_t rows_offset = 0;
    std::optional<write_sync> sync;
    std::optional<std::uint64_t> pull_after; ///< select with the sync extension: a pull
};

/// An item as decoded: the query, or the error that rejects it (naming item and field).
struct item {
    boost::json::value query_id;
    std::optional<query> q;
    std::optional<concord::error> err;
};

/// A decoded request: its items in order, and the batch-level properties.
struct batch_request {
    std::vector<item> items;
    bool continue_if_error = false;
    std::optional<replica_id> replica; ///< set when the batch uses the sync extension
    std::uint64_t acknowledged = 0;
    std::string scope;          ///< the read-scope key of the replica's last pull (empty: none)
    std::string schema_version; ///< the replica's schema version (empty: none given)
};

namespace detail {

// `where` names the item in messages here, so the filter builder goes by another name.
inline column_ref where_(std::string column) {
    return concord::where(std::move(column));
}

inline std::string at_item(std::size_t i) {
    return "items[" + std::to_string(i) + "]";
}

inline result<std::string> column_path(const boost::json::value* expr, const std::string& where) {
    if (expr == nullptr || !expr->is_object())
        return error(errc::invalid_request, where + ": expected an expression object");
    const auto& o = expr->get_object();
    const boost::json::value* t = find(o, "expressionType");
    if (t != nullptr && !(t->is_int64() && t->get_int64() == 0))
        return error(errc::unsupported,
                     where + ": only column expressions (expressionType 0) are supported here");
    const boost::json::value* p = find(o, "columnPath");
    if (p == nullptr || !p->is_string())
        return error(errc::invalid_request, where + ": columnPath is missing");
    std::string path(p->get_string());
    if (path.find('.') != std::string::npos || path.find('[') != std::string::npos)
        return error(errc::unsupported,
                     where + ": column path '" + path + "' crosses entities; not supported", path);
    return path;
}

// A parameter expression's value, typed by the column it is compared with.
inline result<boost::json::value> parameter_value(const boost::json::value* expr,
                                                  const entity_schema& e, const std::string& column,
                                                  const std::string& where, const limits& lim) {
    if (expr == nullptr || !expr->is_object())
        return error(errc::invalid_request, where + ": expected a parameter expression");
    const auto& o = expr->get_object();
    const boost::json::value* t = find(o, "expressionType");
    if (t != nullptr && !(t->is_int64() && t->get_int64() == 2))
        return error(errc::unsupported,
                     where + ": only parameter expressions (expressionType 2) are supported here");
    const boost::json::value* p = find(o, "parameter");
    if (p == nullptr || !p->is_object())
        return error(errc::invalid_request, where + ": parameter is missing");
    if (column == "Id") {
        const boost::json::value* v = find(p->get_object(), "value");
        return v ? *v : boost::json::value(nullptr);
    }
    const concord::column* col = e.find(column);
    if (col == nullptr)
        return error(errc::unknown_column,
                     where + ": entity '" + e.name + "' has no column '" + column + "'", column);
    return decode_parameter(p->get_object(), *col, where, lim);
}

inline result<filter> parse_filter(const boost::json::value& v, const entity_schema& e,
                                   const std::string& where, const limits& lim) {
    if (!v.is_object())
        return error(errc::invalid_request, where + ": a filter must be an object");
    const auto& o = v.get_object();
    if (const boost::json::value* en = find(o, "isEnabled"); en && en->is_bool() && !en->get_bool())
        return filter{};
    const boost::json::value* ft = find(o, "filterType");
    const int type = ft && ft->is_int64() ? static_cast<int>(ft->get_int64()) : 6;
    const boost::json::value* neg = find(o, "isNot");
    const bool is_not = neg && neg->is_bool() && neg->get_bool();
    const boost::json::value* ct = find(o, "comparisonType");
    const int cmp = ct && ct->is_int64() ? static_cast<int>(ct->get_int64()) : 3;
    filter f;
    switch (static_cast<filter_type>(type)) {
    case filter_type::group: {
        const boost::json::value* items = find(o, "items");
        const boost::json::value* lo = find(o, "logicalOperation");
        const bool any = lo && lo->is_int64() && lo->get_int64() == 1;
        bool first = true;
        if (items != nullptr && items->is_object())
            for (const auto& kv : items->get_object()) {
                auto child =
                    parse_filter(kv.value(), e, where + ".items." + std::string(kv.key()), lim);
                if (!child)
                    return child.error();
                if (child->type() == filter::kind::all)
                    continue;
                f = first ? std::move(*child)
                          : (any ? std::move(f) || std::move(*child)
                                 : std::move(f) && std::move(*child));
                first = false;
            }
        else if (items != nullptr && !items->is_null())
            return error(errc::invalid_request, where + ".items: expected an object");
        break;
    }
    case filter_type::compare: {
        auto col = column_path(find(o, "leftExpression"), where + ".leftExpression");
        if (!col)
            return col.error();
        auto val =
            parameter_value(find(o, "rightExpression"), e, *col, where + ".rightExpression", lim);
        if (!val)
            return val.error();
        switch (static_cast<comparison_type>(cmp)) {
        case comparison_type::equal:
            f = where_(*col) == std::move(*val);
            break;
        case comparison_type::not_equal:
            f = where_(*col) != std::move(*val);
            break;
        case comparison_type::less:
            f = where_(*col) < std::move(*val);
            break;
        case comparison_type::less_or_equal:
            f = where_(*col) <= std::move(*val);
            break;
        case comparison_type::greater:
            f = where_(*col) > std::move(*val);
            break;
        case comparison_type::greater_or_equal:
            f = where_(*col) >= std::move(*val);
            break;
        case comparison_type::start_with:
        case comparison_type::not_start_with:
        case comparison_type::contain:
        case comparison_type::not_contain:
        case comparison_type::end_with:
        case comparison_type::not_end_with: {
            if (!val->is_string())
                return error(errc::type_mismatch,
                             where + ".rightExpression: text comparison needs a string", *col);
            const std::string_view s = val->get_string();
            const auto c = static_cast<comparison_type>(cmp);
            f = c == comparison_type::start_with || c == comparison_type::not_start_with
                    ? where_(*col).starts_with(s)
                : c == comparison_type::contain || c == comparison_type::not_contain
                    ? where_(*col).contains(s)
                    : where_(*col).ends_with(s);
            if (c == comparison_type::not_start_with || c == comparison_type::not_contain ||
                c == comparison_type::not_end_with)
                f = !std::move(f);
            break;
        }
        default:
            return error(errc::unsupported, where + ": comparisonType " + std::to_string(cmp) +
                                                " is not supported for a compare filter");
        }
        break;
    }
    case filter_type::is_null: {
        auto col = column_path(find(o, "leftExpression"), where + ".leftExpression");
        if (!col)
            return col.error();
        const boost::json::value* isnull = find(o, "isNull");
        const bool want_null =
            cmp == 2 ? false : (isnull == nullptr || !isnull->is_bool() || isnull->get_bool());
        f = want_null ? where_(*col).is_null() : where_(*col).is_not_null();
        break;
    }
    case filter_type::between: {
        auto col = column_path(find(o, "leftExpression"), where + ".leftExpression");
        if (!col)
            return col.error();
        auto lo = parameter_value(find(o, "rightLessExpression"), e, *col,
                                  where + ".rightLessExpression", lim);
        if (!lo)
            return lo.error();
        auto hi = parameter_value(find(o, "rightGreaterExpression"), e, *col,
                                  where + ".rightGreaterExpression", lim);
        if (!hi)
            return hi.error();
        f = (where_(*col) >= std::move(*lo)) && (where_(*col) <= std::move(*hi));
        break;
    }
    case filter_type::in: {
        auto col = column_path(find(o, "leftExpression"), where + ".leftExpression");
        if (!col)
            return col.error();
        const boost::json::value* rs = find(o, "rightExpressions");
        if (rs == nullptr || !rs->is_array())
            return error(errc::invalid_request, where + ".rightExpressions: expected an array");
        filter any;
        bool first = true;
        std::size_t i = 0;
        for (const auto& r : rs->get_array()) {
            auto val = parameter_value(
                &r, e, *col, where + ".rightExpressions[" + std::to_string(i++) + "]", lim);
            if (!val)
                return val.error();
            filter eq = where_(*col) == std::move(*val);
            any = first ? std::move(eq) : std::move(any) || std::move(eq);
            first = false;
        }
        if (first) // IN () matches nothing
            any = where_("Id").is_null();
        f = cmp == 4 ? !std::move(any) : std::move(any);
        break;
    }
    default:
        return error(errc::unsupported,
                     where + ": filterType " + std::to_string(type) + " is not supported");
    }
    if (f.type() != filter::kind::all)
        if (auto ok = f.validate(e); !ok)
            return error(ok.error().code, where + ": " + ok.error().message, ok.error().field);
    return is_not && f.type() != filter::kind::all ? !std::move(f) : std::move(f);
}

// The record id when a filter is exactly `Id = <guid>` (how sync items address one record).
inline std::optional<std::string> single_id(const filter& f) {
    if (f.type() == filter::kind::compare && f.op() == compare_op::equal &&
        f.column_name() == "Id" && f.value().is_string())
        return std::string(f.value().get_string());
    return std::nullopt;
}

inline result<query> parse_query(const boost::json::object& o, std::string_view contract,
                                 const schema& s, const std::string& where, const limits& lim) {
    query q;
    if (contract == "InsertQuery")
        q.type = operation_type::insert;
    else if (contract == "UpdateQuery")
        q.type = operation_type::update;
    else if (contract == "DeleteQuery")
        q.type = operation_type::remove;
    else if (contract == "SelectQuery")
        q.type = operation_type::select;
    else
        return error(errc::unknown_type,
                     where + ": query type '" + std::string(contract) + "' is not supported");
    const boost::json::value* root = find(o, "rootSchemaName");
    if (root == nullptr || !root->is_string())
        return error(errc::invalid_request, where + ": rootSchemaName is missing");
    q.entity = std::string(root->get_string());
    const entity_schema* e = s.find(q.entity);
    if (e == nullptr)
        return error(errc::unknown_entity, where + ": no entity '" + q.entity + "'");

    if (q.type == operation_type::insert || q.type == operation_type::update) {
        const boost::json::value* cv = find(o, "columnValues");
        const boost::json::value* items =
            cv && cv->is_object() ? find(cv->get_object(), "items") : nullptr;
        if (items == nullptr || !items->is_object())
            return error(errc::invalid_request, where + ": columnValues.items is missing");
        for (const auto& kv : items->get_object()) {
            const std::string name(kv.key());
            const std::string at = where + ".columnValues.items." + name;
            if (!kv.value().is_object())
                return error(errc::invalid_request, at + ": expected a column expression", name);
            const auto& ex = kv.value().get_object();
            const boost::json::value* p = find(ex, "parameter");
            if (p == nullptr || !p->is_object())
                return error(errc::invalid_request, at + ": parameter is missing", name);
            if (name == "Id") {
                const boost::json::value* v = find(p->get_object(), "value");
                if (v == nullptr || !v->is_string() || !is_guid(v->get_string()))
                    return error(errc::invalid_id, at + ": Id must be a GUID", "Id");
                q.record_id = std::string(v->get_string());
                continue;
            }
            const column* col = e->find(name);
            if (col == nullptr)
                return error(errc::unknown_column,
                             at + ": entity '" + q.entity + "' has no column '" + name + "'", name);
            auto v = decode_parameter(p->get_object(), *col, at, lim);
            if (!v)
                return v.error();
            q.values[name] = std::move(*v);
        }
    }
    if (q.type != operation_type::insert) {
        if (const boost::json::value* fl = find(o, "filters"); fl != nullptr && !fl->is_null()) {
            auto f = parse_filter(*fl, *e, where + ".filters", lim);
            if (!f)
                return f.error();
            q.where = std::move(*f);
            q.where_id = single_id(q.where);
        }
    }
    if (q.type == operation_type::select) {
        if (const boost::json::value* all = find(o, "allColumns"))
            q.all_columns = all->is_bool() && all->get_bool();
        const boost::json::value* cols = find(o, "columns");
        const boost::json::value* items =
            cols && cols->is_object() ? find(cols->get_object(), "items") : nullptr;
        if (items != nullptr && items->is_object())
            for (const auto& kv : items->get_object()) {
                const std::string at = where + ".columns.items." + std::string(kv.key());
                if (!kv.value().is_object())
                    return error(errc::invalid_request, at + ": expected a column");
                auto path =
                    column_path(find(kv.value().get_object(), "expression"), at + ".expression");
                if (!path)
                    return path.error();
                if (*path != "Id" && e->find(*path) == nullptr)
                    return error(errc::unknown_column,
                                 at + ": entity '" + q.entity + "' has no column '" + *path + "'",
                                 *path);
                const auto& c = kv.value().get_object();
                const boost::json::value* dir = find(c, "orderDirection");
                const boost::json::value* pos = find(c, "orderPosition");
                if (dir && dir->is_int64() && dir->get_int64() > 0) {
                    const std::int64_t position = pos && pos->is_int64() ? pos->get_int64() : 0;
                    if (position >= 0) {
                        const auto ix = static_cast<std::size_t>(position);
                        if (q.order.size() <= ix)
                            q.order.resize(ix + 1);
                        q.order[ix] = order_by{*path, dir->get_int64() == 2};
                    }
                }
                q.columns.emplace_back(std::string(kv.key()), *path);
            }
        std::erase_if(q.order, [](const order_by& ob) { return ob.column.empty(); });
        if (q.columns.empty())
            q.all_columns = true;
        if (const boost::json::value* rc = find(o, "rowCount");
            rc && rc->is_int64() && rc->get_int64() >= 0)
            q.row_count = static_cast<std::size_t>(rc->get_int64());
        const boost::json::value* pageable = find(o, "isPageable");
        if (const boost::json::value* off = find(o, "rowsOffset");
            off && off->is_int64() && off->get_int64() > 0 && pageable && pageable->is_bool() &&
            pageable->get_bool())
            q.rows_offset = static_cast<std::size_t>(off->get_int64());
    }

    if (const boost::json::value* ext = find(o, "concordSync"); ext != nullptr && !ext->is_null()) {
        if (!ext->is_object())
            return error(errc::invalid_request, where + ".concordSync: expected an object");
        const auto& x = ext->get_object();
        if (q.type == operation_type::select) {
            const boost::json::value* after = find(x, "after");
            if (after == nullptr || !(after->is_int64() || after->is_uint64()) ||
                (after->is_int64() && after->get_int64() < 0))
                return error(errc::invalid_request,
                             where + ".concordSync.after: expected a cursor");
            q.pull_after = after->to_number<std::uint64_t>();
        } else {
            const boost::json::value* cid = find(x, "changeId");
            const boost::json::value* st = find(x, "stamp");
            if (cid == nullptr || !cid->is_string() || st == nullptr || !st->is_string())
                return error(errc::invalid_request,
                             where + ".concordSync: changeId and stamp are required");
            const std::string_view c = cid->get_string();
            const auto colon = c.find(':');
            auto rep =
                parse_replica_id(c.substr(0, colon == std::string_view::npos ? c.size() : colon));
            std::uint64_t seq = 0;
            const std::string_view digits =
                colon == std::string_view::npos ? std::string_view{} : c.substr(colon + 1);
            const auto [end, ec] =
                std::from_chars(digits.data(), digits.data() + digits.size(), seq);
            if (!rep || digits.empty() || ec != std::errc{} ||
                end != digits.data() + digits.size() || seq == 0)
                return error(errc::invalid_request,
                             where + ".concordSync.changeId: expected <replica hex>:<sequence>");
            auto at = parse_stamp(st->get_string());
            if (!at)
                return error(errc::invalid_stamp,
                             where + ".concordSync.stamp: " + at.error().message);
            q.sync = write_sync{change_id{*rep, seq}, *at};
            if (q.type != operation_type::insert && !q.where_id)
                return error(errc::invalid_request,
                             where + ": a synced update or delete must filter on Id = <guid>");
        }
    }
    return q;
}

// The arena a request is parsed into: a monotonic resource that can be shared by two threads
// while they decode items (a copy of a parsed value is made on its storage). Allocations are
// serialised only while `shared` is set, so that the parse itself runs at the arena's speed.
// `make_shared_resource` keeps it inside its own object: the constructor tells where.
class request_arena final : public boost::json::memory_resource {
public:
    explicit request_arena(request_arena*& self) noexcept { self = this; }

    void share(bool on) noexcept { shared_.store(on, std::memory_order_relaxed); }

private:
    void* do_allocate(std::size_t n, std::size_t align) override {
        if (!shared_.load(std::memory_order_relaxed))
            return arena_.allocate(n, align);
        std::lock_guard lock(mutex_);
        return arena_.allocate(n, align);
    }
    void do_deallocate(void*, std::size_t, std::size_t) override {} // freed all at once
    bool do_is_equal(const memory_resource& o) const noexcept override { return this == &o; }

    boost::json::monotonic_resource arena_;
    std::mutex mutex_;
    // Set and reset by the parsing thread before it starts and after it joins the other one.
    std::atomic<bool> shared_{false};
};

// Items from which a batch is decoded on two threads: below it, a thread's start costs more
// than half the work saves.
inline constexpr std::size_t items_in_parallel = 1000;

// Bodies from which a BatchQuery's items are parsed in two halves on two threads (about
// a thousand sync items): the parse of the JSON text is as long as their decoding.
inline constexpr std::size_t split_from_bytes = 512 * 1024;

inline item decode_item(const boost::json::object& it, std::string_view c, const schema& s,
                        const std::string& where, const limits& lim) {
    item x;
    if (const boost::json::value* qid = find(it, "queryId"))
        x.query_id = *qid;
    auto q = parse_query(it, c, s, where, lim);
    if (q)
        x.q = std::move(*q);
    else
        x.err = q.error();
    return x;
}

// The `i`-th item of a BatchQuery. Copies of its values are made on its own storage.
inline item decode_batch_item(const boost::json::value& it, std::size_t i, const schema& s,
                              const limits& lim) {
    const std::string where = at_item(i);
    if (!it.is_object()) {
        item x;
        x.err = error(errc::invalid_request, where + ": expected a query object");
        return x;
    }
    const auto& io = it.get_object();
    const boost::json::value* t = find(io, "__type");
    std::string_view c = t && t->is_string() ? contract_name(t->get_string()) : std::string_view{};
    if (c.empty()) {
        item x;
        if (const boost::json::value* qid = find(io, "queryId"))
            x.query_id = *qid;
        x.err =
            error(errc::unknown_type,
                  where + ".__type: " + (t ? boost::json::serialize(*t) : std::string("missing")) +
                      " is not a DataService query type");
        return x;
    }
    return decode_item(io, c, s, where, lim);
}

// A BatchQuery's properties other than its items, which number `count`.
inline result<void> read_batch(const boost::json::object& o, std::size_t count, const limits& lim,
                               batch_request& b) {
    if (count > lim.max_items)
        return error(errc::body_too_large, "items: " + std::to_string(count) +
                                               " queries; the limit is " +
                                               std::to_string(lim.max_items));
    if (const boost::json::value* c = find(o, "continueIfError"))
        b.continue_if_error = c->is_bool() && c->get_bool();
    if (const boost::json::value* ext = find(o, "concordSync"); ext != nullptr && !ext->is_null()) {
        const boost::json::value* r =
            ext->is_object() ? find(ext->get_object(), "replica") : nullptr;
        auto rep = r && r->is_string() ? parse_replica_id(r->get_string())
                                       : result<replica_id>(error(errc::invalid_request));
        if (!rep)
            return error(errc::invalid_request, "concordSync.replica: expected 16 hex digits");
        b.replica = *rep;
        const boost::json::value* a = find(ext->get_object(), "acknowledged");
        if (a != nullptr && (a->is_uint64() || (a->is_int64() && a->get_int64() >= 0)))
            b.acknowledged = a->to_number<std::uint64_t>();
        if (const boost::json::value* sc = find(ext->get_object(), "scope");
            sc != nullptr && !sc->is_null()) {
            if (!sc->is_string())
                return error(errc::invalid_request, "concordSync.scope: expected a string");
            b.scope = std::string(sc->get_string());
        }
        if (const boost::json::value* sv = find(ext->get_object(), "schemaVersion");
            sv != nullptr && !sv->is_null()) {
            if (!sv->is_string())
                return error(errc::invalid_request, "concordSync.schemaVersion: expected a string");
            b.schema_version = std::string(sv->get_string());
        }
    }
    return {};
}

// The whole body parsed as one value; a large batch's items decoded on two threads.
inline result<batch_request> parse_whole(std::string_view body, std::string_view contract,
                                         const schema& s, const limits& lim) {
    // Parsed into an arena, freed at once: what the request keeps is copied out of it (a
    // copy made from an arena value may share the arena, which then lives as long as it).
    request_arena* arena = nullptr;
    const boost::json::storage_ptr sp = boost::json::make_shared_resource<request_arena>(arena);
    auto v = parse_json(body, lim, sp);
    if (!v)
        return v.error();
    if (!v->is_object())
        return error(errc::invalid_request, "the request body must be a JSON object");
    const auto& o = v->get_object();
    batch_request b;
    if (contract != "BatchQuery") {
        b.items.push_back(decode_item(o, contract, s, "request", lim));
        return b;
    }
    const boost::json::value* items = find(o, "items");
    if (items == nullptr || !items->is_array())
        return error(errc::invalid_request, "items: expected an array of queries");
    const boost::json::array& list = items->get_array();
    if (auto r = read_batch(o, list.size(), lim, b); !r)
        return r.error();
    auto decode_range = [&](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i)
            b.items[i] = decode_batch_item(list[i], i, s, lim);
    };
    b.items.resize(list.size());
    // Items are independent: a large batch (a sync round of thousands of changes) decodes its
    // second half on another thread meanwhile. Each thread writes its own items.
    std::future<void> second;
    if (list.size() >= items_in_parallel) {
        arena->share(true);
        try {
            second = std::async(std::launch::async, decode_range, list.size() / 2, list.size());
        } catch (const std::system_error&) { // no thread to be had: all of it here
        }
    }
    const std::size_t mine = second.valid() ? list.size() / 2 : list.size();
    try {
        decode_range(0, mine);
    } catch (...) {
        if (second.valid())
            second.wait(); // it uses this frame
        throw;
    }
    if (second.valid())
        second.get(); // rethrows what the other thread threw (bad_alloc)
    arena->share(false);
    return b;
}

// Items `text` holds (elements of the items array and the commas between them), parsed as an
// array on an arena of its own and decoded, the first being item `first`. With `to_end`, the
// text runs on past the array's ']' and `end` is set to the offset of that ']' in `text`.
// Nothing when the text does not parse; the body is then parsed whole, for its error.
inline std::optional<std::vector<item>> parse_half(std::string_view text, bool to_end,
                                                   std::size_t first, const schema& s,
                                                   const limits& lim, std::size_t* end = nullptr) {
    if (lim.max_depth < 2)
        return std::nullopt;
    boost::json::parse_options opt;
    opt.max_depth = lim.max_depth - 1; // the array is one level up in the body
    boost::json::stream_parser p({}, opt);
    p.reset(boost::json::make_shared_resource<boost::json::monotonic_resource>());
    boost::system::error_code ec;
    p.write("[", 1, ec);
    if (to_end) {
        const std::size_t used = p.write_some(text.data(), text.size(), ec);
        if (ec || !p.done())
            return std::nullopt;
        std::size_t e = used; // the parse may have read whitespace past the ']'
        while (e > 0 && text[e - 1] != ']')
            --e;
        if (e == 0)
            return std::nullopt;
        *end = e - 1;
    } else {
        p.write(text.data(), text.size(), ec);
        if (!ec)
            p.write("]", 1, ec);
        if (!ec)
            p.finish(ec);
        if (ec)
            return std::nullopt;
    }
    const boost::json::value v = p.release();
    const boost::json::array& list = v.get_array();
    std::vector<item> out;
    out.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i)
        out.push_back(decode_batch_item(list[i], first + i, s, lim));
    return out;
}

// A large BatchQuery cut at `cut`: this thread parses and decodes the first half of the items,
// another the second, and then the rest of the body is parsed without them. Each half has an
// arena of its own, used by one thread only. Nothing when a piece does not parse or the body is
// not what the cut assumed.
inline std::optional<result<batch_request>>
parse_split(std::string_view body, const items_split& cut, const schema& s, const limits& lim) {
    std::size_t end = 0; // the items array's ']', once the second half is parsed
    const std::string_view rest = body.substr(cut.comma + 1);
    std::future<std::optional<std::vector<item>>> second;
    try {
        second = std::async(std::launch::async,
                            [&] { return parse_half(rest, true, cut.first_count, s, lim, &end); });
    } catch (const std::system_error&) { // no thread to be had
        return std::nullopt;
    }
    std::optional<std::vector<item>> first;
    try {
        first = parse_half(body.substr(cut.open + 1, cut.comma - cut.open - 1), false, 0, s, lim);
    } catch (...) {
        second.wait(); // it uses this frame
        throw;
    }
    std::optional<std::vector<item>> later = second.get();
    // An empty second half: the cut comma ends the array ("[…, x,]"), which JSON forbids.
    if (!first || !later || first->size() != cut.first_count || later->empty())
        return std::nullopt;
    // The body without its items: "{…, "items": [], …}".
    const std::size_t close = cut.comma + 1 + end;
    if (names_items_after(body.substr(close + 1)))
        return std::nullopt;
    boost::json::parse_options opt;
    opt.max_depth = lim.max_depth;
    boost::json::stream_parser p({}, opt);
    boost::system::error_code ec;
    p.write(body.data(), cut.open + 1, ec);
    if (!ec)
        p.write(body.data() + close, body.size() - close, ec);
    if (!ec)
        p.finish(ec);
    if (ec)
        return std::nullopt;
    const boost::json::value v = p.release();
    if (!v.is_object())
        return std::nullopt;
    const boost::json::object& o = v.get_object();
    // Keys before the array were read by `split_items`, those after it just now: the one
    // `items` is the array cut out.
    const boost::json::value* items = find(o, "items");
    if (items == nullptr || !items->is_array() || !items->get_array().empty())
        return std::nullopt;
    batch_request b;
    if (auto r = read_batch(o, first->size() + later->size(), lim, b); !r)
        return result<batch_request>(r.error());
    b.items = std::move(*first);
    b.items.reserve(b.items.size() + later->size());
    std::move(later->begin(), later->end(), std::back_inserter(b.items));
    return result<batch_request>(std::move(b));
}

} // namespace detail

/** Decodes a request body for `contract` ("BatchQuery", "InsertQuery", …).

    Whole-request problems — bad JSON, limits, a body of the wrong shape — return an error (the
    server answers HTTP 400 with `responseStatus`). Problems of one item — unknown `__type`,
    entity or column, a value that does not fit, a bad filter — are kept in that item, so the
    other items still run.
*/
inline result<batch_request> parse_request(std::string_view body, std::string_view contract,
                                           const schema& s, const limits& lim = {}) {
    // A sync round's body is mostly its items: two threads parse and decode half each.
    if (contract == "BatchQuery" && body.size() >= detail::split_from_bytes &&
        body.size() <= lim.max_body)
        if (auto cut = detail::split_items(body))
            if (auto b = detail::parse_split(body, *cut, s, lim))
                return std::move(*b);
    return detail::parse_whole(body, contract, s, lim);
}

} // namespace concord::protocol

#endif // CONCORD_PROTOCOL_REQUEST_HPP
