// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a replica's store on SQLite: records, outbox, shadows, sync log, state.

#ifndef CONCORD_STORE_SQLITE_REPLICA_STORE_HPP
#define CONCORD_STORE_SQLITE_REPLICA_STORE_HPP

#include <concord/concepts/replica_store.hpp>
#include <concord/detail/json_codec.hpp>
#include <concord/detail/keys.hpp>
#include <concord/detail/sqlite_support.hpp>
#include <concord/detail/sqlite_tables.hpp>
#include <concord/model/schema.hpp>
#include <concord/store/sqlite_options.hpp>

#include <algorithm>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace concord {

/** A `replica_store` on an SQLite file (SQLiteCpp): the device's durable copy.

    Layout (format version 3, in `PRAGMA user_version`; format-1 and 2 files are migrated): one
   table per entity, keyed by `Id` (a rowid table: a large pull appends rows instead of splitting
   pages at random ids), with one untyped column per schema column (an app may read them with plain
   SQL); `concord_outbox` (pending changes by local sequence, indexed by record), `concord_shadows`,
   `concord_log` and `concord_state` (format 2 added its scope, resync, administrator_email and
   workplace; format 3 the hub's schema once adopted). A schema that gained entities or columns
   is migrated when the store opens, or by `migrate` when a sync brings it.

    Every transaction is `BEGIN IMMEDIATE … COMMIT`: a local change and its outbox entry, or a
    sync page with its outcomes, log entries and cursor, are durable together or not at all.
    Records put are written a hundred per statement (a pulled page is mostly puts), before
    anything reads or deletes records and at commit: a statement's start and end cost as much as
    writing a row.

    @throws concord::system_error (`errc::store_failed`) from the constructor when the file is
    not an SQLite database, is of a newer format, or cannot be opened or created.
    Thread safety: safe; transactions are serialised.
*/
class sqlite_replica_store {
public:
    static constexpr int format_version = 3;

    sqlite_replica_store(const std::string& path, const concord::schema& s, sqlite_options o = {});

    /** Adopts a schema that gained entities or columns (from the hub, during a sync): creates
        the missing tables and adds the missing columns; nothing is dropped or reset. Waits for
        an open transaction to end.
        @throws concord::system_error (`errc::store_failed`) when the file cannot be changed.
    */
    void migrate(const concord::schema& s);

    class transaction;

    /// Starts a transaction; blocks while another one is open.
    transaction begin();

    const std::string& path() const noexcept { return d_->conn.path(); }

private:
    struct table : detail::sqlite::entity_table {
        std::string select_one, select_all, upsert, remove, count, ids;
        // `rows_per_upsert` records at once: the old rows go, then the new ones come. Not one
        // multi-row INSERT OR REPLACE: a statement that may abort halfway keeps a journal of
        // its own (spilled to a temporary file), and this pair cannot abort.
        std::string remove_many, insert_many;
        std::size_t rows_per_upsert = 1;
    };
    static constexpr std::size_t rows_per_statement = 100;
    struct data {
        data(const std::string& path, const sqlite_options& o) : conn(path, o) {}
        std::mutex mutex;
        detail::sqlite::connection conn;
        std::unordered_map<std::string, table, detail::string_hash, std::equal_to<>> tables;
    };
    void adopt_tables(const concord::schema& s);

    std::unique_ptr<data> d_;
};

/// A unit of work on a `sqlite_replica_store`. Move-only; rolls back unless committed.
class sqlite_replica_store::transaction {
public:
    transaction(transaction&&) noexcept = default;
    transaction& operator=(transaction&&) = delete;

    std::optional<record> get(std::string_view entity, std::string_view id) {
        write_queued();
        const table* t = find_table(entity);
        if (t == nullptr)
            return std::nullopt;
        return detail::sqlite::guard("reading a record", [&]() -> std::optional<record> {
            auto& s = d_->conn.stmt(t->select_one);
            s.bind_ref(1, id);
            if (!s.step())
                return std::nullopt;
            record r{std::string(id), {}};
            t->read_fields(s.handle(), 1, r.fields);
            return r;
        });
    }

    void put(std::string_view entity, const record& rec) { put(entity, record(rec)); }

    /// As `put(entity, rec)`, taking the record instead of copying it.
    void put(std::string_view entity, record&& rec) {
        const table& t = need_table(entity);
        if (queued_.size() >= rows_per_statement)
            write_queued();
        queued_.emplace_back(&t, std::move(rec));
    }

