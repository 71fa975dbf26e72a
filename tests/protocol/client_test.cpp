// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the replica side of the wire: encode_sync's shape, decode_sync round trips, errors.

#include <concord/memory.hpp>
#include <concord/protocol/client.hpp>
#include <concord/protocol/handler.hpp>
#include <concord/protocol/request.hpp>

#include <catch2/catch.hpp>
#include <support/damage.hpp>
#include <support/fixtures.hpp>
#include <support/schemas.hpp>
#include <support/seeds.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace concord;
using namespace concord::test;
using concord::protocol::decode_sync;
using concord::protocol::encode_sync;
using concord::protocol::handler;
namespace js = boost::json;

const std::string ns = "Terrasoft.Nui.ServiceModel.DataContract.";

// A hub on its own manual clock, answering through a handler.
struct wire_hub : hub_fixture {
    handler<test_hub> h{hub};

    std::string answer(const sync_request& req, const schema& s = helpdesk()) {
        const protocol::answer a = h.handle("BatchQuery", encode_sync(req, s), req.credentials);
        INFO(a.body);
        REQUIRE(a.status == 200);
        return a.body;
    }
};

// Everything of a response as JSON text, so a failed comparison shows both sides.
js::object show(const hub_record& h) {
    js::object o{{"entity", h.entity},
                 {"id", h.id},
                 {"fields", h.fields},
                 {"deleted", h.deleted},
                 {"seq", h.seq}};
    return o;
}

std::string show(const sync_response& r) {
    js::array outcomes;
    for (const outcome& o : r.outcomes) {
        js::object x{{"change", to_string(o.change)},
                     {"entity", o.entity},
                     {"record", o.record_id},
                     {"kind", to_string(o.kind)},
                     {"reason", to_string(o.reason)},
                     {"code", o.code.value()},
                     {"category", o.code.category().name()},
                     {"message", o.message},
                     {"field", o.field},
                     {"skew", o.skew_clamped},
                     {"echo", o.echo_omitted},
                     {"losing", o.losing}};
        if (o.hub_copy)
            x["hubCopy"] = show(*o.hub_copy);
        outcomes.push_back(std::move(x));
    }
    js::array rows;
    for (const hub_record& h : r.rows)
        rows.push_back(show(h));
    return js::serialize(js::object{{"outcomes", std::move(outcomes)},
                                    {"rows", std::move(rows)},
                                    {"cursor", r.cursor},
                                    {"more", r.more},
                                    {"hubTime", to_string(r.hub_time)}});
}

// What the wire carries of a direct hub.sync() answer: pulled rows grouped by entity in the
// order the request names them (one SelectQuery each), and without their sequence numbers.
sync_response as_on_wire(sync_response r, const sync_request& req) {
    if (!req.pull)
        return r;
    std::vector<hub_record> rows;
    for (const std::string& e : req.pull->entities)
        for (const hub_record& h : r.rows)
            if (h.entity == e) {
                rows.push_back(h);
                rows.back().seq = 0;
            }
    r.rows = std::move(rows);
    return r;
}

// Random sync rounds over a few records: valid and invalid values, stale and future stamps,
// foreign change ids, replays, acknowledgements and pulls of one or both entities.
class round_maker {
public:
    explicit round_maker(std::uint64_t seed) : rng_(seed) {}

    sync_request next() {
        if (!sent_.empty() && pick(6) == 0) // a replay of an earlier round, maybe acknowledged
            return replay();
        const std::uint64_t replica = pick(2) == 0 ? 0xa1 : 0xb2;
        sync_request req;
        req.replica = replica_id{replica};
        req.credentials = "ann";
        const std::size_t n = pick(5);
        for (std::size_t i = 0; i < n; ++i)
            req.push.push_back(make(replica));
        if (pick(4) != 0) {
            pull_request p;
            p.after = pick(static_cast<std::size_t>(seq_hint_ + 1));
            p.limit = 1 + pick(4);
            const std::size_t which = pick(3);
            if (which != 1)
                p.entities.emplace_back("Case");
            if (which != 0)
                p.entities.emplace_back("Message");
            req.pull = std::move(p);
        }
        seq_hint_ += n;
        sent_.push_back(req);
        return req;
    }

private:
    std::size_t pick(std::size_t n) {
        return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
    }

