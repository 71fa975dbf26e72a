// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — signed, expiring links that let someone without an account read one record.

#ifndef CONCORD_AUTH_RECORD_LINK_HPP
#define CONCORD_AUTH_RECORD_LINK_HPP

#include <concord/auth/detail/base64url.hpp>
#include <concord/auth/detail/crypto.hpp>
#include <concord/error.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace concord {

/// What a valid record link grants: reading record `record_id` of `entity` until `expires`.
struct link_claims {
    std::string entity;
    std::string record_id;
    std::chrono::system_clock::time_point expires;
};

namespace detail {

// Longest token `verify` looks at: a real one is well under 1 KiB; anything longer is refused
// before any decoding or hashing work.
inline constexpr std::size_t max_link_token_size = 4096;

inline constexpr std::string_view link_version = "v1";

} // namespace detail

/** Issues and checks record links.

    A token is `base64url(payload) "." base64url(HMAC-SHA256(key, payload))` with the payload
    `"v1|<entity>|<record id>|<expiry, Unix seconds>"`: it names what it grants in the clear
    (do not put secrets in entity names or ids) and cannot be altered without the key. Expiry
    has one-second resolution (rounded down). A link cannot be revoked before it expires except
    by changing the key, which revokes every link.

    Thread safety: `issue` and `verify` are const and safe to call concurrently.
*/
class link_signer {
public:
    /// Smallest key accepted, in bytes: the HMAC-SHA256 output size.
    static constexpr std::size_t min_key_size = 32;

    /** @param key the secret, at least `min_key_size` bytes (e.g. from `generate_key`).
        Throws std::invalid_argument when it is shorter. */
    explicit link_signer(std::string key) : key_(std::move(key)) {
        if (key_.size() < min_key_size)
            throw std::invalid_argument("concord: a link_signer key needs at least " +
                                        std::to_string(min_key_size) + " bytes");
    }
    // Copy only, no move: a moved-from signer would hold an empty key, with which anyone
    // could sign links.
    link_signer(const link_signer&) = default;
    link_signer& operator=(const link_signer&) = default;
    ~link_signer() { detail::cleanse(key_); }

    /** A fresh key: 32 random bytes as base64url text (43 characters), printable so it can
        live in a configuration file or an environment variable. */
    static std::string generate_key() {
        std::string raw = detail::random_bytes(32);
        std::string key = detail::base64url_encode(raw);
        detail::cleanse(raw);
        return key;
    }

    /** A token granting read access to one record until `expires`.
        Throws std::invalid_argument when `entity` or `record_id` is empty or contains '|'. */
    std::string issue(std::string_view entity, std::string_view record_id,
                      std::chrono::system_clock::time_point expires) const {
        if (entity.empty() || record_id.empty())
            throw std::invalid_argument("concord: a record link needs an entity and a record id");
        if (entity.find('|') != std::string_view::npos ||
            record_id.find('|') != std::string_view::npos)
            throw std::invalid_argument("concord: a record link's entity and id may not hold '|'");
        const auto seconds =
            std::chrono::floor<std::chrono::seconds>(expires.time_since_epoch()).count();
        std::string payload;
        payload += detail::link_version;
        payload += '|';
        payload += entity;
        payload += '|';
        payload += record_id;
        payload += '|';
        payload += std::to_string(seconds);
        return detail::base64url_encode(payload) + "." +
               detail::base64url_encode(detail::hmac_sha256(key_, payload));
    }

    /** What `token` grants, as of `now`.

        @returns the claims; `errc::link_invalid` when the token is not one this key issued
                 (wrong shape, bad base64url, altered payload or signature, another key's
                 signature, unknown version); `errc::link_expired` when `now >= expires`.
        The signature is checked (in constant time) before the payload is parsed, so nothing
        parses attacker-chosen text. Messages never contain the token.
    */
    result<link_claims> verify(std::string_view token,
                               std::chrono::system_clock::time_point now) const {
        const error invalid(errc::link_invalid);
        if (token.size() > detail::max_link_token_size)
            return invalid;
        const std::size_t dot = token.find('.');
        if (dot == std::string_view::npos)
            return invalid;
        const auto payload = detail::base64url_decode(token.substr(0, dot));
        const auto mac = detail::base64url_decode(token.substr(dot + 1));
        if (!payload || !mac || payload->empty())
            return invalid;
        if (!detail::equal_constant_time(detail::hmac_sha256(key_, *payload), *mac))
            return invalid;

        // Authentic from here on: the payload is one this key signed.
        std::array<std::string_view, 4> fields;
        std::string_view rest = *payload;
        for (std::size_t i = 0; i < 3; ++i) {
            const std::size_t bar = rest.find('|');
            if (bar == std::string_view::npos)
                return invalid;
            fields[i] = rest.substr(0, bar);
            rest.remove_prefix(bar + 1);
        }
        fields[3] = rest;
        std::int64_t seconds = 0;
        const auto [end, ec] =
            std::from_chars(fields[3].data(), fields[3].data() + fields[3].size(), seconds);
        if (fields[0] != detail::link_version || fields[1].empty() || fields[2].empty() ||
            ec != std::errc{} || end != fields[3].data() + fields[3].size())
            return invalid;

        // Compare in whole seconds: converting a far-future expiry back to the clock's
        // nanoseconds could overflow.
        const auto now_seconds =
            std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
        if (now_seconds >= seconds)
            return error(errc::link_expired);

        link_claims claims;
        claims.entity = std::string(fields[1]);
        claims.record_id = std::string(fields[2]);
        claims.expires = to_time_point(seconds);
        return claims;
    }

private:
    static std::chrono::system_clock::time_point to_time_point(std::int64_t seconds) {
        using clock = std::chrono::system_clock;
        constexpr auto max_seconds =
            std::chrono::floor<std::chrono::seconds>(clock::duration::max()).count();
        constexpr auto min_seconds =
            std::chrono::ceil<std::chrono::seconds>(clock::duration::min()).count();
        if (seconds >= max_seconds)
            return clock::time_point::max();
        if (seconds <= min_seconds)
            return clock::time_point::min();
        return clock::time_point(std::chrono::seconds(seconds));
    }

    std::string key_;
};

} // namespace concord

#endif // CONCORD_AUTH_RECORD_LINK_HPP