    void erase(std::string_view entity, std::string_view id) {
        write_queued();
        const table* t = find_table(entity);
        if (t == nullptr)
            return;
        detail::sqlite::guard("deleting a record", [&] {
            auto& s = d_->conn.stmt(t->remove);
            s.bind(1, id);
            s.exec();
        });
    }

    std::vector<record> find(std::string_view entity, const filter& f) {
        write_queued();
        std::vector<record> out;
        const table* t = find_table(entity);
        if (t == nullptr)
            return out;
        detail::sqlite::guard("searching records", [&] {
            auto& s = d_->conn.stmt(t->select_all);
            record r;
            while (s.step()) {
                r.id = detail::sqlite::text(s.handle(), 0);
                r.fields.clear();
                t->read_fields(s.handle(), 1, r.fields);
                if (f.matches(r))
                    out.push_back(r);
            }
        });
        return out;
    }

    std::size_t count(std::string_view entity) {
        write_queued();
        const table* t = find_table(entity);
        if (t == nullptr)
            return 0;
        return detail::sqlite::guard("counting records", [&] {
            auto& s = d_->conn.stmt(t->count);
            s.step();
            return static_cast<std::size_t>(sqlite3_column_int64(s.handle(), 0));
        });
    }

    std::vector<std::string> ids(std::string_view entity) {
        write_queued();
        std::vector<std::string> out;
        const table* t = find_table(entity);
        if (t == nullptr)
            return out;
        detail::sqlite::guard("listing record ids", [&] {
            auto& s = d_->conn.stmt(t->ids);
            while (s.step())
                out.push_back(detail::sqlite::text(s.handle(), 0));
        });
        return out;
    }

    std::optional<hub_record> shadow(std::string_view entity, std::string_view id) {
        if (!any_shadow_) // the common case during a large pull: no probe at all
            return std::nullopt;
        return detail::sqlite::guard("reading a shadow", [&]() -> std::optional<hub_record> {
            auto& s =
                d_->conn.stmt("SELECT value FROM concord_shadows WHERE entity = ? AND id = ?");
            s.bind(1, entity);
            s.bind(2, id);
            if (!s.step())
                return std::nullopt;
            return detail::codec::decode_hub_record(
                detail::codec::parse_object(detail::sqlite::text(s.handle(), 0), "a shadow"));
        });
    }

    void put_shadow(const hub_record& h) {
        detail::sqlite::guard("writing a shadow", [&] {
            auto& s = d_->conn.stmt(
                "INSERT OR REPLACE INTO concord_shadows (entity, id, value) VALUES (?, ?, ?)");
            s.bind(1, std::string_view(h.entity));
            s.bind(2, std::string_view(h.id));
            s.bind(3, std::string_view(boost::json::serialize(detail::codec::encode(h))));
            s.exec();
        });
        any_shadow_ = true;
    }

    void erase_shadow(std::string_view entity, std::string_view id) {
        if (!any_shadow_)
            return;
        detail::sqlite::guard("deleting a shadow", [&] {
            auto& s = d_->conn.stmt("DELETE FROM concord_shadows WHERE entity = ? AND id = ?");
            s.bind(1, entity);
            s.bind(2, id);
            s.exec();
        });
    }

    void push(const change& c) {
        detail::sqlite::guard("queueing a change", [&] {
            auto& s = d_->conn.stmt("INSERT INTO concord_outbox (seq, replica, entity, record_id, "
                                    "change) VALUES (?, ?, ?, ?, ?)");
            s.bind(1, static_cast<std::int64_t>(c.id.seq));
            s.bind(2, static_cast<std::int64_t>(c.id.replica.value));
            s.bind(3, std::string_view(c.entity));
            s.bind(4, std::string_view(c.record_id));
            s.bind(5, std::string_view(boost::json::serialize(detail::codec::encode(c))));
            s.exec();
        });
    }

    std::vector<change> oldest(std::size_t limit) {
        return read_changes("SELECT change FROM concord_outbox ORDER BY seq LIMIT ?",
                            [&](auto& s) { s.bind(1, saturated(limit)); });
    }

