// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — everything that needs only Boost (model, resolvers, memory stores, engines,
// loopback transport). SQLite and HTTP parts have their own headers.

#ifndef CONCORD_HPP
#define CONCORD_HPP

#include <concord/config.hpp>
#include <concord/error.hpp>
#include <concord/memory.hpp>
#include <concord/model/batch.hpp>
#include <concord/model/change.hpp>
#include <concord/model/filter.hpp>
#include <concord/model/hlc_clock.hpp>
#include <concord/model/outcome.hpp>
#include <concord/model/record.hpp>
#include <concord/model/replica_state.hpp>
#include <concord/model/schema.hpp>
#include <concord/model/stamp.hpp>
#include <concord/model/stored_record.hpp>
#include <concord/version.hpp>

#endif // CONCORD_HPP
