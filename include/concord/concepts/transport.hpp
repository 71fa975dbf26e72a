// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the Transport concept: carries one sync round to the hub and its answer back.

#ifndef CONCORD_CONCEPTS_TRANSPORT_HPP
#define CONCORD_CONCEPTS_TRANSPORT_HPP

#include <concord/error.hpp>
#include <concord/model/batch.hpp>

#include <concepts>
#include <functional>
#include <string>

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

/// Who asks to be told of the hub's changes: the replica (not told of its own pushes) and its
/// credentials (the hub announces only changes this principal may read).
struct watch_request {
    concord::replica_id replica{};
    std::string credentials;
};

// clang-format off
/** A `transport` that can also keep a watch on the hub: online and hybrid modes
    (docs/concepts/Transport.md).

    | expression                         | type           | semantics |
    |------------------------------------|----------------|-----------|
    | `t.watch(w, on_notice, on_lost)`   | `result<void>` | opens the transport's one watch: `on_notice(n)` for every `change_notice`, `on_lost()` once when the watch ends by itself (connection lost); an error when it cannot be opened |
    | `t.unwatch()`                      |                | closes the watch, if open; once it returns neither callback runs again |

    `w` is a `const watch_request&`, `on_notice` a `std::function<void(const change_notice&)>`,
    `on_lost` a `std::function<void()>`. The callbacks run on a thread of the transport's: they
    must be quick (record, signal) and must not call `watch` or `unwatch`. `watch` and
    `unwatch` are called by one thread, possibly while another runs `exchange`.
*/
// clang-format on
template <class T>
concept watching_transport = transport<T> &&
    requires(T& t, const watch_request& w, std::function<void(const change_notice&)> on_notice,
             std::function<void()> on_lost) {
    { t.watch(w, on_notice, on_lost) } -> std::same_as<result<void>>;
    t.unwatch();
};

} // namespace concord

#endif // CONCORD_CONCEPTS_TRANSPORT_HPP