    std::vector<change> oldest_after(std::uint64_t seq, std::size_t limit) {
        return read_changes("SELECT change FROM concord_outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                            [&](auto& s) {
                                s.bind(1, saturated(seq));
                                s.bind(2, saturated(limit));
                            });
    }

    std::vector<change> pending_for(std::string_view entity, std::string_view id) {
        return read_changes(
            "SELECT change FROM concord_outbox WHERE entity = ? AND record_id = ? ORDER BY seq",
            [&](auto& s) {
                s.bind(1, entity);
                s.bind(2, id);
            });
    }

    void replace(const change& c) {
        detail::sqlite::guard("rewriting a change", [&] {
            auto& s = d_->conn.stmt("UPDATE concord_outbox SET change = ? WHERE seq = ?");
            s.bind(1, std::string_view(boost::json::serialize(detail::codec::encode(c))));
            s.bind(2, static_cast<std::int64_t>(c.id.seq));
            s.exec();
        });
    }

    bool drop(change_id id) {
        return detail::sqlite::guard("dropping a change", [&] {
            auto& s = d_->conn.stmt("DELETE FROM concord_outbox WHERE seq = ? AND replica = ?");
            s.bind(1, static_cast<std::int64_t>(id.seq));
            s.bind(2, static_cast<std::int64_t>(id.replica.value));
            s.exec();
            return sqlite3_changes(d_->conn.db().getHandle()) > 0;
        });
    }

    /// Drops a round's changes: they are a run of sequences, so one scan finds which are here
    /// and, when nothing else lies in the run, one statement removes them all.
    std::vector<bool> drop(std::span<const change_id> ids) {
        std::vector<bool> found(ids.size());
        if (ids.empty())
            return found;
        // Not a structured binding: clang 14 cannot capture one in the lambda below.
        const auto run =
            std::minmax_element(ids.begin(), ids.end(), [](const change_id& a, const change_id& b) {
                return a.seq < b.seq;
            });
        const auto lo = run.first;
        const auto hi = run.second;
        detail::sqlite::guard("dropping changes", [&] {
            // The outbox's rows in the run, in sequence order (its key); a matched row is marked
            // taken so that an id given twice is found once, as with one drop after the other.
            struct row {
                std::uint64_t seq;
                std::uint64_t replica;
                bool taken;
            };
            std::vector<row> here;
            here.reserve(ids.size());
            {
                auto& s = d_->conn.stmt("SELECT seq, replica FROM concord_outbox WHERE seq BETWEEN "
                                        "? AND ? ORDER BY seq");
                s.bind(1, static_cast<std::int64_t>(lo->seq));
                s.bind(2, static_cast<std::int64_t>(hi->seq));
                while (s.step())
                    here.push_back(row{
                        static_cast<std::uint64_t>(sqlite3_column_int64(s.handle(), 0)),
                        static_cast<std::uint64_t>(sqlite3_column_int64(s.handle(), 1)), false});
            }
            const std::size_t in_run = here.size();
            std::vector<std::uint64_t> gone;
            gone.reserve(std::min(ids.size(), in_run));
            for (std::size_t i = 0; i < ids.size(); ++i) {
                const auto it =
                    std::lower_bound(here.begin(), here.end(), ids[i].seq,
                                     [](const row& r, std::uint64_t seq) { return r.seq < seq; });
                if (it != here.end() && it->seq == ids[i].seq && !it->taken &&
                    it->replica == ids[i].replica.value) {
                    found[i] = true;
                    gone.push_back(it->seq);
                    it->taken = true;
                }
            }
            if (gone.size() == in_run) { // every row of the run goes
                bool all = false;
                {
                    auto& s = d_->conn.stmt("SELECT (SELECT min(seq) FROM concord_outbox), "
                                            "(SELECT max(seq) FROM concord_outbox)");
                    all =
                        s.step() &&
                        sqlite3_column_int64(s.handle(), 0) >= static_cast<std::int64_t>(lo->seq) &&
                        sqlite3_column_int64(s.handle(), 1) <= static_cast<std::int64_t>(hi->seq);
                }
                if (all) { // the whole outbox: SQLite clears the table and its index at once
                    d_->conn.stmt("DELETE FROM concord_outbox").exec();
                    return;
                }
                auto& s = d_->conn.stmt("DELETE FROM concord_outbox WHERE seq BETWEEN ? AND ?");
                s.bind(1, static_cast<std::int64_t>(lo->seq));
                s.bind(2, static_cast<std::int64_t>(hi->seq));
                s.exec();
                return;
            }
            auto& s = d_->conn.stmt("DELETE FROM concord_outbox WHERE seq = ?");
            for (std::uint64_t seq : gone) {
                s.reset();
                s.bind(1, static_cast<std::int64_t>(seq));
                s.exec();
            }
        });
        return found;
    }

    void erase_shadows() {
        detail::sqlite::guard("deleting the shadows",
                              [&] { d_->conn.stmt("DELETE FROM concord_shadows").exec(); });
        any_shadow_ = false;
    }

    std::size_t outbox_size() {
        return detail::sqlite::guard("counting pending changes", [&] {
            auto& s = d_->conn.stmt("SELECT count(*) FROM concord_outbox");
            s.step();
            return static_cast<std::size_t>(sqlite3_column_int64(s.handle(), 0));
        });
    }

    std::uint64_t add_log(sync_log_entry& e) {
        return detail::sqlite::guard("writing the sync log", [&] {
            auto& s = d_->conn.stmt("INSERT INTO concord_log (entry) VALUES ('')");
            s.exec();
            e.id = static_cast<std::uint64_t>(sqlite3_last_insert_rowid(d_->conn.db().getHandle()));
            auto& u = d_->conn.stmt("UPDATE concord_log SET entry = ? WHERE id = ?");
            u.bind(1, std::string_view(boost::json::serialize(detail::codec::encode(e))));
            u.bind(2, static_cast<std::int64_t>(e.id));
            u.exec();
            return e.id;
        });
    }

    std::vector<sync_log_entry> log() {
        std::vector<sync_log_entry> out;
        detail::sqlite::guard("reading the sync log", [&] {
            auto& s = d_->conn.stmt("SELECT entry FROM concord_log ORDER BY id");
            while (s.step())
                out.push_back(detail::codec::decode_log_entry(detail::codec::parse_object(
                    detail::sqlite::text(s.handle(), 0), "a sync log entry")));
        });
        return out;
    }

    bool erase_log(std::uint64_t id) {
        return detail::sqlite::guard("deleting a sync log entry", [&] {
            auto& s = d_->conn.stmt("DELETE FROM concord_log WHERE id = ?");
            s.bind(1, static_cast<std::int64_t>(id));
            s.exec();
            return sqlite3_changes(d_->conn.db().getHandle()) > 0;
        });
    }

    replica_state state() {
        return detail::sqlite::guard("reading the replica state", [&] {
            replica_state st;
            auto& s = d_->conn.stmt("SELECT replica, next_seq, clock, cursor, acknowledged, "
                                    "last_sync_ms, scope, resync, administrator_email, workplace, "
                                    "schema FROM concord_state WHERE k = 1");
            if (!s.step())
                return st;
            sqlite3_stmt* h = s.handle();
            st.id = replica_id{static_cast<std::uint64_t>(sqlite3_column_int64(h, 0))};
            st.next_seq = static_cast<std::uint64_t>(sqlite3_column_int64(h, 1));
            auto clock = parse_stamp(detail::sqlite::text(h, 2));
            if (!clock)
                detail::codec::corrupt("replica clock");
            st.clock = *clock;
            st.cursor = static_cast<std::uint64_t>(sqlite3_column_int64(h, 3));
            st.acknowledged = static_cast<std::uint64_t>(sqlite3_column_int64(h, 4));
            if (sqlite3_column_type(h, 5) != SQLITE_NULL)
                st.last_sync_ms = sqlite3_column_int64(h, 5);
            st.scope = detail::sqlite::text(h, 6);
            st.resync = sqlite3_column_int64(h, 7) != 0;
            st.administrator_email = detail::sqlite::text(h, 8);
            st.workplace = detail::sqlite::text(h, 9);
            st.schema = detail::sqlite::text(h, 10);
            return st;
        });
    }

    void save_state(const replica_state& st) {
        detail::sqlite::guard("writing the replica state", [&] {
            auto& s =
                d_->conn.stmt("INSERT OR REPLACE INTO concord_state "
                              "(k, replica, next_seq, clock, cursor, acknowledged, last_sync_ms, "
                              "scope, resync, administrator_email, workplace, schema) "
                              "VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            s.bind(1, static_cast<std::int64_t>(st.id.value));
            s.bind(2, static_cast<std::int64_t>(st.next_seq));
            s.bind(3, std::string_view(to_string(st.clock)));
            s.bind(4, static_cast<std::int64_t>(st.cursor));
            s.bind(5, static_cast<std::int64_t>(st.acknowledged));
            if (st.last_sync_ms)
                s.bind(6, std::int64_t{*st.last_sync_ms});
            else
                s.bind(6);
            s.bind(7, std::string_view(st.scope));
            s.bind(8, std::int64_t{st.resync ? 1 : 0});
            s.bind(9, std::string_view(st.administrator_email));
            s.bind(10, std::string_view(st.workplace));
            s.bind(11, std::string_view(st.schema));
            s.exec();
        });
    }

    void commit() {
        write_queued();
        scope_.commit();
    }

private:
    friend class sqlite_replica_store;

    explicit transaction(data* d) : d_(d), scope_(d->conn, d->mutex) {
        detail::sqlite::guard("starting a transaction", [&] {
            auto& s = d_->conn.stmt("SELECT EXISTS (SELECT 1 FROM concord_shadows)");
            any_shadow_ = s.step() && sqlite3_column_int64(s.handle(), 0) != 0;
        });
    }

    // An unsigned count or sequence as SQLite's integer, the largest one standing for any above.
    static std::int64_t saturated(std::uint64_t v) noexcept {
        return static_cast<std::int64_t>(std::min<std::uint64_t>(v, 0x7FFF'FFFF'FFFF'FFFFULL));
    }

    const table* find_table(std::string_view entity) const {
        auto it = d_->tables.find(entity);
        return it == d_->tables.end() ? nullptr : &it->second;
    }

    const table& need_table(std::string_view entity) const {
        if (const table* t = find_table(entity))
            return *t;
        throw system_error(
            error(errc::store_failed, "no table for entity '" + std::string(entity) + "'"));
    }

    template <class Bind>
    std::vector<change> read_changes(const std::string& sql, Bind&& bind) {
        std::vector<change> out;
        detail::sqlite::guard("reading the outbox", [&] {
            auto& s = d_->conn.stmt(sql);
            bind(s);
            boost::json::parser p;
            while (s.step()) {
                const std::string_view text = detail::sqlite::text_view(s.handle(), 0);
                if (auto c = detail::codec::read_change(text))
                    out.push_back(std::move(*c));
                else
                    out.push_back(detail::codec::decode_change(
                        detail::codec::parse_object(p, text, "an outbox change")));
            }
        });
        return out;
    }

    // Writes the records put since the last write, in order (a later put of the same id
    // wins): `rows_per_upsert` records of one table at a time, one by one when fewer are left
    // or an id repeats among them.
    void write_queued() {
        if (queued_.empty())
            return;
        detail::sqlite::guard("writing records", [&] {
            std::vector<std::string_view> ids;
            for (std::size_t i = 0; i < queued_.size();) {
                const table& t = *queued_[i].first;
                std::size_t n = 1;
                while (i + n < queued_.size() && queued_[i + n].first == &t &&
                       n < t.rows_per_upsert)
                    ++n;
                bool many = n == t.rows_per_upsert && n > 1;
                if (many) {
                    ids.clear();
                    for (std::size_t k = i; k < i + n; ++k)
                        ids.emplace_back(queued_[k].second.id);
                    std::sort(ids.begin(), ids.end());
                    many = std::adjacent_find(ids.begin(), ids.end()) == ids.end();
                }
                if (!many)
                    n = 1;
                if (many) {
                    auto& del = d_->conn.stmt(t.remove_many);
                    for (std::size_t k = 0; k < n; ++k)
                        del.bind_ref(static_cast<int>(k) + 1, ids[k]);
                    del.exec();
                }
                auto& s = d_->conn.stmt(many ? t.insert_many : t.upsert);
                int at = 0;
                for (std::size_t k = i; k < i + n; ++k) {
                    const record& rec = queued_[k].second;
                    s.bind_ref(++at, rec.id);
                    for (const std::string& col : t.columns) {
                        if (auto f = rec.fields.find(col); f != rec.fields.end())
                            detail::sqlite::bind(s, ++at, f->value());
                        else
                            s.bind(++at);
                    }
                }
                s.exec();
                i += n;
            }
        });
        queued_.clear();
    }

    data* d_;
    detail::sqlite::write_scope scope_;
    bool any_shadow_ = false;
    std::vector<std::pair<const table*, record>> queued_; // put, not written yet
};

inline sqlite_replica_store::sqlite_replica_store(const std::string& path, const concord::schema& s,
                                                  sqlite_options o)
    : d_(std::make_unique<data>(path, o)) {
    auto& c = d_->conn;
    c.check_format(format_version, [&](int found) {
        if (found < 1) {
            c.exec("CREATE TABLE IF NOT EXISTS concord_outbox (seq INTEGER PRIMARY KEY, replica "
                   "INTEGER NOT NULL, "
                   "entity TEXT NOT NULL, record_id TEXT NOT NULL, change TEXT NOT NULL)");
            c.exec("CREATE INDEX IF NOT EXISTS concord_outbox_record ON concord_outbox (entity, "
                   "record_id, seq)");
            c.exec("CREATE TABLE IF NOT EXISTS concord_shadows (entity TEXT NOT NULL, id TEXT NOT "
                   "NULL, "
                   "value TEXT NOT NULL, PRIMARY KEY (entity, id)) WITHOUT ROWID");
            c.exec("CREATE TABLE IF NOT EXISTS concord_log (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                   "entry TEXT NOT NULL)");
            c.exec("CREATE TABLE IF NOT EXISTS concord_state (k INTEGER PRIMARY KEY CHECK (k = 1), "
                   "replica INTEGER NOT NULL, next_seq INTEGER NOT NULL, clock TEXT NOT NULL, "
                   "cursor INTEGER NOT NULL, acknowledged INTEGER NOT NULL, last_sync_ms INTEGER)");
        }
        if (found < 2) {
            // Format 2: the read scope, the re-sync flag and the administrator's address.
            c.exec("ALTER TABLE concord_state ADD COLUMN scope TEXT NOT NULL DEFAULT ''");
            c.exec("ALTER TABLE concord_state ADD COLUMN resync INTEGER NOT NULL DEFAULT 0");
            c.exec("ALTER TABLE concord_state ADD COLUMN administrator_email TEXT NOT NULL "
                   "DEFAULT ''");
            c.exec("ALTER TABLE concord_state ADD COLUMN workplace TEXT NOT NULL DEFAULT ''");
        }
        if (found < 3) // format 3: the hub's schema, once adopted
            c.exec("ALTER TABLE concord_state ADD COLUMN schema TEXT NOT NULL DEFAULT ''");
    });
    adopt_tables(s);
}

inline void sqlite_replica_store::migrate(const concord::schema& s) {
    std::lock_guard lock(d_->mutex); // no transaction is open meanwhile
    adopt_tables(s);
}

// Creates the entity tables `s` has and the file lacks, adds missing columns, and prepares the
// statements of every table (replacing those of a table that gained columns).
inline void sqlite_replica_store::adopt_tables(const concord::schema& s) {
    auto& c = d_->conn;
    const std::string path = c.path();
    detail::sqlite::guard(path + ": preparing entity tables", [&] {
        c.in_transaction([&] {
            for (const auto& e : s.entities()) {
                table t;
                static_cast<detail::sqlite::entity_table&>(t) =
                    detail::sqlite::ensure_table(c, e, "Id TEXT PRIMARY KEY NOT NULL", 1, false);
                const std::string all =
                    "Id" + (t.column_list.empty() ? std::string() : ", " + t.column_list);
                const std::string data_cols =
                    t.column_list.empty() ? std::string("Id") : t.column_list;
                t.select_one = "SELECT " + all + " FROM " + t.quoted + " WHERE Id = ?";
                t.select_all = "SELECT " + all + " FROM " + t.quoted + " ORDER BY Id";
                t.remove = "DELETE FROM " + t.quoted + " WHERE Id = ?";
                t.count = "SELECT count(*) FROM " + t.quoted;
                t.ids = "SELECT Id FROM " + t.quoted;
                std::string values = "?";
                for (std::size_t i = 0; i < t.columns.size(); ++i)
                    values += ", ?";
                t.upsert =
                    "INSERT OR REPLACE INTO " + t.quoted + " (" + all + ") VALUES (" + values + ")";
                // As many rows as SQLite's limit on parameters allows, up to a hundred.
                const auto params = static_cast<std::size_t>(
                    sqlite3_limit(c.db().getHandle(), SQLITE_LIMIT_VARIABLE_NUMBER, -1));
                t.rows_per_upsert =
                    std::clamp<std::size_t>(params / (t.columns.size() + 1), 1, rows_per_statement);
                t.remove_many = "DELETE FROM " + t.quoted + " WHERE Id IN (?";
                t.insert_many =
                    "INSERT OR IGNORE INTO " + t.quoted + " (" + all + ") VALUES (" + values + ")";
                for (std::size_t r = 1; r < t.rows_per_upsert; ++r) {
                    t.remove_many += ", ?";
                    t.insert_many += ", (" + values + ")";
                }
                t.remove_many += ")";
                d_->tables.insert_or_assign(e.name, std::move(t));
            }
        });
    });
}

inline sqlite_replica_store::transaction sqlite_replica_store::begin() {
    return transaction(d_.get());
}

static_assert(replica_store<sqlite_replica_store>);

} // namespace concord

#endif // CONCORD_STORE_SQLITE_REPLICA_STORE_HPP
