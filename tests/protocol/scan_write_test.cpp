// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a sync round's writes read straight from the request text: the client's items are
// read so, and anything read so decodes as the JSON parser and the decoder make it.

#include <concord/protocol/client.hpp>
#include <concord/protocol/detail/scan_write.hpp>
#include <concord/protocol/request.hpp>

#include <catch2/catch.hpp>
#include <support/damage.hpp>
#include <support/same_request.hpp>
#include <support/schemas.hpp>

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace concord;
using namespace concord::protocol;
using concord::test::check_same;
using concord::test::check_same_query;
namespace js = boost::json;

const replica_id replica{0xa1};
const std::string case_a = "6f1c2a3b-0000-4abc-8def-0123456789ab";
const std::string case_b = "7a2d3b4c-1111-4bcd-9ef0-123456789abc";

change make_change(operation op, std::string entity, std::string id, js::object fields,
                   std::uint64_t seq = 1) {
    change c;
    c.id = change_id{replica, seq};
    c.op = op;
    c.entity = std::move(entity);
    c.record_id = std::move(id);
    c.at = stamp{0x18bcfe56800, 3, replica};
    c.fields = std::move(fields);
    return c;
}

// The item as concord's client writes it.
std::string written(const change& c) {
    std::string out;
    protocol::detail::append_write(out, c, test::helpdesk());
    return out;
}

// The item read by read_sync_write, when it reads all of it.
std::optional<query> read(std::string_view text, const limits& lim = {}) {
    protocol::detail::text_reader r(text);
    auto q = protocol::detail::read_sync_write(r, 0, test::helpdesk(), lim);
    if (q && r.left() != 0)
        FAIL("the reader stopped " << r.left() << " bytes before the item's end");
    return q;
}

// The item parsed as JSON and decoded.
item decoded(std::string_view text, const limits& lim = {}) {
    return protocol::detail::decode_batch_item(js::parse(text), 0, test::helpdesk(), lim);
}

std::string sync_batch(const std::vector<std::string>& items) {
    std::string body = R"({"items":[)";
    for (std::size_t i = 0; i < items.size(); ++i)
        body += (i ? "," : "") + items[i];
    return body + R"(],"concordSync":{"replica":"00000000000000a1","acknowledged":3,)"
                  R"("scope":"s","schemaVersion":"v2"}})";
}

result<batch_request> parsed_whole(std::string_view body, const limits& lim = {}) {
    return protocol::detail::parse_whole(body, "BatchQuery", test::helpdesk(), lim);
}

result<batch_request> parsed(std::string_view body, const limits& lim = {}) {
    return parse_request(body, "BatchQuery", test::helpdesk(), lim);
}

} // namespace

TEST_CASE("scan: the client's writes are read from the text as the decoder makes them",
          "[protocol]") {
    const std::vector<change> changes = {
        make_change(operation::update, "Case", case_a, {{"Status", "Closed"}}),
        make_change(operation::update, "Case", case_a,
                    {{"Description", "quote \" backslash \\ slash / tab \t newline \n é 𝄞 €"},
                     {"Priority", -42},
                     {"Escalated", true},
                     {"Owner", nullptr}}),
        make_change(operation::update, "Case", case_b,
                    {{"Priority", std::int64_t{123456789012345678}}, {"Escalated", false}}),
        make_change(operation::update, "Case", case_b, {{"CreatedOn", "2026-12-07T01:02:03.000"}}),
        make_change(operation::insert, "Case", case_b,
                    {{"Number", "C-1"}, {"Category", "Incident"}, {"Priority", 0}}),
        make_change(operation::insert, "Message", case_a,
                    {{"Case", case_b}, {"Text", "a reply\r\n"}}),
        make_change(operation::remove, "Case", case_a, {}),
        make_change(operation::update, "Case", case_a, {}), // no column: the decoder takes it
    };
    for (const change& c : changes) {
        const std::string text = written(c);
        INFO(text);
        const auto q = read(text);
        REQUIRE(q); // read from the text, not left to the parser
        const item want = decoded(text);
        REQUIRE(want.q);
        check_same_query(*q, *want.q);
    }
}

