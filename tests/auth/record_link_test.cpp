// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — tests of signed record links: round trip, tampering, other keys, expiry, garbage.

#include <concord/auth/detail/base64url.hpp>
#include <concord/auth/record_link.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using concord::errc;
using concord::link_signer;
using clock_type = std::chrono::system_clock;

const clock_type::time_point t0 = clock_type::time_point(1'800'000'000s);
const std::string case_id = "7f1c2a4e-1111-4a2b-9c3d-0123456789ab";

std::string payload_of(const std::string& token) {
    return concord::detail::base64url_decode(token.substr(0, token.find('.'))).value();
}

std::string mac_part(const std::string& token) {
    return token.substr(token.find('.') + 1);
}

std::string payload_part(const std::string& token) {
    return token.substr(0, token.find('.'));
}

// "<payload part>.<mac part>"
std::string join(const std::string& payload, const std::string& mac) {
    std::string token = payload;
    token += '.';
    token += mac;
    return token;
}

} // namespace

TEST_CASE("record link: an issued link verifies to its entity, id and expiry", "[auth]") {
    const link_signer signer(link_signer::generate_key());
    const std::string token = signer.issue("Case", case_id, t0 + 1h);
    const auto claims = signer.verify(token, t0);
    REQUIRE(claims.has_value());
    CHECK(claims->entity == "Case");
    CHECK(claims->record_id == case_id);
    CHECK(claims->expires == t0 + 1h);
    CHECK(payload_of(token) == "v1|Case|" + case_id + "|1800003600");
    CHECK(token.find_first_of("+/= ") == std::string::npos);
}

TEST_CASE("record link: a copy of a signer verifies the original's links", "[auth]") {
    const link_signer a(link_signer::generate_key());
    // NOLINTNEXTLINE(performance-unnecessary-copy-initialization): the copy is the test
    const link_signer b = a;
    const auto claims = b.verify(a.issue("Contact", "c-1", t0 + 1min), t0);
    REQUIRE(claims.has_value());
    CHECK(claims->record_id == "c-1");
}

TEST_CASE("record link: generated keys are long enough and differ", "[auth]") {
    const std::string k1 = link_signer::generate_key();
    const std::string k2 = link_signer::generate_key();
    CHECK(k1.size() >= link_signer::min_key_size);
    CHECK(k1 != k2);
}

TEST_CASE("record link: a key shorter than 32 bytes is refused", "[auth]") {
    CHECK_THROWS_AS(link_signer(""), std::invalid_argument);
    CHECK_THROWS_AS(link_signer(std::string(31, 'k')), std::invalid_argument);
    CHECK_NOTHROW(link_signer(std::string(32, 'k')));
}

TEST_CASE("record link: '|' or an empty entity or id cannot be issued", "[auth]") {
    const link_signer signer(link_signer::generate_key());
    CHECK_THROWS_AS(signer.issue("Ca|se", "1", t0), std::invalid_argument);
    CHECK_THROWS_AS(signer.issue("Case", "1|2", t0), std::invalid_argument);
    CHECK_THROWS_AS(signer.issue("", "1", t0), std::invalid_argument);
    CHECK_THROWS_AS(signer.issue("Case", "", t0), std::invalid_argument);
}

TEST_CASE("record link: a tampered payload is invalid", "[auth]") {
    const link_signer signer(link_signer::generate_key());
    const std::string token = signer.issue("Case", case_id, t0 + 1h);
    const std::string mac = mac_part(token);

    SECTION("another record id under the original signature") {
        std::string payload = payload_of(token);
        payload.replace(payload.find(case_id), case_id.size(),
                        "00000000-0000-0000-0000-0000000000");
        const auto r = signer.verify(concord::detail::base64url_encode(payload) + "." + mac, t0);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == errc::link_invalid);
    }
    SECTION("a later expiry under the original signature") {
        const std::string payload = "v1|Case|" + case_id + "|1900000000";
        const auto r = signer.verify(concord::detail::base64url_encode(payload) + "." + mac, t0);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == errc::link_invalid);
    }
    SECTION("any single character of the payload part changed") {
        const std::string part = payload_part(token);
        for (std::size_t i = 0; i < part.size(); ++i) {
            std::string p = part;
            p[i] = p[i] == 'A' ? 'B' : 'A';
            INFO("position " << i);
            const auto r = signer.verify(join(p, mac), t0);
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error() == errc::link_invalid);
        }
    }
}

