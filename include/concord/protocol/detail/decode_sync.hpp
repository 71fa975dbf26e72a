// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the hub's answer to a sync round decoded (protocol/client.hpp's decode_sync): read
// from the text where the hub wrote it as it does, parsed whole otherwise.

#ifndef CONCORD_PROTOCOL_DETAIL_DECODE_SYNC_HPP
#define CONCORD_PROTOCOL_DETAIL_DECODE_SYNC_HPP

#include <concord/detail/text_reader.hpp>
#include <concord/model/batch.hpp>
#include <concord/model/schema.hpp>
#include <concord/model/schema_json.hpp>
#include <concord/protocol/dataservice.hpp>
#include <concord/protocol/detail/split_items.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace concord::protocol::detail {
inline std::uint64_t count(const boost::json::value* v) {
    if (v && v->is_uint64())
        return v->get_uint64();
    if (v && v->is_int64() && v->get_int64() >= 0)
        return static_cast<std::uint64_t>(v->get_int64());
    return 0;
}

inline std::string_view view(const boost::json::object& o, std::string_view k) {
    const boost::json::value* v = find(o, k);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

inline std::string text(const boost::json::object& o, std::string_view k) {
    return std::string(view(o, k));
}

inline outcome_kind kind_of(std::string_view s) {
    for (int k = 0; k <= 4; ++k)
        if (to_string(static_cast<outcome_kind>(k)) == s)
            return static_cast<outcome_kind>(k);
    return outcome_kind::rejected;
}

inline reject_reason reason_of(std::string_view s) {
    for (int k = 0; k <= 4; ++k)
        if (to_string(static_cast<reject_reason>(k)) == s)
            return static_cast<reject_reason>(k);
    return reject_reason::none;
}

inline error_code code_of(std::int64_t v) {
    return v > 0 && v <= static_cast<int>(errc::unsupported) ? make_error_code(static_cast<errc>(v))
                                                             : error_code{};
}

// A pulled row, its values moved out of the answer's arena (no copy): the record lives as long
// as the page it came in, and the stores copy what they keep longer into their own storage.
inline hub_record take_row(boost::json::object& row, const std::string& entity) {
    hub_record h{entity, {}, boost::json::object(row.storage()), false, 0};
    h.fields.reserve(row.size());
    for (auto& kv : row) {
        if (kv.key() == "Id")
            h.id = kv.value().is_string() ? std::string(kv.value().get_string()) : std::string();
        else if (kv.key() == "concordDeleted")
            h.deleted = kv.value().is_bool() && kv.value().get_bool();
        else if (!kv.value().is_null())
            h.fields.emplace(kv.key(), std::move(kv.value()));
    }
    return h;
}

// The record's fields are copied into the default storage, never the answer's arena: a hub
// copy may outlive the answer by far (in the sync log), and would keep all of it alive.
inline hub_record row_to_record(const boost::json::object& row, const std::string& entity) {
    boost::json::object own(row, boost::json::storage_ptr());
    return take_row(own, entity);
}

// The outcome of pushed change `c` from its result `v`, item `i` of the answer.
inline result<outcome> decode_result(const boost::json::value& v, const change& c, std::size_t i) {
    if (!v.is_object())
        return error(errc::protocol_error,
                     "query result " + std::to_string(i) + " is not an object");
    const auto& r = v.get_object();
    outcome out;
    out.change = c.id;
    out.entity = c.entity;
    out.record_id = c.record_id;
    const boost::json::value* x = find(r, "concordSync");
    if (x == nullptr || !x->is_object()) {
        const boost::json::value* ei = find(r, "errorInfo");
        if (ei == nullptr || !ei->is_object())
            return error(errc::protocol_error,
                         "query result " + std::to_string(i) + " carries no outcome");
        const auto& e = ei->get_object();
        const boost::json::value* cc = find(e, "concordCode");
        out.kind = outcome_kind::rejected;
        out.reason = reject_reason::validation;
        out.code = detail::code_of(cc && cc->is_int64() ? cc->get_int64()
                                                        : static_cast<int>(errc::invalid_request));
        // The hub names the item; the sync log names the record too.
        out.message = c.entity + " " + c.record_id + ": " + detail::text(e, "message");
        out.field = detail::text(e, "field");
        out.losing = c.fields;
        return out;
    }
    const auto& s = x->get_object();
    if (auto id = parse_change_id(detail::view(s, "changeId")); !id || *id != c.id)
        return error(errc::protocol_error,
                     "query result " + std::to_string(i) + " answers another change");
    out.kind = detail::kind_of(detail::view(s, "outcome"));
    out.reason = detail::reason_of(detail::view(s, "reason"));
    const boost::json::value* code = find(s, "code");
    out.code = detail::code_of(code && code->is_int64() ? code->get_int64() : 0);
    out.message = detail::text(s, "message");
    out.field = detail::text(s, "field");
    const boost::json::value* skew = find(s, "skewClamped");
    out.skew_clamped = skew && skew->is_bool() && skew->get_bool();
    const boost::json::value* echo = find(s, "echoOmitted");
    out.echo_omitted = echo && echo->is_bool() && echo->get_bool();
    if (const boost::json::value* l = find(s, "losing"); l && l->is_object())
        out.losing = l->get_object();
    if (const boost::json::value* h = find(s, "hubCopy"); h && h->is_object()) {
        const auto& ho = h->get_object();
        const boost::json::value* vals = find(ho, "values");
        hub_record copy = detail::row_to_record(
            vals && vals->is_object() ? vals->get_object() : boost::json::object{}, c.entity);
        const boost::json::value* del = find(ho, "deleted");
        copy.deleted = del && del->is_bool() && del->get_bool();
        copy.seq = detail::count(find(ho, "seq"));
        if (copy.id.empty())
            copy.id = c.record_id;
        out.hub_copy = std::move(copy);
    }
    return out;
}

// The pulls' results, `results[first]` on, and the batch's concordSync (in `o`) into `resp`.
inline result<void> decode_pulls(const boost::json::object& o, boost::json::array& results,
                                 std::size_t first, const pull_request* pull, sync_response& resp) {
    const std::size_t pulls = pull != nullptr ? pull->entities.size() : 0;
    for (std::size_t k = 0; k < pulls; ++k) {
        const std::size_t i = first + k;
        if (!results[i].is_object())
            return error(errc::protocol_error,
                         "query result " + std::to_string(i) + " is not an object");
        const auto& r = results[i].get_object();
        const boost::json::value* ok = find(r, "success");
        if (ok == nullptr || !ok->is_bool() || !ok->get_bool()) {
            const boost::json::value* ei = find(r, "errorInfo");
            return error(errc::protocol_error,
                         "the pull of " + pull->entities[k] + " failed: " +
                             (ei && ei->is_object() ? detail::text(ei->get_object(), "message")
                                                    : std::string()));
        }
        const boost::json::value* rows = find(r, "rows");
        if (rows == nullptr || !rows->is_array())
            return error(errc::protocol_error, "the pull of " + pull->entities[k] + " has no rows");
        // The parsed answer is this function's own: its rows' values are moved out.
        for (auto& row : const_cast<boost::json::value*>(rows)->get_array())
            if (row.is_object())
                resp.rows.push_back(detail::take_row(row.get_object(), pull->entities[k]));
        if (const boost::json::value* x = find(r, "concordSync"); x && x->is_object()) {
            const auto& xo = x->get_object();
            resp.cursor = detail::count(find(xo, "cursor"));
            resp.latest = detail::count(find(xo, "latest"));
            const boost::json::value* more = find(xo, "more");
            resp.more = more && more->is_bool() && more->get_bool();
            resp.scope = detail::text(xo, "scope");
            const boost::json::value* resync = find(xo, "resync");
            resp.resync = resync && resync->is_bool() && resync->get_bool();
        }
    }
    if (const boost::json::value* x = find(o, "concordSync"); x && x->is_object()) {
        if (auto t = parse_stamp(detail::text(x->get_object(), "hubTime")))
            resp.hub_time = *t;
        resp.administrator_email = detail::text(x->get_object(), "administratorEmail");
        resp.schema_version = detail::text(x->get_object(), "schemaVersion");
        if (const boost::json::value* sc = find(x->get_object(), "schema"); sc && !sc->is_null()) {
            auto hub_schema = schema_from_json(*sc);
            if (!hub_schema)
                return error(errc::protocol_error,
                             "the hub's answer: concordSync." + hub_schema.error().message);
            resp.schema = std::move(*hub_schema);
        }
    }
    if (pull == nullptr)
        resp.cursor = 0;
    return {};
}

// What the client takes from a hub's answer: a large page, nested as deep as the hub likes.
inline constexpr limits answer_limits{std::size_t{1} << 31, 64, std::size_t{1} << 31,
                                      std::size_t{1} << 31};

// The answer parsed whole and decoded: any answer, with the problem named when it does not fit.
inline result<sync_response> decode_sync_parsed(std::string_view body, const sync_request& req,
                                                const pull_request* pull) {
    // The parsed answer lives in an arena. Outcomes are copied out of it (a hub copy may end in
    // the sync log); pulled rows are moved (take_row) and keep the arena until they are gone.
    auto parsed = parse_json(body, answer_limits,
                             boost::json::make_shared_resource<boost::json::monotonic_resource>());
    if (!parsed)
        return error(errc::protocol_error, "the hub's answer: " + parsed.error().message);
    if (!parsed->is_object())
        return error(errc::protocol_error, "the hub's answer is not an object");
    const auto& o = parsed->get_object();
    if (const boost::json::value* rs = find(o, "responseStatus"); rs && rs->is_object()) {
        const auto& st = rs->get_object();
        const int v = error_value(detail::text(st, "ErrorCode"));
        return error(v ? make_error_code(static_cast<errc>(v))
                       : make_error_code(errc::protocol_error),
                     "the hub refused the request: " + detail::text(st, "Message"));
    }
    const boost::json::value* qr = find(o, "queryResults");
    const std::size_t pulls = pull != nullptr ? pull->entities.size() : 0;
    if (qr == nullptr || !qr->is_array() || qr->get_array().size() != req.push.size() + pulls)
        return error(errc::protocol_error,
                     "the hub's answer has the wrong number of query results");
    const auto& results = qr->get_array();
    sync_response resp;
    resp.outcomes.reserve(req.push.size());
    for (std::size_t i = 0; i < req.push.size(); ++i) {
        auto out = decode_result(results[i], req.push[i], i);
        if (!out)
            return out.error();
        resp.outcomes.push_back(std::move(*out));
    }
    if (auto r =
            decode_pulls(o, const_cast<boost::json::array&>(results), req.push.size(), pull, resp);
        !r)
        return r.error();
    return resp;
}

// decode_result for a result as the hub's append_plain_result writes it (an outcome with
// nothing but its change id, kind and echo: nearly every one of a large round), read from the
// text. Nothing when it is written otherwise or answers another change.
inline std::optional<outcome> read_plain_result(concord::detail::text_reader& r, const change& c) {
    std::string scratch;
    std::string_view s;
    std::int64_t rows = 0;
    if (!r.literal(R"({"id":)") || !r.string(s, scratch) || !r.literal(R"(,"rowsAffected":)") ||
        !r.integer(rows) ||
        !r.literal(R"(,"nextPrcElReady":false,"success":true,"concordSync":{"changeId":)") ||
        !r.string(s, scratch))
        return std::nullopt;
    if (auto id = parse_change_id(s); !id || *id != c.id)
        return std::nullopt;
    if (!r.literal(R"(,"outcome":)") || !r.string(s, scratch))
        return std::nullopt;
    outcome out;
    out.change = c.id;
    out.entity = c.entity;
    out.record_id = c.record_id;
    out.kind = kind_of(s);
    out.echo_omitted = r.literal(R"(,"echoOmitted":true)");
    if (!r.literal("}}"))
        return std::nullopt;
    return out;
}

// decode_sync for an answer that starts as the hub writes one, `{"queryResults":[`: the pushed
// changes' results read from the text (plain ones by read_plain_result, others parsed alone),
// then the rest of the answer parsed without them. Nothing when the answer is written
// otherwise or anything in it fails: decode_sync_parsed then reads it and names the problem.
inline std::optional<sync_response> decode_sync_read(std::string_view body, const sync_request& req,
                                                     const pull_request* pull) {
    static constexpr std::string_view head = R"({"queryResults":[)";
    if (req.push.empty() || !body.starts_with(head) || body.size() > answer_limits.max_body)
        return std::nullopt;
    boost::json::parse_options opt;
    opt.max_depth = answer_limits.max_depth;
    // One arena for what is parsed: pulled rows' values are moved out of it and keep it.
    const boost::json::storage_ptr arena =
        boost::json::make_shared_resource<boost::json::monotonic_resource>();
    sync_response resp;
    resp.outcomes.reserve(req.push.size());
    concord::detail::text_reader r(body);
    r.seek(head.size());
    std::optional<boost::json::parser> one; // for a result that is not plain
    for (std::size_t i = 0; i < req.push.size(); ++i) {
        if (i > 0 && !r.literal(","))
            return std::nullopt;
        const std::size_t start = r.offset();
        if (auto out = read_plain_result(r, req.push[i])) {
            resp.outcomes.push_back(std::move(*out));
            continue;
        }
        if (!one) {
            boost::json::parse_options inner = opt;
            inner.max_depth -= 2; // inside the answer and its queryResults
            one.emplace(boost::json::storage_ptr(), inner);
        }
        one->reset(arena);
        boost::system::error_code ec;
        const std::size_t used = one->write_some(body.data() + start, body.size() - start, ec);
        if (ec)
            return std::nullopt;
        auto out = decode_result(one->release(), req.push[i], i);
        if (!out)
            return std::nullopt;
        resp.outcomes.push_back(std::move(*out));
        r.seek(start + used);
    }
    // The rest: the pulls' results (after a comma) or the array's end, and the answer's other
    // properties, parsed as `{"queryResults":[` and that.
    const std::size_t pulls = pull != nullptr ? pull->entities.size() : 0;
    if (pulls > 0 && !r.literal(","))
        return std::nullopt;
    const std::string_view rest = body.substr(r.offset());
    if (names_after(rest, "queryResults", 2))
        return std::nullopt;
    boost::json::stream_parser p({}, opt);
    p.reset(arena);
    boost::system::error_code ec;
    p.write(head.data(), head.size(), ec);
    if (!ec)
        p.write(rest.data(), rest.size(), ec);
    if (!ec)
        p.finish(ec);
    if (ec)
        return std::nullopt;
    boost::json::value v = p.release();
    auto& o = v.get_object(); // it starts with '{'
    if (const boost::json::value* rs = find(o, "responseStatus"); rs && rs->is_object())
        return std::nullopt;
    boost::json::value* qr = o.if_contains("queryResults");
    if (qr == nullptr || !qr->is_array() || qr->get_array().size() != pulls ||
        !decode_pulls(o, qr->get_array(), 0, pull, resp))
        return std::nullopt;
    return resp;
}

inline result<sync_response> decode_sync(std::string_view body, const sync_request& req,
                                         const pull_request* pull) {
    if (auto resp = decode_sync_read(body, req, pull))
        return std::move(*resp);
    return decode_sync_parsed(body, req, pull);
}

} // namespace concord::protocol::detail

#endif // CONCORD_PROTOCOL_DETAIL_DECODE_SYNC_HPP
