// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — one SQLite table per entity: creation, migration, and reading rows back as JSON.

#ifndef CONCORD_DETAIL_SQLITE_TABLES_HPP
#define CONCORD_DETAIL_SQLITE_TABLES_HPP

#include <concord/detail/sqlite_support.hpp>
#include <concord/model/schema.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace concord::detail::sqlite {

// An entity's table: `system` leading columns (Id first), then one column per schema column,
// untyped (BLOB affinity) so every value comes back exactly as it was bound.
struct entity_table {
    std::string name;
    std::string quoted;
    std::vector<std::string> columns;   // data columns, in table order
    std::vector<data_value_type> types; // their types (text for columns no longer in the schema)
    std::string column_list;            // "\"A\", \"B\", …"
    std::vector<std::size_t> by_name;   // indexes of `columns`, in name order (as field_stamps)

    // Reads data columns starting at result column `first` into `out` (allocated from its
    // storage); NULL is left absent.
    // (Each value is made in place, in the object's storage: this runs once per field of every
    // row a pull or a batch reads.)
    void read_fields(sqlite3_stmt* st, int first, boost::json::object& out) const {
        out.reserve(columns.size());
        for (std::size_t i = 0; i < columns.size(); ++i) {
            const int c = first + static_cast<int>(i);
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_NULL:
                break;
            case SQLITE_INTEGER: {
                const std::int64_t n = sqlite3_column_int64(st, c);
                if (types[i] == data_value_type::boolean)
                    out.emplace(columns[i], n != 0);
                else
                    out.emplace(columns[i], n);
                break;
            }
            case SQLITE_FLOAT:
                out.emplace(columns[i], sqlite3_column_double(st, c));
                break;
            default: { // text, and blob read as text
                const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
                out.emplace(columns[i],
                            boost::json::string_view(
                                p, static_cast<std::size_t>(sqlite3_column_bytes(st, c))));
            }
            }
        }
    }

    // Index of a data column, or npos.
    std::size_t index_of(std::string_view col) const noexcept {
        for (std::size_t i = 0; i < columns.size(); ++i)
            if (columns[i] == col)
                return i;
        return static_cast<std::size_t>(-1);
    }
};

// Creates the entity's table when missing and appends columns the schema gained since; the
// schema's columns are never dropped from the file (an older build may still read them).
inline entity_table ensure_table(connection& c, const entity_schema& e,
                                 const std::string& system_columns, std::size_t system_count,
                                 bool without_rowid) {
    entity_table t;
    t.name = e.name;
    t.quoted = quote(e.name);
    std::vector<std::string> existing = c.table_columns(e.name);
    if (existing.empty()) {
        std::string sql = "CREATE TABLE " + t.quoted + " (" + system_columns;
        for (const auto& col : e.columns)
            sql += ", " + quote(col.name);
        sql += without_rowid ? ") WITHOUT ROWID" : ")";
        c.exec(sql);
        existing = c.table_columns(e.name);
    } else {
        for (const auto& col : e.columns)
            if (std::find(existing.begin(), existing.end(), col.name) == existing.end()) {
                c.exec("ALTER TABLE " + t.quoted + " ADD COLUMN " + quote(col.name));
                existing.push_back(col.name);
            }
    }
    for (std::size_t i = system_count; i < existing.size(); ++i) {
        t.columns.push_back(existing[i]);
        const column* col = e.find(existing[i]);
        t.types.push_back(col ? col->type : data_value_type::text);
        if (!t.column_list.empty())
            t.column_list += ", ";
        t.column_list += quote(existing[i]);
    }
    t.by_name.resize(t.columns.size());
    for (std::size_t i = 0; i < t.by_name.size(); ++i)
        t.by_name[i] = i;
    std::sort(t.by_name.begin(), t.by_name.end(),
              [&](std::size_t a, std::size_t b) { return t.columns[a] < t.columns[b]; });
    return t;
}

} // namespace concord::detail::sqlite

#endif // CONCORD_DETAIL_SQLITE_TABLES_HPP
