// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a sync round written as a DataService BatchQuery: its writes as text, its pulls as
// SelectQuery items (protocol/client.hpp's encode_sync).

#ifndef CONCORD_PROTOCOL_DETAIL_ENCODE_SYNC_HPP
#define CONCORD_PROTOCOL_DETAIL_ENCODE_SYNC_HPP

#include <concord/model/batch.hpp>
#include <concord/model/change.hpp>
#include <concord/model/filter.hpp>
#include <concord/model/schema.hpp>
#include <concord/model/stamp.hpp>
#include <concord/protocol/dataservice.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace concord::protocol::detail {

inline boost::json::object parameter(const boost::json::value& v, data_value_type t) {
    return {
        {"expressionType", 2},
        {"parameter", boost::json::object{{"dataValueType", static_cast<int>(t)}, {"value", v}}}};
}

inline boost::json::object column_expression(const std::string& column) {
    return {{"expressionType", 0}, {"columnPath", column}};
}

/// `f` as a DataService filter; parameter types come from `e` (`Id` is a Guid).
inline boost::json::object encode_filter(const filter& f, const entity_schema& e) {
    using k = filter::kind;
    switch (f.type()) {
    case k::all:
        return {{"filterType", 6},
                {"logicalOperation", 0},
                {"isEnabled", true},
                {"items", boost::json::object{}}};
    case k::negate:
        if (f.children().front().type() == k::all) // "not everything": DataService's empty In
            return {{"filterType", 4},
                    {"comparisonType", 3},
                    {"isEnabled", true},
                    {"leftExpression", column_expression("Id")},
                    {"rightExpressions", boost::json::array{}}};
        [[fallthrough]];
    case k::all_of:
    case k::any_of: {
        boost::json::object items;
        std::size_t i = 0;
        for (const filter& c : f.children())
            items["f" + std::to_string(i++)] = encode_filter(c, e);
        boost::json::object g{{"filterType", 6},
                              {"logicalOperation", f.type() == k::any_of ? 1 : 0},
                              {"isEnabled", true},
                              {"items", std::move(items)}};
        if (f.type() == k::negate)
            g["isNot"] = true;
        return g;
    }
    case k::compare:
        break;
    }
    const compare_op op = f.op();
    const bool null_value = f.value().is_null();
    if (op == compare_op::is_null || op == compare_op::is_not_null ||
        (null_value && (op == compare_op::equal || op == compare_op::not_equal))) {
        const bool want_null = op == compare_op::is_null || op == compare_op::equal;
        return {{"filterType", 2},
                {"comparisonType", want_null ? 1 : 2},
                {"isEnabled", true},
                {"isNull", want_null},
                {"leftExpression", column_expression(f.column_name())}};
    }
    int code = 3;
    switch (op) {
    case compare_op::equal:
        code = 3;
        break;
    case compare_op::not_equal:
        code = 4;
        break;
    case compare_op::less:
        code = 5;
        break;
    case compare_op::less_or_equal:
        code = 6;
        break;
    case compare_op::greater:
        code = 7;
        break;
    case compare_op::greater_or_equal:
        code = 8;
        break;
    case compare_op::starts_with:
        code = 9;
        break;
    case compare_op::contains:
        code = 11;
        break;
    case compare_op::ends_with:
        code = 13;
        break;
    case compare_op::is_null:
    case compare_op::is_not_null:
        break;
    }
    const column* col = e.find(f.column_name());
    const data_value_type type = f.column_name() == "Id" ? data_value_type::guid
                                 : col != nullptr        ? col->type
                                                         : data_value_type::text;
    return {{"filterType", 1},
            {"comparisonType", code},
            {"isEnabled", true},
            {"leftExpression", column_expression(f.column_name())},
            {"rightExpression", parameter(f.value(), type)}};
}

inline const char* type_of(operation op) {
    switch (op) {
    case operation::insert:
        return "Terrasoft.Nui.ServiceModel.DataContract.InsertQuery";
    case operation::update:
        return "Terrasoft.Nui.ServiceModel.DataContract.UpdateQuery";
    case operation::remove:
        return "Terrasoft.Nui.ServiceModel.DataContract.DeleteQuery";
    }
    return "";
}

// A round's writes are written as text, not built as JSON objects first: a 10,000-change
// round would otherwise allocate ~40 objects per change only to serialise them.

/// Appends `s` as a JSON string: UTF-8 as is; quotes, backslashes, control characters escaped.
inline void append_json(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0; // the start of the characters not yet appended
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xf];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

inline void append_json(std::string& out, const boost::json::value& v) {
    if (v.is_string())
        append_json(out, std::string_view(v.get_string()));
    else
        out += boost::json::serialize(v);
}

