// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — compact JSON forms of model values, for stores that keep them as text.

#ifndef CONCORD_DETAIL_JSON_CODEC_HPP
#define CONCORD_DETAIL_JSON_CODEC_HPP

#include <concord/detail/text_reader.hpp>
#include <concord/error.hpp>
#include <concord/model/batch.hpp>
#include <concord/model/change.hpp>
#include <concord/model/outcome.hpp>
#include <concord/model/record.hpp>
#include <concord/model/replica_state.hpp>
#include <concord/model/stamp.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

// Storage formats, not the wire protocol: short keys, stable once written (a store's format
// version changes when they do). Decoding failures mean a damaged store: they throw
// concord::system_error with errc::store_failed.
namespace concord::detail::codec {

[[noreturn]] inline void corrupt(std::string_view what) {
    throw system_error(error(errc::store_failed, "damaged store: " + std::string(what)));
}

inline const boost::json::value& at(const boost::json::object& o, std::string_view k) {
    auto it = o.find(k);
    if (it == o.end())
        corrupt("missing '" + std::string(k) + "'");
    return it->value();
}

inline std::string str(const boost::json::object& o, std::string_view k) {
    const auto& v = at(o, k);
    if (!v.is_string())
        corrupt("'" + std::string(k) + "' is not text");
    return std::string(v.get_string());
}

inline std::uint64_t u64(const boost::json::object& o, std::string_view k) {
    const auto& v = at(o, k);
    if (v.is_uint64())
        return v.get_uint64();
    if (v.is_int64() && v.get_int64() >= 0)
        return static_cast<std::uint64_t>(v.get_int64());
    corrupt("'" + std::string(k) + "' is not a count");
}

inline const boost::json::object& obj(const boost::json::object& o, std::string_view k) {
    const auto& v = at(o, k);
    if (!v.is_object())
        corrupt("'" + std::string(k) + "' is not an object");
    return v.get_object();
}

inline stamp to_stamp(const boost::json::object& o, std::string_view k) {
    auto s = parse_stamp(str(o, k));
    if (!s)
        corrupt(s.error().message);
    return *s;
}

inline boost::json::object encode(const change& c) {
    return {{"r", to_string(c.id.replica)},
            {"s", c.id.seq},
            {"o", static_cast<int>(c.op)},
            {"e", c.entity},
            {"i", c.record_id},
            {"a", to_string(c.at)},
            {"f", c.fields}};
}

inline change decode_change(const boost::json::object& o) {
    change c;
    auto r = parse_replica_id(str(o, "r"));
    if (!r)
        corrupt(r.error().message);
    c.id = change_id{*r, u64(o, "s")};
    const auto op = u64(o, "o");
    if (op < 1 || op > 3)
        corrupt("bad operation");
    c.op = static_cast<operation>(op);
    c.entity = str(o, "e");
    c.record_id = str(o, "i");
    c.at = to_stamp(o, "a");
    c.fields = obj(o, "f");
    return c;
}

// As above, moving the fields out of `o` instead of copying them.
inline change decode_change(boost::json::object&& o) {
    auto it = o.find("f");
    if (it == o.end() || !it->value().is_object())
        corrupt("'f' is not an object");
    boost::json::object fields = std::move(it->value().get_object());
    change c = decode_change(std::as_const(o)); // copies the now empty "f"
    c.fields = std::move(fields);
    return c;
}

// decode_change(parse_object(text)) for a text as `serialize(encode(c))` writes it, read with no
// JSON value made but the fields' own (a sync reads thousands from the outbox). Nothing when
// the text is written any other way or has values other than scalars: parse it then.
inline std::optional<change> read_change(std::string_view text) {
    text_reader r(text);
    std::string scratch;
    std::string_view s;
    std::int64_t seq = 0, op = 0;
    change c;
    if (!r.literal(R"({"r":)") || !r.string(s, scratch))
        return std::nullopt;
    const auto replica = parse_replica_id(s);
    if (!replica || !r.literal(R"(,"s":)") || !r.integer(seq) || seq < 0 ||
        !r.literal(R"(,"o":)") || !r.integer(op) || op < 1 || op > 3 || !r.literal(R"(,"e":)") ||
        !r.string(s, scratch))
        return std::nullopt;
    c.id = change_id{*replica, static_cast<std::uint64_t>(seq)};
    c.op = static_cast<operation>(op);
    c.entity = std::string(s);
    if (!r.literal(R"(,"i":)") || !r.string(s, scratch))
        return std::nullopt;
    c.record_id = std::string(s);
    if (!r.literal(R"(,"a":)") || !r.string(s, scratch))
        return std::nullopt;
    const auto at = parse_stamp(s);
    if (!at || !r.literal(R"(,"f":)") || !r.flat_object(c.fields, scratch) || !r.literal("}") ||
        r.left() != 0)
        return std::nullopt;
    c.at = *at;
    return c;
}

inline boost::json::object encode(const hub_record& h) {
    return {{"e", h.entity}, {"i", h.id}, {"f", h.fields}, {"d", h.deleted}, {"q", h.seq}};
}

inline hub_record decode_hub_record(const boost::json::object& o) {
    const auto& d = at(o, "d");
    if (!d.is_bool())
        corrupt("'d' is not a boolean");
    return hub_record{str(o, "e"), str(o, "i"), obj(o, "f"), d.get_bool(), u64(o, "q")};
}

inline boost::json::object encode(const outcome& x) {
    boost::json::object o{{"r", to_string(x.change.replica)},
                          {"s", x.change.seq},
                          {"e", x.entity},
                          {"i", x.record_id},
                          {"k", static_cast<int>(x.kind)},
                          {"y", static_cast<int>(x.reason)},
                          {"c", x.code ? x.code.value() : 0},
                          {"m", x.message},
                          {"n", x.field},
                          {"w", x.skew_clamped},
                          {"l", x.losing}};
    if (x.echo_omitted)
        o["x"] = true;
    if (x.hub_copy)
        o["h"] = encode(*x.hub_copy);
    return o;
}

inline outcome decode_outcome(const boost::json::object& o) {
    outcome x;
    auto r = parse_replica_id(str(o, "r"));
    if (!r)
        corrupt(r.error().message);
    x.change = change_id{*r, u64(o, "s")};
    x.entity = str(o, "e");
    x.record_id = str(o, "i");
    const auto k = u64(o, "k"), y = u64(o, "y");
    if (k > 4 || y > 4)
        corrupt("bad outcome kind or reason");
    x.kind = static_cast<outcome_kind>(k);
    x.reason = static_cast<reject_reason>(y);
    if (const auto c = u64(o, "c"); c != 0)
        x.code = make_error_code(static_cast<errc>(c));
    x.message = str(o, "m");
    x.field = str(o, "n");
    const auto& w = at(o, "w");
    x.skew_clamped = w.is_bool() && w.get_bool();
    if (auto e = o.find("x"); e != o.end())
        x.echo_omitted = e->value().is_bool() && e->value().get_bool();
    x.losing = obj(o, "l");
    if (auto h = o.find("h"); h != o.end() && h->value().is_object())
        x.hub_copy = decode_hub_record(h->value().get_object());
    return x;
}

inline boost::json::object encode(const sync_log_entry& e) {
    boost::json::object o{
        {"n", e.id}, {"c", encode(e.mine)}, {"o", encode(e.result)}, {"t", e.at_ms}};
    if (e.local_copy)
        o["l"] = boost::json::object{{"i", e.local_copy->id}, {"f", e.local_copy->fields}};
    return o;
}

inline sync_log_entry decode_log_entry(const boost::json::object& o) {
    sync_log_entry e;
    e.id = u64(o, "n");
    e.mine = decode_change(obj(o, "c"));
    e.result = decode_outcome(obj(o, "o"));
    const auto& t = at(o, "t");
    if (!t.is_int64())
        corrupt("'t' is not a time");
    e.at_ms = t.get_int64();
    if (auto l = o.find("l"); l != o.end() && l->value().is_object())
        e.local_copy = record{str(l->value().get_object(), "i"), obj(l->value().get_object(), "f")};
    return e;
}

inline boost::json::object encode(const sync_request& r) {
    boost::json::array push;
    push.reserve(r.push.size());
    for (const auto& c : r.push)
        push.emplace_back(encode(c));
    boost::json::object o{{"r", to_string(r.replica)},
                          {"k", r.credentials},
                          {"p", std::move(push)},
                          {"a", r.acknowledged},
                          {"s", r.scope}};
    if (r.pull) {
        boost::json::array ents;
        for (const auto& e : r.pull->entities)
            ents.emplace_back(e);
        o["q"] = boost::json::object{
            {"after", r.pull->after}, {"limit", r.pull->limit}, {"e", std::move(ents)}};
    }
    return o;
}

inline sync_request decode_request(const boost::json::object& o) {
    sync_request r;
    auto id = parse_replica_id(str(o, "r"));
    if (!id)
        corrupt(id.error().message);
    r.replica = *id;
    r.credentials = str(o, "k");
    const auto& p = at(o, "p");
    if (!p.is_array())
        corrupt("'p' is not an array");
    for (const auto& c : p.get_array()) {
        if (!c.is_object())
            corrupt("a change is not an object");
        r.push.push_back(decode_change(c.get_object()));
    }
    r.acknowledged = u64(o, "a");
    if (o.contains("s"))
        r.scope = str(o, "s");
    if (auto q = o.find("q"); q != o.end() && q->value().is_object()) {
        const auto& qo = q->value().get_object();
        pull_request pr;
        pr.after = u64(qo, "after");
        pr.limit = static_cast<std::size_t>(u64(qo, "limit"));
        const auto& e = at(qo, "e");
        if (!e.is_array())
            corrupt("'e' is not an array");
        for (const auto& name : e.get_array()) {
            if (!name.is_string())
                corrupt("an entity name is not text");
            pr.entities.emplace_back(name.get_string());
        }
        r.pull = std::move(pr);
    }
    return r;
}

inline boost::json::object encode(const sync_response& r) {
    boost::json::array outcomes, rows;
    outcomes.reserve(r.outcomes.size());
    for (const auto& o : r.outcomes)
        outcomes.emplace_back(encode(o));
    rows.reserve(r.rows.size());
    for (const auto& h : r.rows)
        rows.emplace_back(encode(h));
    return {{"o", std::move(outcomes)},
            {"w", std::move(rows)},
            {"c", r.cursor},
            {"m", r.more},
            {"l", r.latest},
            {"t", to_string(r.hub_time)},
            {"s", r.scope},
            {"x", r.resync},
            {"ae", r.administrator_email}};
}

inline sync_response decode_response(const boost::json::object& o) {
    sync_response r;
    const auto& outs = at(o, "o");
    const auto& rows = at(o, "w");
    if (!outs.is_array() || !rows.is_array())
        corrupt("outcomes or rows are not arrays");
    for (const auto& x : outs.get_array()) {
        if (!x.is_object())
            corrupt("an outcome is not an object");
        r.outcomes.push_back(decode_outcome(x.get_object()));
    }
    for (const auto& x : rows.get_array()) {
        if (!x.is_object())
            corrupt("a row is not an object");
        r.rows.push_back(decode_hub_record(x.get_object()));
    }
    r.cursor = u64(o, "c");
    const auto& m = at(o, "m");
    r.more = m.is_bool() && m.get_bool();
    r.hub_time = to_stamp(o, "t");
    if (o.contains("l"))
        r.latest = u64(o, "l");
    if (o.contains("s"))
        r.scope = str(o, "s");
    if (const auto* x = o.if_contains("x"))
        r.resync = x->is_bool() && x->get_bool();
    if (o.contains("ae"))
        r.administrator_email = str(o, "ae");
    return r;
}

inline boost::json::object parse_object(std::string_view text, std::string_view what) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object())
        corrupt(std::string(what) + " is not a JSON object");
    return std::move(v.get_object());
}

// As above, with a parser kept for many texts: its buffers are made once, not per text.
inline boost::json::object parse_object(boost::json::parser& p, std::string_view text,
                                        std::string_view what) {
    boost::system::error_code ec;
    p.reset();
    p.write(text.data(), text.size(), ec);
    if (ec)
        corrupt(std::string(what) + " is not a JSON object");
    boost::json::value v = p.release();
    if (!v.is_object())
        corrupt(std::string(what) + " is not a JSON object");
    return std::move(v.get_object());
}

} // namespace concord::detail::codec

#endif // CONCORD_DETAIL_JSON_CODEC_HPP