    sync_request replay() {
        sync_request req = sent_[pick(sent_.size())];
        const std::uint64_t last = next_seq_[req.replica.value] - 1;
        req.acknowledged = pick(2) == 0 ? 0 : pick(static_cast<std::size_t>(last + 1));
        return req;
    }

    change make(std::uint64_t replica) {
        std::uint64_t& seq = next_seq_[replica];
        if (seq == 0)
            seq = 1;
        // A change pushed under the other replica's id now and then: rejected as foreign.
        const std::uint64_t owner = pick(12) == 0 ? (replica ^ 0x13) : replica;
        const std::int64_t offset = pick(10) == 0 ? 10 * 60 * 1000 // beyond the skew bound
                                                  : static_cast<std::int64_t>(pick(4000)) - 1000;
        const bool message = pick(4) == 0;
        const std::string entity = message ? "Message" : "Case";
        const std::string id = guid(static_cast<unsigned>(1 + pick(5)) + (message ? 100u : 0u));
        const std::size_t op = pick(6);
        js::object fields;
        operation kind = operation::update;
        if (op < 2) {
            kind = operation::insert;
            fields = message ? js::object{{"Case", guid(1)}, {"Text", "hello"}}
                             : new_case("C-" + std::to_string(pick(100)));
            if (pick(8) == 0)
                fields[message ? "Text" : "Number"] = nullptr; // missing required
        } else if (op < 5) {
            if (message) {
                fields["Author"] = pick(2) == 0 ? js::value("ann") : js::value(nullptr);
            } else {
                if (pick(2) == 0)
                    fields["Status"] = pick(2) == 0 ? "Open" : "Closed";
                if (pick(2) == 0)
                    fields["Priority"] = static_cast<std::int64_t>(pick(5));
                if (pick(3) == 0)
                    fields["Owner"] = nullptr;
                if (pick(6) == 0)
                    fields["Category"] = "Bug"; // not allowed
                if (pick(6) == 0)
                    fields["Escalated"] = pick(2) == 0;
                if (pick(8) == 0)
                    fields["CreatedOn"] = "2026-02-03T04:05:06.789Z";
                if (fields.empty())
                    fields["Status"] = "Open";
            }
        } else {
            kind = operation::remove;
        }
        return make_change(owner, seq++, kind, entity, id, stamp_at(offset, owner), fields);
    }

    std::mt19937_64 rng_;
    std::map<std::uint64_t, std::uint64_t> next_seq_;
    std::vector<sync_request> sent_;
    std::uint64_t seq_hint_ = 0;
};

} // namespace

