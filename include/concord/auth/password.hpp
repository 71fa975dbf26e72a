// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — password hashing: salted PBKDF2-HMAC-SHA256 in a self-describing text form.

#ifndef CONCORD_AUTH_PASSWORD_HPP
#define CONCORD_AUTH_PASSWORD_HPP

#include <concord/auth/detail/base64url.hpp>
#include <concord/auth/detail/crypto.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <climits>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace concord {

/// PBKDF2 rounds used when none are given: 210,000 costs ~50 ms per hash on one core here,
/// slow enough to make offline guessing expensive, fast enough for an interactive login.
inline constexpr unsigned default_password_iterations = 210'000;

/// The most rounds `verify_password` accepts from an encoding: a corrupt or hostile stored hash
/// must not tie up a thread for minutes. `hash_password` refuses more, too.
inline constexpr unsigned max_password_iterations = 10'000'000;

namespace detail {

inline constexpr std::string_view password_scheme = "pbkdf2-sha256";
inline constexpr std::size_t password_salt_size = 16;
inline constexpr std::size_t password_min_salt_size = 16; // accepted when verifying
inline constexpr std::size_t password_max_salt_size = 64;

// PBKDF2-HMAC-SHA256 of password and salt: `sha256_size` raw bytes, or empty on failure.
inline std::string pbkdf2_sha256(std::string_view password, std::string_view salt,
                                 unsigned iterations) {
    if (password.size() > static_cast<std::size_t>(INT_MAX) ||
        salt.size() > static_cast<std::size_t>(INT_MAX) || iterations == 0 ||
        iterations > static_cast<unsigned>(INT_MAX))
        return {};
    std::string out(sha256_size, '\0');
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()),
                          static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                          static_cast<int>(out.size()),
                          reinterpret_cast<unsigned char*>(out.data())) != 1)
        return {};
    return out;
}

} // namespace detail

/** Hashes a password for storage.

    @param password   any bytes (UTF-8 expected; no normalisation is applied).
    @param iterations PBKDF2 rounds, 1 to `max_password_iterations`.
    @returns `"pbkdf2-sha256$<iterations>$<salt>$<hash>"`, salt (16 fresh random bytes) and hash
             (32 bytes) in unpadded base64url. Every call gives a different string.
    Errors: throws std::invalid_argument for an iteration count out of range, std::runtime_error
    when the random generator or PBKDF2 fails (a broken environment, not a user error).
    Thread safety: safe.
*/
inline std::string hash_password(std::string_view password,
                                 unsigned iterations = default_password_iterations) {
    if (iterations == 0 || iterations > max_password_iterations)
        throw std::invalid_argument("concord: password iterations must be 1 to " +
                                    std::to_string(max_password_iterations));
    const std::string salt = detail::random_bytes(detail::password_salt_size);
    std::string hash = detail::pbkdf2_sha256(password, salt, iterations);
    if (hash.empty())
        throw std::runtime_error("concord: PBKDF2 failed");
    std::string out;
    out.reserve(100);
    out += detail::password_scheme;
    out += '$';
    out += std::to_string(iterations);
    out += '$';
    out += detail::base64url_encode(salt);
    out += '$';
    out += detail::base64url_encode(hash);
    detail::cleanse(hash);
    return out;
}

/** Whether `password` is the one `encoded` (from `hash_password`) was made from.

    The hashes are compared in constant time. Any malformed encoding — another scheme, a
    missing or extra field, an iteration count of 0 or above `max_password_iterations`, bad
    base64url, a salt shorter than 16 or longer than 64 bytes, a hash that is not 32 bytes —
    gives false. Never throws. Thread safety: safe.
*/
inline bool verify_password(std::string_view password, std::string_view encoded) noexcept {
    try {
        std::array<std::string_view, 4> parts;
        std::size_t n = 0;
        for (std::string_view rest = encoded;; ++n) {
            if (n == 4)
                return false; // a fifth field
            const std::size_t sep = rest.find('$');
            parts[n] = rest.substr(0, sep);
            if (sep == std::string_view::npos)
                break;
            rest.remove_prefix(sep + 1);
        }
        if (n != 3 || parts[0] != detail::password_scheme)
            return false;

        const std::string_view digits = parts[1];
        unsigned iterations = 0;
        const auto [end, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), iterations);
        if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
            iterations == 0 || iterations > max_password_iterations)
            return false;

        const auto salt = detail::base64url_decode(parts[2]);
        const auto expected = detail::base64url_decode(parts[3]);
        if (!salt || salt->size() < detail::password_min_salt_size ||
            salt->size() > detail::password_max_salt_size || !expected ||
            expected->size() != detail::sha256_size)
            return false;

        std::string actual = detail::pbkdf2_sha256(password, *salt, iterations);
        const bool same = detail::equal_constant_time(actual, *expected);
        detail::cleanse(actual);
        return same;
    } catch (...) { // only allocation can throw here; refusing is the safe answer
        return false;
    }
}

} // namespace concord

#endif // CONCORD_AUTH_PASSWORD_HPP