/// `parameter(v, t)` as text.
inline void append_parameter(std::string& out, const boost::json::value& v, data_value_type t) {
    out += R"({"expressionType":2,"parameter":{"dataValueType":)";
    out += std::to_string(static_cast<int>(t));
    out += R"(,"value":)";
    append_json(out, v);
    out += "}}";
}

/// The filter `Id = id`.
inline void append_id_filter(std::string& out, std::string_view id) {
    out += R"({"filterType":6,"logicalOperation":0,"isEnabled":true,"items":{"primaryFilter":)"
           R"({"filterType":1,"comparisonType":3,"isEnabled":true,"leftExpression":)"
           R"({"expressionType":0,"columnPath":"Id"},"rightExpression":)"
           R"({"expressionType":2,"parameter":{"dataValueType":0,"value":)";
    append_json(out, id);
    out += "}}}}}";
}

/// One pushed change as a write item.
inline void append_write(std::string& out, const change& c, const schema& s) {
    out += R"({"__type":")";
    out += type_of(c.op);
    out += R"(","rootSchemaName":)";
    append_json(out, c.entity);
    out += R"(,"operationType":)";
    out += std::to_string(static_cast<int>(c.op));
    if (c.op != operation::remove) {
        const entity_schema* e = s.find(c.entity);
        out += R"(,"columnValues":{"items":{)";
        bool first = true;
        if (c.op == operation::insert) {
            out += R"("Id":)";
            append_parameter(out, boost::json::value(c.record_id), data_value_type::guid);
            first = false;
        }
        for (const auto& f : c.fields) {
            if (c.op == operation::insert && f.key() == "Id")
                continue; // the record's id is sent above
            if (!first)
                out += ',';
            first = false;
            append_json(out, std::string_view(f.key()));
            out += ':';
            const column* col = e ? e->find(f.key()) : nullptr;
            append_parameter(out, f.value(), col ? col->type : data_value_type::text);
        }
        out += "}}";
    }
    if (c.op != operation::insert) {
        out += R"(,"filters":)";
        append_id_filter(out, c.record_id);
    }
    out += R"(,"concordSync":{"changeId":")";
    concord::detail::put_change_id(out, c.id);
    out += R"(","stamp":")";
    concord::detail::put_stamp(out, c.at);
    out += "\"}}";
}

// encode_sync and decode_sync with the pull as sent: `req.pull`, or a copy of it that spells
// out its entities (the HTTP transport's, which thus never copies the pushed changes).
inline std::string encode_sync(const sync_request& req, const pull_request* pull, const schema& s) {
    std::string body = R"({"items":[)";
    bool first = true;
    for (const change& c : req.push) {
        if (!first)
            body += ',';
        detail::append_write(body, c, s);
        // Room for as many more and an eighth, up to the hub's default body limit: one
        // allocation, not a copy per doubling (a 10k-change body is ~7 MB).
        if (first && req.push.size() > 1)
            body.reserve(std::min<std::size_t>(body.size() / 8 * 9 * req.push.size() + 4096,
                                               std::size_t{16} << 20));
        first = false;
    }
    if (pull != nullptr) {
        const pull_request& p = *pull;
        for (std::size_t i = 0; i < p.entities.size(); ++i) {
            boost::json::object q{{"__type", "Terrasoft.Nui.ServiceModel.DataContract.SelectQuery"},
                                  {"rootSchemaName", p.entities[i]},
                                  {"operationType", 0},
                                  {"allColumns", true},
                                  {"isPageable", true},
                                  {"rowCount", p.limit},
                                  {"concordSync", boost::json::object{{"after", p.after}}}};
            const entity_schema* es = s.find(p.entities[i]);
            if (p.views.size() == p.entities.size() && es != nullptr) {
                // A workplace's view: its filter and columns, as a plain select would send them.
                const pull_view& v = p.views[i];
                if (v.where.type() != filter::kind::all)
                    q["filters"] = detail::encode_filter(v.where, *es);
                if (!v.columns.empty()) {
                    boost::json::object cols;
                    for (const std::string& c : v.columns)
                        cols[c] = boost::json::object{{"expression", detail::column_expression(c)}};
                    q["allColumns"] = false;
                    q["columns"] = boost::json::object{{"items", std::move(cols)}};
                }
            }
            if (!first)
                body += ',';
            first = false;
            body += boost::json::serialize(q);
        }
    }
    boost::json::object sync{{"replica", to_string(req.replica)},
                             {"acknowledged", req.acknowledged}};
    if (!req.scope.empty())
        sync["scope"] = req.scope;
    if (!req.schema_version.empty())
        sync["schemaVersion"] = req.schema_version;
    body += R"(],"concordSync":)";
    body += boost::json::serialize(sync);
    body += '}';
    return body;
}

} // namespace concord::protocol::detail

#endif // CONCORD_PROTOCOL_DETAIL_ENCODE_SYNC_HPP