TEST_CASE("client: encode_sync writes a BatchQuery with concordSync on the batch, writes and "
          "pulls",
          "[protocol]") {
    js::object fields = new_case("C-1");
    fields["Priority"] = 3;
    fields["CreatedOn"] = "2026-01-02T03:04:05Z";
    js::object upd{{"Status", "Closed"}, {"Owner", nullptr}};
    sync_request req = push_request(
        0xa1,
        {make_change(0xa1, 7, operation::insert, "Case", guid(1), stamp_at(1, 0xa1), fields),
         make_change(0xa1, 8, operation::update, "Case", guid(1), stamp_at(2, 0xa1), upd),
         make_change(0xa1, 9, operation::remove, "Message", guid(2), stamp_at(3, 0xa1))},
        6);
    req.pull = pull_request{42, 250, {"Case", "Message"}, {}};
    const js::object body = js::parse(encode_sync(req, helpdesk())).as_object();

    CHECK(body.at("concordSync") ==
          js::object{{"replica", "00000000000000a1"}, {"acknowledged", 6}});
    const js::array& items = body.at("items").as_array();
    REQUIRE(items.size() == 5);

    const js::object& ins = items[0].as_object();
    CHECK(ins.begin()->key() == "__type"); // first, as ServiceStack wants it
    CHECK(ins.at("__type") == (ns + "InsertQuery").c_str());
    CHECK(ins.at("rootSchemaName") == "Case");
    CHECK(ins.at("operationType") == 1);
    const js::object& cols = ins.at("columnValues").at("items").as_object();
    CHECK(cols.at("Id") ==
          js::object{{"expressionType", 2},
                     {"parameter", js::object{{"dataValueType", 0}, {"value", guid(1)}}}});
    CHECK(cols.at("Number").at("parameter") == js::object{{"dataValueType", 1}, {"value", "C-1"}});
    CHECK(cols.at("Priority").at("parameter").at("dataValueType") == 4);
    CHECK(cols.at("CreatedOn").at("parameter").at("dataValueType") == 7);
    CHECK_FALSE(ins.contains("filters"));
    CHECK(ins.at("concordSync") ==
          js::object{{"changeId", "00000000000000a1:7"}, {"stamp", to_string(stamp_at(1, 0xa1))}});

    const js::object& u = items[1].as_object();
    CHECK(u.at("__type") == (ns + "UpdateQuery").c_str());
    CHECK(u.at("operationType") == 2);
    CHECK_FALSE(u.at("columnValues").at("items").as_object().contains("Id"));
    CHECK(u.at("columnValues").at("items").at("Owner").at("parameter").at("value").is_null());
    const js::object& f = u.at("filters").as_object();
    CHECK(f.at("filterType") == 6);
    const js::object& primary = f.at("items").at("primaryFilter").as_object();
    CHECK(primary.at("filterType") == 1);
    CHECK(primary.at("comparisonType") == 3);
    CHECK(primary.at("leftExpression").at("columnPath") == "Id");
    CHECK(primary.at("rightExpression").at("parameter").at("value") == guid(1).c_str());
    CHECK(u.at("concordSync").at("changeId") == "00000000000000a1:8");

    const js::object& d = items[2].as_object();
    CHECK(d.at("__type") == (ns + "DeleteQuery").c_str());
    CHECK(d.at("operationType") == 3);
    CHECK(d.at("rootSchemaName") == "Message");
    CHECK_FALSE(d.contains("columnValues"));
    CHECK(d.at("filters")
              .at("items")
              .at("primaryFilter")
              .at("rightExpression")
              .at("parameter")
              .at("value") == guid(2).c_str());

    for (std::size_t i = 3; i < 5; ++i) {
        const js::object& p = items[i].as_object();
        CHECK(p.at("__type") == (ns + "SelectQuery").c_str());
        CHECK(p.at("operationType") == 0);
        CHECK(p.at("allColumns") == true);
        CHECK(p.at("isPageable") == true);
        CHECK(p.at("rowCount") == 250);
        CHECK(p.at("concordSync") == js::object{{"after", 42}});
    }
    CHECK(items[3].at("rootSchemaName") == "Case");
    CHECK(items[4].at("rootSchemaName") == "Message");
}

