// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — serves DataService requests from a hub: decode, run, answer in camelCase.

#ifndef CONCORD_PROTOCOL_HANDLER_HPP
#define CONCORD_PROTOCOL_HANDLER_HPP

#include <concord/model/batch.hpp>
#include <concord/model/outcome.hpp>
#include <concord/model/schema_json.hpp>
#include <concord/protocol/dataservice.hpp>
#include <concord/protocol/request.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace concord::protocol {

/// An HTTP answer: status code and JSON body.
struct answer {
    unsigned status = 200;
    std::string body;
    /// What the answer was made from (a round's decoded request, changes and outcomes), for the
    /// caller to release once the answer is sent: freeing a large round takes a while that the
    /// client need not wait for. Empty when nothing is worth keeping.
    std::shared_ptr<void> spent{};
};

namespace detail {

// `sp` allocates the answer's values (the handler gives one arena to a whole answer).
inline boost::json::object error_info(const error& e, boost::json::storage_ptr sp = {}) {
    return boost::json::object({{"errorCode", error_name(e.code)},
                                {"message", e.message},
                                {"concordCode", e.code.value()},
                                {"field", e.field}},
                               std::move(sp));
}

inline boost::json::object values_of(const hub_record& h, boost::json::storage_ptr sp = {}) {
    boost::json::object o(std::move(sp));
    o.reserve(h.fields.size() + 1);
    o["Id"] = h.id;
    for (const auto& f : h.fields)
        o[f.key()] = f.value();
    return o;
}

// Members at their default (reason none, code 0, empty texts, false, {}) are left out: most of
// a big round's outcomes are a plain `applied`, two members each.
inline boost::json::object encode_outcome(const outcome& o, boost::json::storage_ptr sp = {}) {
    boost::json::object x({{"changeId", to_string(o.change)}, {"outcome", to_string(o.kind)}}, sp);
    if (o.reason != reject_reason::none)
        x["reason"] = to_string(o.reason);
    if (o.code)
        x["code"] = o.code.value();
    if (!o.message.empty())
        x["message"] = o.message;
    if (!o.field.empty())
        x["field"] = o.field;
    if (o.skew_clamped)
        x["skewClamped"] = true;
    if (!o.losing.empty())
        x["losing"] = o.losing;
    if (o.echo_omitted)
        x["echoOmitted"] = true;
    if (o.hub_copy) {
        boost::json::object h = values_of(*o.hub_copy, sp);
        x["hubCopy"] = boost::json::object(
            {{"values", std::move(h)}, {"deleted", o.hub_copy->deleted}, {"seq", o.hub_copy->seq}},
            sp);
    }
    return x;
}

inline boost::json::object write_result(const outcome& o, const boost::json::value& query_id,
                                        boost::json::storage_ptr sp = {}) {
    const bool ok = o.kind != outcome_kind::rejected;
    boost::json::object r(
        {{"id", o.record_id},
         {"rowsAffected",
          o.kind == outcome_kind::applied || o.kind == outcome_kind::merged ? 1 : 0},
         {"nextPrcElReady", false},
         {"success", ok}},
        sp);
    if (!ok)
        r["errorInfo"] = error_info(error(o.code, o.message, o.field), sp);
    if (!query_id.is_null())
        r["queryId"] = query_id;
    return r;
}

// Appends `s` as a JSON string, as `boost::json::serialize` writes it.
inline void append_string(std::string& out, std::string_view s) {
    for (const char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') {
            out += boost::json::serialize(boost::json::string_view(s.data(), s.size()));
            return;
        }
    out += '"';
    out += s;
    out += '"';
}

// Appends the text of `write_result(o, query_id)` with `encode_outcome(o)` as its
// `concordSync`, for an outcome that has nothing but its change id, its kind and whether its
// echo was left out (nearly every outcome of a large round): written directly, a round of
// 10,000 changes answers in a fraction of the time its values take to build. False, and
// nothing appended, otherwise.
inline bool append_plain_result(std::string& out, const outcome& o,
                                const boost::json::value& query_id) {
    if (o.kind == outcome_kind::rejected || o.reason != reject_reason::none || o.code ||
        !o.message.empty() || !o.field.empty() || o.skew_clamped || !o.losing.empty() || o.hub_copy)
        return false;
    out += "{\"id\":";
    append_string(out, o.record_id);
    out += o.kind == outcome_kind::applied || o.kind == outcome_kind::merged
               ? ",\"rowsAffected\":1"
               : ",\"rowsAffected\":0";
    out += ",\"nextPrcElReady\":false,\"success\":true";
    if (!query_id.is_null()) {
        out += ",\"queryId\":";
        if (query_id.is_string())
            append_string(out, query_id.get_string());
        else
            out += boost::json::serialize(query_id);
    }
    out += ",\"concordSync\":{\"changeId\":\"";
    concord::detail::put_change_id(out, o.change);
    out += "\",\"outcome\":";
    append_string(out, to_string(o.kind));
    out += o.echo_omitted ? ",\"echoOmitted\":true}}" : "}}";
    return true;
}

inline boost::json::object
row_config(const entity_schema& e, const std::vector<std::pair<std::string, std::string>>& cols) {
    boost::json::object rc;
    for (const auto& [alias, col] : cols) {
        const column* c = e.find(col);
        const int type = c ? static_cast<int>(c->type) : 0;
        boost::json::object one{{"dataValueType", type}};
        if (c && c->type == data_value_type::lookup)
            one["isLookup"] = true;
        rc[alias] = std::move(one);
    }
    return rc;
}

} // namespace detail

