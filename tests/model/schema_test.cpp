// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — tests of schema validation (every DataValueType) and of GUID helpers.

#include <concord/model/record.hpp>
#include <concord/model/schema.hpp>

#include <catch2/catch.hpp>
#include <support/schemas.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using concord::column;
using concord::data_value_type;
using concord::errc;
using concord::operation;
namespace json = boost::json;

// The error code of validating `v` against `col`, or a default error_code when it is valid.
concord::error_code check(const column& col, const json::value& v) {
    const auto r = concord::validate_value(col, v, "Case 1");
    return r.has_value() ? concord::error_code{} : r.error().code;
}

bool valid(const column& col, const json::value& v) {
    return concord::validate_value(col, v, "Case 1").has_value();
}

const concord::error_code type_mismatch = concord::make_error_code(errc::type_mismatch);

// A string value holding raw bytes (possibly not UTF-8).
json::value bytes(std::string_view s) {
    return json::value(json::string(s));
}

const concord::entity_schema& case_entity() {
    static const concord::schema s = concord::test::helpdesk();
    return *s.find("Case");
}

} // namespace

TEST_CASE("schema: data_value_type codes and names are the DataService ones", "[model][schema]") {
    CHECK(static_cast<int>(data_value_type::guid) == 0);
    CHECK(static_cast<int>(data_value_type::text) == 1);
    CHECK(static_cast<int>(data_value_type::integer) == 4);
    CHECK(static_cast<int>(data_value_type::boolean) == 12);
    CHECK(to_string(data_value_type::date_time) == "DateTime");
    CHECK(to_string(data_value_type::enumeration) == "Enum");
    CHECK(concord::is_supported(0));
    CHECK(concord::is_supported(1));
    CHECK_FALSE(concord::is_supported(2));
    CHECK_FALSE(concord::is_supported(3));
    for (int code = 4; code <= 12; ++code)
        CHECK(concord::is_supported(code));
    CHECK_FALSE(concord::is_supported(13));
    CHECK_FALSE(concord::is_supported(-1));
}

TEST_CASE("schema: guid and lookup columns take canonical GUID text", "[model][schema]") {
    for (auto type : {data_value_type::guid, data_value_type::lookup}) {
        const column col{"Ref", type};
        INFO(to_string(type));
        CHECK(valid(col, "6f1c2a3b-0000-4abc-8def-0123456789ab"));
        CHECK(valid(col, "6F1C2A3B-0000-4ABC-8DEF-0123456789AB"));
        CHECK(check(col, "{6f1c2a3b-0000-4abc-8def-0123456789ab}") == type_mismatch);
        CHECK(check(col, "6f1c2a3b00004abc8def0123456789ab") == type_mismatch);
        CHECK(check(col, "6f1c2a3b-0000-4abc-8def-0123456789a") == type_mismatch);
        CHECK(check(col, "6f1c2a3b-0000-4abc-8def-0123456789ag") == type_mismatch);
        CHECK(check(col, "") == type_mismatch);
        CHECK(check(col, 42) == type_mismatch);
        CHECK(check(col, true) == type_mismatch);
        CHECK(check(col, json::object{}) == type_mismatch);
    }
}

TEST_CASE("schema: text columns take strings only", "[model][schema]") {
    const column col{"Status", data_value_type::text};
    CHECK(valid(col, "New"));
    CHECK(valid(col, ""));
    CHECK(valid(col, "Grüße, 東京 🎉"));
    CHECK(check(col, 1) == type_mismatch);
    CHECK(check(col, 1.5) == type_mismatch);
    CHECK(check(col, false) == type_mismatch);
    CHECK(check(col, json::array{"a"}) == type_mismatch);
}

TEST_CASE("schema: text rejects invalid UTF-8", "[model][schema]") {
    const column col{"Status", data_value_type::text};
    const std::vector<std::string_view> bad{"\xff",             // never valid
                                            "abc\x80",          // lone continuation byte
                                            "\xc3",             // truncated 2-byte sequence
                                            "\xe2\x82",         // truncated 3-byte sequence
                                            "\xc3\x28",         // bad continuation
                                            "\xc0\xaf",         // overlong '/'
                                            "\xe0\x80\xaf",     // overlong, 3 bytes
                                            "\xed\xa0\x80",     // UTF-16 surrogate U+D800
                                            "\xf4\x90\x80\x80", // beyond U+10FFFF
                                            "\xf8\x88\x80\x80\x80"};
    for (std::size_t i = 0; i < bad.size(); ++i) {
        const std::string_view s = bad[i];
        INFO("sample " << i);
        const auto r = concord::validate_value(col, bytes(s), "Case 1");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == errc::type_mismatch);
        CHECK_THAT(r.error().message, Catch::Contains("UTF-8"));
    }
    CHECK(valid(col, bytes("\xf4\x8f\xbf\xbf"))); // U+10FFFF, the last code point
    CHECK(valid(col, bytes("\xef\xbb\xbf")));     // U+FEFF
}