TEST_CASE("client: encode_sync writes every value as it is, escaping what JSON needs",
          "[protocol]") {
    const js::object fields{{"Number", "say \"hi\" \\ back/slash"},
                            {"Description", "tab\tnew\nline\r\b\f\x01\x1f end"},
                            {"Owner", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
                            {"Org", ""},
                            {"Priority", -42},
                            {"Escalated", false},
                            {"Status", nullptr},
                            {"Category", 1.5}};
    const sync_request req = push_request(
        0xa1,
        {make_change(0xa1, 1, operation::insert, "Case", guid(1), stamp_at(1, 0xa1), fields),
         make_change(0xa1, 2, operation::update, "Case", guid(1), stamp_at(2, 0xa1), fields)});
    const std::string text = encode_sync(req, helpdesk());
    const js::object body = js::parse(text).as_object();
    const js::array& items = body.at("items").as_array();
    REQUIRE(items.size() == 2);
    for (const auto& item : items) {
        const js::object& cols = item.at("columnValues").at("items").as_object();
        for (const auto& f : fields) {
            INFO(f.key());
            CHECK(cols.at(f.key()).at("parameter").at("value") == f.value());
        }
    }
    CHECK(items[0].at("columnValues").at("items").as_object().size() == fields.size() + 1);
    // Control characters are escaped, UTF-8 is kept.
    CHECK(text.find("\\u0001") != std::string::npos);
    CHECK(text.find("\\u001f") != std::string::npos);
    CHECK(text.find("caf\xc3\xa9") != std::string::npos);
}

TEST_CASE("client: the hub decodes encode_sync's body back into the same changes", "[protocol]") {
    js::object upd{{"Status", "Closed"}, {"Priority", 2}, {"Owner", nullptr}};
    sync_request req = push_request(
        0xa1,
        {make_change(0xa1, 1, operation::insert, "Case", guid(1), stamp_at(1, 0xa1),
                     new_case("C-1")),
         make_change(0xa1, 2, operation::update, "Case", guid(1), stamp_at(2, 0xa1), upd),
         make_change(0xa1, 3, operation::remove, "Case", guid(1), stamp_at(3, 0xa1))},
        1);
    req.pull = pull_request{5, 9, {"Message"}, {}};
    auto b = protocol::parse_request(encode_sync(req, helpdesk()), "BatchQuery", helpdesk());
    REQUIRE(b);
    REQUIRE(b->replica);
    CHECK(*b->replica == req.replica);
    CHECK(b->acknowledged == 1);
    REQUIRE(b->items.size() == 4);
    for (std::size_t i = 0; i < 3; ++i) {
        INFO("item " << i);
        REQUIRE(b->items[i].q);
        const protocol::query& q = *b->items[i].q;
        REQUIRE(q.sync);
        CHECK(q.sync->id == req.push[i].id);
        CHECK(q.sync->at == req.push[i].at);
        CHECK(q.values == req.push[i].fields);
        CHECK((i == 0 ? q.record_id : *q.where_id) == guid(1));
    }
    REQUIRE(b->items[3].q);
    CHECK(b->items[3].q->pull_after == std::uint64_t{5});
    CHECK(b->items[3].q->row_count == std::size_t{9});
}

TEST_CASE("client: decode_sync of the handler's answer equals a direct hub.sync()",
          "[protocol][random]") {
    const auto only = seed_from_env();
    const std::uint64_t first = only ? *only : 1;
    const std::uint64_t count = only ? 1 : 20;
    std::cout << "client round trip: seeds " << first << ".." << first + count - 1
              << " (replay one with CONCORD_SEED=<seed>)\n";
    std::size_t compared = 0, with_rows = 0, with_hub_copy = 0, with_echo = 0;
    for (std::uint64_t seed = first; seed < first + count; ++seed) {
        INFO("seed " << seed << " (replay: CONCORD_SEED=" << seed << ")");
        hub_fixture direct;
        wire_hub wired;
        round_maker maker(seed);
        for (int round = 0; round < 25; ++round) {
            INFO("round " << round);
            const sync_request req = maker.next();
            auto expected = direct.hub.sync(req);
            REQUIRE(expected);
            auto got = decode_sync(wired.answer(req), req);
            REQUIRE(got);
            const sync_response want = as_on_wire(*expected, req);
            CHECK(show(*got) == show(want));
            CHECK(*got == want);
            ++compared;
            with_rows += got->rows.empty() ? 0u : 1u;
            for (const outcome& o : got->outcomes) {
                with_hub_copy += o.hub_copy ? 1u : 0u;
                with_echo += o.echo_omitted ? 1u : 0u;
            }
            // Both clocks were asked the same: they stay in step.
            direct.clock.advance(static_cast<std::int64_t>(round));
            wired.clock.advance(static_cast<std::int64_t>(round));
        }
    }
    // The rounds exercised what they claim to.
    CHECK(compared == count * 25);
    CHECK(with_rows > 0);
    CHECK(with_hub_copy > 0);
    CHECK(with_echo > 0);
}

TEST_CASE("client: the random rounds reach every outcome kind", "[protocol][random]") {
    std::map<std::string, std::size_t> kinds;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        wire_hub wired;
        round_maker maker(seed);
        for (int round = 0; round < 25; ++round) {
            const sync_request req = maker.next();
            auto got = decode_sync(wired.answer(req), req);
            REQUIRE(got);
            for (const outcome& o : got->outcomes) {
                ++kinds[std::string(to_string(o.kind))];
                if (o.skew_clamped)
                    ++kinds["skew clamped"];
                if (o.code == errc::foreign_change)
                    ++kinds["foreign"];
            }
            wired.clock.advance(static_cast<std::int64_t>(round));
        }
    }
    for (const char* k :
         {"applied", "merged", "superseded", "rejected", "duplicate", "skew clamped", "foreign"}) {
        INFO(k);
        CHECK(kinds[k] > 0);
    }
}

