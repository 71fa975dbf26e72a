// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — tests of password hashing: round trip, salts, encodings, iteration counts.

#include <concord/auth/detail/base64url.hpp>
#include <concord/auth/password.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr unsigned fast = 1000; // rounds for tests that do not measure the default

// The fields of an encoding split at '$'.
std::vector<std::string> fields(const std::string& encoded) {
    std::vector<std::string> out;
    std::string::size_type start = 0;
    for (;;) {
        const auto sep = encoded.find('$', start);
        out.push_back(encoded.substr(start, sep - start));
        if (sep == std::string::npos)
            return out;
        start = sep + 1;
    }
}

} // namespace

TEST_CASE("password: a hash verifies the password it was made from", "[auth]") {
    const std::string h = concord::hash_password("correct horse battery staple", fast);
    CHECK(concord::verify_password("correct horse battery staple", h));
}

TEST_CASE("password: a wrong password does not verify", "[auth]") {
    const std::string h = concord::hash_password("s3cret", fast);
    CHECK_FALSE(concord::verify_password("s3creT", h));
    CHECK_FALSE(concord::verify_password("s3cret ", h));
    CHECK_FALSE(concord::verify_password("", h));
    CHECK_FALSE(concord::verify_password("s3cre", h));
}

TEST_CASE("password: the encoding names scheme, rounds, salt and hash", "[auth]") {
    const std::string h = concord::hash_password("pw", fast);
    const auto f = fields(h);
    REQUIRE(f.size() == 4);
    CHECK(f[0] == "pbkdf2-sha256");
    CHECK(f[1] == "1000");
    const auto salt = concord::detail::base64url_decode(f[2]);
    const auto hash = concord::detail::base64url_decode(f[3]);
    REQUIRE(salt);
    REQUIRE(hash);
    CHECK(salt->size() == 16);
    CHECK(hash->size() == 32);
}

TEST_CASE("password: hashing one password twice uses different salts", "[auth]") {
    const std::string a = concord::hash_password("same", fast);
    const std::string b = concord::hash_password("same", fast);
    CHECK(a != b);
    CHECK(fields(a)[2] != fields(b)[2]);
    CHECK(fields(a)[3] != fields(b)[3]);
    CHECK(concord::verify_password("same", a));
    CHECK(concord::verify_password("same", b));
}

TEST_CASE("password: the stored iteration count is the one verified with", "[auth]") {
    const std::string h = concord::hash_password("pw", 1500);
    auto f = fields(h);
    REQUIRE(f.size() == 4);
    CHECK(f[1] == "1500");
    CHECK(concord::verify_password("pw", h));
    // Same salt and hash with another count: a different derivation, so it must not verify.
    const std::string other = f[0] + "$1499$" + f[2] + "$" + f[3];
    CHECK_FALSE(concord::verify_password("pw", other));
}

