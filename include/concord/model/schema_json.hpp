// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a schema as JSON (how the hub sends it and a replica keeps it) and its version.

#ifndef CONCORD_MODEL_SCHEMA_JSON_HPP
#define CONCORD_MODEL_SCHEMA_JSON_HPP

#include <concord/error.hpp>
#include <concord/model/schema.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <cstdio>
#include <string>

namespace concord {

/** `{"entities": [{"name": "Case", "columns": [{"name": "Number", "dataValueType": 1,
    "required": true, "maxLength": 20, "allowed": ["a", "b"]}, …]}, …]}` — `required`,
    `maxLength` and `allowed` only when set (docs/protocol.md §8).
*/
inline boost::json::value to_json(const schema& s) {
    boost::json::array entities;
    for (const entity_schema& e : s.entities()) {
        boost::json::array columns;
        for (const column& c : e.columns) {
            boost::json::object o{{"name", c.name}, {"dataValueType", static_cast<int>(c.type)}};
            if (c.required)
                o["required"] = true;
            if (c.max_length != 0)
                o["maxLength"] = c.max_length;
            if (!c.allowed.empty())
                o["allowed"] = boost::json::array(c.allowed.begin(), c.allowed.end());
            columns.push_back(std::move(o));
        }
        entities.push_back(boost::json::object{{"name", e.name}, {"columns", std::move(columns)}});
    }
    return boost::json::object{{"entities", std::move(entities)}};
}

/// The schema `to_json` wrote. @returns `protocol_error` naming what does not fit.
inline result<schema> schema_from_json(const boost::json::value& v) {
    auto bad = [](const std::string& what) {
        return error(errc::protocol_error, "schema: " + what);
    };
    const auto* o = v.if_object();
    const auto* es = o ? o->if_contains("entities") : nullptr;
    if (es == nullptr || !es->is_array())
        return bad("expected an object with an array 'entities'");
    schema out;
    for (const auto& ev : es->get_array()) {
        const auto* eo = ev.if_object();
        const auto* name = eo ? eo->if_contains("name") : nullptr;
        const auto* cols = eo ? eo->if_contains("columns") : nullptr;
        if (name == nullptr || !name->is_string() || cols == nullptr || !cols->is_array())
            return bad("an entity needs a string 'name' and an array 'columns'");
        entity_schema e{std::string(name->get_string()), {}};
        for (const auto& cv : cols->get_array()) {
            const auto* co = cv.if_object();
            const auto* cn = co ? co->if_contains("name") : nullptr;
            const auto* ct = co ? co->if_contains("dataValueType") : nullptr;
            if (cn == nullptr || !cn->is_string() || ct == nullptr || !ct->is_int64())
                return bad(e.name + ": a column needs a string 'name' and an integer "
                                    "'dataValueType'");
            const auto code = ct->get_int64();
            if (code < 0 || code > 12 || code == 2 || code == 3)
                return bad(e.name + "." + std::string(cn->get_string()) +
                           ": unknown dataValueType " + std::to_string(code));
            column c(std::string(cn->get_string()), static_cast<data_value_type>(code));
            if (const auto* r = co->if_contains("required"); r && r->is_bool())
                c.required = r->get_bool();
            if (const auto* m = co->if_contains("maxLength");
                m && m->is_int64() && m->get_int64() > 0)
                c.max_length = static_cast<std::size_t>(m->get_int64());
            else if (m && m->is_uint64())
                c.max_length = static_cast<std::size_t>(m->get_uint64());
            if (const auto* a = co->if_contains("allowed"); a && a->is_array())
                c.allowed.assign(a->get_array().begin(), a->get_array().end());
            e.columns.push_back(std::move(c));
        }
        out.add(std::move(e));
    }
    return out;
}

/// A short fingerprint of a schema (FNV-1a 64 of its JSON, 16 hex digits): equal schemas,
/// equal versions. The hub sends its schema to a replica whose version differs.
inline std::string schema_version(const schema& s) {
    const std::string text = boost::json::serialize(to_json(s));
    std::uint64_t h = 14695981039346656037ull;
    for (const char ch : text) {
        h ^= static_cast<unsigned char>(ch);
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

/// Whether `after` has an entity or a column that `before` lacks: data the replica never
/// pulled, so it re-syncs.
inline bool schema_grew(const schema& before, const schema& after) {
    for (const entity_schema& e : after.entities()) {
        const entity_schema* old = before.find(e.name);
        if (old == nullptr)
            return true;
        for (const column& c : e.columns)
            if (old->find(c.name) == nullptr)
                return true;
    }
    return false;
}

} // namespace concord

#endif // CONCORD_MODEL_SCHEMA_JSON_HPP