/** Turns DataService requests into hub calls and the hub's answers into DataService responses.

    A batch with `concordSync` is one sync round: its writes (each with a change id and stamp)
    go to `Hub::sync` in one transaction, its selects with `concordSync.after` are the pull.
    A batch without it comes from a plain DataService client and runs online, item by item:
    writes are stamped by the hub's clock; `continueIfError` false stops at the first failed
    item (the rest answer `NotExecuted`).

    @tparam Hub a `basic_hub` (sync, write, write_where, select, options).
    Thread safety: as the hub's.
*/
template <class Hub>
class handler {
public:
    explicit handler(Hub& hub, limits lim = {}) : hub_(&hub), limits_(lim) {}

    /** Handles one request to `contract` ("BatchQuery", "InsertQuery", …) with the body and
        the caller's credentials (the bearer token, or empty).
        @returns 200 with the response, or 400 / 401 / 500 with a ServiceStack-style
        `responseStatus` naming the problem.
    */
    answer handle(std::string_view contract, std::string_view body, std::string_view credentials) {
        const auto s = hub_->schema(); // a snapshot: the hub's schema may change meanwhile
        auto parsed = parse_request(body, contract, *s, limits_);
        if (!parsed)
            return failure(400, parsed.error());
        auto spent = std::make_shared<round>();
        spent->batch = std::move(*parsed);
        const batch_request& req = spent->batch;
        // The answer is built, serialised and dropped together: one arena for its values.
        const boost::json::storage_ptr sp =
            boost::json::make_shared_resource<boost::json::monotonic_resource>();
        boost::json::array results(sp);
        results.resize(req.items.size());
        written texts;                 // results written as text already (a round's plain ones)
        std::optional<stamp> hub_time; // a sync round answers the time its response was made
        boost::json::object sync(sp);
        if (req.replica) {
            texts.at.resize(req.items.size());
            auto r = run_sync(*spent, credentials, results, texts, sync);
            if (!r)
                return failure(refused(r.error()) ? 401 : 500, r.error());
            hub_time = *r;
        } else {
            if (auto r = run_online(req, credentials, results); !r)
                return failure(refused(r.error()) ? 401 : 500, r.error());
        }
        sync["hubTime"] = to_string(hub_time ? *hub_time : hub_->now());
        if (!hub_->options().administrator_email.empty())
            sync["administratorEmail"] = hub_->options().administrator_email;
        if (contract != "BatchQuery") {
            boost::json::object out = std::move(results.at(0).as_object());
            out["concordSync"] = std::move(sync);
            return answer{200, boost::json::serialize(out), std::move(spent)};
        }
        return answer{200, batch_answer(results, texts, sync), std::move(spent)};
    }

private:
    // A request and, for a sync round, the hub's call and answer: kept until the answer is sent.
    struct round {
        batch_request batch;
        sync_request sync;
        std::optional<sync_response> response;
    };