TEST_CASE("client: decode_sync turns an item the hub cannot decode into rejected: validation",
          "[protocol]") {
    // The replica's schema has a column the hub's lacks.
    schema replica_schema = helpdesk();
    entity_schema kase = *replica_schema.find("Case");
    kase.columns.emplace_back("Colour", data_value_type::text);
    replica_schema.add(kase);

    wire_hub wired;
    js::object with_colour = new_case("C-1");
    with_colour["Colour"] = "red";
    sync_request req = push_request(0xa1, {make_change(0xa1, 1, operation::insert, "Case", guid(1),
                                                       stamp_at(1, 0xa1), with_colour),
                                           make_change(0xa1, 2, operation::insert, "Case", guid(2),
                                                       stamp_at(2, 0xa1), new_case("C-2"))});
    auto got = decode_sync(wired.answer(req, replica_schema), req);
    REQUIRE(got);
    REQUIRE(got->outcomes.size() == 2);
    const outcome& o = got->outcomes[0];
    CHECK(o.change == req.push[0].id);
    CHECK(o.entity == "Case");
    CHECK(o.record_id == guid(1));
    CHECK(o.kind == outcome_kind::rejected);
    CHECK(o.reason == reject_reason::validation);
    CHECK(o.code == errc::unknown_column);
    CHECK(o.field == "Colour");
    // The record first (the sync log shows it), then the hub's words naming item and field.
    CHECK(o.message.find("Case " + guid(1) + ": items[0].columnValues.items.Colour") == 0);
    CHECK(o.losing == with_colour);
    CHECK_FALSE(o.hub_copy);
    CHECK(got->outcomes[1].kind == outcome_kind::applied);
    CHECK_FALSE(wired.load("Case", guid(1)));
    CHECK(wired.load("Case", guid(2)));
}

TEST_CASE("client: decode_sync refuses answers that do not fit the request", "[protocol]") {
    wire_hub wired;
    sync_request req = push_request(0xa1, {make_change(0xa1, 1, operation::insert, "Case", guid(1),
                                                       stamp_at(1, 0xa1), new_case("C-1"))});
    req.pull = pull_request{0, 10, {"Case"}, {}};
    const js::object good = js::parse(wired.answer(req)).as_object();
    REQUIRE(decode_sync(js::serialize(good), req));

    auto expect_protocol_error = [&](const js::object& body, const char* says) {
        auto r = decode_sync(js::serialize(body), req);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::protocol_error);
        CHECK(r.error().message.find(says) != std::string::npos);
    };
    SECTION("wrong number of results") {
        js::object b = good;
        b["queryResults"].as_array().pop_back();
        expect_protocol_error(b, "wrong number of query results");
        b["queryResults"] = js::array{};
        expect_protocol_error(b, "wrong number of query results");
        b.erase("queryResults");
        expect_protocol_error(b, "wrong number of query results");
    }
    SECTION("an outcome for another change") {
        js::object b = good;
        b["queryResults"].as_array()[0].as_object()["concordSync"].as_object()["changeId"] =
            "00000000000000a1:2";
        expect_protocol_error(b, "answers another change");
        for (const char* id : {"00000000000000a1", "00000000000000a1:1x", "a1:1", ""}) {
            INFO(id);
            b["queryResults"].as_array()[0].as_object()["concordSync"].as_object()["changeId"] = id;
            expect_protocol_error(b, "answers another change");
        }
    }
    SECTION("an outcome naming the change in another spelling of its id still answers it") {
        // Ids are compared as ids, as the hub's decoder reads them: hex in either case, the
        // sequence with leading zeros.
        js::object b = good;
        b["queryResults"].as_array()[0].as_object()["concordSync"].as_object()["changeId"] =
            "00000000000000A1:01";
        auto r = decode_sync(js::serialize(b), req);
        REQUIRE(r);
        CHECK(r->outcomes.at(0).change == req.push[0].id);
    }
    SECTION("a write result with no outcome and no errorInfo") {
        js::object b = good;
        b["queryResults"].as_array()[0].as_object().erase("concordSync");
        expect_protocol_error(b, "carries no outcome");
        b["queryResults"].as_array()[0] = 7;
        expect_protocol_error(b, "is not an object");
    }
    SECTION("a failed or malformed pull") {
        js::object b = good;
        js::object& pull = b["queryResults"].as_array()[1].as_object();
        pull["success"] = false;
        pull["errorInfo"] = js::object{{"errorCode", "StoreFailed"}, {"message", "disk full"}};
        expect_protocol_error(b, "the pull of Case failed: disk full");
        pull["success"] = true;
        pull.erase("rows");
        expect_protocol_error(b, "the pull of Case has no rows");
    }
    SECTION("garbage") {
        for (const char* text : {"", "not json", "[1,2]", "\"ok\"", "{\"queryResults\":"}) {
            INFO(text);
            auto r = decode_sync(text, req);
            REQUIRE_FALSE(r);
            CHECK(r.error() == errc::protocol_error);
        }
    }
}

