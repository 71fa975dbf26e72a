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
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
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
        throw system_error(
            error(errc::store_failed, std::string(what) + ": " + e.what() + " (SQLite error " +
                                          std::to_string(e.getExtendedErrorCode()) + ")"));
    }
}

// "Name" for SQL. Names come from the schema; anything but [A-Za-z_][A-Za-z0-9_]* is refused
// so no name can change the meaning of a statement.
inline std::string quote(std::string_view name) {
    bool ok = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
    for (char c : name)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_');
    if (!ok)
        throw system_error(
            error(errc::store_failed,
                  "'" + std::string(name) + "' is not a valid SQL name for an entity or column"));
    return "\"" + std::string(name) + "\"";
}

// A prepared statement (raw API: the hot paths bind and read columns directly). Errors throw
// SQLite::Exception carrying the connection's message, like SQLiteCpp does.
class statement {
public:
    statement(sqlite3* db, const std::string& sql) : db_(db) {
        check(sqlite3_prepare_v3(db, sql.c_str(), static_cast<int>(sql.size()),
                                 SQLITE_PREPARE_PERSISTENT, &st_, nullptr));
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
    // As bind(), without SQLite's copy: `v` must stay valid until the statement has run (the
    // copy and its free cost more than the write itself on the hot paths).
    void bind_ref(int i, std::string_view v) {
        check(sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
    }
    void bind_blob_ref(int i, const void* p, std::size_t n) {
        check(sqlite3_bind_blob(st_, i, p, static_cast<int>(n), SQLITE_STATIC));
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

// Copies the WAL back into the database on its own thread and connection, woken by the main
// connection's WAL hook once the log passes `pages`. A PASSIVE checkpoint never waits for or
// blocks the writer; once it has copied every frame, the next writer starts the log from its
// beginning, so the file stays bounded. If back-to-back writers keep it from finishing, a
// commit past `takeover` pages checkpoints itself (see on_commit).
class checkpointer {
public:
    checkpointer(sqlite3* writer, const std::string& path, int pages, int takeover,
                 int busy_timeout_ms)
        : pages_(pages)
        , takeover_(std::max(pages, takeover)) {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw system_error(
                error(errc::store_failed, path + ": opening the checkpoint connection: " + why));
        }
        sqlite3_busy_timeout(db_, busy_timeout_ms);
        sqlite3_wal_hook(writer, &checkpointer::on_commit, this);
        writer_ = writer;
        thread_ = std::thread([this] { run(); });
    }
    checkpointer(const checkpointer&) = delete;
    checkpointer& operator=(const checkpointer&) = delete;

    ~checkpointer() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        changed_.notify_all();
        thread_.join();
        sqlite3_wal_hook(writer_, nullptr, nullptr);
        sqlite3_close(db_);
    }

private:
    static int on_commit(void* self, sqlite3* writer, const char* name, int pages) {
        auto* c = static_cast<checkpointer*>(self);
        // The log was already past the bound before this commit and has not restarted since:
        // the background thread is starved by back-to-back writers, or slower than them. This
        // commit then waits for it and checkpoints itself, as SQLite's default would. Below
        // the bound a commit never waits, even while the copy of the one before is running.
        const bool behind = c->last_pages_ >= c->takeover_ && pages > c->last_pages_;
        c->last_pages_ = pages;
        if (behind) {
            {
                std::unique_lock lock(c->mutex_);
                c->changed_.wait(lock, [c] { return !c->running_; });
                c->running_ = true; // only one checkpointer at a time: SQLite refuses a second
                c->due_ = false;
            }
            sqlite3_wal_checkpoint_v2(writer, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
            {
                std::lock_guard lock(c->mutex_);
                c->running_ = false;
            }
            c->changed_.notify_all();
        } else if (pages >= c->pages_) {
            {
                std::lock_guard lock(c->mutex_);
                c->due_ = true;
            }
            c->changed_.notify_all();
        }
        return SQLITE_OK;
    }

    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            changed_.wait(lock, [this] { return (due_ && !running_) || stop_; });
            if (stop_)
                return;
            due_ = false;
            running_ = true;
            lock.unlock();
            // A connection learns that the file is in WAL mode from its first read; until then
            // a checkpoint is a silent no-op.
            sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
            sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
            lock.lock();
            running_ = false;
            changed_.notify_all();
        }
    }

    int pages_;
    int takeover_;
    int last_pages_ = 0; // the log's length after the previous commit (writer thread only)
    sqlite3* writer_ = nullptr;
    sqlite3* db_ = nullptr;
    std::mutex mutex_;
    std::condition_variable changed_; // due_, running_ or stop_ changed
    bool due_ = false;
    bool running_ = false; // a checkpoint is copying (background or inline)
    bool stop_ = false;
    std::thread thread_;
};

// A connection plus a cache of prepared statements (prepared once, reset on every use).
class connection {
public:
    connection(const std::string& path, const sqlite_options& o) : path_(path) {
        guard(path + ": opening", [&] {
            // NOMUTEX: every use of the connection holds its store's mutex already, so SQLite's
            // own lock around each call would only cost time.
            db_ = std::make_unique<SQLite::Database>(
                path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
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
            checkpoint_pages_ = o.background_checkpoint_pages;
            takeover_pages_ = o.checkpoint_takeover_pages;
            busy_timeout_ms_ = o.busy_timeout_ms;
            db_->exec("PRAGMA synchronous=" + std::to_string(o.synchronous));
            db_->exec("PRAGMA cache_size=-" + std::to_string(o.cache_kib));
            db_->exec(o.secure_delete == sqlite_secure_delete::fast ? "PRAGMA secure_delete=FAST"
                      : o.secure_delete == sqlite_secure_delete::on ? "PRAGMA secure_delete=1"
                                                                    : "PRAGMA secure_delete=0");
            if (o.max_page_count > 0)
                db_->exec("PRAGMA max_page_count=" + std::to_string(o.max_page_count));
        });
    }

    SQLite::Database& db() noexcept { return *db_; }
    const std::string& path() const noexcept { return path_; }

    // Whether the file is in WAL mode (never an in-memory or temporary database): another
    // connection to the same path then reads beside this one's write transaction.
    bool in_wal() {
        return guard(path_ + ": reading the journal mode",
                     [&] { return db_->execAndGet("PRAGMA journal_mode").getString() == "wal"; });
    }

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
                throw system_error(
                    error(errc::store_failed, path_ + ": file format " + std::to_string(found) +
                                                  " is newer than this build supports (" +
                                                  std::to_string(current) +
                                                  "); open it with a newer concord"));
            if (wal_) {
                db_->exec("PRAGMA journal_mode=WAL");
                if (checkpoint_pages_ > 0 && !checkpointer_) {
                    db_->exec("PRAGMA wal_autocheckpoint=0");
                    checkpointer_ =
                        std::make_unique<checkpointer>(db_->getHandle(), path_, checkpoint_pages_,
                                                       takeover_pages_, busy_timeout_ms_);
                }
            }
            if (found < current)
                in_transaction([&] {
                    migrate(found);
                    db_->exec("PRAGMA user_version=" + std::to_string(current));
                });
        });
    }

    // Runs `f` in `BEGIN IMMEDIATE … COMMIT`, rolling back when it throws (setup work; the
    // stores' units of work use write_scope).
    template <class F>
    void in_transaction(F&& f) {
        exec("BEGIN IMMEDIATE");
        try {
            f();
            exec("COMMIT");
        } catch (...) {
            exec("ROLLBACK");
            throw;
        }
    }

    // The file's tables (SQLite's own left out), in name order.
    std::vector<std::string> table_names() {
        std::vector<std::string> out;
        statement s(db_->getHandle(), "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                      "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
        while (s.step())
            out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s.handle(), 0)));
        return out;
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
    int checkpoint_pages_ = 0;
    int takeover_pages_ = 0;
    int busy_timeout_ms_ = 0;
    std::unordered_map<std::string, std::unique_ptr<statement>> cache_;
    std::unique_ptr<checkpointer> checkpointer_; // last: stops before the connection closes
};

