// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — tests of row filters: builders, matching (null and numeric rules), validation.

#include <concord/model/filter.hpp>

#include <catch2/catch.hpp>
#include <support/schemas.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace {

using concord::compare_op;
using concord::errc;
using concord::filter;
using concord::record;
using concord::where;
namespace json = boost::json;

record make(std::string id, json::object fields) {
    record r;
    r.id = std::move(id);
    r.fields = std::move(fields);
    return r;
}

const std::string id_a = "6f1c2a3b-0000-4abc-8def-0123456789ab";
const std::string id_b = "7a2d3b4c-1111-4bcd-9ef0-123456789abc";

// Status "New", Priority 3, Escalated false, Description "VPN down in Lyon", Owner null.
record sample() {
    return make(id_a, {{"Status", "New"},
                       {"Priority", 3},
                       {"Escalated", false},
                       {"Description", "VPN down in Lyon"},
                       {"Owner", nullptr}});
}

const concord::entity_schema& case_entity() {
    static const concord::schema s = concord::test::helpdesk();
    return *s.find("Case");
}

void require_invalid(const filter& f, const std::string& column) {
    const auto r = f.validate(case_entity());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::invalid_filter);
    CHECK_THAT(r.error().message, Catch::Contains("Case." + column));
}

} // namespace

TEST_CASE("filter: a default filter matches every record", "[model][filter]") {
    const filter f;
    CHECK(f.type() == filter::kind::all);
    CHECK(f.matches(sample()));
    CHECK(f.matches(record{}));
    CHECK(f.validate(case_entity()).has_value());
}

TEST_CASE("filter: where builds comparisons with the named op and value", "[model][filter]") {
    struct expect {
        filter f;
        compare_op op;
        json::value v;
    };
    const expect cases[] = {
        {where("Priority") == 3, compare_op::equal, 3},
        {where("Priority") != 3, compare_op::not_equal, 3},
        {where("Priority") < 3, compare_op::less, 3},
        {where("Priority") <= 3, compare_op::less_or_equal, 3},
        {where("Priority") > 3, compare_op::greater, 3},
        {where("Priority") >= 3, compare_op::greater_or_equal, 3},
        {where("Priority").contains("x"), compare_op::contains, "x"},
        {where("Priority").starts_with("x"), compare_op::starts_with, "x"},
        {where("Priority").ends_with("x"), compare_op::ends_with, "x"},
        {where("Priority").is_null(), compare_op::is_null, nullptr},
        {where("Priority").is_not_null(), compare_op::is_not_null, nullptr},
    };
    for (const auto& c : cases) {
        CHECK(c.f.type() == filter::kind::compare);
        CHECK(c.f.column_name() == "Priority");
        CHECK(c.f.op() == c.op);
        CHECK(c.f.value() == c.v);
        CHECK(c.f.children().empty());
    }
    CHECK((where("Status") == "New").value() == json::value("New"));
    CHECK((where("Status") == std::string("New")).value() == json::value("New"));
    CHECK((where("Escalated") == true).value() == json::value(true));
    CHECK((where("Status") == nullptr).value().is_null());
    const auto g = filter::compare("Status", compare_op::less, "M");
    CHECK(g.column_name() == "Status");
    CHECK(g.op() == compare_op::less);
}

TEST_CASE("filter: equality ops on text, number and boolean", "[model][filter]") {
    const record r = sample();
    CHECK((where("Status") == "New").matches(r));
    CHECK_FALSE((where("Status") == "Closed").matches(r));
    CHECK_FALSE((where("Status") == "new").matches(r)); // case-sensitive
    CHECK((where("Status") != "Closed").matches(r));
    CHECK_FALSE((where("Status") != "New").matches(r));
    CHECK((where("Priority") == 3).matches(r));
    CHECK((where("Priority") != 4).matches(r));
    CHECK((where("Escalated") == false).matches(r));
    CHECK_FALSE((where("Escalated") == true).matches(r));
    CHECK((where("Escalated") != true).matches(r));
    // Values of different kinds are never equal.
    CHECK_FALSE((where("Priority") == "3").matches(r));
    CHECK((where("Priority") != "3").matches(r));
    CHECK_FALSE((where("Escalated") == 0).matches(r));
}