TEST_CASE("client: decode_sync maps a responseStatus to the concord error it names", "[protocol]") {
    sync_request req = pull_request_from(0xa1, 0, 10, {"Case"});
    struct one {
        const char* code;
        errc expect;
    };
    for (const one& c :
         {one{"Unauthenticated", errc::unauthenticated}, one{"BodyTooLarge", errc::body_too_large},
          one{"MalformedJson", errc::malformed_json}, one{"StoreFailed", errc::store_failed},
          one{"CursorExpired", errc::cursor_expired}, one{"SomethingElse", errc::protocol_error},
          one{"", errc::protocol_error}}) {
        INFO(c.code);
        const std::string body = js::serialize(js::object{
            {"responseStatus",
             js::object{{"ErrorCode", c.code}, {"Message", "because"}, {"Errors", js::array{}}}},
            {"success", false}});
        auto r = decode_sync(body, req);
        REQUIRE_FALSE(r);
        CHECK(r.error() == c.expect);
        CHECK(r.error().message == "the hub refused the request: because");
    }

    // And the real thing: a handler's 400 and 401 answers.
    using guarded_hub = basic_hub<memory_hub_store, allow_all>;
    guarded_hub hub{hub_options{helpdesk()}};
    protocol::limits lim;
    lim.max_body = 64;
    handler<guarded_hub> h(hub, lim);
    const protocol::answer a = h.handle("BatchQuery", encode_sync(req, helpdesk()), "");
    REQUIRE(a.status == 400);
    auto r = decode_sync(a.body, req);
    REQUIRE_FALSE(r);
    CHECK(r.error() == errc::body_too_large);
}

TEST_CASE("client: decode_sync of a push-only round keeps cursor 0 and reads hubTime",
          "[protocol]") {
    wire_hub wired;
    wired.clock.advance(1234);
    sync_request req = push_request(0xa1, {make_change(0xa1, 1, operation::insert, "Case", guid(1),
                                                       stamp_at(1, 0xa1), new_case("C-1"))});
    auto got = decode_sync(wired.answer(req), req);
    REQUIRE(got);
    CHECK(got->cursor == 0);
    CHECK_FALSE(got->more);
    CHECK(got->rows.empty());
    CHECK(got->hub_time.physical_ms == t0 + 1234);
    CHECK(got->hub_time.replica == wired.hub.options().id);
    REQUIRE(got->outcomes.size() == 1);
    CHECK(got->outcomes[0].kind == outcome_kind::applied);
}

TEST_CASE("client: the schema version travels both ways; the schema only when it differs",
          "[protocol][schema]") {
    wire_hub wired;
    sync_request req = pull_request_from(0xa1, 0, 10);
    req.schema_version = schema_version(helpdesk());
    const std::string body = encode_sync(req, helpdesk());
    CHECK(body.find("\"schemaVersion\":\"" + req.schema_version + "\"") != std::string::npos);
    auto same = decode_sync(wired.answer(req), req);
    REQUIRE(same);
    CHECK(same->schema_version == req.schema_version);
    CHECK_FALSE(same->schema);

    schema grown = helpdesk();
    grown.add(entity_schema{
        "Task",
        {column{"Title", data_value_type::text, true, 80}, column{"Due", data_value_type::date}}});
    REQUIRE(wired.hub.set_schema(grown));
    auto changed = decode_sync(wired.answer(req), req);
    REQUIRE(changed);
    CHECK(changed->schema_version == schema_version(grown));
    REQUIRE(changed->schema);
    CHECK(*changed->schema == grown);

    // A malformed schema in an answer is the hub's fault: protocol_error, nothing adopted.
    js::value bad = js::parse(wired.answer(req));
    bad.as_object()["concordSync"].as_object()["schema"] = js::object{{"entities", 3}};
    auto refused = decode_sync(js::serialize(bad), req);
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == errc::protocol_error);
    // And a schemaVersion that is no string is the client's: 400 InvalidRequest.
    js::value odd = js::parse(encode_sync(req, helpdesk()));
    odd.as_object()["concordSync"].as_object()["schemaVersion"] = 7;
    const protocol::answer a = wired.h.handle("BatchQuery", js::serialize(odd), "");
    CHECK(a.status == 400);
    CHECK(a.body.find("schemaVersion") != std::string::npos);
}