TEST_CASE("record link: a tampered signature is invalid", "[auth]") {
    const link_signer signer(link_signer::generate_key());
    const std::string token = signer.issue("Case", case_id, t0 + 1h);
    const std::string payload = payload_part(token);
    const std::string mac = mac_part(token);
    for (std::size_t i = 0; i < mac.size(); ++i) {
        std::string m = mac;
        m[i] = m[i] == 'A' ? 'B' : 'A';
        INFO("position " << i);
        const auto r = signer.verify(join(payload, m), t0);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == errc::link_invalid);
    }
    const auto truncated = signer.verify(payload + "." + mac.substr(0, mac.size() - 2), t0);
    REQUIRE_FALSE(truncated.has_value());
    CHECK(truncated.error() == errc::link_invalid);
    const auto extended = signer.verify(token + "AA", t0);
    REQUIRE_FALSE(extended.has_value());
    CHECK(extended.error() == errc::link_invalid);
}

TEST_CASE("record link: a link signed with another key is invalid", "[auth]") {
    const link_signer mine(link_signer::generate_key());
    const link_signer theirs(link_signer::generate_key());
    const std::string own = mine.issue("Case", case_id, t0 + 1h);
    const std::string foreign = theirs.issue("Case", case_id, t0 + 1h);
    REQUIRE(theirs.verify(foreign, t0).has_value());
    // The same payload, so only the signatures differ: swap them.
    REQUIRE(payload_part(own) == payload_part(foreign));
    const auto r1 = mine.verify(foreign, t0);
    REQUIRE_FALSE(r1.has_value());
    CHECK(r1.error() == errc::link_invalid);
    const auto r2 = mine.verify(payload_part(own) + "." + mac_part(foreign), t0);
    REQUIRE_FALSE(r2.has_value());
    CHECK(r2.error() == errc::link_invalid);
}

TEST_CASE("record link: a link is expired from its expiry on", "[auth]") {
    const link_signer signer(link_signer::generate_key());
    const std::string token = signer.issue("Case", case_id, t0 + 1h);
    CHECK(signer.verify(token, t0 + 1h - 1ms).has_value());
    for (const auto now : {t0 + 1h, t0 + 1h + 1s, t0 + 24h * 365}) {
        const auto r = signer.verify(token, now);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == errc::link_expired);
        CHECK(r.error().message.find(token) == std::string::npos);
    }
}

TEST_CASE("record link: expiry is rounded down to whole seconds", "[auth]") {
    const link_signer signer(link_signer::generate_key());
    const std::string token = signer.issue("Case", "1", t0 + 1500ms);
    const auto claims = signer.verify(token, t0);
    REQUIRE(claims.has_value());
    CHECK(claims->expires == t0 + 1s);
    const auto r = signer.verify(token, t0 + 1s);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::link_expired);
}

TEST_CASE("record link: far-future and past expiries survive the round trip", "[auth]") {
    const link_signer signer(link_signer::generate_key());
    const auto far = signer.verify(signer.issue("Case", "1", clock_type::time_point::max()), t0);
    REQUIRE(far.has_value());
    CHECK(far->expires > t0 + 24h * 365 * 200);
    const auto past = signer.verify(signer.issue("Case", "1", clock_type::time_point{}), t0);
    REQUIRE_FALSE(past.has_value());
    CHECK(past.error() == errc::link_expired);
}

TEST_CASE("record link: garbage strings are invalid", "[auth]") {
    const link_signer signer(link_signer::generate_key());
    const std::string good = signer.issue("Case", case_id, t0 + 1h);
    const std::vector<std::string> garbage = {
        "",
        ".",
        "..",
        "no-dot-at-all",
        payload_part(good),
        payload_part(good) + ".",
        "." + mac_part(good),
        good + ".",
        good + "." + mac_part(good),
        "!!!." + mac_part(good),
        payload_part(good) + ".***",
        payload_part(good) + "=." + mac_part(good),
        payload_part(good) + " ." + mac_part(good),
        std::string(5000, 'A') + "." + mac_part(good),
        std::string("\0.\0", 3),
        "v1|Case|1|9999999999",
    };
    for (const auto& g : garbage) {
        INFO("token: '" << g << "'");
        const auto r = signer.verify(g, t0);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == errc::link_invalid);
    }
}

TEST_CASE("record link: a validly signed payload of the wrong shape is invalid", "[auth]") {
    // Signed with the right key, so only the payload checks can refuse them.
    const std::string key(32, 'k');
    const link_signer signer(key);
    const std::vector<std::string> payloads = {
        "v2|Case|1|1900000000", "v1|Case|1",      "v1||1|1900000000",       "v1|Case||1900000000",
        "v1|Case|1|",           "v1|Case|1|19e8", "v1|Case|1|1900000000|x", "v1|Case|1| 1900000000",
    };
    for (const auto& p : payloads) {
        INFO("payload: '" << p << "'");
        const std::string token =
            concord::detail::base64url_encode(p) + "." +
            concord::detail::base64url_encode(concord::detail::hmac_sha256(key, p));
        const auto r = signer.verify(token, t0);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error() == errc::link_invalid);
    }
}