TEST_CASE("scan: what the reader does not take, the parser decodes, with the same result",
          "[protocol]") {
    const std::string good =
        written(make_change(operation::update, "Case", case_a, {{"Status", "Open"}}));
    const auto variant = [&](std::string_view from, std::string_view to) {
        std::string t = good;
        const auto at = t.find(from);
        REQUIRE(at != std::string::npos);
        t.replace(at, from.size(), to);
        return t;
    };
    const std::string status = R"("Status":{"expressionType":2,"parameter":{"dataValueType":1,)";
    struct other {
        const char* what;
        std::string text;
        bool valid_json = true; // else a batch with it fails as a whole
    };
    const std::vector<other> others = {
        {"a \\u escape", variant(R"("Open")", R"("Op\u0065n")")},
        {"text for an integer column", variant(R"("Status")", R"("Priority")")},
        {"whitespace", variant(R"("rootSchemaName":)", R"("rootSchemaName": )")},
        {"another key order", variant(R"({"__type")", R"({"queryId":"q","__type")")},
        {"an unknown column", variant(R"("Status")", R"("Colour")")},
        {"an unknown entity", variant(R"("Case")", R"("Order")")},
        {"a select", variant("UpdateQuery", "SelectQuery")},
        {"an unknown type", variant("UpdateQuery", "UpsertQuery")},
        {"a mismatched type",
         variant(R"("dataValueType":1,"value":"Open")", R"("dataValueType":4,"value":"Open")")},
        {"an unsupported type",
         variant(R"("dataValueType":1,"value":"Open")", R"("dataValueType":3,"value":"Open")")},
        {"a column twice",
         variant(status, std::string(status) + R"("value":"x"}},)" + std::string(status))},
        {"invalid UTF-8", variant(R"("Open")", "\"Op\xC3\x28n\""), false},
        {"a surrogate in UTF-8", variant(R"("Open")", "\"Op\xED\xA0\x80n\""), false},
        {"a raw control character", variant(R"("Open")", "\"Op\x01n\""), false},
        {"an object value", variant(R"("Open")", R"({"value":"Open"})")},
        {"a bad change id", variant(R"("changeId":"00000000000000a1:1")", R"("changeId":"a1")")},
        {"a bad stamp", variant(R"("stamp":"018b)", R"("stamp":"x18b)")},
        {"a filter on another column", variant(R"("columnPath":"Id")", R"("columnPath":"Number")")},
        {"-0", variant(R"("dataValueType":1,"value":"Open")", R"("dataValueType":1,"value":-0)")},
        {"a 19-digit integer", variant(R"("dataValueType":1,"value":"Open")",
                                       R"("dataValueType":4,"value":1234567890123456789)")},
        {"a truncated item", good.substr(0, good.size() - 2), false},
    };
    const std::string fraction =
        written(make_change(operation::update, "Case", case_a, {{"Priority", 2}}));
    std::vector<std::string> items;
    for (const other& o : others) {
        INFO(o.what << ": " << o.text);
        CHECK_FALSE(read(o.text));
        if (o.valid_json) // in a batch, among good ones
            items.push_back(o.text);
    }
    {
        std::string f = fraction;
        f.replace(f.find(R"("value":2)"), 9, R"("value":2.5)");
        CHECK_FALSE(read(f));
        items.push_back(f);
    }
    std::vector<std::string> batch;
    for (const std::string& t : items) {
        batch.push_back(good);
        batch.push_back(t);
    }
    const std::string body = sync_batch(batch);
    const auto got = parsed(body);
    check_same(got, parsed_whole(body));
    REQUIRE(got.has_value());
    std::size_t failed = 0;
    for (const item& it : got->items)
        failed += it.err ? 1u : 0u;
    CHECK(failed > 10); // most of the variants are errors, named as the decoder names them
}

TEST_CASE("scan: with a nesting limit below the writes' depth, the parser judges them",
          "[protocol]") {
    const std::string body =
        sync_batch({written(make_change(operation::update, "Case", case_a, {{"Status", "Open"}}))});
    limits lim;
    lim.max_depth = protocol::detail::sync_write_depth - 1;
    const auto low = parsed(body, lim);
    check_same(low, parsed_whole(body, lim));
    REQUIRE_FALSE(low.has_value());
    CHECK(low.error().code == errc::nesting_too_deep);
    lim.max_depth = protocol::detail::sync_write_depth;
    const auto enough = parsed(body, lim);
    check_same(enough, parsed_whole(body, lim));
    REQUIRE(enough.has_value());
    CHECK(enough->items.at(0).q);
}

