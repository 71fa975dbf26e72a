// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the stores' JSON forms: a stored change read from its text is the change decoded
// from its parsed JSON, and damaged text is never read as something else.

#include <concord/detail/json_codec.hpp>

#include <catch2/catch.hpp>
#include <support/damage.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace concord;
namespace codec = concord::detail::codec;
namespace js = boost::json;

// What the stores did before read_change: parse, then decode (throws on a damaged text).
std::optional<change> parsed(const std::string& text) {
    try {
        return codec::decode_change(codec::parse_object(text, "a change"));
    } catch (const system_error&) {
        return std::nullopt;
    }
}

} // namespace

TEST_CASE("json_codec: a stored change is read from its text as it decodes parsed", "[detail]") {
    change c;
    c.id = change_id{replica_id{0xa1}, 42};
    c.op = operation::update;
    c.entity = "Case";
    c.record_id = "6f1c2a3b-0000-4abc-8def-0123456789ab";
    c.at = stamp{0x18bcfe56800, 7, replica_id{0xb2}};
    c.fields = {{"Status", "Closed"},
                {"Priority", -3},
                {"Escalated", true},
                {"Owner", nullptr},
                {"Description", "quote \" backslash \\ newline \n é 𝄞"}};
    for (const operation op : {operation::insert, operation::update, operation::remove}) {
        c.op = op;
        const std::string text = js::serialize(codec::encode(c));
        INFO(text);
        const auto got = codec::read_change(text);
        REQUIRE(got); // read from the text, not left to the parser
        CHECK(*got == c);
        CHECK(*got == *parsed(text));
    }
    c.fields = {};
    CHECK(codec::read_change(js::serialize(codec::encode(c))) == c);
}

TEST_CASE("json_codec: values the reader does not take are left to the parser", "[detail]") {
    change c;
    c.id = change_id{replica_id{0xa1}, 1};
    c.entity = "Case";
    c.record_id = "r";
    const std::vector<js::object> others = {
        {{"Amount", 1.5}},
        {{"Big", std::uint64_t{18446744073709551615ULL}}},
        {{"Lookup", js::object{{"value", "x"}}}},
        {{"List", js::array{1, 2}}},
        {{"Bell", "\x07"}}, // serialised as a \u escape
    };
    for (const js::object& fields : others) {
        c.fields = fields;
        const std::string text = js::serialize(codec::encode(c));
        INFO(text);
        CHECK_FALSE(codec::read_change(text));
        CHECK(parsed(text) == c); // and the parser reads it
    }
    // Spelt another way than encode() writes it: whitespace, another key order.
    c.fields = {{"Status", "New"}};
    const std::string text = js::serialize(codec::encode(c));
    CHECK_FALSE(codec::read_change(" " + text));
    CHECK_FALSE(codec::read_change(text + " "));
    js::object reordered = codec::encode(c);
    const js::value r = reordered["r"];
    reordered.erase("r");
    reordered["r"] = r;
    CHECK_FALSE(codec::read_change(js::serialize(reordered)));
    CHECK(parsed(js::serialize(reordered)) == c);
}

TEST_CASE("json_codec: a damaged stored change is never read as another", "[detail]") {
    const std::uint32_t seed = GENERATE(range(1u, 21u));
    std::printf("json_codec damage: seed %u (replay one with -c and its seed)\n", seed);
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    change c;
    c.id = change_id{replica_id{rng()}, rng() % 100000};
    c.op = static_cast<operation>(1 + pick(3));
    c.entity = "Case";
    c.record_id = "6f1c2a3b-0000-4abc-8def-0123456789ab";
    c.at = stamp{static_cast<std::int64_t>(rng()), static_cast<std::uint32_t>(rng() % 9),
                 replica_id{rng()}};
    c.fields = {{"Status", "In progress"}, {"Priority", static_cast<std::int64_t>(pick(100))}};
    const std::string text = js::serialize(codec::encode(c));
    REQUIRE(codec::read_change(text) == c);
    static const std::string damage = "{}[],:\"\\0a-9 \x80";
    for (int k = 0; k < 200; ++k) {
        std::size_t at = 0;
        const std::string bad = test::damaged(text, rng, damage, 2, at);
        INFO(bad);
        if (const auto got = codec::read_change(bad))
            CHECK(got == parsed(bad)); // what it reads, the parser reads the same
    }
}