// One write transaction of a store: the store's mutex (one transaction per store object) and
// BEGIN IMMEDIATE (one writer per file, across processes); ROLLBACK unless commit() ran.
class write_scope {
public:
    write_scope(connection& c, std::mutex& m) : conn_(&c), lock_(m) {
        guard("starting a transaction", [&] { conn_->exec("BEGIN IMMEDIATE"); });
        active_ = true;
    }
    write_scope(write_scope&& o) noexcept
        : conn_(o.conn_)
        , lock_(std::move(o.lock_))
        , active_(std::exchange(o.active_, false)) {}
    write_scope& operator=(write_scope&&) = delete;

    ~write_scope() {
        if (!active_)
            return;
        try {
            conn_->exec("ROLLBACK");
        } catch (...) { // NOLINT(bugprone-empty-catch): closing the connection rolls back too
        }
    }

    void commit() {
        guard("committing", [&] { conn_->exec("COMMIT"); });
        active_ = false;
        lock_.unlock();
    }

private:
    connection* conn_;
    std::unique_lock<std::mutex> lock_;
    bool active_ = false;
};

// Binds a JSON scalar; validation upstream guarantees it fits the column.
inline void bind(statement& s, int i, const boost::json::value& v) {
    switch (v.kind()) {
    case boost::json::kind::null:
        s.bind(i);
        break;
    case boost::json::kind::bool_:
        s.bind(i, std::int64_t{v.get_bool() ? 1 : 0});
        break;
    case boost::json::kind::int64:
        s.bind(i, std::int64_t{v.get_int64()});
        break;
    case boost::json::kind::uint64:
        s.bind(i, static_cast<std::int64_t>(v.get_uint64()));
        break;
    case boost::json::kind::double_:
        s.bind(i, v.get_double());
        break;
    case boost::json::kind::string: // `v` outlives the step: every caller runs it at once
        s.bind_ref(i, std::string_view(v.get_string()));
        break;
    case boost::json::kind::array:
    case boost::json::kind::object:
        s.bind(i, std::string_view(boost::json::serialize(v)));
        break;
    }
}

// Column `i` of the current row as text, valid until the statement steps or is reset.
inline std::string_view text_view(sqlite3_stmt* st, int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i)))
             : std::string_view();
}

inline std::string text(sqlite3_stmt* st, int i) {
    return std::string(text_view(st, i));
}

} // namespace concord::detail::sqlite

#endif // CONCORD_DETAIL_SQLITE_SUPPORT_HPP
