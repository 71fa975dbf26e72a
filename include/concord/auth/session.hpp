// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a login's result: the session token, its expiry, and who it stands for.

#ifndef CONCORD_AUTH_SESSION_HPP
#define CONCORD_AUTH_SESSION_HPP

#include <concord/concepts/access_policy.hpp>

#include <chrono>
#include <string>

namespace concord {

/// A successful login: the bearer token to present, when it stops working, and who it is.
struct session {
    std::string token; ///< 32 random bytes, base64url (43 characters); a secret
    std::chrono::system_clock::time_point expires;
    principal who;
};

} // namespace concord

#endif // CONCORD_AUTH_SESSION_HPP
