// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — tests of change ids: text form, parse errors.

#include <concord/model/change.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace {

using concord::change_id;
using concord::errc;
using concord::replica_id;

} // namespace

TEST_CASE("change_id: text form is the replica's 16 hex digits, a colon and the sequence",
          "[model][change]") {
    CHECK(to_string(change_id{replica_id{0xa1}, 7}) == "00000000000000a1:7");
    CHECK(to_string(change_id{replica_id{0xffffffffffffffffULL},
                              std::numeric_limits<std::uint64_t>::max()}) ==
          "ffffffffffffffff:18446744073709551615");
}

TEST_CASE("change_id: text form round-trips", "[model][change]") {
    for (const change_id id : {change_id{replica_id{0}, 1}, change_id{replica_id{0xa1}, 12},
                               change_id{replica_id{0x0123456789abcdefULL}, 1'000'000},
                               change_id{replica_id{~0ULL}, ~0ULL}}) {
        INFO(to_string(id));
        const auto parsed = concord::parse_change_id(to_string(id));
        REQUIRE(parsed.has_value());
        CHECK(*parsed == id);
    }
}

TEST_CASE("change_id: parse rejects anything but <16 hex digits>:<sequence from 1>",
          "[model][change]") {
    const std::string hex = "00000000000000a1";
    for (const std::string& text :
         {std::string(), std::string("abc"), hex, hex + ":", hex + ":0", hex + ":12x", hex + ":-1",
          hex + ":+1", hex + ": 1", hex + ":18446744073709551616", std::string("00a1:12"),
          "zz" + hex.substr(2) + ":1", hex + "0:1", std::string(":1"), hex + "::1"}) {
        INFO(text);
        const auto r = concord::parse_change_id(text);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == errc::invalid_request);
        CHECK(r.error().message.find("'" + text + "'") != std::string::npos);
    }
}