TEST_CASE("schema: max_length counts code points, not bytes", "[model][schema]") {
    const column col{"Number", data_value_type::text, false, 3};
    CHECK(valid(col, "abc"));
    CHECK(valid(col, "héé"));    // 3 code points, 5 bytes
    CHECK(valid(col, "東京都")); // 3 code points, 9 bytes
    CHECK(valid(col, "🎉🎉🎉"));    // 3 code points, 12 bytes
    CHECK(check(col, "abcd") == concord::make_error_code(errc::value_too_long));
    CHECK(check(col, "東京都庁") == concord::make_error_code(errc::value_too_long));
    const auto r = concord::validate_value(col, "éééé", "Case 1");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::value_too_long);
    CHECK_THAT(r.error().message, Catch::Contains("3") && Catch::Contains("4"));
    CHECK(valid(column{"Any", data_value_type::text, false, 0}, json::string(10000, 'x')));
}

TEST_CASE("schema: integer and enumeration take integral numbers within int64", "[model][schema]") {
    for (auto type : {data_value_type::integer, data_value_type::enumeration}) {
        const column col{"Priority", type};
        INFO(to_string(type));
        CHECK(valid(col, 0));
        CHECK(valid(col, -7));
        CHECK(valid(col, std::numeric_limits<std::int64_t>::max()));
        CHECK(valid(col, std::numeric_limits<std::int64_t>::min()));
        CHECK(valid(col, std::uint64_t{5}));
        CHECK(valid(col, std::uint64_t{0x7FFF'FFFF'FFFF'FFFF}));
        CHECK(check(col, std::uint64_t{0x8000'0000'0000'0000}) == type_mismatch);
        CHECK(check(col, std::numeric_limits<std::uint64_t>::max()) == type_mismatch);
        CHECK(check(col, 1.0) == type_mismatch); // a double is not an integer, even when whole
        CHECK(check(col, 2.5) == type_mismatch);
        CHECK(check(col, "3") == type_mismatch);
        CHECK(check(col, true) == type_mismatch);
    }
}

TEST_CASE("schema: floating and money take any number", "[model][schema]") {
    for (auto type : {data_value_type::floating, data_value_type::money}) {
        const column col{"Amount", type};
        INFO(to_string(type));
        CHECK(valid(col, 2.5));
        CHECK(valid(col, -0.0));
        CHECK(valid(col, 3)); // an integer is a number
        CHECK(valid(col, std::numeric_limits<std::uint64_t>::max()));
        CHECK(check(col, "2.5") == type_mismatch);
        CHECK(check(col, false) == type_mismatch);
        CHECK(check(col, json::array{}) == type_mismatch);
    }
}

TEST_CASE("schema: date_time takes YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]", "[model][schema]") {
    const column col{"CreatedOn", data_value_type::date_time};
    for (const char* ok :
         {"2026-01-01T00:00:00", "2026-01-01T00:00:00.000", "2026-12-31T23:59:59.1234567",
          "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.5Z", "2026-01-01T08:30:00+02:00",
          "2026-01-01T08:30:00-05:30", "2026-01-01 08:30:00", "2024-02-29T12:00:00"}) {
        INFO(ok);
        CHECK(valid(col, ok));
    }
    for (const char* bad :
         {"2026-01-01", "2026-01-01T00:00", "2026-1-01T00:00:00", "2026-01-01X00:00:00",
          "2026-01-01T00:00:00.", "2026-01-01T00:00:00+0200", "2026-01-01T00:00:00 Z",
          "2026-01-01T00:00:00z", "2026-01-01T00:00:00+02", "2026-01-01T0a:00:00", "",
          "2026-13-01T00:00:00", "2026-00-10T00:00:00", "2026-02-30T00:00:00",
          "2026-01-01T24:00:00", "2026-01-01T12:60:00", "2026-01-01T12:00:61",
          "2026-01-01T12:00:00+24:00", "2026-01-01T12:00:00+02:60"}) {
        INFO(bad);
        CHECK(check(col, bad) == type_mismatch);
    }
    CHECK(check(col, 1'700'000'000'000) == type_mismatch);
}

TEST_CASE("schema: date takes YYYY-MM-DD", "[model][schema]") {
    const column col{"Due", data_value_type::date};
    for (const char* ok : {"2026-01-01", "1999-12-31", "2024-02-29", "2000-02-29"}) {
        INFO(ok);
        CHECK(valid(col, ok));
    }
    for (const char* bad : {"2026-01-01T00:00:00", "20260101", "2026/01/01", "2026-1-1", "26-01-01",
                            "2026-01-0x", "", "2026-13-01", "2026-00-01", "2026-01-00",
                            "2026-01-32", "2026-04-31", "2023-02-29", "1900-02-29"}) {
        INFO(bad);
        CHECK(check(col, bad) == type_mismatch);
    }
    CHECK(check(col, 20260101) == type_mismatch);
}

TEST_CASE("schema: time takes HH:MM:SS[.fff]", "[model][schema]") {
    const column col{"At", data_value_type::time};
    for (const char* ok : {"00:00:00", "23:59:59", "12:30:00.5", "12:30:00.123456"}) {
        INFO(ok);
        CHECK(valid(col, ok));
    }
    for (const char* bad :
         {"12:30", "12:30:00Z", "12:30:00.", "1:30:00", "12-30-00", "12:30:00+02:00", "T12:30:00",
          "", "24:00:00", "12:60:00", "12:30:60"}) {
        INFO(bad);
        CHECK(check(col, bad) == type_mismatch);
    }
    CHECK(check(col, 1230) == type_mismatch);
}

TEST_CASE("schema: boolean takes true and false only", "[model][schema]") {
    const column col{"Escalated", data_value_type::boolean};
    CHECK(valid(col, true));
    CHECK(valid(col, false));
    CHECK(check(col, 1) == type_mismatch);
    CHECK(check(col, 0) == type_mismatch);
    CHECK(check(col, "true") == type_mismatch);
}

TEST_CASE("schema: allowed values restrict a column", "[model][schema]") {
    const auto& category = *case_entity().find("Category");
    CHECK(valid(category, "Incident"));
    CHECK(valid(category, "Service request"));
    const auto r = concord::validate_value(category, "Question", "Case 1");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::value_not_allowed);
    CHECK(r.error().field == "Category");
    CHECK_THAT(r.error().message, Catch::Contains("Question"));
    // The type is checked before the allowed list.
    CHECK(check(category, 5) == type_mismatch);

    const column level{"Level", data_value_type::integer, false, 0, {1, 2, 3}};
    CHECK(valid(level, 2));
    CHECK(check(level, 4) == concord::make_error_code(errc::value_not_allowed));
}

TEST_CASE("schema: null is accepted unless the column is required", "[model][schema]") {
    for (auto type : {data_value_type::guid, data_value_type::text, data_value_type::integer,
                      data_value_type::floating, data_value_type::money, data_value_type::date_time,
                      data_value_type::date, data_value_type::time, data_value_type::lookup,
                      data_value_type::enumeration, data_value_type::boolean}) {
        INFO(to_string(type));
        CHECK(valid(column{"C", type, false}, nullptr));
        const auto r = concord::validate_value(column{"C", type, true}, nullptr, "Case 1");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == errc::missing_required);
        CHECK(r.error().field == "C");
    }
    // Null is not checked against the allowed list.
    CHECK(valid(*case_entity().find("Status"), nullptr));
}

TEST_CASE("schema: a value error names the item, the column and the expected type",
          "[model][schema]") {
    const column col{"Priority", data_value_type::integer};
    const auto r = concord::validate_value(col, "high", "Case 6f1c");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == concord::make_error_code(errc::type_mismatch));
    CHECK(r.error().field == "Priority");
    CHECK_THAT(r.error().message, Catch::Contains("Case 6f1c") && Catch::Contains("Priority") &&
                                      Catch::Contains("Integer") && Catch::Contains("string"));
}

TEST_CASE("schema: validate_fields accepts a complete insert", "[model][schema]") {
    json::object fields{{"Number", "C-1"},
                        {"Category", "Incident"},
                        {"Priority", 2},
                        {"Escalated", false},
                        {"CreatedOn", "2026-01-01T00:00:00Z"},
                        {"Description", nullptr}};
    CHECK(concord::validate_fields(case_entity(), fields, operation::insert, "Case 1").has_value());
    CHECK(concord::validate_fields(case_entity(), fields, operation::update, "Case 1").has_value());
}

TEST_CASE("schema: validate_fields rejects an unknown column", "[model][schema]") {
    json::object fields{{"Number", "C-1"}, {"Category", "Incident"}, {"Colour", "red"}};
    for (auto op : {operation::insert, operation::update}) {
        const auto r = concord::validate_fields(case_entity(), fields, op, "Case 42");
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == errc::unknown_column);
        CHECK(r.error().field == "Colour");
        CHECK_THAT(r.error().message, Catch::Contains("Case 42") && Catch::Contains("Colour") &&
                                          Catch::Contains("'Case'"));
    }
}

TEST_CASE("schema: validate_fields requires required columns on insert only", "[model][schema]") {
    const json::object partial{{"Number", "C-1"}, {"Status", "New"}};
    const auto r = concord::validate_fields(case_entity(), partial, operation::insert, "Case 7");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::missing_required);
    CHECK(r.error().field == "Category");
    CHECK_THAT(r.error().message, Catch::Contains("Case 7") && Catch::Contains("Category"));

    CHECK(
        concord::validate_fields(case_entity(), partial, operation::update, "Case 7").has_value());
    CHECK(concord::validate_fields(case_entity(), {}, operation::update, "Case 7").has_value());

    // An insert that sets a required column to null misses it too.
    const json::object nulled{{"Number", "C-1"}, {"Category", nullptr}};
    const auto n = concord::validate_fields(case_entity(), nulled, operation::insert, "Case 7");
    REQUIRE_FALSE(n.has_value());
    CHECK(n.error() == errc::missing_required);
    CHECK(n.error().field == "Category");
}

TEST_CASE("schema: validate_fields rejects clearing a required column on update",
          "[model][schema]") {
    const json::object fields{{"Number", nullptr}};
    const auto r = concord::validate_fields(case_entity(), fields, operation::update, "Case 7");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::missing_required);
    CHECK(r.error().field == "Number");
}

