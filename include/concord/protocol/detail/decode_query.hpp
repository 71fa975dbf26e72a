// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — one DataService query decoded from its parsed JSON, strictly: every problem names
// the item and the field.

#ifndef CONCORD_PROTOCOL_DETAIL_DECODE_QUERY_HPP
#define CONCORD_PROTOCOL_DETAIL_DECODE_QUERY_HPP

#include <concord/model/filter.hpp>
#include <concord/model/schema.hpp>
#include <concord/protocol/dataservice.hpp>
#include <concord/protocol/query.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace concord::protocol::detail {

// `where` names the item in messages here, so the filter builder goes by another name.
inline column_ref where_(std::string column) {
    return concord::where(std::move(column));
}

// Where a value sits in the request, for messages ("items[3].filters.leftExpression"): a chain
// of pieces on the stack, written out only when an error names it (a large round decodes
// tens of thousands of places and names none).
class location {
public:
    explicit location(std::string_view root) noexcept : piece_(root) {}
    explicit location(std::size_t item) noexcept : item_(item), is_item_(true) {}
    // `parent` must outlive this location.
    location(const location& parent, std::string_view piece) noexcept
        : parent_(&parent)
        , piece_(piece) {}

    friend std::string describe(const location& l) {
        std::string out = l.parent_ ? describe(*l.parent_) : std::string();
        if (l.is_item_)
            out += "items[" + std::to_string(l.item_) + "]";
        else
            out += l.piece_;
        return out;
    }
    friend std::string operator+(const location& l, std::string_view text) {
        std::string out = describe(l);
        out += text;
        return out;
    }

private:
    const location* parent_ = nullptr;
    std::string_view piece_;
    std::size_t item_ = 0;
    bool is_item_ = false;
};

// `expr` as an expression object of `type` (absent: taken as `type`); `kind` names it.
inline result<const boost::json::object*> expression(const boost::json::value* expr, int type,
                                                     std::string_view kind, const location& where) {
    if (expr == nullptr || !expr->is_object())
        return error(errc::invalid_request,
                     where + ": expected " +
                         (type == 0 ? std::string("an expression object")
                                    : "a " + std::string(kind) + " expression"));
    const auto& o = expr->get_object();
    const boost::json::value* t = find(o, "expressionType");
    if (t != nullptr && !(t->is_int64() && t->get_int64() == type))
        return error(errc::unsupported, where + ": only " + std::string(kind) +
                                            " expressions (expressionType " + std::to_string(type) +
                                            ") are supported here");
    return &o;
}

inline result<std::string> column_path(const boost::json::value* expr, const location& where) {
    auto x = expression(expr, 0, "column", where);
    if (!x)
        return x.error();
    const boost::json::object& o = **x;
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
                                                  const location& where, const limits& lim) {
    auto x = expression(expr, 2, "parameter", where);
    if (!x)
        return x.error();
    const boost::json::value* p = find(**x, "parameter");
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
    return decode_parameter_at(p->get_object(), *col, where, lim);
}

