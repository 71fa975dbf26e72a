// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — ready-made in-memory engines: a hub and replicas talking to it in-process.

#ifndef CONCORD_MEMORY_HPP
#define CONCORD_MEMORY_HPP

#include <concord/hub/basic_hub.hpp>
#include <concord/replica/basic_replica.hpp>
#include <concord/resolve/callable.hpp>
#include <concord/resolve/lww.hpp>
#include <concord/store/memory_store.hpp>
#include <concord/transport/loopback.hpp>

namespace concord {

/// A hub in memory, everyone allowed, system clock, per-field LWW.
using memory_hub = basic_hub<memory_hub_store>;

/// A replica in memory syncing with a `memory_hub` in the same process.
using memory_replica = basic_replica<memory_replica_store, loopback_transport<memory_hub>>;

} // namespace concord

#endif // CONCORD_MEMORY_HPP
