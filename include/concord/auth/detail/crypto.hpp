// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the few libcrypto calls auth needs: random bytes, SHA-256, HMAC, constant-time compare.

#ifndef CONCORD_AUTH_DETAIL_CRYPTO_HPP
#define CONCORD_AUTH_DETAIL_CRYPTO_HPP

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace concord::detail {

inline constexpr std::size_t sha256_size = 32;

/// `n` bytes from OpenSSL's CSPRNG. Throws std::runtime_error if it cannot supply them (no
/// entropy source): handing out a predictable salt or token would be worse than failing.
inline std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    if (n > static_cast<std::size_t>(INT_MAX) ||
        RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
        throw std::runtime_error("concord: RAND_bytes could not supply random bytes");
    return out;
}

/// SHA-256 of `data`, 32 raw bytes.
inline std::string sha256(std::string_view data) {
    std::string out(sha256_size, '\0');
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                   EVP_sha256(), nullptr) != 1 ||
        len != sha256_size)
        throw std::runtime_error("concord: SHA-256 failed");
    return out;
}

/// HMAC-SHA256 of `data` under `key`, 32 raw bytes.
inline std::string hmac_sha256(std::string_view key, std::string_view data) {
    if (key.size() > static_cast<std::size_t>(INT_MAX))
        throw std::invalid_argument("concord: HMAC key too long");
    std::string out(sha256_size, '\0');
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(),
             reinterpret_cast<unsigned char*>(out.data()), &len) == nullptr ||
        len != sha256_size)
        throw std::runtime_error("concord: HMAC-SHA256 failed");
    return out;
}

/// Whether `a` and `b` hold the same bytes, in time that depends only on their lengths.
inline bool equal_constant_time(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

/// Overwrites `s` with zeros (the compiler may not drop it), for secrets about to be freed.
inline void cleanse(std::string& s) noexcept {
    if (!s.empty())
        OPENSSL_cleanse(s.data(), s.size());
}

} // namespace concord::detail

#endif // CONCORD_AUTH_DETAIL_CRYPTO_HPP
