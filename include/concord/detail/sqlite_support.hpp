// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — what both SQLite stores share: opening, format versions, errors, value binding.

#ifndef CONCORD_DETAIL_SQLITE_SUPPORT_HPP
#define CONCORD_DETAIL_SQLITE_SUPPORT_HPP

#include <concord/error.hpp>
#include <concord/model/schema.hpp>
#include <concord/store/sqlite_options.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace concord::detail::sqlite {

// Runs f, turning SQLite's exceptions into concord::system_error(errc::store_failed) whose
// message says what was being done and what SQLite said ("database or disk is full", …).
template <class F>
decltype(auto) guard(std::string_view what, F&& f) {
    try {
        return std::forward<F>(f)();
    } catch (const SQLite::Exception& e) {
        throw system_error(error(errc::store_failed, std::string(what) + ": " + e.what() +
                                                         " (SQLite error " + std::to_string(e.getExtendedErrorCode()) + ")"));
    }
}

// "Name" for SQL. Names come from the schema; anything but [A-Za-z_][A-Za-z0-9_]* is refused
// so no name can change the meaning of a statement.
inline std::string quote(std::string_view name) {
    bool ok = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
    for (char c : name)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok)
        throw system_error(error(errc::store_failed, "'" + std::string(name) + "' is not a valid SQL name for an entity or column"));
    return "\"" + std::string(name) + "\"";
}

// A prepared statement (raw API: the hot paths bind and read columns directly). Errors throw
// SQLite::Exception carrying the connection's message, like SQLiteCpp does.
class statement {
public:
    statement(sqlite3* db, const std::string& sql) : db_(db) {
        check(sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                 &st_, nullptr));
    }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    ~statement() { sqlite3_finalize(st_); }

    void reset() noexcept {
        sqlite3_reset(st_);
        sqlite3_clear_bindings(st_);
    }

    void bind(int i) { check(sqlite3_bind_null(st_, i)); }
    void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(st_, i, v)); }
    void bind(int i, double v) { check(sqlite3_bind_double(st_, i, v)); }
    void bind(int i, std::string_view v) {
        check(sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    }
    void bind_blob(int i, const void* p, std::size_t n) {
        check(sqlite3_bind_blob(st_, i, p, static_cast<int>(n), SQLITE_TRANSIENT));
    }

    // Steps once: true while a row is available.
    bool step() {
        const int rc = sqlite3_step(st_);
        if (rc == SQLITE_ROW)
            return true;
        if (rc == SQLITE_DONE)
            return false;
        throw SQLite::Exception(db_, rc);
    }

    // Runs a statement that returns no rows.
    void exec() {
        while (step()) {
        }
    }

    sqlite3_stmt* handle() const noexcept { return st_; }

private:
    void check(int rc) const {
        if (rc != SQLITE_OK)
            throw SQLite::Exception(db_, rc);
    }

    sqlite3* db_;
    sqlite3_stmt* st_ = nullptr;
};

