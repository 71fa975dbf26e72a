// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the Transport concept: carries one sync round to the hub and its answer back.

#ifndef CONCORD_CONCEPTS_TRANSPORT_HPP
#define CONCORD_CONCEPTS_TRANSPORT_HPP

#include <concord/error.hpp>
#include <concord/model/batch.hpp>

#include <concepts>

namespace concord {

// clang-format off
/** Carries a `sync_request` to a hub and brings back its `sync_response`
    (docs/concepts/Transport.md).

    | expression        | type                    | semantics |
    |-------------------|-------------------------|-----------|
    | `t.exchange(req)` | `result<sync_response>` | one round trip; an error means the answer did not arrive (the hub may or may not have applied the request: replays are safe, the hub answers them from its dedupe marks) |

    `t` is an lvalue of `T`, `req` a `const sync_request&`. Called by one thread at a time per
    replica.
*/
// clang-format on
template <class T>
concept transport = requires(T& t, const sync_request& req) {
    { t.exchange(req) } -> std::same_as<result<sync_response>>;
};

} // namespace concord

#endif // CONCORD_CONCEPTS_TRANSPORT_HPP
