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

    Layout (format version 1, in `PRAGMA user_version`): one table per entity whose rowid is
    the record's latest change sequence (a pull is a range scan in table order; a record's
    update moves it to the end), with `Id` as a unique key, its tombstone stamp, its per-field
    stamps packed in one blob, and one untyped column per schema column; `concord_meta` (the
   sequence counter), `concord_outcomes` (stored outcomes awaiting acknowledgement),
   `concord_marks` (each replica's acknowledged sequence) and `concord_departures` (scope-column
   changes, for evictions). A schema that gained entities or columns
   is migrated when the store opens.

    A transaction is `BEGIN IMMEDIATE … COMMIT`; the records it saves are kept in memory and
    written at commit in `Id` order, so a batch walks the key index in order.

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
    transaction(transaction&&) noexcept = default;
    transaction& operator=(transaction&&) = delete;

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
            throw system_error(
                error(errc::store_failed, "no table for entity '" + rec.entity + "'"));
        rec.seq = ++seq_;
        dirty_.insert_or_assign(std::pair(rec.entity, rec.id), rec);
        return rec.seq;
    }

    /// As `save(rec)`, taking the record instead of copying it (an optional extension the hub
    /// uses when present).
    std::uint64_t save(stored_record&& rec) {
        if (find(rec.entity) == nullptr)
            throw system_error(
                error(errc::store_failed, "no table for entity '" + rec.entity + "'"));
        rec.seq = ++seq_;
        auto key = std::pair(rec.entity, rec.id);
        const std::uint64_t seq = rec.seq;
        dirty_.insert_or_assign(std::move(key), std::move(rec));
        return seq;
    }

    std::optional<outcome> find_outcome(change_id id) {
        // Changes arrive in each replica's order, so most are newer than anything stored: the
        // highest stored sequence (read once per transaction) answers them without a lookup.
        if (id.seq > max_stored(id.replica))
            return std::nullopt;
        return detail::sqlite::guard("reading a stored outcome", [&]() -> std::optional<outcome> {
            auto& s = d_->conn.stmt("SELECT entity, record_id, body FROM concord_outcomes WHERE "
                                    "replica = ? AND seq = ?");
            s.bind(1, to_i64(id.replica.value));
            s.bind(2, to_i64(id.seq));
            if (!s.step())
                return std::nullopt;
            if (sqlite3_column_type(s.handle(), 2) != SQLITE_NULL)
                return detail::codec::decode_outcome(detail::codec::parse_object(
                    detail::sqlite::text(s.handle(), 2), "a stored outcome"));
            outcome o; // a plain "applied" is stored without a body
            o.change = id;
            o.entity = detail::sqlite::text(s.handle(), 0);
            o.record_id = detail::sqlite::text(s.handle(), 1);
            return o;
        });
    }

    void save_outcome(const outcome& o) {
        detail::sqlite::guard("storing an outcome", [&] {
            auto& s = d_->conn.stmt("INSERT OR REPLACE INTO concord_outcomes (replica, seq, "
                                    "entity, record_id, body) VALUES (?, ?, ?, ?, ?)");
            s.bind(1, to_i64(o.change.replica.value));
            s.bind(2, to_i64(o.change.seq));
            s.bind(3, std::string_view(o.entity));
            s.bind(4, std::string_view(o.record_id));
            const bool plain = o.kind == outcome_kind::applied && o.reason == reject_reason::none &&
                               !o.code && o.message.empty() && o.field.empty() && !o.skew_clamped &&
                               o.losing.empty();
            if (plain) {
                s.bind(5);
            } else {
                outcome stored = o;
                stored.hub_copy.reset(); // answered fresh on every replay
                s.bind(5, std::string_view(boost::json::serialize(detail::codec::encode(stored))));
            }
            s.exec();
        });
        auto& m = max_stored(o.change.replica);
        m = std::max(m, o.change.seq);
    }

    std::uint64_t acknowledged(replica_id r) {
        if (auto it = acks_.find(r.value); it != acks_.end())
            return it->second;
        return acks_[r.value] =
                   detail::sqlite::guard("reading a dedupe mark", [&]() -> std::uint64_t {
                       auto& s = d_->conn.stmt(
                           "SELECT acknowledged FROM concord_marks WHERE replica = ?");
                       s.bind(1, to_i64(r.value));
                       return s.step()
                                  ? static_cast<std::uint64_t>(sqlite3_column_int64(s.handle(), 0))
                                  : 0;
                   });
    }

    void acknowledge(replica_id r, std::uint64_t seq) {
        if (seq <= acknowledged(r))
            return;
        detail::sqlite::guard("acknowledging outcomes", [&] {
            auto& del =
                d_->conn.stmt("DELETE FROM concord_outcomes WHERE replica = ? AND seq <= ?");
            del.bind(1, to_i64(r.value));
            del.bind(2, to_i64(seq));
            del.exec();
            auto& up = d_->conn.stmt(
                "INSERT INTO concord_marks (replica, acknowledged) VALUES (?, ?) "
                "ON CONFLICT (replica) DO UPDATE SET acknowledged = excluded.acknowledged");
            up.bind(1, to_i64(r.value));
            up.bind(2, to_i64(seq));
            up.exec();
        });
        acks_[r.value] = seq;
    }

    change_page changes_after(std::uint64_t after, std::size_t limit,
                              const std::vector<std::string>& entities) {
        flush();
        change_page page;
        page.cursor = after;
        page.latest = seq_;
        std::vector<hub_record> rows;
        detail::sqlite::guard("reading the change log", [&] {
            for (const std::string& name : d_->names) {
                if (!entities.empty() &&
                    std::find(entities.begin(), entities.end(), name) == entities.end())
                    continue;
                const table& t = d_->tables.find(name)->second;
                auto& s = d_->conn.stmt(t.changes);
                s.bind(1, to_i64(after));
                s.bind(2, static_cast<std::int64_t>(limit + 1));
                while (s.step())
                    rows.push_back(read_copy(t, s.handle()));
            }
        });
        std::sort(rows.begin(), rows.end(),
                  [](const hub_record& a, const hub_record& b) { return a.seq < b.seq; });
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

    void save_departure(const departure& dep) {
        detail::sqlite::guard("storing a departure", [&] {
            auto& s = d_->conn.stmt("INSERT OR REPLACE INTO concord_departures (seq, entity, id, "
                                    "before) VALUES (?, ?, ?, ?)");
            s.bind(1, to_i64(dep.seq));
            s.bind(2, std::string_view(dep.entity));
            s.bind(3, std::string_view(dep.id));
            s.bind(4, std::string_view(boost::json::serialize(dep.before)));
            s.exec();
        });
    }

    std::vector<departure> departures(std::string_view entity, std::string_view id) {
        std::vector<departure> out;
        detail::sqlite::guard("reading departures", [&] {
            auto& s = d_->conn.stmt("SELECT seq, before FROM concord_departures WHERE entity = ? "
                                    "AND id = ? ORDER BY seq");
            s.bind(1, entity);
            s.bind(2, id);
            while (s.step()) {
                departure dep;
                dep.entity = std::string(entity);
                dep.id = std::string(id);
                dep.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s.handle(), 0));
                dep.before =
                    detail::codec::parse_object(detail::sqlite::text(s.handle(), 1), "a departure");
                out.push_back(std::move(dep));
            }
        });
        return out;
    }

    void commit() {
        flush();
        detail::sqlite::guard("committing", [&] {
            if (seq_ != seq_at_begin_) {
                auto& s = d_->conn.stmt(
                    "INSERT OR REPLACE INTO concord_meta (key, value) VALUES ('seq', ?)");
                s.bind(1, to_i64(seq_));
                s.exec();
            }
        });
        scope_.commit();
    }