TEST_CASE("filter: ordering ops on numbers and text", "[model][filter]") {
    const record r = sample();
    CHECK((where("Priority") < 4).matches(r));
    CHECK_FALSE((where("Priority") < 3).matches(r));
    CHECK((where("Priority") <= 3).matches(r));
    CHECK_FALSE((where("Priority") <= 2).matches(r));
    CHECK((where("Priority") > 2).matches(r));
    CHECK_FALSE((where("Priority") > 3).matches(r));
    CHECK((where("Priority") >= 3).matches(r));
    CHECK_FALSE((where("Priority") >= 4).matches(r));
    // Text orders by bytes.
    CHECK((where("Status") < "Old").matches(r));
    CHECK((where("Status") > "Closed").matches(r));
    CHECK((where("Status") >= "New").matches(r));
    CHECK((where("Status") <= "New").matches(r));
    CHECK_FALSE((where("Status") < "New").matches(r));
    CHECK_FALSE((where("Status") > "new").matches(r)); // 'N' < 'n'
    // Values that cannot be ordered never match an ordering op.
    CHECK_FALSE((where("Priority") < "9").matches(r));
    CHECK_FALSE((where("Priority") >= "0").matches(r));
    // Booleans are only equal or not: strict ordering never matches, <= and >= mean equal.
    CHECK_FALSE((where("Escalated") < true).matches(r));
    CHECK_FALSE((where("Escalated") > true).matches(r));
    CHECK((where("Escalated") <= false).matches(r));
    CHECK((where("Escalated") >= false).matches(r));
    CHECK_FALSE((where("Escalated") <= true).matches(r));
}

