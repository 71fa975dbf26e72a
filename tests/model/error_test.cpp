// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — tests of the error codes, their category, and result<T>.

#include <concord/error.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <string>

namespace {

using concord::errc;

constexpr int first_errc = 1;
constexpr int last_code = static_cast<int>(concord::last_errc);

concord::result<int> half(int n) {
    if (n % 2 != 0)
        return concord::error(errc::type_mismatch, "Case 1: column 'N' is odd", "N");
    return n / 2;
}

} // namespace

TEST_CASE("error: the category is named concord", "[model][error]") {
    CHECK(std::string(concord::error_category().name()) == "concord");
    CHECK(concord::make_error_code(errc::timeout).category() == concord::error_category());
    CHECK(&concord::error_category() == &concord::error_category());
}

TEST_CASE("error: every errc value has its own non-empty message", "[model][error]") {
    const std::string unknown = concord::error_category().message(0);
    CHECK(unknown == "unknown concord error");
    CHECK(concord::error_category().message(last_code + 1) == unknown);
    std::set<std::string> messages;
    for (int v = first_errc; v <= last_code; ++v) {
        const std::string m = concord::make_error_code(static_cast<errc>(v)).message();
        INFO("errc " << v << ": " << m);
        CHECK_FALSE(m.empty());
        CHECK(m != unknown);
        messages.insert(m);
    }
    CHECK(messages.size() == static_cast<std::size_t>(last_code - first_errc + 1));
}

TEST_CASE("error: errc numeric values are stable wire facts", "[model][error]") {
    CHECK(static_cast<int>(errc::unknown_entity) == 1);
    CHECK(static_cast<int>(errc::invalid_filter) == 9);
    CHECK(static_cast<int>(errc::invalid_stamp) == 11);
    CHECK(static_cast<int>(errc::record_deleted) == 13);
    CHECK(static_cast<int>(errc::action_not_applicable) == 24);
}

TEST_CASE("error: make_error_code compares equal to its errc", "[model][error]") {
    const concord::error_code ec = concord::make_error_code(errc::record_not_found);
    CHECK(ec.value() == 7);
    CHECK(ec == errc::record_not_found);
    CHECK(ec != errc::record_exists);
    CHECK(ec);
    // errc converts implicitly to error_code.
    const concord::error_code implicit = errc::timeout;
    CHECK(implicit == concord::make_error_code(errc::timeout));
    CHECK(implicit.message() == "timed out");
    CHECK_FALSE(concord::error_code{});
    // A system error with the same number is a different error.
    CHECK(boost::system::error_code(7, boost::system::system_category()) != ec);
}

TEST_CASE("error: error values carry code, message and field", "[model][error]") {
    const concord::error e(errc::unknown_column, "Case 1: no column 'X'", "X");
    CHECK(e == errc::unknown_column);
    CHECK_FALSE(e == errc::unknown_entity);
    CHECK(e.code == concord::make_error_code(errc::unknown_column));
    CHECK(e.message == "Case 1: no column 'X'");
    CHECK(e.field == "X");

    const concord::error bare(errc::pending_changes);
    CHECK(bare == errc::pending_changes);
    CHECK(bare.message == concord::make_error_code(errc::pending_changes).message());
    CHECK(bare.field.empty());

    const concord::error from_code(concord::make_error_code(errc::timeout), "slow");
    CHECK(from_code == errc::timeout);
    CHECK(from_code.message == "slow");
}

TEST_CASE("error: result<T> holds a value or an error", "[model][error]") {
    const auto ok = half(8);
    REQUIRE(ok.has_value());
    CHECK(*ok == 4);
    CHECK(ok.value() == 4);

    const auto bad = half(3);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error() == errc::type_mismatch);
    CHECK(bad.error().field == "N");

    concord::result<void> done;
    CHECK(done.has_value());
}

TEST_CASE("error: result<T>::value() throws concord::system_error with the message",
          "[model][error]") {
    const auto bad = half(3);
    try {
        (void)bad.value();
        FAIL("value() of an error did not throw");
    } catch (const concord::system_error& e) {
        CHECK(e.code() == errc::type_mismatch);
        CHECK_THAT(std::string(e.what()), Catch::Contains("Case 1: column 'N' is odd"));
    }
    // It is also a boost::system::system_error and a std::runtime_error.
    CHECK_THROWS_AS(bad.value(), boost::system::system_error);
    CHECK_THROWS_AS(bad.value(), std::runtime_error);

    const concord::result<void> failed = concord::error(errc::store_failed, "disk full");
    CHECK_THROWS_AS(failed.value(), concord::system_error);
    CHECK_THROWS_WITH(failed.value(), Catch::Contains("disk full"));
}
