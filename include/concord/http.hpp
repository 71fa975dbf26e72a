// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the network parts (target concord::http): DataService protocol, HTTP(S) server
// exposing a hub, HTTP(S) transport for replicas, and ready-made aliases.

#ifndef CONCORD_HTTP_HPP
#define CONCORD_HTTP_HPP

#include <concord/hub/basic_hub.hpp>
#include <concord/protocol/client.hpp>
#include <concord/protocol/handler.hpp>
#include <concord/replica/basic_replica.hpp>
#include <concord/server/http_server.hpp>
#include <concord/store/memory_store.hpp>
#include <concord/store/sqlite_store.hpp>
#include <concord/transport/http_transport.hpp>

namespace concord {

/// A hub on SQLite, everyone allowed, system clock, per-field LWW.
using sqlite_hub = basic_hub<sqlite_hub_store>;

/// A replica on SQLite syncing with a hub over HTTP(S).
using sqlite_http_replica = basic_replica<sqlite_replica_store, http_transport>;

/// A replica in memory (a cache) syncing over HTTP(S).
using memory_http_replica = basic_replica<memory_replica_store, http_transport>;

} // namespace concord

#endif // CONCORD_HTTP_HPP