TEST_CASE("filter: integers and doubles compare by value", "[model][filter]") {
    const record r = sample(); // Priority 3 (int64)
    CHECK((where("Priority") == 3.0).matches(r));
    CHECK_FALSE((where("Priority") != 3.0).matches(r));
    CHECK((where("Priority") < 3.5).matches(r));
    CHECK((where("Priority") > 2.5).matches(r));
    CHECK((where("Priority") <= 3.0).matches(r));
    CHECK((where("Priority") == std::uint64_t{3}).matches(r));

    const record d = make(id_a, {{"Amount", 2.5}});
    CHECK((where("Amount") > 2).matches(d));
    CHECK((where("Amount") < 3).matches(d));
    CHECK((where("Amount") == 2.5).matches(d));
    CHECK_FALSE((where("Amount") == 2).matches(d));

    // Large int64 values compare exactly, not through double.
    const std::int64_t big = (std::int64_t{1} << 62) + 1;
    const record b = make(id_a, {{"N", big}});
    CHECK((where("N") > big - 1).matches(b));
    CHECK((where("N") == big).matches(b));
    CHECK_FALSE((where("N") == big - 1).matches(b));
    // int64 against uint64 compares exactly too (both would round to 2^62 as doubles).
    CHECK_FALSE((where("N") == std::uint64_t{1} << 62).matches(b));
    CHECK((where("N") > std::uint64_t{1} << 62).matches(b));
    CHECK((where("N") < std::uint64_t{0x8000'0000'0000'0000}).matches(b));
    const record u = make(id_a, {{"N", std::uint64_t{0x8000'0000'0000'0000}}});
    CHECK((where("N") > std::numeric_limits<std::int64_t>::max()).matches(u));
    CHECK((where("N") > -1).matches(u));
    CHECK((where("N") == std::uint64_t{0x8000'0000'0000'0000}).matches(u));
}

TEST_CASE("filter: text ops contains, starts_with, ends_with", "[model][filter]") {
    const record r = sample(); // Description "VPN down in Lyon"
    CHECK(where("Description").contains("down").matches(r));
    CHECK(where("Description").contains("").matches(r));
    CHECK_FALSE(where("Description").contains("vpn").matches(r)); // case-sensitive
    CHECK(where("Description").starts_with("VPN").matches(r));
    CHECK_FALSE(where("Description").starts_with("Lyon").matches(r));
    CHECK(where("Description").ends_with("Lyon").matches(r));
    CHECK_FALSE(where("Description").ends_with("VPN").matches(r));
    CHECK_FALSE(where("Description").ends_with("Big VPN down in Lyon").matches(r));
    CHECK(where("Description").starts_with("VPN down in Lyon").matches(r));
    // Text ops never match a non-text or absent column.
    CHECK_FALSE(where("Priority").contains("3").matches(r));
    CHECK_FALSE(where("Org").contains("").matches(r));
    CHECK_FALSE(where("Owner").starts_with("").matches(r));
}

TEST_CASE("filter: null semantics", "[model][filter]") {
    const record r = sample(); // Owner null, Org absent
    for (const char* col : {"Owner", "Org"}) {
        INFO(col);
        CHECK(where(col).is_null().matches(r));
        CHECK_FALSE(where(col).is_not_null().matches(r));
        // Equal to null matches absent or null; not-equal to null does not.
        CHECK((where(col) == nullptr).matches(r));
        CHECK_FALSE((where(col) != nullptr).matches(r));
        // A value is never equal to a null column; a null column differs from any value.
        CHECK_FALSE((where(col) == "Ann").matches(r));
        CHECK((where(col) != "Ann").matches(r));
        // Ordering comparisons never match a null column.
        CHECK_FALSE((where(col) < "zzz").matches(r));
        CHECK_FALSE((where(col) <= "zzz").matches(r));
        CHECK_FALSE((where(col) > "").matches(r));
        CHECK_FALSE((where(col) >= "").matches(r));
    }
    CHECK_FALSE(where("Status").is_null().matches(r));
    CHECK(where("Status").is_not_null().matches(r));
    CHECK_FALSE((where("Status") == nullptr).matches(r));
    CHECK((where("Status") != nullptr).matches(r));
    // A present value never orders against null.
    CHECK_FALSE((where("Priority") < nullptr).matches(r));
    CHECK_FALSE((where("Priority") >= nullptr).matches(r));
}

TEST_CASE("filter: Id compares the record id", "[model][filter]") {
    const record r = sample();
    CHECK((where("Id") == id_a).matches(r));
    CHECK_FALSE((where("Id") == id_b).matches(r));
    CHECK((where("Id") != id_b).matches(r));
    CHECK(where("Id").is_not_null().matches(r));
    CHECK_FALSE(where("Id").is_null().matches(r));
    CHECK((where("Id") < id_b).matches(r));
    // A field literally named "Id" is not consulted.
    const record shadow = make(id_a, {{"Id", id_b}});
    CHECK((where("Id") == id_a).matches(shadow));
}

TEST_CASE("filter: and, or, not combine as logic", "[model][filter]") {
    const record r = sample();
    const filter yes = where("Status") == "New";
    const filter no = where("Status") == "Closed";
    CHECK((yes && yes).matches(r));
    CHECK_FALSE((yes && no).matches(r));
    CHECK_FALSE((no && yes).matches(r));
    CHECK((yes || no).matches(r));
    CHECK((no || yes).matches(r));
    CHECK_FALSE((no || no).matches(r));
    CHECK_FALSE((!yes).matches(r));
    CHECK((!no).matches(r));
    CHECK((!!yes).matches(r));
    CHECK((!yes).type() == filter::kind::negate);
    REQUIRE((!yes).children().size() == 1);
    CHECK((!yes).children()[0].column_name() == "Status");

    const filter doc = ((where("Status") == "New" || where("Priority") >= 3) &&
                        where("Description").contains("VPN"));
    CHECK(doc.matches(r));
    CHECK_FALSE(doc.matches(make(id_a, {{"Status", "New"}, {"Description", "printer"}})));
    CHECK(doc.matches(make(id_a, {{"Priority", 5}, {"Description", "VPN"}})));
    CHECK_FALSE(doc.matches(make(id_a, {{"Priority", 1}, {"Description", "VPN"}})));
}

TEST_CASE("filter: nested and / or of the same kind flatten", "[model][filter]") {
    const filter a = where("Status") == "New";
    const filter b = where("Priority") == 3;
    const filter c = where("Escalated") == false;
    const filter d = where("Owner").is_null();

    const filter all = (a && b) && (c && d);
    CHECK(all.type() == filter::kind::all_of);
    REQUIRE(all.children().size() == 4);
    CHECK(all.children()[0].column_name() == "Status");
    CHECK(all.children()[3].column_name() == "Owner");

    const filter any = a || (b || c);
    CHECK(any.type() == filter::kind::any_of);
    CHECK(any.children().size() == 3);

    // Different kinds nest instead of flattening.
    const filter mixed = a && (b || c);
    CHECK(mixed.type() == filter::kind::all_of);
    REQUIRE(mixed.children().size() == 2);
    CHECK(mixed.children()[1].type() == filter::kind::any_of);
    CHECK(mixed.children()[1].children().size() == 2);

    // A not is never flattened into its parent.
    const filter neg = a && !(b && c);
    REQUIRE(neg.children().size() == 2);
    CHECK(neg.children()[1].type() == filter::kind::negate);

    CHECK(all.matches(sample()));
    CHECK(any.matches(sample()));
    CHECK(mixed.matches(sample()));
    CHECK_FALSE(neg.matches(sample()));
}

TEST_CASE("filter: the match-all filter is the identity of and / or", "[model][filter]") {
    const filter a = where("Status") == "New";
    const filter x = filter{} && a;
    CHECK(x.type() == filter::kind::compare);
    CHECK(x.column_name() == "Status");
    CHECK((a && filter{}).type() == filter::kind::compare);
    CHECK((filter{} || a).type() == filter::kind::compare);
    CHECK((filter{} && filter{}).type() == filter::kind::all);
    // Building a filter step by step from the match-all start.
    filter f;
    f = f && a;
    f = f && (where("Priority") > 1);
    CHECK(f.type() == filter::kind::all_of);
    CHECK(f.children().size() == 2);
    CHECK(f.matches(sample()));
}

TEST_CASE("filter: validate accepts well-typed filters", "[model][filter]") {
    const filter good[] = {
        where("Status") == "New",
        where("Status") != nullptr,
        where("Status") == nullptr,
        where("Priority") >= 3,
        where("Priority") == std::uint64_t{3},
        where("Escalated") == true,
        where("Escalated") != false,
        where("CreatedOn") > "2026-01-01T00:00:00Z",
        where("Description").contains("vpn"),
        where("Number").starts_with("C-"),
        where("Number").ends_with("-9"),
        where("Owner").is_null(),
        where("Id") == id_a,
        where("Id") > id_a,
        where("Id").is_not_null(),
        where("Category") == "Question",         // allowed values do not restrict filters
        where("Number") == std::string(50, 'x'), // nor does max_length
        (where("Status") == "New" || where("Priority") > 1) && !where("Owner").is_null(),
    };
    for (std::size_t i = 0; i < std::size(good); ++i) {
        INFO("filter " << i);
        const auto r = good[i].validate(case_entity());
        CHECK(r.has_value());
    }
}

TEST_CASE("filter: validate rejects an unknown column", "[model][filter]") {
    require_invalid(where("Colour") == "red", "Colour");
    require_invalid(where("Colour").is_null(), "Colour");
    require_invalid(where("Colour").contains("r"), "Colour");
    // Found inside combinations too.
    require_invalid(where("Status") == "New" && !(where("Colour") == "red"), "Colour");
    require_invalid(where("Status") == "New" || where("Colour") == "red", "Colour");
}

TEST_CASE("filter: validate rejects a text op on a non-text column", "[model][filter]") {
    require_invalid(where("Priority").contains("3"), "Priority");
    require_invalid(where("Escalated").starts_with("t"), "Escalated");
    require_invalid(where("CreatedOn").ends_with("Z"), "CreatedOn");
    require_invalid(where("Id").contains("6f1c"), "Id");
    require_invalid(filter::compare("Status", compare_op::contains, 3), "Status");
}

TEST_CASE("filter: validate rejects ordering on boolean or with null", "[model][filter]") {
    require_invalid(where("Escalated") < true, "Escalated");
    require_invalid(where("Escalated") >= false, "Escalated");
    require_invalid(where("Priority") > nullptr, "Priority");
    require_invalid(where("Status") <= nullptr, "Status");
}

TEST_CASE("filter: validate rejects a value of the wrong type", "[model][filter]") {
    require_invalid(where("Priority") == "high", "Priority");
    require_invalid(where("Priority") > 2.5, "Priority");
    require_invalid(where("Status") == 3, "Status");
    require_invalid(where("Escalated") == 1, "Escalated");
    require_invalid(where("CreatedOn") > "yesterday", "CreatedOn");
    require_invalid(where("Id") == 42, "Id");
    const auto r = (where("Priority") == "high").validate(case_entity());
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error().message, Catch::Contains("Integer"));
}