    // Results of a batch written as text: item i's is `text.substr(at[i].first, at[i].second)`
    // when that length is not 0.
    struct written {
        std::string text;
        std::vector<std::pair<std::size_t, std::size_t>> at;
    };

    // {"queryResults": […], "hasErrors": …, "success": true, "concordSync": …}, each result
    // from `texts` when written there, else from `results`. (A result written as text is a
    // success.)
    static std::string batch_answer(const boost::json::array& results, const written& texts,
                                    const boost::json::object& sync) {
        std::string out;
        out.reserve(texts.text.size() + results.size() + 128);
        out += "{\"queryResults\":[";
        bool has_errors = false;
        for (std::size_t i = 0; i < results.size(); ++i) {
            if (i != 0)
                out += ',';
            if (i < texts.at.size() && texts.at[i].second != 0) {
                out.append(texts.text, texts.at[i].first, texts.at[i].second);
                continue;
            }
            out += boost::json::serialize(results[i]);
            has_errors = has_errors || !results[i].as_object().at("success").as_bool();
        }
        out += has_errors ? "],\"hasErrors\":true" : "],\"hasErrors\":false";
        out += ",\"success\":true,\"concordSync\":";
        out += boost::json::serialize(sync);
        out += '}';
        return out;
    }

    static answer failure(unsigned status, const error& e) {
        boost::json::object rs{
            {"ErrorCode", error_name(e.code)},
            {"Message", e.message},
            {"Errors", boost::json::array{boost::json::object{{"ErrorCode", error_name(e.code)},
                                                              {"FieldName", e.field},
                                                              {"Message", e.message}}}}};
        boost::json::object out{{"responseStatus", std::move(rs)}, {"success", false}};
        return answer{status, boost::json::serialize(out)};
    }

    static boost::json::object item_failure(const item& it, const error& e,
                                            boost::json::storage_ptr sp = {}) {
        boost::json::object r({{"rowsAffected", 0},
                               {"nextPrcElReady", false},
                               {"success", false},
                               {"errorInfo", detail::error_info(e, sp)}},
                              sp);
        if (!it.query_id.is_null())
            r["queryId"] = it.query_id;
        return r;
    }

    // Takes `q`'s values (a sync round moves them; an online write copies its query).
    static change to_change(query q) {
        change c;
        c.op = q.type == operation_type::insert   ? operation::insert
               : q.type == operation_type::update ? operation::update
                                                  : operation::remove;
        c.entity = std::move(q.entity);
        c.record_id = q.type != operation_type::insert ? std::move(*q.where_id)
                      : q.record_id.empty()            ? new_guid()
                                                       : std::move(q.record_id);
        c.fields = std::move(q.values);
        if (q.sync) {
            c.id = q.sync->id;
            c.at = q.sync->at;
        }
        return c;
    }

    // No or bad credentials, or an ended session: the whole request is refused (401).
    static bool refused(const error& e) noexcept {
        return e == errc::unauthenticated || e == errc::session_expired;
    }