TEST_CASE("schema: validate_fields reports a bad value with its column", "[model][schema]") {
    const json::object fields{{"Number", "C-1"}, {"Category", "Incident"}, {"Priority", 1.5}};
    const auto r = concord::validate_fields(case_entity(), fields, operation::insert, "Case 9");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::type_mismatch);
    CHECK(r.error().field == "Priority");
    CHECK_THAT(r.error().message, Catch::Contains("Case 9") && Catch::Contains("Priority"));

    const json::object too_long{{"Number", std::string(21, '9')}};
    const auto t = concord::validate_fields(case_entity(), too_long, operation::update, "Case 9");
    REQUIRE_FALSE(t.has_value());
    CHECK(t.error() == errc::value_too_long);
    CHECK(t.error().field == "Number");
}

TEST_CASE("schema: find and add on schema and entity", "[model][schema]") {
    concord::schema s = concord::test::helpdesk();
    REQUIRE(s.find("Case") != nullptr);
    CHECK(s.find("Nope") == nullptr);
    CHECK(s.find("Case")->find("Number")->required);
    CHECK(s.find("Case")->find("Id") == nullptr); // Id is implicit, not a column
    s.add(concord::entity_schema{"Case", {column{"Title", data_value_type::text}}});
    CHECK(s.entities().size() == 2);
    CHECK(s.find("Case")->columns.size() == 1);
    s.add(concord::entity_schema{"Contact", {}});
    CHECK(s.entities().size() == 3);
}