TEST_CASE("client: a workplace's filters and columns travel in the pull items", "[protocol]") {
    const schema s = helpdesk();
    const filter filters[] = {
        where("Status") == "New",
        where("Status") != "Closed",
        where("Priority") < 3,
        where("Priority") <= 3,
        where("Priority") > 1,
        where("Priority") >= 1,
        where("Description").contains("vpn"),
        where("Number").starts_with("SR-"),
        where("Number").ends_with("7"),
        where("Owner").is_null(),
        where("Owner").is_not_null(),
        where("Id") == guid(3),
        (where("Status") == "New" || where("Priority") >= 3) && !(where("Owner") == "ann"),
        !(where("Status") == "New" && where("Escalated") == true),
    };
    for (const filter& f : filters) {
        INFO(f.text());
        sync_request req = pull_request_from(0xa1, 7, 50, {"Case", "Message"});
        req.pull->views = {pull_view{f, {"Number", "Status"}}, pull_view{}};
        auto parsed = protocol::parse_request(encode_sync(req, s), "BatchQuery", s);
        REQUIRE(parsed);
        REQUIRE(parsed->items.size() == 2);
        const protocol::query& cases = *parsed->items[0].q;
        CHECK(cases.pull_after == 7u);
        CHECK(cases.where == f);
        CHECK_FALSE(cases.all_columns);
        REQUIRE(cases.columns.size() == 2);
        CHECK(cases.columns[0].second == "Number");
        CHECK(cases.columns[1].second == "Status");
        const protocol::query& messages = *parsed->items[1].q;
        CHECK(messages.where == filter{});
        CHECK(messages.all_columns);
    }
    // "Not everything" goes as an empty In, and matches nothing on the hub too.
    {
        sync_request none = pull_request_from(0xa1, 0, 50, {"Case"});
        none.pull->views = {pull_view{!filter{}, {}}};
        auto p = protocol::parse_request(encode_sync(none, s), "BatchQuery", s);
        REQUIRE(p);
        CHECK_FALSE(p->items[0].q->where.matches(record{guid(1), {{"Number", "C-1"}}}));
    }
    // "Equal null" goes as DataService's IsNull filter, and means the same.
    sync_request req = pull_request_from(0xa1, 0, 50, {"Case"});
    req.pull->views = {pull_view{where("Owner") == nullptr, {}}};
    auto parsed = protocol::parse_request(encode_sync(req, s), "BatchQuery", s);
    REQUIRE(parsed);
    CHECK(parsed->items[0].q->where == where("Owner").is_null());
}

