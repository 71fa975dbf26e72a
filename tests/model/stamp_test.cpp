// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — tests of replica ids and stamps: total order, text form, parse errors.

#include <concord/model/stamp.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

using concord::replica_id;
using concord::stamp;

stamp make(std::int64_t ms, std::uint32_t logical, std::uint64_t replica) {
    stamp s;
    s.physical_ms = ms;
    s.logical = logical;
    s.replica = replica_id{replica};
    return s;
}

// A fixed seed, replaced by CONCORD_SEED to replay a run.
std::uint64_t test_seed() {
    if (const char* env = std::getenv("CONCORD_SEED"))
        return std::strtoull(env, nullptr, 10);
    return 20260101;
}

} // namespace

TEST_CASE("stamp: ordered by physical time first", "[model][stamp]") {
    CHECK(make(1, 9, 9) < make(2, 0, 0));
    CHECK(make(2, 0, 0) > make(1, 0xFFFF'FFFF, ~0ULL));
}

TEST_CASE("stamp: equal physical time is ordered by the logical counter", "[model][stamp]") {
    CHECK(make(5, 1, 9) < make(5, 2, 0));
    CHECK(make(5, 3, 0) > make(5, 2, ~0ULL));
}

TEST_CASE("stamp: equal physical time and counter, the larger replica id wins", "[model][stamp]") {
    const stamp a = make(5, 2, 0x10);
    const stamp b = make(5, 2, 0x20);
    CHECK(a < b);
    CHECK(std::max(a, b) == b);
    CHECK(std::max(b, a) == b);
}

TEST_CASE("stamp: equal only when every part is equal", "[model][stamp]") {
    CHECK(make(5, 2, 7) == make(5, 2, 7));
    CHECK(make(5, 2, 7) != make(5, 2, 8));
    CHECK(make(5, 2, 7) != make(5, 3, 7));
    CHECK(make(5, 2, 7) != make(6, 2, 7));
    CHECK(stamp{} == make(0, 0, 0));
}

TEST_CASE("stamp: text form is fixed-width lower-case hex", "[model][stamp]") {
    CHECK(to_string(make(0, 0, 0)) == "000000000000-00000000-0000000000000000");
    CHECK(to_string(make(1'700'000'000'000, 0x1A, 0xABCDEF0123456789ULL)) ==
          "018bcfe56800-0000001a-abcdef0123456789");
    CHECK(to_string(make(0xFFFF'FFFF'FFFF, 0xFFFF'FFFF, ~0ULL)) ==
          "ffffffffffff-ffffffff-ffffffffffffffff");
    CHECK(to_string(make(1, 2, 3)).size() == 38);
}

TEST_CASE("stamp: text form round-trips", "[model][stamp]") {
    for (const stamp& s :
         {make(0, 0, 0), make(1'700'000'000'000, 42, 7), make(0xFFFF'FFFF'FFFF, 0xFFFF'FFFF, ~0ULL),
          make(123456789, 1, 0x8000'0000'0000'0000ULL)}) {
        const auto parsed = concord::parse_stamp(to_string(s));
        INFO(to_string(s));
        REQUIRE(parsed.has_value());
        CHECK(*parsed == s);
    }
}

TEST_CASE("stamp: lexicographic order of the text form is the stamp order", "[model][stamp]") {
    const std::uint64_t seed = test_seed();
    std::cout << "stamp text order: CONCORD_SEED=" << seed << '\n';
    INFO("CONCORD_SEED=" << seed);
    std::mt19937_64 gen(seed);
    // Small ranges make ties on physical time and counter frequent, so every tie-break is hit.
    std::uniform_int_distribution<std::int64_t> ms(1'700'000'000'000, 1'700'000'000'003);
    std::uniform_int_distribution<std::uint32_t> logical(0, 3);
    std::uniform_int_distribution<std::uint64_t> replica(0, 3);
    std::vector<stamp> stamps;
    for (int i = 0; i < 500; ++i)
        stamps.push_back(make(ms(gen), logical(gen), replica(gen) << 60 | replica(gen)));
    stamps.push_back(make(0xFFFF'FFFF'FFFF, 0xFFFF'FFFF, ~0ULL));
    stamps.push_back(make(0, 0, 0));

    for (std::size_t i = 0; i + 1 < stamps.size(); ++i) {
        const stamp& a = stamps[i];
        const stamp& b = stamps[i + 1];
        INFO(to_string(a) << " vs " << to_string(b));
        CHECK((a < b) == (to_string(a) < to_string(b)));
        CHECK((a == b) == (to_string(a) == to_string(b)));
    }
    auto by_stamp = stamps;
    std::sort(by_stamp.begin(), by_stamp.end());
    std::vector<std::string> texts;
    for (const auto& s : stamps)
        texts.push_back(to_string(s));
    std::sort(texts.begin(), texts.end());
    for (std::size_t i = 0; i < texts.size(); ++i)
        CHECK(texts[i] == to_string(by_stamp[i]));
}

TEST_CASE("stamp: parse rejects the wrong length", "[model][stamp]") {
    for (const char* text :
         {"", "000000000001-00000002-000000000000000", "000000000001-00000002-00000000000000033",
          "00000000001-00000002-0000000000000003"}) {
        INFO('\'' << text << '\'');
        const auto r = concord::parse_stamp(text);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == concord::errc::invalid_stamp);
    }
}

TEST_CASE("stamp: parse rejects wrong separators", "[model][stamp]") {
    for (const char* text :
         {"000000000001_00000002-0000000000000003", "000000000001-00000002:0000000000000003",
          "0000000000010-0000002-0000000000000003", "000000000001000000002-000000000000003-"}) {
        INFO(text);
        const auto r = concord::parse_stamp(text);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == concord::errc::invalid_stamp);
    }
}

TEST_CASE("stamp: parse rejects non-hex digits", "[model][stamp]") {
    for (const char* text :
         {"00000000000g-00000002-0000000000000003", "000000000001-0000000x-0000000000000003",
          "000000000001-00000002-000000000000000z", "-00000000001-00000002-0000000000000003",
          "+00000000001-00000002-0000000000000003", "000000000001-00000002- 000000000000003"}) {
        INFO(text);
        const auto r = concord::parse_stamp(text);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == concord::errc::invalid_stamp);
    }
}

TEST_CASE("stamp: parse error message names the text", "[model][stamp]") {
    const auto r = concord::parse_stamp("not-a-stamp");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == concord::make_error_code(concord::errc::invalid_stamp));
    CHECK_THAT(r.error().message, Catch::Contains("not-a-stamp"));
}

TEST_CASE("replica_id: text form is 16 lower-case hex digits and round-trips", "[model][stamp]") {
    CHECK(to_string(replica_id{0}) == "0000000000000000");
    CHECK(to_string(replica_id{0xABCDEF0123456789ULL}) == "abcdef0123456789");
    CHECK(to_string(replica_id{~0ULL}) == "ffffffffffffffff");
    for (std::uint64_t v : {0ULL, 1ULL, 0x0123456789ABCDEFULL, ~0ULL}) {
        const auto parsed = concord::parse_replica_id(to_string(replica_id{v}));
        REQUIRE(parsed.has_value());
        CHECK(parsed->value == v);
    }
}

TEST_CASE("replica_id: parse rejects wrong length and non-hex", "[model][stamp]") {
    for (const char* text : {"", "123", "00000000000000001", "000000000000000g", "-000000000000001",
                             "0x00000000000001"}) {
        INFO('\'' << text << '\'');
        const auto r = concord::parse_replica_id(text);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == concord::errc::invalid_stamp);
        CHECK_THAT(r.error().message, Catch::Contains(std::string(text)));
    }
}

TEST_CASE("replica_id: ordered and hashed by value", "[model][stamp]") {
    CHECK(replica_id{1} < replica_id{2});
    CHECK(replica_id{~0ULL} > replica_id{0});
    CHECK(replica_id{7} == replica_id{7});
    std::unordered_set<replica_id> ids{replica_id{1}, replica_id{2}, replica_id{1}};
    CHECK(ids.size() == 2);
    CHECK(ids.count(replica_id{2}) == 1);
}
