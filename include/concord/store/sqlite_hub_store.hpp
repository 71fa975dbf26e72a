// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the hub's store on SQLite: records with per-field stamps, change log, dedupe marks.

#ifndef CONCORD_STORE_SQLITE_HUB_STORE_HPP
#define CONCORD_STORE_SQLITE_HUB_STORE_HPP

#include <concord/concepts/hub_store.hpp>
#include <concord/detail/json_codec.hpp>
#include <concord/detail/keys.hpp>
#include <concord/detail/sqlite_support.hpp>
#include <concord/detail/sqlite_tables.hpp>
#include <concord/model/filter.hpp>
#include <concord/model/schema.hpp>
#include <concord/store/sqlite_options.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace concord {

/** A `hub_store` on an SQLite file (SQLiteCpp), the embedded default.

    Layout (format version 1, in `PRAGMA user_version`): one `WITHOUT ROWID` table per entity,
    keyed by `Id`, with the record's change sequence (indexed: a pull is a range scan), its
    tombstone stamp, its per-field stamps packed in one blob, and one untyped column per schema
    column; `concord_meta` (the sequence counter), `concord_outcomes` (stored outcomes awaiting
    acknowledgement) and `concord_marks` (each replica's acknowledged sequence). A schema that
    gained entities or columns is migrated when the store opens.

    A transaction is `BEGIN IMMEDIATE … COMMIT`; the records it saves are kept in memory and
    written at commit in key order, so a batch walks the table's pages in order.

    @throws concord::system_error (`errc::store_failed`) from the constructor when the file is
    not an SQLite database, is of a newer format, or cannot be opened or created.
    Thread safety: safe; transactions are serialised (a mutex here, SQLite's lock across
    processes).
*/
class sqlite_hub_store {
public:
    static constexpr int format_version = 1;

    sqlite_hub_store(const std::string& path, const concord::schema& s, sqlite_options o = {});

    class transaction;

    /// Starts a transaction; blocks while another one is open.
    transaction begin();

    /// Records (tombstones included) of an entity — also the entity's change log entries.
    std::size_t record_count(std::string_view entity);

    const std::string& path() const noexcept { return d_->conn.path(); }

private:
    struct table : detail::sqlite::entity_table {
        std::string select_one, select_live, upsert, changes;
    };
    struct data {
        data(const std::string& path, const sqlite_options& o) : conn(path, o) {}
        std::mutex mutex;
        detail::sqlite::connection conn;
        std::unordered_map<std::string, table, detail::string_hash, std::equal_to<>> tables;
        std::vector<std::string> names; // entity names, in schema order
    };
    std::unique_ptr<data> d_;
};

/// A unit of work on a `sqlite_hub_store`. Move-only; rolls back unless committed.
class sqlite_hub_store::transaction {
public:
    transaction(transaction&& o) noexcept
        : d_(o.d_), lock_(std::move(o.lock_)), active_(std::exchange(o.active_, false)), seq_(o.seq_),
          seq_at_begin_(o.seq_at_begin_), dirty_(std::move(o.dirty_)) {}
    transaction& operator=(transaction&&) = delete;

    ~transaction() {
        if (active_) {
            try {
                d_->conn.exec("ROLLBACK");
            } catch (...) { // NOLINT(bugprone-empty-catch): the connection rolls back on close anyway
            }
        }
    }

    std::optional<stored_record> load(std::string_view entity, std::string_view id) {
        if (auto it = dirty_.find(std::pair(entity, id)); it != dirty_.end())
            return it->second;
        const table* t = find(entity);
        if (t == nullptr)
            return std::nullopt;
        return detail::sqlite::guard("loading a record", [&]() -> std::optional<stored_record> {
            auto& s = d_->conn.stmt(t->select_one);
            s.bind(1, id);
            if (!s.step())
                return std::nullopt;
            return read_row(*t, s.handle());
        });
    }

    std::uint64_t save(stored_record& rec) {
        if (find(rec.entity) == nullptr)
            throw system_error(error(errc::store_failed, "no table for entity '" + rec.entity + "'"));
        rec.seq = ++seq_;
        dirty_.insert_or_assign(std::pair(rec.entity, rec.id), rec);
        return rec.seq;
    }