    // One sync round; `batch_sync` receives the batch-level answer (the schema, when it changed).
    // The answer's values are made on `results`' storage.
    result<stamp> run_sync(round& rd, std::string_view credentials, boost::json::array& results,
                           written& texts, boost::json::object& batch_sync) {
        const boost::json::storage_ptr& sp = results.storage();
        batch_request& b = rd.batch;
        sync_request& req = rd.sync;
        req.replica = *b.replica;
        req.acknowledged = b.acknowledged;
        req.scope = b.scope;
        req.schema_version = b.schema_version;
        req.credentials = std::string(credentials);
        std::vector<std::size_t> push_items, pull_items, plain_selects;
        push_items.reserve(b.items.size()); // a round is mostly writes
        req.push.reserve(b.items.size());
        for (std::size_t i = 0; i < b.items.size(); ++i) {
            const item& it = b.items[i];
            if (it.err) {
                results[i] = item_failure(it, *it.err, sp);
            } else if (it.q->type == operation_type::select) {
                if (it.q->pull_after) {
                    if (!req.pull)
                        req.pull =
                            pull_request{*it.q->pull_after, it.q->row_count.value_or(1000), {}, {}};
                    req.pull->entities.push_back(it.q->entity);
                    pull_view v{it.q->where, {}};
                    if (!it.q->all_columns)
                        for (const auto& [alias, column] : it.q->columns)
                            v.columns.push_back(column);
                    req.pull->views.push_back(std::move(v));
                    pull_items.push_back(i);
                } else {
                    plain_selects.push_back(i);
                }
            } else if (!it.q->sync) {
                results[i] = item_failure(
                    it, error(errc::invalid_request,
                              "items[" + std::to_string(i) +
                                  "]: a synced batch needs concordSync on every write"));
            } else {
                req.push.push_back(to_change(std::move(*b.items[i].q)));
                push_items.push_back(i);
            }
        }
        auto answered = hub_->sync(req);
        if (!answered)
            return answered.error();
        const sync_response& resp = rd.response.emplace(std::move(*answered));
        if (!resp.schema_version.empty())
            batch_sync["schemaVersion"] = resp.schema_version;
        if (resp.schema)
            batch_sync["schema"] = to_json(*resp.schema);
        texts.text.reserve(push_items.size() * 160); // a plain result's size, about
        for (std::size_t k = 0; k < push_items.size(); ++k) {
            const item& it = b.items[push_items[k]];
            const outcome& o = resp.outcomes[k];
            const std::size_t from = texts.text.size();
            if (detail::append_plain_result(texts.text, o, it.query_id)) {
                texts.at[push_items[k]] = {from, texts.text.size() - from};
                continue;
            }
            boost::json::object r = detail::write_result(o, it.query_id, sp);
            r["concordSync"] = detail::encode_outcome(o, sp);
            results[push_items[k]] = std::move(r);
        }
        for (std::size_t i : pull_items) {
            const item& it = b.items[i];
            boost::json::array rows(sp);
            for (const hub_record& h : resp.rows)
                if (h.entity == it.q->entity) {
                    boost::json::object row = detail::values_of(h, sp);
                    if (h.deleted)
                        row["concordDeleted"] = true;
                    rows.push_back(std::move(row));
                }
            const std::size_t n = rows.size();
            boost::json::object sync(
                {{"cursor", resp.cursor}, {"more", resp.more}, {"latest", resp.latest}}, sp);
            if (!resp.scope.empty())
                sync["scope"] = resp.scope;
            if (resp.resync)
                sync["resync"] = true;
            boost::json::object r({{"rows", std::move(rows)},
                                   {"rowsAffected", n},
                                   {"nextPrcElReady", false},
                                   {"success", true},
                                   {"concordSync", std::move(sync)}},
                                  sp);
            if (!it.query_id.is_null())
                r["queryId"] = it.query_id;
            results[i] = std::move(r);
        }
        for (std::size_t i : plain_selects) {
            auto r = run_select(b.items[i], credentials);
            if (!r)
                return r.error();
            results[i] = std::move(*r);
        }
        return resp.hub_time;
    }

    result<void> run_online(const batch_request& b, std::string_view credentials,
                            boost::json::array& results) {
        bool stopped = false;
        for (std::size_t i = 0; i < b.items.size(); ++i) {
            const item& it = b.items[i];
            if (stopped) {
                results[i] =
                    item_failure(it, error(errc::invalid_request,
                                           "items[" + std::to_string(i) +
                                               "]: not executed after an earlier failure"));
                results[i].as_object()["errorInfo"].as_object()["errorCode"] = "NotExecuted";
                continue;
            }
            if (it.err) {
                results[i] = item_failure(it, *it.err);
            } else if (it.q->sync || it.q->pull_after) {
                results[i] = item_failure(
                    it,
                    error(errc::invalid_request,
                          "items[" + std::to_string(i) +
                              "]: concordSync on an item needs concordSync.replica on the batch"));
            } else {
                auto r = it.q->type == operation_type::select ? run_select(it, credentials)
                                                              : run_write(it, credentials);
                if (!r) {
                    if (refused(r.error()) || r.error() == errc::store_failed)
                        return r.error();
                    results[i] = item_failure(it, r.error());
                } else {
                    results[i] = std::move(*r);
                }
            }
            stopped = !b.continue_if_error && !results[i].as_object().at("success").as_bool();
        }
        return {};
    }

