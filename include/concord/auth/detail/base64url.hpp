// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — base64url without padding (RFC 4648 §5), strict and canonical on decode.

#ifndef CONCORD_AUTH_DETAIL_BASE64URL_HPP
#define CONCORD_AUTH_DETAIL_BASE64URL_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace concord::detail {

inline constexpr char base64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `bytes` as base64url text with no '=' padding.
inline std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    const auto at = [&](std::size_t k) {
        return std::uint32_t{static_cast<unsigned char>(bytes[k])};
    };
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t n = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
        out += base64url_alphabet[(n >> 18) & 63];
        out += base64url_alphabet[(n >> 12) & 63];
        out += base64url_alphabet[(n >> 6) & 63];
        out += base64url_alphabet[n & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const std::uint32_t n = at(i) << 16;
        out += base64url_alphabet[(n >> 18) & 63];
        out += base64url_alphabet[(n >> 12) & 63];
    } else if (rest == 2) {
        const std::uint32_t n = (at(i) << 16) | (at(i + 1) << 8);
        out += base64url_alphabet[(n >> 18) & 63];
        out += base64url_alphabet[(n >> 12) & 63];
        out += base64url_alphabet[(n >> 6) & 63];
    }
    return out;
}

// The 6-bit value of a base64url character, or -1.
constexpr int base64url_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/** The bytes `text` encodes, or nothing when it is not canonical unpadded base64url: any other
    character (including '='), a length of 4n+1, or unused trailing bits that are not zero.
    Canonical only, so one byte string has exactly one accepted text form. */
inline std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t acc = 0;
    int bits = 0;
    for (const char c : text) {
        const int v = base64url_value(c);
        if (v < 0)
            return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    // 2 or 4 bits left over from a partial group: they must be zero.
    if ((acc & ((std::uint32_t{1} << bits) - 1)) != 0)
        return std::nullopt;
    return out;
}

} // namespace concord::detail

#endif // CONCORD_AUTH_DETAIL_BASE64URL_HPP