    std::optional<outcome> find_outcome(change_id id) {
        return detail::sqlite::guard("reading a stored outcome", [&]() -> std::optional<outcome> {
            auto& s = d_->conn.stmt("SELECT outcome FROM concord_outcomes WHERE replica = ? AND seq = ?");
            s.bind(1, to_i64(id.replica.value));
            s.bind(2, to_i64(id.seq));
            if (!s.step())
                return std::nullopt;
            return detail::codec::decode_outcome(
                detail::codec::parse_object(detail::sqlite::text(s.handle(), 0), "a stored outcome"));
        });
    }

    void save_outcome(const outcome& o) {
        detail::sqlite::guard("storing an outcome", [&] {
            auto& s = d_->conn.stmt("INSERT OR REPLACE INTO concord_outcomes (replica, seq, outcome) VALUES (?, ?, ?)");
            s.bind(1, to_i64(o.change.replica.value));
            s.bind(2, to_i64(o.change.seq));
            outcome stored = o;
            stored.hub_copy.reset(); // answered fresh on every replay
            s.bind(3, std::string_view(boost::json::serialize(detail::codec::encode(stored))));
            s.exec();
        });
    }

    std::uint64_t acknowledged(replica_id r) {
        return detail::sqlite::guard("reading a dedupe mark", [&]() -> std::uint64_t {
            auto& s = d_->conn.stmt("SELECT acknowledged FROM concord_marks WHERE replica = ?");
            s.bind(1, to_i64(r.value));
            return s.step() ? static_cast<std::uint64_t>(sqlite3_column_int64(s.handle(), 0)) : 0;
        });
    }

    void acknowledge(replica_id r, std::uint64_t seq) {
        if (seq <= acknowledged(r))
            return;
        detail::sqlite::guard("acknowledging outcomes", [&] {
            auto& del = d_->conn.stmt("DELETE FROM concord_outcomes WHERE replica = ? AND seq <= ?");
            del.bind(1, to_i64(r.value));
            del.bind(2, to_i64(seq));
            del.exec();
            auto& up = d_->conn.stmt("INSERT INTO concord_marks (replica, acknowledged) VALUES (?, ?) "
                                     "ON CONFLICT (replica) DO UPDATE SET acknowledged = excluded.acknowledged");
            up.bind(1, to_i64(r.value));
            up.bind(2, to_i64(seq));
            up.exec();
        });
    }

    change_page changes_after(std::uint64_t after, std::size_t limit, const std::vector<std::string>& entities) {
        flush();
        change_page page;
        page.cursor = after;
        std::vector<hub_record> rows;
        detail::sqlite::guard("reading the change log", [&] {
            for (const std::string& name : d_->names) {
                if (!entities.empty() && std::find(entities.begin(), entities.end(), name) == entities.end())
                    continue;
                const table& t = d_->tables.find(name)->second;
                auto& s = d_->conn.stmt(t.changes);
                s.bind(1, to_i64(after));
                s.bind(2, static_cast<std::int64_t>(limit + 1));
                while (s.step())
                    rows.push_back(read_row(t, s.handle()).copy());
            }
        });
        std::sort(rows.begin(), rows.end(), [](const hub_record& a, const hub_record& b) { return a.seq < b.seq; });
        page.more = rows.size() > limit;
        if (page.more)
            rows.resize(limit);
        page.rows = std::move(rows);
        if (!page.rows.empty())
            page.cursor = page.rows.back().seq;
        if (!page.more)
            page.cursor = std::max(page.cursor, seq_); // nothing later matches
        return page;
    }

    std::vector<hub_record> select(std::string_view entity, const filter& f) {
        flush();
        std::vector<hub_record> out;
        const table* t = find(entity);
        if (t == nullptr)
            return out;
        detail::sqlite::guard("selecting records", [&] {
            auto& s = d_->conn.stmt(t->select_live);
            while (s.step()) {
                hub_record h = read_row(*t, s.handle()).copy();
                if (f.matches(record{h.id, h.fields}))
                    out.push_back(std::move(h));
            }
        });
        return out;
    }

