// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — forward declarations of the engines, stores and transports.

#ifndef CONCORD_FWD_HPP
#define CONCORD_FWD_HPP

namespace concord {

struct system_clock;
struct allow_all;
struct field_lww;
struct record_lww;

class memory_hub_store;
class memory_replica_store;
class sqlite_hub_store;
class sqlite_replica_store;

template <class Hub>
class loopback_transport;
class http_transport;

template <class Store, class Access, class Clock, class Resolver>
class basic_hub;
template <class Store, class Transport, class Clock>
class basic_replica;

template <class Hub>
class http_server;

} // namespace concord

#endif // CONCORD_FWD_HPP