inline result<filter> parse_filter(const boost::json::value& v, const entity_schema& e,
                                   const location& where, const limits& lim) {
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
                const location in(where, ".items.");
                auto child = parse_filter(kv.value(), e, location(in, kv.key()), lim);
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
        auto col = column_path(find(o, "leftExpression"), location(where, ".leftExpression"));
        if (!col)
            return col.error();
        auto val = parameter_value(find(o, "rightExpression"), e, *col,
                                   location(where, ".rightExpression"), lim);
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
        auto col = column_path(find(o, "leftExpression"), location(where, ".leftExpression"));
        if (!col)
            return col.error();
        const boost::json::value* isnull = find(o, "isNull");
        const bool want_null =
            cmp == 2 ? false : (isnull == nullptr || !isnull->is_bool() || isnull->get_bool());
        f = want_null ? where_(*col).is_null() : where_(*col).is_not_null();
        break;
    }
    case filter_type::between: {
        auto col = column_path(find(o, "leftExpression"), location(where, ".leftExpression"));
        if (!col)
            return col.error();
        auto lo = parameter_value(find(o, "rightLessExpression"), e, *col,
                                  location(where, ".rightLessExpression"), lim);
        if (!lo)
            return lo.error();
        auto hi = parameter_value(find(o, "rightGreaterExpression"), e, *col,
                                  location(where, ".rightGreaterExpression"), lim);
        if (!hi)
            return hi.error();
        f = (where_(*col) >= std::move(*lo)) && (where_(*col) <= std::move(*hi));
        break;
    }
    case filter_type::in: {
        auto col = column_path(find(o, "leftExpression"), location(where, ".leftExpression"));
        if (!col)
            return col.error();
        const boost::json::value* rs = find(o, "rightExpressions");
        if (rs == nullptr || !rs->is_array())
            return error(errc::invalid_request, where + ".rightExpressions: expected an array");
        filter any;
        bool first = true;
        std::size_t i = 0;
        for (const auto& r : rs->get_array()) {
            const location list(where, ".rightExpressions");
            const std::string index = "[" + std::to_string(i++) + "]";
            auto val = parameter_value(&r, e, *col, location(list, index), lim);
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

// The operation of a query contract ("InsertQuery", …); nothing for any other.
inline std::optional<operation_type> query_type(std::string_view contract) noexcept {
    if (contract == "InsertQuery")
        return operation_type::insert;
    if (contract == "UpdateQuery")
        return operation_type::update;
    if (contract == "DeleteQuery")
        return operation_type::remove;
    if (contract == "SelectQuery")
        return operation_type::select;
    return std::nullopt;
}

inline result<query> parse_query(const boost::json::object& o, std::string_view contract,
                                 const schema& s, const location& where, const limits& lim) {
    query q;
    if (const auto type = query_type(contract))
        q.type = *type;
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
        const location values(where, ".columnValues.items.");
        for (const auto& kv : items->get_object()) {
            const std::string_view name = kv.key();
            const location at(values, name);
            if (!kv.value().is_object())
                return error(errc::invalid_request, at + ": expected a column expression",
                             std::string(name));
            const auto& ex = kv.value().get_object();
            const boost::json::value* p = find(ex, "parameter");
            if (p == nullptr || !p->is_object())
                return error(errc::invalid_request, at + ": parameter is missing",
                             std::string(name));
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
                             at + ": entity '" + q.entity + "' has no column '" +
                                 std::string(name) + "'",
                             std::string(name));
            auto v = decode_parameter_at(p->get_object(), *col, at, lim);
            if (!v)
                return v.error();
            q.values[name] = std::move(*v);
        }
    }
    if (q.type != operation_type::insert) {
        if (const boost::json::value* fl = find(o, "filters"); fl != nullptr && !fl->is_null()) {
            auto f = parse_filter(*fl, *e, location(where, ".filters"), lim);
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
                const location columns(where, ".columns.items.");
                const location at(columns, kv.key());
                if (!kv.value().is_object())
                    return error(errc::invalid_request, at + ": expected a column");
                auto path = column_path(find(kv.value().get_object(), "expression"),
                                        location(at, ".expression"));
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
            const auto id = parse_change_id(cid->get_string());
            if (!id)
                return error(errc::invalid_request,
                             where + ".concordSync.changeId: expected <replica hex>:<sequence>");
            auto at = parse_stamp(st->get_string());
            if (!at)
                return error(errc::invalid_stamp,
                             where + ".concordSync.stamp: " + at.error().message);
            q.sync = write_sync{*id, *at};
            if (q.type != operation_type::insert && !q.where_id)
                return error(errc::invalid_request,
                             where + ": a synced update or delete must filter on Id = <guid>");
        }
    }
    return q;
}

inline item decode_item(const boost::json::object& it, std::string_view c, const schema& s,
                        const location& where, const limits& lim) {
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
    const location where(i);
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

} // namespace concord::protocol::detail

#endif // CONCORD_PROTOCOL_DETAIL_DECODE_QUERY_HPP