    void commit() {
        flush();
        detail::sqlite::guard("committing", [&] {
            if (seq_ != seq_at_begin_) {
                auto& s = d_->conn.stmt("INSERT OR REPLACE INTO concord_meta (key, value) VALUES ('seq', ?)");
                s.bind(1, to_i64(seq_));
                s.exec();
            }
            d_->conn.exec("COMMIT");
        });
        active_ = false;
        lock_.unlock();
    }

private:
    friend class sqlite_hub_store;

    explicit transaction(data* d) : d_(d), lock_(d->mutex) {
        detail::sqlite::guard("starting a transaction", [&] {
            d_->conn.exec("BEGIN IMMEDIATE");
            active_ = true;
            auto& s = d_->conn.stmt("SELECT value FROM concord_meta WHERE key = 'seq'");
            seq_ = s.step() ? static_cast<std::uint64_t>(sqlite3_column_int64(s.handle(), 0)) : 0;
            seq_at_begin_ = seq_;
        });
    }

    static std::int64_t to_i64(std::uint64_t v) noexcept { return static_cast<std::int64_t>(v); }


    const table* find(std::string_view entity) const {
        auto it = d_->tables.find(entity);
        return it == d_->tables.end() ? nullptr : &it->second;
    }

    // 20 bytes per data column, in table order: ms (8), logical (4), replica (8), big-endian.
    // An all-zero stamp means "never written".
    static constexpr std::size_t stamp_bytes = 20;

    static void put_be(unsigned char* p, std::uint64_t v, int n) {
        for (int i = n - 1; i >= 0; --i, v >>= 8)
            p[i] = static_cast<unsigned char>(v & 0xFF);
    }
    static std::uint64_t get_be(const unsigned char* p, int n) {
        std::uint64_t v = 0;
        for (int i = 0; i < n; ++i)
            v = (v << 8) | p[i];
        return v;
    }

    static std::string pack(const table& t, const field_stamps& stamps) {
        std::string blob(t.columns.size() * stamp_bytes, '\0');
        auto* p = reinterpret_cast<unsigned char*>(blob.data());
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            auto it = stamps.find(t.columns[i]);
            if (it == stamps.end())
                continue;
            unsigned char* q = p + i * stamp_bytes;
            put_be(q, static_cast<std::uint64_t>(it->second.physical_ms), 8);
            put_be(q + 8, it->second.logical, 4);
            put_be(q + 12, it->second.replica.value, 8);
        }
        return blob;
    }

    static stored_record read_row(const table& t, sqlite3_stmt* st) {
        // Columns: Id, concord_seq, concord_deleted, concord_stamps, data columns…
        stored_record r;
        r.entity = t.name;
        r.id = detail::sqlite::text(st, 0);
        r.seq = static_cast<std::uint64_t>(sqlite3_column_int64(st, 1));
        if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
            auto s = parse_stamp(detail::sqlite::text(st, 2));
            if (!s)
                detail::codec::corrupt(t.name + " " + r.id + ": tombstone stamp");
            r.deleted = *s;
        }
        const auto* blob = static_cast<const unsigned char*>(sqlite3_column_blob(st, 3));
        const std::size_t n = static_cast<std::size_t>(sqlite3_column_bytes(st, 3)) / stamp_bytes;
        for (std::size_t i = 0; i < std::min(n, t.columns.size()); ++i) {
            const unsigned char* q = blob + i * stamp_bytes;
            stamp s{static_cast<std::int64_t>(get_be(q, 8)), static_cast<std::uint32_t>(get_be(q + 8, 4)),
                    replica_id{get_be(q + 12, 8)}};
            if (s != stamp{})
                r.stamps.emplace(t.columns[i], s);
        }
        t.read_fields(st, 4, r.fields);
        return r;
    }

    // Writes the records saved in this transaction, in (entity, id) order.
    void flush() {
        if (dirty_.empty())
            return;
        detail::sqlite::guard("writing records", [&] {
            for (const auto& [key, rec] : dirty_) {
                const table& t = *find(rec.entity);
                auto& s = d_->conn.stmt(t.upsert);
                s.bind(1, std::string_view(rec.id));
                s.bind(2, to_i64(rec.seq));
                if (rec.deleted)
                    s.bind(3, std::string_view(to_string(*rec.deleted)));
                else
                    s.bind(3);
                const std::string blob = pack(t, rec.stamps);
                s.bind_blob(4, blob.data(), blob.size());
                for (std::size_t i = 0; i < t.columns.size(); ++i) {
                    const int at = 5 + static_cast<int>(i);
                    if (auto f = rec.fields.find(t.columns[i]); f != rec.fields.end())
                        detail::sqlite::bind(s, at, f->value());
                    else
                        s.bind(at);
                }
                s.exec();
            }
        });
        dirty_.clear();
    }

    data* d_;
    std::unique_lock<std::mutex> lock_;
    bool active_ = false;
    std::uint64_t seq_ = 0;
    std::uint64_t seq_at_begin_ = 0;
    std::map<std::pair<std::string, std::string>, stored_record, detail::pair_less> dirty_;
};

