// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the SQLite stores, replica side and hub side (target concord::sqlite).

#ifndef CONCORD_STORE_SQLITE_STORE_HPP
#define CONCORD_STORE_SQLITE_STORE_HPP

#include <concord/store/sqlite_hub_store.hpp>
#include <concord/store/sqlite_options.hpp>
#include <concord/store/sqlite_replica_store.hpp>

#endif // CONCORD_STORE_SQLITE_STORE_HPP