private:
    friend class sqlite_hub_store;

    explicit transaction(data* d) : d_(d), scope_(d->conn, d->mutex) {
        detail::sqlite::guard("starting a transaction", [&] {
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

    // Stamps, packed: a count n of distinct stamps (2 bytes), the n stamps (20 bytes each: ms 8,
    // logical 4, replica 8), then 2 bytes per data column in table order: 0 for "never
    // written", i for the i-th stamp; all big-endian. Fields written together share a stamp,
    // so a row of 8 columns costs ~40 bytes of stamps instead of 160.
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
        std::vector<stamp> distinct;
        std::vector<std::size_t> index(t.columns.size(), 0);
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            auto it = stamps.find(t.columns[i]);
            if (it == stamps.end())
                continue;
            auto d = std::find(distinct.begin(), distinct.end(), it->second);
            if (d == distinct.end())
                d = distinct.insert(distinct.end(), it->second);
            index[i] = static_cast<std::size_t>(d - distinct.begin()) + 1;
        }
        std::string blob(2 + distinct.size() * stamp_bytes + 2 * index.size(), '\0');
        auto* p = reinterpret_cast<unsigned char*>(blob.data());
        put_be(p, distinct.size(), 2);
        for (std::size_t k = 0; k < distinct.size(); ++k) {
            unsigned char* q = p + 2 + k * stamp_bytes;
            put_be(q, static_cast<std::uint64_t>(distinct[k].physical_ms), 8);
            put_be(q + 8, distinct[k].logical, 4);
            put_be(q + 12, distinct[k].replica.value, 8);
        }
        unsigned char* ix = p + 2 + distinct.size() * stamp_bytes;
        for (std::size_t i = 0; i < index.size(); ++i)
            put_be(ix + 2 * i, index[i], 2);
        return blob;
    }

    static void unpack(const table& t, const unsigned char* blob, std::size_t size,
                       field_stamps& out) {
        if (size < 2)
            return;
        const std::size_t n = get_be(blob, 2);
        if (size < 2 + n * stamp_bytes)
            detail::codec::corrupt(t.name + ": stamps");
        const unsigned char* ix = blob + 2 + n * stamp_bytes;
        const std::size_t columns = std::min((size - 2 - n * stamp_bytes) / 2, t.columns.size());
        out.reserve(columns);
        for (std::size_t i = 0; i < columns; ++i) {
            const std::size_t k = get_be(ix + 2 * i, 2);
            if (k == 0 || k > n)
                continue;
            const unsigned char* q = blob + 2 + (k - 1) * stamp_bytes;
            out.emplace(t.columns[i], stamp{static_cast<std::int64_t>(get_be(q, 8)),
                                            static_cast<std::uint32_t>(get_be(q + 8, 4)),
                                            replica_id{get_be(q + 12, 8)}});
        }
    }

    // What a pull sends: the row without its stamps (not even decoded), nulls left out.
    static hub_record read_copy(const table& t, sqlite3_stmt* st) {
        hub_record h;
        h.entity = t.name;
        h.id = detail::sqlite::text(st, 0);
        h.seq = static_cast<std::uint64_t>(sqlite3_column_int64(st, 1));
        h.deleted = sqlite3_column_type(st, 2) != SQLITE_NULL;
        if (!h.deleted)
            t.read_fields(st, 4, h.fields);
        return h;
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
        unpack(t, static_cast<const unsigned char*>(sqlite3_column_blob(st, 3)),
               static_cast<std::size_t>(sqlite3_column_bytes(st, 3)), r.stamps);
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
    detail::sqlite::write_scope scope_;
    std::uint64_t seq_ = 0;
    std::uint64_t seq_at_begin_ = 0;
    std::map<std::pair<std::string, std::string>, stored_record, detail::pair_less> dirty_;
    // Per-transaction caches of the dedupe bookkeeping (the transaction holds the write lock,
    // so nobody else changes it meanwhile).
    std::unordered_map<std::uint64_t, std::uint64_t> acks_;
    std::unordered_map<std::uint64_t, std::uint64_t> max_stored_;

    std::uint64_t& max_stored(replica_id r) {
        if (auto it = max_stored_.find(r.value); it != max_stored_.end())
            return it->second;
        const std::uint64_t m =
            detail::sqlite::guard("reading stored outcomes", [&]() -> std::uint64_t {
                auto& s = d_->conn.stmt("SELECT max(seq) FROM concord_outcomes WHERE replica = ?");
                s.bind(1, to_i64(r.value));
                return s.step() ? static_cast<std::uint64_t>(sqlite3_column_int64(s.handle(), 0))
                                : 0;
            });
        return max_stored_[r.value] = m;
    }
};

inline sqlite_hub_store::sqlite_hub_store(const std::string& path, const concord::schema& s,
                                          sqlite_options o)
    : d_(std::make_unique<data>(path, o)) {
    auto& c = d_->conn;
    c.check_format(format_version, [&](int found) {
        if (found < 1) {
            c.exec("CREATE TABLE IF NOT EXISTS concord_meta (key TEXT PRIMARY KEY NOT NULL, value) "
                   "WITHOUT ROWID");
            c.exec("CREATE TABLE IF NOT EXISTS concord_outcomes (replica INTEGER NOT NULL, seq "
                   "INTEGER NOT NULL, "
                   "entity TEXT NOT NULL, record_id TEXT NOT NULL, body TEXT, PRIMARY KEY "
                   "(replica, seq)) "
                   "WITHOUT ROWID");
            c.exec(
                "CREATE TABLE IF NOT EXISTS concord_marks (replica INTEGER PRIMARY KEY NOT NULL, "
                "acknowledged INTEGER NOT NULL)");
        }
    });
    detail::sqlite::guard(path + ": preparing entity tables", [&] {
        c.in_transaction([&] {
            // Added after format 1 shipped: an older build ignores the table.
            c.exec("CREATE TABLE IF NOT EXISTS concord_departures (seq INTEGER PRIMARY KEY, "
                   "entity TEXT NOT NULL, id TEXT NOT NULL, before TEXT NOT NULL)");
            c.exec("CREATE INDEX IF NOT EXISTS concord_departures_record ON concord_departures "
                   "(entity, id, seq)");
            for (const auto& e : s.entities()) {
                table t;
                // Keyed by change sequence (the rowid): a pull is a range scan in table order, an
                // initial sync reads the table front to back; Id is a unique index.
                static_cast<detail::sqlite::entity_table&>(t) =
                    detail::sqlite::ensure_table(c, e,
                                                 "concord_seq INTEGER PRIMARY KEY, Id TEXT NOT "
                                                 "NULL UNIQUE, concord_deleted TEXT, "
                                                 "concord_stamps BLOB NOT NULL",
                                                 4, false);
                const std::string all =
                    "Id, concord_seq, concord_deleted, concord_stamps" +
                    (t.column_list.empty() ? std::string() : ", " + t.column_list);
                t.select_one = "SELECT " + all + " FROM " + t.quoted + " WHERE Id = ?";
                t.select_live = "SELECT " + all + " FROM " + t.quoted +
                                " WHERE concord_deleted IS NULL ORDER BY Id";
                t.changes = "SELECT " + all + " FROM " + t.quoted +
                            " WHERE concord_seq > ? ORDER BY concord_seq LIMIT ?";
                std::string values = "?, ?, ?, ?",
                            updates = "concord_seq = excluded.concord_seq, concord_deleted = "
                                      "excluded.concord_deleted, "
                                      "concord_stamps = excluded.concord_stamps";
                for (const auto& col : t.columns) {
                    values += ", ?";
                    updates += ", " + detail::sqlite::quote(col) + " = excluded." +
                               detail::sqlite::quote(col);
                }
                t.upsert = "INSERT INTO " + t.quoted + " (" + all + ") VALUES (" + values +
                           ") ON CONFLICT (Id) DO UPDATE SET " + updates;
                d_->names.push_back(e.name);
                d_->tables.emplace(e.name, std::move(t));
            }
        });
    });
}

inline sqlite_hub_store::transaction sqlite_hub_store::begin() {
    return transaction(d_.get());
}

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