TEST_CASE("client: over the wire, the hub answers a pull through the workplace's view",
          "[protocol]") {
    wire_hub wired;
    std::vector<change> push;
    for (unsigned n = 1; n <= 4; ++n) {
        js::object f = new_case("W-" + std::to_string(n), n % 2 == 0 ? "Closed" : "New");
        f["Description"] = "case " + std::to_string(n);
        push.push_back(
            make_change(0xb2, n, operation::insert, "Case", guid(n), stamp_at(n, 0xb2), f));
    }
    REQUIRE(decode_sync(wired.answer(push_request(0xb2, push)), push_request(0xb2, push)));
    sync_request req = pull_request_from(0xa1, 0, 50, {"Case"});
    req.pull->views = {pull_view{where("Status") != "Closed", {"Number", "Status"}}};
    auto got = decode_sync(wired.answer(req), req);
    REQUIRE(got);
    REQUIRE(got->rows.size() == 2);
    CHECK(got->rows[0].id == guid(1));
    CHECK(got->rows[0].fields == js::object{{"Number", "W-1"}, {"Status", "New"}});
    CHECK(got->rows[1].id == guid(3));

    // Closing case 3 takes it out of the view: the next pull drops it as a tombstone.
    std::vector<change> close{make_change(0xb2, 5, operation::update, "Case", guid(3),
                                          stamp_at(9, 0xb2), js::object{{"Status", "Closed"}})};
    REQUIRE(decode_sync(wired.answer(push_request(0xb2, close)), push_request(0xb2, close)));
    sync_request next = pull_request_from(0xa1, got->cursor, 50, {"Case"});
    next.pull->views = req.pull->views;
    auto later = decode_sync(wired.answer(next), next);
    REQUIRE(later);
    REQUIRE(later->rows.size() == 1);
    CHECK(later->rows[0].id == guid(3));
    CHECK(later->rows[0].deleted);
}

TEST_CASE("client: a plain result is read from the answer's text as it decodes parsed",
          "[protocol]") {
    const change c = make_change(0xa1, 7, operation::update, "Case", guid(1), stamp_at(1, 0xa1),
                                 js::object{{"Status", "Closed"}});
    for (const outcome_kind kind : {outcome_kind::applied, outcome_kind::merged,
                                    outcome_kind::superseded, outcome_kind::duplicate}) {
        for (const bool echo : {false, true}) {
            outcome o;
            o.change = c.id;
            o.entity = c.entity;
            o.record_id = c.record_id;
            o.kind = kind;
            o.echo_omitted = echo;
            std::string text;
            REQUIRE(protocol::detail::append_plain_result(text, o, nullptr));
            INFO(text);
            concord::detail::text_reader r(text);
            const auto got = protocol::detail::read_plain_result(r, c);
            REQUIRE(got); // read from the text, not left to the parser
            CHECK(r.left() == 0);
            CHECK(*got == o);
            const auto want = protocol::detail::decode_result(js::parse(text), c, 0);
            REQUIRE(want);
            CHECK(*got == *want);
            // An answer to another change is left to the parser, which names the problem.
            const change other = make_change(0xa1, 8, operation::update, "Case", guid(1),
                                             stamp_at(1, 0xa1), js::object{});
            concord::detail::text_reader again(text);
            CHECK_FALSE(protocol::detail::read_plain_result(again, other));
        }
    }
}

TEST_CASE("client: answers read from the text decode as parsed whole, damaged ones too",
          "[protocol][random]") {
    const std::uint64_t seed = GENERATE(range(std::uint64_t{1}, std::uint64_t{9}));
    std::cout << "client answer reading: seed " << seed << '\n';
    INFO("seed " << seed);
    wire_hub wired;
    round_maker maker(seed);
    std::mt19937 rng(static_cast<std::uint32_t>(seed));
    std::size_t read = 0;
    for (int round = 0; round < 25; ++round) {
        INFO("round " << round);
        const sync_request req = maker.next();
        const pull_request* pull = req.pull ? &*req.pull : nullptr;
        const std::string body = wired.answer(req);
        const auto whole = protocol::detail::decode_sync_parsed(body, req, pull);
        REQUIRE(whole);
        const auto fast = protocol::detail::decode_sync_read(body, req, pull);
        CHECK(fast.has_value() == !req.push.empty()); // every hub answer with outcomes is read
        if (fast) {
            CHECK(*fast == *whole);
            ++read;
        }
        static const std::string damage = "{}[],:\"\\0a \x80";
        for (int k = 0; k < 10; ++k) {
            std::size_t at = 0;
            const std::string bad = damaged(body, rng, damage, 3, at);
            INFO("damage " << k << " at " << at);
            const auto got = decode_sync(bad, req);
            const auto want = protocol::detail::decode_sync_parsed(bad, req, pull);
            REQUIRE(got.has_value() == want.has_value());
            if (want)
                CHECK(*got == *want);
            else
                CHECK(got.error().message == want.error().message);
        }
        wired.clock.advance(static_cast<std::int64_t>(round));
    }
    CHECK(read > 10);
}