    result<boost::json::object> run_write(const item& it, std::string_view credentials) {
        const query& q = *it.q;
        if (q.type == operation_type::insert) {
            auto out = hub_->write(credentials, {to_change(q)});
            if (!out)
                return out.error();
            return detail::write_result(out->front(), it.query_id);
        }
        auto out = hub_->write_where(
            credentials, q.type == operation_type::update ? operation::update : operation::remove,
            q.entity, q.where, q.values);
        if (!out)
            return out.error();
        std::size_t affected = 0;
        const outcome* failed = nullptr;
        for (const outcome& o : *out) {
            if (o.kind == outcome_kind::rejected)
                failed = failed ? failed : &o;
            else if (o.kind != outcome_kind::superseded)
                ++affected;
        }
        boost::json::object r{
            {"rowsAffected", affected}, {"nextPrcElReady", false}, {"success", failed == nullptr}};
        if (failed)
            r["errorInfo"] =
                detail::error_info(error(failed->code, failed->message, failed->field));
        if (!it.query_id.is_null())
            r["queryId"] = it.query_id;
        return r;
    }

    // Like run_write: bad credentials and store failures fail the whole request (401 / 500).
    result<boost::json::object> run_select(const item& it, std::string_view credentials) {
        const query& q = *it.q;
        auto rows = hub_->select(credentials, q.entity, q.where);
        if (!rows) {
            if (refused(rows.error()) || rows.error() == errc::store_failed)
                return rows.error();
            return item_failure(it, rows.error());
        }
        const auto s = hub_->schema();
        const entity_schema* es = s->find(q.entity);
        if (es == nullptr)
            return error(errc::unknown_entity, "the hub has no entity '" + q.entity + "'");
        const entity_schema& e = *es;
        if (!q.order.empty())
            std::stable_sort(rows->begin(), rows->end(),
                             [&](const hub_record& a, const hub_record& b) {
                                 for (const order_by& ob : q.order) {
                                     const int c = compare(a, b, ob.column);
                                     if (c != 0)
                                         return ob.descending ? c > 0 : c < 0;
                                 }
                                 return false;
                             });
        std::vector<std::pair<std::string, std::string>> cols = q.columns;
        if (q.all_columns) {
            cols.clear();
            cols.emplace_back("Id", "Id");
            for (const auto& c : e.columns)
                cols.emplace_back(c.name, c.name);
        }
        boost::json::array out;
        const std::size_t first = std::min(q.rows_offset, rows->size());
        const std::size_t last =
            q.row_count ? std::min(rows->size(), first + *q.row_count) : rows->size();
        for (std::size_t k = first; k < last; ++k) {
            const hub_record& h = (*rows)[k];
            boost::json::object row;
            for (const auto& [alias, col] : cols) {
                if (col == "Id")
                    row[alias] = h.id;
                else if (auto f = h.fields.find(col); f != h.fields.end())
                    row[alias] = f->value();
                else
                    row[alias] = nullptr;
            }
            out.push_back(std::move(row));
        }
        const std::size_t n = out.size();
        boost::json::object r{{"rowConfig", detail::row_config(e, cols)},
                              {"rows", std::move(out)},
                              {"notFoundColumns", boost::json::array{}},
                              {"rowsAffected", n},
                              {"nextPrcElReady", false},
                              {"success", true}};
        if (!it.query_id.is_null())
            r["queryId"] = it.query_id;
        return r;
    }

    // Orders by a column: absent first, then numbers, then text (stable across stores).
    static int compare(const hub_record& a, const hub_record& b, const std::string& col) {
        if (col == "Id")
            return a.id.compare(b.id);
        auto fa = a.fields.find(col), fb = b.fields.find(col);
        const bool na = fa == a.fields.end(), nb = fb == b.fields.end();
        if (na || nb)
            return na == nb ? 0 : (na ? -1 : 1);
        const auto& x = fa->value();
        const auto& y = fb->value();
        if (x.is_number() && y.is_number()) {
            const double dx = x.to_number<double>(), dy = y.to_number<double>();
            return dx < dy ? -1 : dx > dy ? 1 : 0;
        }
        if (x.is_string() && y.is_string())
            return std::string_view(x.get_string()).compare(std::string_view(y.get_string()));
        if (x.is_bool() && y.is_bool())
            return static_cast<int>(x.get_bool()) - static_cast<int>(y.get_bool());
        return 0;
    }

    Hub* hub_;
    limits limits_;
};

} // namespace concord::protocol

#endif // CONCORD_PROTOCOL_HANDLER_HPP