inline sqlite_hub_store::sqlite_hub_store(const std::string& path, const concord::schema& s, sqlite_options o)
    : d_(std::make_unique<data>(path, o)) {
    auto& c = d_->conn;
    c.check_format(format_version, [&](int found) {
        if (found < 1) {
            c.exec("CREATE TABLE IF NOT EXISTS concord_meta (key TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID");
            c.exec("CREATE TABLE IF NOT EXISTS concord_outcomes (replica INTEGER NOT NULL, seq INTEGER NOT NULL, "
                   "outcome TEXT NOT NULL, PRIMARY KEY (replica, seq)) WITHOUT ROWID");
            c.exec("CREATE TABLE IF NOT EXISTS concord_marks (replica INTEGER PRIMARY KEY NOT NULL, "
                   "acknowledged INTEGER NOT NULL)");
        }
    });
    detail::sqlite::guard(path + ": preparing entity tables", [&] {
        c.exec("BEGIN IMMEDIATE");
        try {
            for (const auto& e : s.entities()) {
                table t;
                static_cast<detail::sqlite::entity_table&>(t) = detail::sqlite::ensure_table(
                    c, e,
                    "Id TEXT PRIMARY KEY NOT NULL, concord_seq INTEGER NOT NULL, concord_deleted TEXT, "
                    "concord_stamps BLOB NOT NULL",
                    4, true);
                c.exec("CREATE INDEX IF NOT EXISTS " + detail::sqlite::quote(e.name + "_concord_seq") + " ON " +
                       t.quoted + " (concord_seq)");
                const std::string all = "Id, concord_seq, concord_deleted, concord_stamps" +
                                        (t.column_list.empty() ? std::string() : ", " + t.column_list);
                t.select_one = "SELECT " + all + " FROM " + t.quoted + " WHERE Id = ?";
                t.select_live = "SELECT " + all + " FROM " + t.quoted + " WHERE concord_deleted IS NULL ORDER BY Id";
                t.changes = "SELECT " + all + " FROM " + t.quoted + " WHERE concord_seq > ? ORDER BY concord_seq LIMIT ?";
                std::string values = "?, ?, ?, ?", updates =
                    "concord_seq = excluded.concord_seq, concord_deleted = excluded.concord_deleted, "
                    "concord_stamps = excluded.concord_stamps";
                for (const auto& col : t.columns) {
                    values += ", ?";
                    updates += ", " + detail::sqlite::quote(col) + " = excluded." + detail::sqlite::quote(col);
                }
                t.upsert = "INSERT INTO " + t.quoted + " (" + all + ") VALUES (" + values +
                           ") ON CONFLICT (Id) DO UPDATE SET " + updates;
                d_->names.push_back(e.name);
                d_->tables.emplace(e.name, std::move(t));
            }
            c.exec("COMMIT");
        } catch (...) {
            c.exec("ROLLBACK");
            throw;
        }
    });
}

inline sqlite_hub_store::transaction sqlite_hub_store::begin() { return transaction(d_.get()); }

inline std::size_t sqlite_hub_store::record_count(std::string_view entity) {
    std::lock_guard lock(d_->mutex);
    auto it = d_->tables.find(entity);
    if (it == d_->tables.end())
        return 0;
    return detail::sqlite::guard("counting records", [&] {
        return static_cast<std::size_t>(
            d_->conn.db().execAndGet("SELECT count(*) FROM " + it->second.quoted).getInt64());
    });
}

static_assert(hub_store<sqlite_hub_store>);

} // namespace concord

#endif // CONCORD_STORE_SQLITE_HUB_STORE_HPP