// A connection plus a cache of prepared statements (prepared once, reset on every use).
class connection {
public:
    connection(const std::string& path, const sqlite_options& o) : path_(path) {
        guard(path + ": opening", [&] {
            db_ = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                                     o.busy_timeout_ms);
            // The first read tells a non-database file apart before anything is written.
            db_->exec("SELECT count(*) FROM sqlite_master");
            // SQLite quietly opens a write-protected file read-only; refuse it now rather than
            // fail at the first write.
            if (sqlite3_db_readonly(db_->getHandle(), "main") == 1)
                throw system_error(error(errc::store_failed, path + ": the file is read-only"));
            // Only per-connection settings here: switching to WAL writes the file header, so it
            // waits until check_format has seen a format this build may touch.
            wal_ = o.wal;
            db_->exec("PRAGMA synchronous=" + std::to_string(o.synchronous));
            db_->exec("PRAGMA cache_size=-" + std::to_string(o.cache_kib));
            if (o.max_page_count > 0)
                db_->exec("PRAGMA max_page_count=" + std::to_string(o.max_page_count));
        });
    }

    SQLite::Database& db() noexcept { return *db_; }
    const std::string& path() const noexcept { return path_; }

    // The cached statement for `sql`, reset and with its bindings cleared.
    statement& stmt(const std::string& sql) {
        auto it = cache_.find(sql);
        if (it == cache_.end())
            it = cache_.emplace(sql, std::make_unique<statement>(db_->getHandle(), sql)).first;
        it->second->reset();
        return *it->second;
    }

    // Resets every cached statement first: one left stepped (a SELECT that read its one row)
    // keeps a read transaction open past COMMIT, and that reader stops every WAL checkpoint, so
    // the -wal file would grow without bound (and crash recovery would read all of it).
    void exec(const std::string& sql) {
        for (auto& entry : cache_)
            entry.second->reset();
        db_->exec(sql);
    }

    // Checks the file's format version, creating or upgrading it in `migrate` (called with the
    // version found, 0 for a new file) when older. A newer format is refused, never touched.
    template <class Migrate>
    void check_format(int current, Migrate&& migrate) {
        guard(path_ + ": checking the format", [&] {
            const int found = db_->execAndGet("PRAGMA user_version").getInt();
            if (found > current)
                throw system_error(error(errc::store_failed,
                                         path_ + ": file format " + std::to_string(found) +
                                             " is newer than this build supports (" + std::to_string(current) +
                                             "); open it with a newer concord"));
            if (wal_)
                db_->exec("PRAGMA journal_mode=WAL");
            if (found < current) {
                db_->exec("BEGIN IMMEDIATE");
                try {
                    migrate(found);
                    db_->exec("PRAGMA user_version=" + std::to_string(current));
                    db_->exec("COMMIT");
                } catch (...) {
                    db_->exec("ROLLBACK");
                    throw;
                }
            }
        });
    }

    // The columns a table has now (empty when it does not exist).
    std::vector<std::string> table_columns(const std::string& table) {
        std::vector<std::string> cols;
        statement s(db_->getHandle(), "SELECT name FROM pragma_table_info(?)");
        s.bind(1, std::string_view(table));
        while (s.step())
            cols.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s.handle(), 0)));
        return cols;
    }

private:
    std::unique_ptr<SQLite::Database> db_;
    std::string path_;
    bool wal_ = false;
    std::unordered_map<std::string, std::unique_ptr<statement>> cache_;
};

// Binds a JSON scalar; validation upstream guarantees it fits the column.
inline void bind(statement& s, int i, const boost::json::value& v) {
    switch (v.kind()) {
    case boost::json::kind::null: s.bind(i); break;
    case boost::json::kind::bool_: s.bind(i, std::int64_t{v.get_bool() ? 1 : 0}); break;
    case boost::json::kind::int64: s.bind(i, std::int64_t{v.get_int64()}); break;
    case boost::json::kind::uint64: s.bind(i, static_cast<std::int64_t>(v.get_uint64())); break;
    case boost::json::kind::double_: s.bind(i, v.get_double()); break;
    case boost::json::kind::string: s.bind(i, std::string_view(v.get_string())); break;
    case boost::json::kind::array:
    case boost::json::kind::object: s.bind(i, std::string_view(boost::json::serialize(v))); break;
    }
}

// Reads a column value back as JSON.
inline boost::json::value read(sqlite3_stmt* st, int i, data_value_type type) {
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: {
        const std::int64_t n = sqlite3_column_int64(st, i);
        if (type == data_value_type::boolean)
            return boost::json::value(n != 0);
        return boost::json::value(n);
    }
    case SQLITE_FLOAT: return boost::json::value(sqlite3_column_double(st, i));
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
        return boost::json::value(boost::json::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i))));
    }
    default: return nullptr;
    }
}

inline std::string text(sqlite3_stmt* st, int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i))) : std::string();
}

} // namespace concord::detail::sqlite

#endif // CONCORD_DETAIL_SQLITE_SUPPORT_HPP