TEST_CASE("password: the default iteration count is 210000", "[auth]") {
    CHECK(concord::default_password_iterations == 210'000U);
    const std::string h = concord::hash_password("default rounds");
    CHECK(fields(h)[1] == "210000");
    CHECK(concord::verify_password("default rounds", h));
    CHECK_FALSE(concord::verify_password("default round", h));
}

TEST_CASE("password: iteration counts out of range are refused when hashing", "[auth]") {
    CHECK_THROWS_AS(concord::hash_password("pw", 0), std::invalid_argument);
    CHECK_THROWS_AS(concord::hash_password("pw", concord::max_password_iterations + 1),
                    std::invalid_argument);
}

TEST_CASE("password: malformed encodings never verify", "[auth]") {
    const std::string good = concord::hash_password("pw", fast);
    REQUIRE(concord::verify_password("pw", good));
    const auto f = fields(good);
    const std::string& salt = f[2];
    const std::string& hash = f[3];
    const std::string many = std::to_string(concord::max_password_iterations + 1);
    const std::vector<std::string> bad = {
        "",
        "$",
        "$$$",
        "pw",
        "pbkdf2-sha256",
        "pbkdf2-sha256$1000",
        "pbkdf2-sha256$1000$" + salt,
        "pbkdf2-sha256$1000$" + salt + "$" + hash + "$",
        "pbkdf2-sha256$1000$" + salt + "$" + hash + "$extra",
        "pbkdf2-sha512$1000$" + salt + "$" + hash,
        "PBKDF2-SHA256$1000$" + salt + "$" + hash,
        "pbkdf2-sha256$$" + salt + "$" + hash,
        "pbkdf2-sha256$0$" + salt + "$" + hash,
        "pbkdf2-sha256$-1000$" + salt + "$" + hash,
        "pbkdf2-sha256$+1000$" + salt + "$" + hash,
        "pbkdf2-sha256$ 1000$" + salt + "$" + hash,
        "pbkdf2-sha256$1000x$" + salt + "$" + hash,
        "pbkdf2-sha256$99999999999999999999$" + salt + "$" + hash,
        "pbkdf2-sha256$" + many + "$" + salt + "$" + hash,
        "pbkdf2-sha256$1000$$" + hash,
        "pbkdf2-sha256$1000$" + salt + "$",
        "pbkdf2-sha256$1000$" + salt.substr(0, 8) + "$" + hash, // 6-byte salt
        "pbkdf2-sha256$1000$" + salt + "$" + hash.substr(0, 40),
        "pbkdf2-sha256$1000$" + salt + "$" + hash + "AA",
        "pbkdf2-sha256$1000$" + salt + "==$" + hash,
        "pbkdf2-sha256$1000$" + salt + "$" + hash + "=",
        "pbkdf2-sha256$1000$" + salt + "$" + hash.substr(0, 42) + "+",
        "pbkdf2-sha256$1000$" + salt + "$" + hash.substr(0, 42) + "/",
        "pbkdf2-sha256$1000$" + salt + "$" + hash.substr(0, 42) + "!",
        std::string("pbkdf2-sha256$1000$") + '\0' + salt + "$" + hash,
    };
    for (const auto& e : bad) {
        INFO("encoding: '" << e << "'");
        CHECK_FALSE(concord::verify_password("pw", e));
    }
}

TEST_CASE("password: a non-canonical base64url hash is refused", "[auth]") {
    const std::string good = concord::hash_password("pw", fast);
    const auto f = fields(good);
    // 32 bytes take 43 characters whose last one carries 2 unused bits; setting them gives a
    // different text for the same bytes.
    std::string hash = f[3];
    const int v = concord::detail::base64url_value(hash.back());
    REQUIRE(v >= 0);
    REQUIRE((v & 3) == 0);
    hash.back() = concord::detail::base64url_alphabet[v | 1];
    CHECK_FALSE(concord::verify_password("pw", f[0] + "$" + f[1] + "$" + f[2] + "$" + hash));
}

TEST_CASE("base64url: round trips every length and refuses bad text", "[auth]") {
    std::string bytes;
    for (int n = 0; n < 40; ++n) {
        const std::string text = concord::detail::base64url_encode(bytes);
        INFO("length " << n << " text " << text);
        CHECK(text.find_first_of("+/=") == std::string::npos);
        const auto back = concord::detail::base64url_decode(text);
        REQUIRE(back);
        CHECK(*back == bytes);
        bytes += static_cast<char>(n * 37 + 200);
    }
    CHECK(concord::detail::base64url_encode("\xfb\xff") == "-_8");
    CHECK_FALSE(concord::detail::base64url_decode("A"));
    CHECK_FALSE(concord::detail::base64url_decode("AB=="));
    CHECK_FALSE(concord::detail::base64url_decode("AB+/"));
    CHECK_FALSE(concord::detail::base64url_decode("AB")); // unused bits set
    CHECK(concord::detail::base64url_decode("AA") == std::string(1, '\0'));
}
