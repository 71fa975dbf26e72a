// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a DataService request as decoded: its queries (or the errors rejecting them) and the
// batch's properties. parse_request (request.hpp) makes them.

#ifndef CONCORD_PROTOCOL_QUERY_HPP
#define CONCORD_PROTOCOL_QUERY_HPP

#include <concord/error.hpp>
#include <concord/model/change.hpp>
#include <concord/model/filter.hpp>
#include <concord/model/stamp.hpp>
#include <concord/protocol/dataservice.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace concord::protocol {

/// The sync extension of a write item: the change's id and stamp.
struct write_sync {
    change_id id;
    stamp at;
};

/// A column to sort a select by.
struct order_by {
    std::string column;
    bool descending = false;
};

/** One decoded query. Writes carry `values` (insert, update) and `where` (update, delete);
    selects carry the projection, order and paging. `sync` / `pull` are set when the item uses
    the sync extension.
*/
struct query {
    operation_type type = operation_type::select;
    std::string entity;
    boost::json::value query_id;         ///< echoed in the result as sent (null: none)
    std::string record_id;               ///< insert: the Id column, when sent
    boost::json::object values;          ///< insert / update column values
    filter where;                        ///< update / delete / select
    std::optional<std::string> where_id; ///< the filter is exactly `Id = <guid>`
    bool all_columns = false;
    std::vector<std::pair<std::string, std::string>> columns; ///< (alias, column)
    std::vector<order_by> order;
    std::optional<std::size_t> row_count;
    std::size_t rows_offset = 0;
    std::optional<write_sync> sync;
    std::optional<std::uint64_t> pull_after; ///< select with the sync extension: a pull
};

/// An item as decoded: the query, or the error that rejects it (naming item and field).
struct item {
    boost::json::value query_id;
    std::optional<query> q;
    std::optional<concord::error> err;
};

/// A decoded request: its items in order, and the batch-level properties.
struct batch_request {
    std::vector<item> items;
    bool continue_if_error = false;
    std::optional<replica_id> replica; ///< set when the batch uses the sync extension
    std::uint64_t acknowledged = 0;
    std::string scope;          ///< the read-scope key of the replica's last pull (empty: none)
    std::string schema_version; ///< the replica's schema version (empty: none given)
};

} // namespace concord::protocol

#endif // CONCORD_PROTOCOL_QUERY_HPP
