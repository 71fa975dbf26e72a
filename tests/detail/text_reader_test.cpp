// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the token reader of the decoders' fast paths: whatever it reads, it reads as the
// JSON parser does.

#include <concord/detail/text_reader.hpp>

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace js = boost::json;
using concord::detail::text_reader;

TEST_CASE("text_reader: strings take the UTF-8 the JSON parser takes, no other", "[detail]") {
    const auto parser_takes = [](const std::string& bytes) {
        boost::system::error_code ec;
        js::parse("\"" + bytes + "\"", ec);
        return !ec;
    };
    const auto reader_takes = [](const std::string& bytes) {
        const std::string text = "\"" + bytes + "\"";
        concord::detail::text_reader r(text);
        std::string_view out;
        std::string scratch;
        return r.string(out, scratch) && r.left() == 0 && out == bytes;
    };
    // Every lead byte from 0x80, with second, third and fourth bytes at the edges of the
    // ranges RFC 3629 allows after it, and a few outside them.
    const unsigned edges[] = {0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
    std::vector<std::string> cases;
    for (unsigned a = 0x80; a < 0x100; ++a) {
        const std::string lead(1, static_cast<char>(a));
        cases.push_back(lead);
        for (unsigned b : edges) {
            const std::string two = lead + static_cast<char>(b);
            cases.push_back(two);
            for (unsigned c : {0x41u, 0x80u, 0xBFu, 0xC0u}) {
                cases.push_back(two + static_cast<char>(c));
                for (unsigned d : {0x41u, 0x80u, 0xBFu, 0xC0u})
                    cases.push_back(two + static_cast<char>(c) + static_cast<char>(d));
            }
        }
    }
    std::size_t taken = 0;
    for (const std::string& bytes : cases) {
        const bool want = parser_takes(bytes);
        INFO("bytes of length " << bytes.size() << ", lead byte "
                                << static_cast<unsigned>(static_cast<unsigned char>(bytes[0])));
        // The reader may leave valid text to the parser (it does not), never take invalid text.
        CHECK(reader_takes(bytes) == want);
        taken += want ? 1 : 0;
    }
    CHECK(taken > 500);
}

TEST_CASE("text_reader: strings decode their short escapes; a \\u escape is left to the parser",
          "[detail]") {
    const std::vector<std::string> taken = {R"("plain")", R"("")", R"("q\"b\\s\/n\nt\tr\rb\bf\f")",
                                            "\"é 𝄞 \x7F\""};
    for (const std::string& text : taken) {
        INFO(text);
        text_reader r(text);
        std::string_view out;
        std::string scratch;
        REQUIRE(r.string(out, scratch));
        CHECK(r.left() == 0);
        CHECK(out == std::string_view(js::parse(text).as_string()));
    }
    for (const std::string text : {R"("\u0041")", R"("a\x")", "\"a", "\"a\x01\"", "x"}) {
        INFO(text);
        text_reader r(text);
        std::string_view out;
        std::string scratch;
        CHECK_FALSE(r.string(out, scratch));
    }
}

TEST_CASE("text_reader: integers are the parser's int64s of up to 18 digits", "[detail]") {
    const std::vector<std::string> taken = {"0", "7", "-7", "123456789012345678",
                                            "-123456789012345678"};
    for (const std::string& text : taken) {
        INFO(text);
        text_reader r(text);
        std::int64_t v = 0;
        REQUIRE(r.integer(v));
        CHECK(r.left() == 0);
        const js::value want = js::parse(text);
        REQUIRE(want.is_int64());
        CHECK(v == want.get_int64());
    }
    // Left to the parser: -0, leading zeros, fractions, exponents, 19 digits and more.
    for (const std::string text : {"-0", "01", "1.5", "1e3", "2E1", "1234567890123456789",
                                   "9999999999999999999", "-", "", "x"}) {
        INFO(text);
        text_reader r(text);
        std::int64_t v = 0;
        CHECK_FALSE(r.integer(v));
    }
}

TEST_CASE("text_reader: a flat object takes scalar values, each name once", "[detail]") {
    const std::string text = R"({"a":"x","b":-3,"c":true,"d":false,"e":null,"f\"":"y"})";
    text_reader r(text);
    js::object o;
    std::string scratch;
    REQUIRE(r.flat_object(o, scratch));
    CHECK(r.left() == 0);
    CHECK(o == js::parse(text).as_object());
    for (const std::string other : {R"({"a":1,"a":2})", R"({"a":{}})", R"({"a":[1]})",
                                    R"({"a":1.5})", R"({ "a":1})", R"({"a":1,})"}) {
        INFO(other);
        text_reader o2(other);
        js::object out;
        CHECK_FALSE(o2.flat_object(out, scratch));
    }
}
