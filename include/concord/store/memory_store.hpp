// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the in-memory stores, replica side and hub side.

#ifndef CONCORD_STORE_MEMORY_STORE_HPP
#define CONCORD_STORE_MEMORY_STORE_HPP

#include <concord/store/memory_hub_store.hpp>
#include <concord/store/memory_replica_store.hpp>

#endif // CONCORD_STORE_MEMORY_STORE_HPP
