// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the hub's record: values plus the stamp that wrote each field, or a tombstone.

#ifndef CONCORD_MODEL_STORED_RECORD_HPP
#define CONCORD_MODEL_STORED_RECORD_HPP

#include <concord/model/record.hpp>
#include <concord/model/stamp.hpp>

#include <boost/container/flat_map.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace concord {

/// The stamp of the change that last wrote each field (a sorted vector: records have few
/// columns, and the hub loads and saves one per change).
using field_stamps = boost::container::flat_map<std::string, stamp, std::less<>>;

/** A record as the hub stores it: current values, per-field stamps, and — once deleted — the
    tombstone's stamp (its fields and field stamps are then empty). `seq` is the hub change
    sequence of its latest write.
*/
struct stored_record {
    std::string entity;
    std::string id;
    boost::json::object fields;
    field_stamps stamps;
    std::optional<stamp> deleted;
    std::uint64_t seq = 0;

    /// The largest stamp that wrote this record (field or tombstone).
    stamp latest() const {
        stamp m = deleted.value_or(stamp{});
        for (const auto& [name, st] : stamps)
            m = std::max(m, st);
        return m;
    }

    /// The copy that pulls and outcomes carry: no stamps, and no null fields (a null and an
    /// absent column both mean "no value", and every store reads them back the same way).
    hub_record copy() const {
        hub_record h{entity, id, {}, deleted.has_value(), seq};
        h.fields.reserve(fields.size());
        for (const auto& f : fields)
            if (!f.value().is_null())
                h.fields.emplace(f.key(), f.value());
        return h;
    }

    friend bool operator==(const stored_record&, const stored_record&) = default;
};

} // namespace concord

#endif // CONCORD_MODEL_STORED_RECORD_HPP