TEST_CASE("scan: random client writes and damaged bodies decode as parsed whole", "[protocol]") {
    const std::uint32_t seed = GENERATE(range(1u, 41u));
    std::printf("scan round: seed %u (replay one with -c and its seed)\n", seed);
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    static const std::vector<std::string> pieces = {
        "a",    "Z", " ", "0",    "\"",           "\\",   "/", "\n", "\t",
        "\x01", "é", "𝄞", "\xC3", "\xED\xA0\x80", "\x7F", "{", "]",  ","};
    const auto text = [&] {
        std::string s;
        for (std::size_t n = pick(12); n > 0; --n)
            s += pieces[pick(pieces.size())];
        return s;
    };
    const auto value = [&](std::string_view column) -> js::value {
        switch (pick(6)) {
        case 0:
            return nullptr;
        case 1:
            return static_cast<std::int64_t>(rng()) - (1LL << 31);
        case 2:
            return pick(2) == 1;
        case 3:
            return column == "Priority" ? js::value(1.5) : js::value(text());
        default:
            return js::value(text());
        }
    };
    static const std::vector<std::string> columns = {"Status",   "Description", "Owner",
                                                     "Priority", "Escalated",   "CreatedOn",
                                                     "Number",   "Category",    "Colour"};
    std::vector<std::string> items;
    for (std::size_t i = 0, n = 1 + pick(40); i < n; ++i) {
        const int kind = static_cast<int>(pick(8));
        const operation op = kind == 0   ? operation::insert
                             : kind == 1 ? operation::remove
                                         : operation::update;
        js::object fields;
        if (op != operation::remove)
            for (std::size_t k = pick(4); k > 0; --k) {
                const std::string& column = columns[pick(columns.size())];
                fields[column] = value(column);
            }
        items.push_back(
            written(make_change(op, "Case", pick(2) ? case_a : case_b, std::move(fields), i + 1)));
    }
    std::string body = sync_batch(items);
    SECTION("as written") {
        check_same(parsed(body), parsed_whole(body));
    }
    SECTION("damaged") {
        static const std::string damage = "{}[],:\"\\0a \x80\n";
        for (int k = 0; k < 20; ++k) {
            std::size_t at = 0;
            const std::string bad = test::damaged(body, rng, damage, 3, at);
            INFO("damage " << k << " at " << at);
            check_same(parsed(bad), parsed_whole(bad));
        }
    }
}

TEST_CASE("scan: batches of the client's writes are read from the text, split or not",
          "[protocol]") {
    std::vector<std::string> items;
    for (std::size_t i = 0; i < 1200; ++i)
        items.push_back(written(make_change(i % 3 ? operation::update : operation::insert, "Case",
                                            i % 2 ? case_a : case_b,
                                            {{"Status", "In progress " + std::to_string(i)},
                                             {"Priority", static_cast<std::int64_t>(i % 4)}},
                                            i + 1)));
    const std::string body = sync_batch(items);
    const auto want = parsed_whole(body);
    REQUIRE(want.has_value());
    // Read on one thread: the path every batch under 512 KiB takes.
    const auto open = protocol::detail::find_items(body);
    REQUIRE(open);
    const auto one = protocol::detail::parse_scanned(body, *open, test::helpdesk(), {});
    REQUIRE(one);
    check_same(*one, want);
    // Cut in two, each half read on a thread of its own.
    REQUIRE(body.size() >= protocol::detail::split_from_bytes);
    const auto cut = protocol::detail::split_items(body);
    REQUIRE(cut);
    const auto two = protocol::detail::parse_split(body, *cut, test::helpdesk(), {});
    REQUIRE(two);
    check_same(*two, want);
    check_same(parsed(body), want);
}

TEST_CASE("scan: a batch over the item limit fails as parsed whole, before its items are read",
          "[protocol]") {
    const std::string item =
        written(make_change(operation::update, "Case", case_a, {{"Status", "Open"}}));
    limits lim;
    lim.max_items = 3;
    const std::string at_limit = sync_batch({item, item, item});
    const auto ok = parsed(at_limit, lim);
    REQUIRE(ok.has_value());
    CHECK(ok->items.size() == 3);
    for (const std::string& body :
         {sync_batch({item, item, item, item}), std::string(R"({"items":[1,2,3,4,5,6,7,8]})")}) {
        INFO(body.substr(0, 80));
        const auto over = parsed(body, lim);
        check_same(over, parsed_whole(body, lim));
        REQUIRE_FALSE(over.has_value());
        CHECK(over.error().code == errc::body_too_large);
        // The reader gives up at the limit instead of decoding every item first.
        std::size_t end = 0;
        CHECK_FALSE(protocol::detail::scan_items(
            body.substr(*protocol::detail::find_items(body) + 1), 0, test::helpdesk(), lim, &end));
    }
}