TEST_CASE("guid: is_guid accepts canonical 8-4-4-4-12 hex only", "[model][guid]") {
    CHECK(concord::is_guid("00000000-0000-0000-0000-000000000000"));
    CHECK(concord::is_guid("6f1c2a3b-0000-4abc-8def-0123456789ab"));
    CHECK(concord::is_guid("6F1C2A3B-0000-4ABC-8DEF-0123456789AB"));
    CHECK_FALSE(concord::is_guid(""));
    CHECK_FALSE(concord::is_guid("6f1c2a3b-0000-4abc-8def-0123456789a"));
    CHECK_FALSE(concord::is_guid("6f1c2a3b-0000-4abc-8def-0123456789abc"));
    CHECK_FALSE(concord::is_guid("6f1c2a3b00000-4abc-8def-0123456789ab"));
    CHECK_FALSE(concord::is_guid("6f1c2a3b-0000-4abc-8def-0123456789ag"));
    CHECK_FALSE(concord::is_guid("{6f1c2a3b-0000-4abc-8def-0123456789a}"));
    CHECK_FALSE(concord::is_guid("6f1c2a3b 0000-4abc-8def-0123456789ab"));
}

TEST_CASE("guid: new_guid is a lower-case version 4 GUID", "[model][guid]") {
    for (int i = 0; i < 100; ++i) {
        const std::string g = concord::new_guid();
        INFO(g);
        REQUIRE(concord::is_guid(g));
        CHECK(g.find_first_of("ABCDEF") == std::string::npos);
        CHECK(g[14] == '4');                                                   // version nibble
        CHECK(std::string_view("89ab").find(g[19]) != std::string_view::npos); // RFC 4122 variant
    }
}

TEST_CASE("guid: new_guid does not repeat over a few thousand", "[model][guid]") {
    std::set<std::string> seen;
    for (int i = 0; i < 5000; ++i)
        seen.insert(concord::new_guid());
    CHECK(seen.size() == 5000);
}
