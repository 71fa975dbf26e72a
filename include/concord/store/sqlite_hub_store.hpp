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
#include <concord/model/change.hpp>
#include <concord/model/filter.hpp>
#include <concord/model/schema.hpp>
#include <concord/store/sqlite_options.hpp>

#include <boost/container/small_vector.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/storage_ptr.hpp>

#include <algorithm>
#include <cstring>
#include <future>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace concord {

/** A `hub_store` on an SQLite file (SQLiteCpp), the embedded default.

    Layout (format version 3, in `PRAGMA user_version`): one table per entity with a stable
    row number (`concord_row`, the rowid: a record keeps its row for life, so an update rewrites
    it in place), `Id` as a unique key, `concord_seq` (the record's latest change sequence), the
    tombstone stamp, the per-field stamps packed in one blob, and one untyped column per schema
    column; beside it the entity's change log `concord_log_<entity>` (one entry per record, at
    its latest sequence, pointing at its row: a pull is a range of the log, and as new rows are
    appended in sequence order, mostly a walk of the table in order too); `concord_meta` (the
    sequence counter), `concord_outcomes` (stored outcomes awaiting acknowledgement, but for
    plain "applied" ones), `concord_applied` (runs of consecutive changes whose outcome was a
    plain "applied": one row per run), `concord_marks` (each replica's acknowledged sequence)
    and `concord_departures` (scope-column changes, for evictions). Older files are migrated
    when opened: format 1 (rowid = change sequence: every update moved the row) is rebuilt,
    format 2 (the log was a unique index on `concord_seq`) gets its logs and `concord_applied`.
    A schema that gained entities or columns is migrated too.

    A transaction is `BEGIN IMMEDIATE … COMMIT`; the records it saves are kept in memory and
    written at commit in row order (new records last, appended in sequence order), so a batch
    walks the table once, in order; their log entries move in batches. `prefetch` reads a
    batch's records in `Id` order, a hundred per statement, before the hub needs them, and
    learns their rows; from a thousand records on a WAL file, a second connection reads half
    of them on another thread meanwhile (it sees what the transaction saw when it began: no
    other writer can commit in between; when it cannot open or read, the first connection
    reads that half). The store `patches_records`: when the hub judges changes by their stamps
    alone, only the bookkeeping columns are read ahead (no data column becomes a JSON value)
    and a record is rewritten as an update of the columns that changed.
    Bound text is not copied (SQLite reads it where it lies) and the connection runs without
    SQLite's own mutex: the store's mutex already serialises it.

    @throws concord::system_error (`errc::store_failed`) from the constructor when the file is
    not an SQLite database, is of a newer format, or cannot be opened or created.
    Thread safety: safe; transactions are serialised (a mutex here, SQLite's lock across
    processes).
*/
class sqlite_hub_store {
public:
    static constexpr int format_version = 3;

    sqlite_hub_store(const std::string& path, const concord::schema& s, sqlite_options o = {});

    class transaction;

    /// Starts a transaction; blocks while another one is open.
    transaction begin();

    /// Records (tombstones included) of an entity — also the entity's change log entries.
    std::size_t record_count(std::string_view entity);

    const std::string& path() const noexcept { return d_->conn.path(); }

private:
    struct table : detail::sqlite::entity_table {
        std::string select_one, select_some, select_live, locate, insert, update, changes;
        std::string stamps_one, stamps_some; // the same reads without the data columns
        std::string log_remove, log_append, log_append_batch;
        // In-place updates of some data columns, by which ones ('1' per column written): a
        // patch rewrites only the fields that changed.
        mutable std::unordered_map<std::string, std::string> patches;
        const std::string& patch(const std::string& written) const;
    };
    // Ids per statement when reading a batch's records ahead, and change-log entries per
    // statement when moving them: a statement's start and reset cost as much as a lookup.
    static constexpr int ids_ahead = 100;
    static constexpr int log_batch = 100;
    // Records read ahead from which half are read on a second connection, on another thread.
    static constexpr std::size_t ahead_in_parallel = 1000;
    // Records touched from which a committed transaction's bookkeeping is freed on another
    // thread: for a 10,000-change round that takes milliseconds the answer need not wait for.
    static constexpr std::size_t free_aside_from = 1000;
    struct data {
        data(const std::string& path, const sqlite_options& o) : conn(path, o), options(o) {}
        std::mutex mutex;
        detail::sqlite::connection conn;
        sqlite_options options;
        // A file in WAL mode: a second connection reads beside the writer's transaction,
        // seeing what it saw when it began (no other writer can commit meanwhile).
        bool reads_beside = false;
        std::unique_ptr<detail::sqlite::connection> reader; // opened by the first use
        std::unordered_map<std::string, table, detail::string_hash, std::equal_to<>> tables;
        std::vector<std::string> names; // entity names, in schema order
        // A committed transaction's bookkeeping being freed; the next transaction waits for it
        // (under `mutex`), so that at most one is pending.
        std::future<void> freeing;
    };
    // An entity table's leading columns (formats 2 and 3).
    static constexpr const char* system_columns =
        "concord_row INTEGER PRIMARY KEY, Id TEXT NOT NULL UNIQUE, concord_seq INTEGER NOT NULL, "
        "concord_deleted TEXT, concord_stamps BLOB NOT NULL";

    // An entity's change log: one entry per record, at the record's latest sequence, pointing
    // at its row. A table of its own, not an index on the records: moving an entry costs a
    // delete and an append in a small table, in batches, instead of an index update per write.
    static std::string log_name(const std::string& entity) {
        return detail::sqlite::quote("concord_log_" + entity);
    }
    static void create_log(detail::sqlite::connection& c, const std::string& entity) {
        c.exec("CREATE TABLE IF NOT EXISTS " + log_name(entity) +
               " (seq INTEGER PRIMARY KEY, row INTEGER NOT NULL)");
    }
    static void migrate_to_3(detail::sqlite::connection& c);
    // The file's tables whose first columns are `leading` (an older format's entity tables),
    // with all their columns.
    static std::vector<std::pair<std::string, std::vector<std::string>>>
    tables_led_by(detail::sqlite::connection& c, std::initializer_list<const char*> leading) {
        std::vector<std::pair<std::string, std::vector<std::string>>> out;
        for (std::string& name : c.table_names()) {
            std::vector<std::string> cols = c.table_columns(name);
            if (cols.size() >= leading.size() &&
                std::equal(leading.begin(), leading.end(), cols.begin()))
                out.emplace_back(std::move(name), std::move(cols));
        }
        return out;
    }

    static void migrate_from_1(detail::sqlite::connection& c);

    std::unique_ptr<data> d_;
};

/// A unit of work on a `sqlite_hub_store`. Move-only; rolls back unless committed.
class sqlite_hub_store::transaction {
public:
    transaction(transaction&&) noexcept = default;
    transaction& operator=(transaction&&) = delete;

    std::optional<stored_record> load(std::string_view entity, std::string_view id) {
        if (entry* e = known(entity, id)) {
            if (e->saved) {
                if (e->patch)
                    complete(*e);
                return e->saved;
            }
            if (e->ahead && !e->stamps_only)
                return std::exchange(e->ahead, std::nullopt); // the hub moves it on
            if (e->placed && e->row == 0)
                return std::nullopt; // absent when prefetched, and not saved since
        }
        return read_one(entity, id, true);
    }

    /// As `load`, but the fields may be left out (`patches_records`, an optional extension the
    /// hub uses when it judges changes by their stamps alone).
    std::optional<stored_record> load_stamps(std::string_view entity, std::string_view id) {
        if (entry* e = known(entity, id)) {
            if (e->saved)
                return e->saved;
            if (e->ahead)
                return std::exchange(e->ahead, std::nullopt);
            if (e->placed && e->row == 0)
                return std::nullopt;
        }
        return read_one(entity, id, false);
    }

    std::uint64_t save(stored_record& rec) {
        stored_record copy = rec;
        return rec.seq = save(std::move(copy));
    }

    /// As `save(rec)`, taking the record instead of copying it (an optional extension the hub
    /// uses when present).
    std::uint64_t save(stored_record&& rec) {
        entry& e = saving(rec);
        e.saved = std::move(rec);
        e.patch = false;
        return e.saved->seq;
    }

    /// As `save`, but `rec.fields` holds only the fields this write sets; the others keep their
    /// values (`patches_records`). Written at commit as an update of those columns alone.
    std::uint64_t save_patch(stored_record&& rec) {
        if (rec.deleted)
            return save(std::move(rec)); // a tombstone is whole
        entry& e = saving(rec);
        if (!e.saved) {
            e.saved = std::move(rec);
            e.patch = true;
            return e.saved->seq;
        }
        stored_record& into = *e.saved; // written before: the patch goes over it
        for (auto& f : rec.fields)
            into.fields[f.key()] = std::move(f.value());
        into.stamps = std::move(rec.stamps);
        into.deleted.reset();
        into.seq = rec.seq;
        return into.seq;
    }

    /// Reads the records `changes` name, in `Id` order, before the hub loads them one by one
    /// (an optional extension the hub uses when present): the batch walks the id index once,
    /// in order, and the flush learns each record's row, to rewrite it in place in row order.
    /// With `read_ahead::stamps`, only what `load_stamps` answers is read.
    void prefetch(const std::vector<change>& changes, read_ahead what = read_ahead::records) {
        const bool with_fields = what == read_ahead::records;
        // By table, then id: each table's id index, in order. An id's first eight bytes, read as
        // one big-endian number, order ids as the text does, for a fraction of the cost.
        std::vector<key> keys;
        keys.reserve(changes.size());
        for (const change& c : changes)
            if (!records_.contains(
                    std::pair<std::string_view, std::string_view>(c.entity, c.record_id)))
                if (const table* t = find(c.entity)) {
                    unsigned char head[8] = {};
                    std::memcpy(head, c.record_id.data(),
                                std::min<std::size_t>(8, c.record_id.size()));
                    keys.push_back(key{t, get_be(head, 8), c.record_id});
                }
        std::sort(keys.begin(), keys.end(), [](const key& a, const key& b) {
            if (a.t != b.t)
                return std::less<const table*>{}(a.t, b.t);
            return a.head != b.head ? a.head < b.head : a.id < b.id;
        });
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        records_.reserve(records_.size() + keys.size());
        for (const key& k : keys) // found or not, where they lie is known now
            records_.try_emplace(record_key(k.t->name, k.id)).first->second.placed = true;
        // None of these records was written by this transaction (those are in records_
        // already), so what the second connection reads is what this one would.
        auto place = [&](row_ahead&& r) {
            entry* e = known(r.rec.entity, r.rec.id);
            if (e == nullptr)
                return; // cannot happen: the row matched one of the ids bound
            e->row = r.row;
            e->seq = r.seq;
            e->ahead = std::move(r.rec);
            e->stamps_only = !with_fields;
        };
        // The batch's records live and die together: their fields share one arena (kept alive
        // by whichever record outlives the others), which spares a free per value.
        const boost::json::storage_ptr arena =
            with_fields ? boost::json::make_shared_resource<boost::json::monotonic_resource>()
                        : boost::json::storage_ptr();
        detail::sqlite::guard("reading records ahead", [&] {
            // Many records: the second half is read on another thread and connection meanwhile.
            const std::span<const key> all(keys);
            std::span<const key> mine = all, rest;
            std::future<std::vector<row_ahead>> other;
            if (keys.size() >= ahead_in_parallel && d_->reads_beside) {
                try {
                    rest = all.subspan(all.size() / 2);
                    other = std::async(std::launch::async, [this, rest, with_fields] {
                        return read_beside(rest, with_fields);
                    });
                    mine = all.first(all.size() / 2);
                } catch (const std::system_error&) { // no thread to be had: all of it here
                }
            }
            read_keys(d_->conn, mine, with_fields, arena, place);
            if (!other.valid())
                return;
            std::vector<row_ahead> beside;
            try {
                beside = other.get();
            } catch (const std::exception&) {
                // The second connection could not open or read (no file handle left, say): a
                // read-ahead is only a shortcut, so that half is read here, as without it.
                d_->reader.reset();
                read_keys(d_->conn, rest, with_fields, arena, place);
            }
            for (row_ahead& r : beside)
                place(std::move(r));
        });
    }

private:
    // A record to read ahead: its table, its id and the id's first eight bytes, big-endian.
    struct key {
        const table* t;
        std::uint64_t head;
        std::string_view id;
        bool operator==(const key& o) const { return t == o.t && id == o.id; }
    };
    struct row_ahead {
        std::int64_t row;
        std::uint64_t seq;
        stored_record rec;
    };

    // Reads the records of `keys` (sorted by table) on `conn`, `ids_ahead` per statement, and
    // hands each one found to `found(row_ahead&&)`.
    template <class Found>
    static void read_keys(detail::sqlite::connection& conn, std::span<const key> keys,
                          bool with_fields, const boost::json::storage_ptr& arena, Found&& found) {
        for (std::size_t i = 0; i < keys.size();) {
            const table& t = *keys[i].t;
            // Parameters left unbound are NULL and match nothing.
            auto& s = conn.stmt(with_fields ? t.select_some : t.stamps_some);
            for (int at = 0; i < keys.size() && keys[i].t == &t && at < ids_ahead; ++i)
                s.bind_ref(++at, keys[i].id);
            while (s.step())
                found(row_ahead{sqlite3_column_int64(s.handle(), 4),
                                static_cast<std::uint64_t>(sqlite3_column_int64(s.handle(), 1)),
                                read_row(t, s.handle(), with_fields, arena)});
            s.reset(); // no read transaction left open: it would hold back checkpoints
        }
    }

    // `read_keys` on the second connection (opened on first use), with an arena of its own.
    std::vector<row_ahead> read_beside(std::span<const key> keys, bool with_fields) {
        if (!d_->reader)
            d_->reader = std::make_unique<detail::sqlite::connection>(d_->conn.path(), d_->options);
        std::vector<row_ahead> out;
        out.reserve(keys.size());
        read_keys(*d_->reader, keys, with_fields,
                  with_fields ? boost::json::make_shared_resource<boost::json::monotonic_resource>()
                              : boost::json::storage_ptr(),
                  [&](row_ahead&& r) { out.push_back(std::move(r)); });
        return out;
    }

public:
    std::optional<outcome> find_outcome(change_id id) {
        // Changes arrive in each replica's order, so most are newer than anything stored: the
        // highest stored sequence (read once per transaction) answers them without a lookup.
        if (id.seq > max_stored(id.replica))
            return std::nullopt;
        if (auto it = runs_.find(id.replica.value);
            it != runs_.end() && it->second.first <= id.seq && id.seq <= it->second.last)
            return plain_outcome(id);
        return detail::sqlite::guard("reading a stored outcome", [&]() -> std::optional<outcome> {
            auto& s = d_->conn.stmt("SELECT entity, record_id, body FROM concord_outcomes WHERE "
                                    "replica = ? AND seq = ?");
            s.bind(1, to_i64(id.replica.value));
            s.bind(2, to_i64(id.seq));
            if (s.step()) {
                if (sqlite3_column_type(s.handle(), 2) != SQLITE_NULL)
                    return detail::codec::decode_outcome(detail::codec::parse_object(
                        detail::sqlite::text(s.handle(), 2), "a stored outcome"));
                outcome o = plain_outcome(id); // format 2 kept plain outcomes one by one
                o.entity = detail::sqlite::text(s.handle(), 0);
                o.record_id = detail::sqlite::text(s.handle(), 1);
                return o;
            }
            auto& r = d_->conn.stmt("SELECT first FROM concord_applied WHERE replica = ? AND "
                                    "last >= ? ORDER BY last LIMIT 1");
            r.bind(1, to_i64(id.replica.value));
            r.bind(2, to_i64(id.seq));
            if (r.step() &&
                static_cast<std::uint64_t>(sqlite3_column_int64(r.handle(), 0)) <= id.seq)
                return plain_outcome(id);
            return std::nullopt;
        });
    }

    /// A plain "applied" outcome is kept as part of a run of consecutive changes (one row per
    /// run, not per change) and comes back without entity and record id: the hub takes them
    /// from the change it replays. Any other outcome is kept whole.
    void save_outcome(const outcome& o) {
        const std::uint64_t r = o.change.replica.value, seq = o.change.seq;
        std::uint64_t& highest = max_stored(o.change.replica);
        const bool replacing = seq <= highest;
        detail::sqlite::guard("storing an outcome", [&] {
            if (is_plain(o)) {
                if (replacing) { // the hub never replaces an outcome; a store's tests do
                    if (const auto kept = find_outcome(o.change); kept && is_plain(*kept))
                        return; // already a plain one: a run covers it
                    auto& del =
                        d_->conn.stmt("DELETE FROM concord_outcomes WHERE replica = ? AND seq = ?");
                    del.bind(1, to_i64(r));
                    del.bind(2, to_i64(seq));
                    del.exec();
                }
                auto [it, fresh] = runs_.try_emplace(r, run{seq, seq});
                if (!fresh && seq == it->second.last + 1) {
                    it->second.last = seq;
                } else if (!fresh) {
                    write_run(r, it->second);
                    it->second = run{seq, seq};
                }
                return;
            }
            auto& s = d_->conn.stmt("INSERT OR REPLACE INTO concord_outcomes (replica, seq, "
                                    "entity, record_id, body) VALUES (?, ?, ?, ?, ?)");
            s.bind(1, to_i64(r));
            s.bind(2, to_i64(seq));
            s.bind_ref(3, o.entity);
            s.bind_ref(4, o.record_id);
            outcome stored = o;
            stored.hub_copy.reset(); // answered fresh on every replay
            s.bind(5, std::string_view(boost::json::serialize(detail::codec::encode(stored))));
            s.exec();
        });
        highest = std::max(highest, seq);
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
        if (auto it = runs_.find(r.value); it != runs_.end()) {
            if (it->second.last <= seq)
                runs_.erase(it);
            else
                it->second.first = std::max(it->second.first, seq + 1);
        }
        detail::sqlite::guard("acknowledging outcomes", [&] {
            for (const char* sql :
                 {"DELETE FROM concord_outcomes WHERE replica = ?1 AND seq <= ?2",
                  "DELETE FROM concord_applied WHERE replica = ?1 AND last <= ?2",
                  "UPDATE concord_applied SET first = ?2 + 1 WHERE replica = ?1 AND first <= ?2"}) {
                auto& del = d_->conn.stmt(sql);
                del.bind(1, to_i64(r.value));
                del.bind(2, to_i64(seq));
                del.exec();
            }
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
        return changes_after(after, limit, entities, {});
    }

    // The records in `skip` are passed over before their columns are read.
    change_page changes_after(std::uint64_t after, std::size_t limit,
                              const std::vector<std::string>& entities,
                              std::span<const std::uint64_t> skip) {
        flush();
        skip = skip.subspan(static_cast<std::size_t>(
            std::upper_bound(skip.begin(), skip.end(), after) - skip.begin()));
        change_page page;
        page.cursor = after;
        page.latest = seq_;
        std::vector<hub_record> rows;
        std::vector<std::uint64_t> skipped;
        // A page's rows are read, sent and dropped together: one arena for their fields.
        const boost::json::storage_ptr arena =
            boost::json::make_shared_resource<boost::json::monotonic_resource>();
        detail::sqlite::guard("reading the change log", [&] {
            for (const std::string& name : d_->names) {
                if (!entities.empty() &&
                    std::find(entities.begin(), entities.end(), name) == entities.end())
                    continue;
                const table& t = d_->tables.find(name)->second;
                auto& s = d_->conn.stmt(t.changes);
                s.bind(1, to_i64(after));
                // Enough that `limit + 1` rows remain once every skipped one is out.
                s.bind(2, static_cast<std::int64_t>(limit + 1 + skip.size()));
                while (s.step()) {
                    const auto seq =
                        static_cast<std::uint64_t>(sqlite3_column_int64(s.handle(), 1));
                    if (std::binary_search(skip.begin(), skip.end(), seq))
                        skipped.push_back(seq);
                    else
                        rows.push_back(read_copy(t, s.handle(), arena));
                }
            }
        });
        // Each entity's rows come in sequence order: only several entities need merging.
        const auto by_seq = [](const hub_record& a, const hub_record& b) { return a.seq < b.seq; };
        if (!std::is_sorted(rows.begin(), rows.end(), by_seq))
            std::sort(rows.begin(), rows.end(), by_seq);
        page.more = rows.size() > limit;
        // The page ends before its first row that does not fit; skipped ones up to there count.
        const std::uint64_t end =
            page.more ? rows[limit].seq : std::numeric_limits<std::uint64_t>::max();
        if (page.more)
            rows.resize(limit);
        page.rows = std::move(rows);
        if (!page.rows.empty())
            page.cursor = page.rows.back().seq;
        for (const std::uint64_t seq : skipped)
            if (seq < end)
                page.cursor = std::max(page.cursor, seq);
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
                hub_record h = read_row(*t, s.handle(), true).copy();
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
            for (const auto& [r, span] : runs_)
                write_run(r, span);
            if (seq_ != seq_at_begin_) {
                auto& s = d_->conn.stmt(
                    "INSERT OR REPLACE INTO concord_meta (key, value) VALUES ('seq', ?)");
                s.bind(1, to_i64(seq_));
                s.exec();
            }
        });
        if (frees_aside())
            free_aside();
        scope_.commit();
    }

private:
    friend class sqlite_hub_store;

    explicit transaction(data* d) : d_(d), scope_(d->conn, d->mutex) {
        if (d_->freeing.valid())
            d_->freeing.get();
        detail::sqlite::guard("starting a transaction", [&] {
            auto& s = d_->conn.stmt("SELECT value FROM concord_meta WHERE key = 'seq'");
            seq_ = s.step() ? static_cast<std::uint64_t>(sqlite3_column_int64(s.handle(), 0)) : 0;
            seq_at_begin_ = seq_;
        });
    }

    static std::int64_t to_i64(std::uint64_t v) noexcept { return static_cast<std::int64_t>(v); }

    // Whether the commit leaves the transaction's bookkeeping to another thread to free (the
    // flush keeps what it wrote for it then).
    bool frees_aside() const noexcept { return records_.size() >= free_aside_from; }

    // Hands what the transaction knows of its records to another thread to free (called with
    // the lock held, before the commit releases it).
    void free_aside() {
        try {
            d_->freeing = std::async(std::launch::async, [spent = std::move(records_),
                                                          written = std::move(written_)]() mutable {
                spent.clear();
                written.clear();
            });
        } catch (...) { // no thread (or no memory for one): freed here, as usual
        }
        records_.clear(); // the entries are gone either way
        last_ = nullptr;
        unsaved_.clear();
        written_.clear();
    }

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

    // Both walk the columns in name order, the order of field_stamps: a merge, no lookups.
    static std::string pack(const table& t, const field_stamps& stamps) {
        boost::container::small_vector<stamp, 4> distinct;
        // The stamp number of each column, 1-based (0: never written).
        boost::container::small_vector<std::size_t, 32> index(t.columns.size(), 0);
        auto it = stamps.begin();
        for (const std::size_t i : t.by_name) {
            while (it != stamps.end() && it->first < t.columns[i])
                ++it;
            if (it == stamps.end() || it->first != t.columns[i])
                continue;
            auto d = std::find(distinct.begin(), distinct.end(), it->second);
            if (d == distinct.end())
                d = distinct.insert(distinct.end(), it->second);
            index[i] = static_cast<std::size_t>(d - distinct.begin()) + 1;
        }
        std::string out(2 + distinct.size() * stamp_bytes + 2 * index.size(), '\0');
        auto* p = reinterpret_cast<unsigned char*>(out.data());
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
        return out;
    }

    static void unpack(const table& t, const unsigned char* blob, std::size_t size,
                       field_stamps& out) {
        if (size < 2)
            return;
        const std::size_t n = get_be(blob, 2);
        if (size < 2 + n * stamp_bytes)
            detail::codec::corrupt(t.name + ": stamps");
        boost::container::small_vector<stamp, 4> distinct(n); // each decoded once
        for (std::size_t k = 0; k < n; ++k) {
            const unsigned char* q = blob + 2 + k * stamp_bytes;
            distinct[k] =
                stamp{static_cast<std::int64_t>(get_be(q, 8)),
                      static_cast<std::uint32_t>(get_be(q + 8, 4)), replica_id{get_be(q + 12, 8)}};
        }
        const unsigned char* ix = blob + 2 + n * stamp_bytes;
        const std::size_t columns = std::min((size - 2 - n * stamp_bytes) / 2, t.columns.size());
        // Built in name order, then adopted whole: no search per column.
        field_stamps::sequence_type seq = out.extract_sequence();
        seq.clear();
        seq.reserve(columns);
        for (const std::size_t i : t.by_name) {
            if (i >= columns)
                continue;
            const std::size_t k = get_be(ix + 2 * i, 2);
            if (k == 0 || k > n)
                continue;
            seq.emplace_back(t.columns[i], distinct[k - 1]);
        }
        out.adopt_sequence(boost::container::ordered_unique_range, std::move(seq));
    }

    // What a pull sends: the row without its stamps (not even decoded), nulls left out.
    // `sp` allocates the fields.
    static hub_record read_copy(const table& t, sqlite3_stmt* st, boost::json::storage_ptr sp) {
        hub_record h{t.name, {}, boost::json::object(std::move(sp)), false, 0};
        h.id = detail::sqlite::text(st, 0);
        h.seq = static_cast<std::uint64_t>(sqlite3_column_int64(st, 1));
        h.deleted = sqlite3_column_type(st, 2) != SQLITE_NULL;
        if (!h.deleted)
            t.read_fields(st, 5, h.fields);
        return h;
    }

    // `sp` allocates the fields; without `with_fields`, the statement has no data columns.
    static stored_record read_row(const table& t, sqlite3_stmt* st, bool with_fields,
                                  boost::json::storage_ptr sp = {}) {
        // Columns: Id, concord_seq, concord_deleted, concord_stamps, concord_row, data columns…
        // Constructed on `sp`: assigning an object keeps the target's storage.
        stored_record r{t.name, {}, boost::json::object(std::move(sp)), {}, {}, 0};
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
        if (with_fields)
            t.read_fields(st, 5, r.fields);
        return r;
    }

    std::optional<stored_record> read_one(std::string_view entity, std::string_view id,
                                          bool with_fields) {
        const table* t = find(entity);
        if (t == nullptr)
            return std::nullopt;
        return detail::sqlite::guard("loading a record", [&]() -> std::optional<stored_record> {
            auto& s = d_->conn.stmt(with_fields ? t->select_one : t->stamps_one);
            s.bind_ref(1, id);
            if (!s.step())
                return std::nullopt;
            return read_row(*t, s.handle(), with_fields);
        });
    }

    // Writes the records saved in this transaction: those already in the table rewritten in
    // place in row order, then the new ones appended in sequence order (the order pulls read
    // them). Each record's change-log entry moves to its new sequence: the old entries go in
    // one sweep, the new ones are appended, a statement per `log_batch` entries.
    void flush() {
        if (unsaved_.empty())
            return;
        detail::sqlite::guard("writing records", [&] {
            for (entry* e : unsaved_)
                if (!e->placed) { // saved without being read ahead: look it up
                    const stored_record& rec = *e->saved;
                    auto& s = d_->conn.stmt(find(rec.entity)->locate);
                    s.bind_ref(1, rec.id);
                    if (s.step()) {
                        e->row = sqlite3_column_int64(s.handle(), 0);
                        e->seq = static_cast<std::uint64_t>(sqlite3_column_int64(s.handle(), 1));
                    }
                    e->placed = true;
                }
            std::sort(unsaved_.begin(), unsaved_.end(), [](const entry* a, const entry* b) {
                if ((a->row == 0) != (b->row == 0))
                    return b->row == 0;
                return a->row != 0 ? a->row < b->row : a->saved->seq < b->saved->seq;
            });
            std::vector<std::pair<const table*, log_moves>> logs;
            for (entry* e : unsaved_) {
                const stored_record& rec = *e->saved;
                const table& t = *find(rec.entity);
                if (e->patch && e->row != 0)
                    write_patch(t, rec, e->row);
                else
                    write_whole(t, rec, e->row);
                auto l = std::find_if(logs.begin(), logs.end(),
                                      [&](const auto& x) { return x.first == &t; });
                if (l == logs.end())
                    l = logs.emplace(logs.end(), &t, log_moves{});
                const std::int64_t row =
                    e->row != 0 ? e->row : sqlite3_last_insert_rowid(d_->conn.db().getHandle());
                if (e->row != 0)
                    l->second.gone.push_back(e->seq);
                l->second.added.emplace_back(rec.seq, row);
                e->row = row;
                e->seq = rec.seq;
            }
            for (auto& [t, moves] : logs)
                write_log(*t, moves);
        });
        // What was written is not needed any more. In a large transaction it goes with the
        // rest of the bookkeeping that the commit frees on another thread (moving a record is
        // a few pointers; freeing it, its fields one by one).
        const bool aside = frees_aside();
        for (entry* e : unsaved_) {
            if (aside)
                try {
                    written_.push_back(std::move(*e->saved));
                } catch (...) { // no memory to grow it: the record is freed here, as before
                }
            e->saved.reset();
            e->patch = false;
        }
        unsaved_.clear();
    }

    // Inserts `rec` (`row` 0) or rewrites it in place: every column.
    void write_whole(const table& t, const stored_record& rec, std::int64_t row) {
        auto& s = d_->conn.stmt(row != 0 ? t.update : t.insert);
        if (row != 0)
            s.bind(5 + static_cast<int>(t.columns.size()), row);
        else
            s.bind_ref(1, rec.id);
        s.bind(2, to_i64(rec.seq));
        const std::string tombstone = rec.deleted ? to_string(*rec.deleted) : "";
        if (rec.deleted)
            s.bind_ref(3, tombstone);
        else
            s.bind(3);
        const std::string blob = pack(t, rec.stamps); // lives until the write ran
        s.bind_blob_ref(4, blob.data(), blob.size());
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            const int at = 5 + static_cast<int>(i);
            if (auto f = rec.fields.find(t.columns[i]); f != rec.fields.end())
                detail::sqlite::bind(s, at, f->value());
            else
                s.bind(at);
        }
        s.exec();
    }

    // Rewrites a live record in place: its sequence, its stamps and the fields of the patch.
    void write_patch(const table& t, const stored_record& rec, std::int64_t row) {
        std::string written(t.columns.size(), '0');
        for (std::size_t i = 0; i < t.columns.size(); ++i)
            if (rec.fields.contains(t.columns[i]))
                written[i] = '1';
        auto& s = d_->conn.stmt(t.patch(written));
        s.bind(1, to_i64(rec.seq));
        const std::string blob = pack(t, rec.stamps); // lives until the write ran
        s.bind_blob_ref(2, blob.data(), blob.size());
        int at = 2;
        for (std::size_t i = 0; i < t.columns.size(); ++i)
            if (written[i] == '1')
                detail::sqlite::bind(s, ++at, rec.fields.find(t.columns[i])->value());
        s.bind(++at, row);
        s.exec();
    }

    struct log_moves {
        std::vector<std::uint64_t> gone;                           // sequences to remove
        std::vector<std::pair<std::uint64_t, std::int64_t>> added; // (sequence, row)
    };

    void write_log(const table& t, log_moves& m) {
        std::sort(m.gone.begin(), m.gone.end());
        for (std::size_t i = 0; i < m.gone.size();) {
            auto& s = d_->conn.stmt(t.log_remove); // unbound parameters are NULL: no match
            for (int at = 1; at <= log_batch && i < m.gone.size(); ++at, ++i)
                s.bind(at, to_i64(m.gone[i]));
            s.exec();
        }
        std::sort(m.added.begin(), m.added.end());
        std::size_t i = 0;
        for (; i + log_batch <= m.added.size(); i += log_batch) {
            auto& s = d_->conn.stmt(t.log_append_batch);
            for (int k = 0; k < log_batch; ++k) {
                s.bind(2 * k + 1, to_i64(m.added[i + static_cast<std::size_t>(k)].first));
                s.bind(2 * k + 2, m.added[i + static_cast<std::size_t>(k)].second);
            }
            s.exec();
        }
        for (; i < m.added.size(); ++i) {
            auto& s = d_->conn.stmt(t.log_append);
            s.bind(1, to_i64(m.added[i].first));
            s.bind(2, m.added[i].second);
            s.exec();
        }
    }

    data* d_;
    detail::sqlite::write_scope scope_;
    std::uint64_t seq_ = 0;
    std::uint64_t seq_at_begin_ = 0;
    using record_key = std::pair<std::string, std::string>; // (entity, id)
    // What this transaction knows of a record it touched: where it lies in the file (once read
    // ahead, looked up or written by a flush), the copy read ahead until the hub loads it, and
    // what was saved since the last flush.
    struct entry {
        bool placed = false;      // `row` and `seq` are known
        std::int64_t row = 0;     // 0: not in the table
        std::uint64_t seq = 0;    // the sequence of its change-log entry in the file
        bool stamps_only = false; // `ahead` was read without its fields
        bool patch = false;       // `saved` holds only the fields written since the file's copy
        std::optional<stored_record> ahead;
        std::optional<stored_record> saved;
    };
    std::unordered_map<record_key, entry, detail::pair_hash, detail::pair_equal> records_;
    std::vector<entry*> unsaved_;        // the entries whose `saved` the next flush writes
    std::vector<stored_record> written_; // flushed records, freed aside with `records_`

    // The entry `known` found or `saving` made last (a node: it stays put while the map grows).
    // The hub saves the record it has just loaded, so that is one lookup instead of two.
    std::pair<const record_key, entry>* last_ = nullptr;

    entry* known(std::string_view entity, std::string_view id) {
        if (last_ != nullptr && last_->first.second == id && last_->first.first == entity)
            return &last_->second;
        auto it = records_.find(std::pair(entity, id));
        if (it == records_.end())
            return nullptr;
        last_ = &*it;
        return &it->second;
    }

    // The entry `rec` is saved into, with the next sequence given to `rec`; a copy read ahead
    // is stale from now on (the row stays known: the flush needs it).
    entry& saving(stored_record& rec) {
        if (find(rec.entity) == nullptr)
            throw system_error(
                error(errc::store_failed, "no table for entity '" + rec.entity + "'"));
        rec.seq = ++seq_;
        entry* e = known(rec.entity, rec.id);
        if (e == nullptr) {
            last_ = &*records_.try_emplace(record_key(rec.entity, rec.id)).first;
            e = &last_->second;
        }
        e->ahead.reset();
        if (!e->saved)
            unsaved_.push_back(e);
        return *e;
    }

    // Makes a patch whole: the file's copy (not rewritten before the flush) under its fields.
    void complete(entry& e) {
        stored_record& rec = *e.saved;
        if (auto file = read_one(rec.entity, rec.id, true)) {
            for (auto& f : rec.fields)
                file->fields[f.key()] = std::move(f.value());
            rec.fields = std::move(file->fields);
        }
        e.patch = false;
    }

    // Runs of plain "applied" outcomes not written yet, by replica: consecutive changes that
    // all simply applied (nearly every change) cost one row together, written at commit.
    struct run {
        std::uint64_t first = 0, last = 0;
    };
    std::unordered_map<std::uint64_t, run> runs_;

    static bool is_plain(const outcome& o) {
        return o.kind == outcome_kind::applied && o.reason == reject_reason::none && !o.code &&
               o.message.empty() && o.field.empty() && !o.skew_clamped && o.losing.empty();
    }
    static outcome plain_outcome(change_id id) {
        outcome o;
        o.change = id;
        return o;
    }
    void write_run(std::uint64_t r, const run& span) {
        auto& s = d_->conn.stmt(
            "INSERT OR REPLACE INTO concord_applied (replica, last, first) VALUES (?, ?, ?)");
        s.bind(1, to_i64(r));
        s.bind(2, to_i64(span.last));
        s.bind(3, to_i64(span.first));
        s.exec();
    }

    // Per-transaction caches of the dedupe bookkeeping (the transaction holds the write lock,
    // so nobody else changes it meanwhile).
    std::unordered_map<std::uint64_t, std::uint64_t> acks_;
    std::unordered_map<std::uint64_t, std::uint64_t> max_stored_;

    std::uint64_t& max_stored(replica_id r) {
        if (auto it = max_stored_.find(r.value); it != max_stored_.end())
            return it->second;
        const std::uint64_t m =
            detail::sqlite::guard("reading stored outcomes", [&]() -> std::uint64_t {
                auto& s = d_->conn.stmt(
                    "SELECT max(coalesce((SELECT max(seq) FROM concord_outcomes WHERE replica = "
                    "?1), 0), coalesce((SELECT max(last) FROM concord_applied WHERE replica = ?1), "
                    "0))");
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
        if (found == 1)
            migrate_from_1(c);
        if (found == 1 || found == 2)
            migrate_to_3(c);
        // Format 3 keeps runs of plain outcomes; a format 2 build would not read them.
        c.exec("CREATE TABLE IF NOT EXISTS concord_applied (replica INTEGER NOT NULL, last "
               "INTEGER NOT NULL, first INTEGER NOT NULL, PRIMARY KEY (replica, last)) WITHOUT "
               "ROWID");
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
                static_cast<detail::sqlite::entity_table&>(t) =
                    detail::sqlite::ensure_table(c, e, system_columns, 5, false);
                create_log(c, e.name);
                const std::string log = log_name(e.name);
                const std::string all =
                    "Id, concord_seq, concord_deleted, concord_stamps, concord_row" +
                    (t.column_list.empty() ? std::string() : ", " + t.column_list);
                const std::string system =
                    "Id, concord_seq, concord_deleted, concord_stamps, concord_row";
                std::string some = " WHERE Id IN (?";
                for (int i = 1; i < ids_ahead; ++i)
                    some += ", ?";
                some += ")";
                t.select_one = "SELECT " + all + " FROM " + t.quoted + " WHERE Id = ?";
                t.select_some = "SELECT " + all + " FROM " + t.quoted + some;
                t.stamps_one = "SELECT " + system + " FROM " + t.quoted + " WHERE Id = ?";
                t.stamps_some = "SELECT " + system + " FROM " + t.quoted + some;
                t.select_live = "SELECT " + all + " FROM " + t.quoted +
                                " WHERE concord_deleted IS NULL ORDER BY Id";
                // The log first (CROSS JOIN keeps that order): a range of it, then each row.
                std::string from_row = "r.Id, r.concord_seq, r.concord_deleted, "
                                       "r.concord_stamps, r.concord_row";
                for (const std::string& col : t.columns)
                    from_row += ", r." + detail::sqlite::quote(col);
                t.changes = "SELECT " + from_row + " FROM " + log + " AS l CROSS JOIN " + t.quoted +
                            " AS r ON r.concord_row = l.row WHERE l.seq > ?1 AND r.concord_seq = "
                            "l.seq ORDER BY l.seq LIMIT ?2";
                t.locate = "SELECT concord_row, concord_seq FROM " + t.quoted + " WHERE Id = ?";
                t.log_remove = "DELETE FROM " + log + " WHERE seq IN (?";
                t.log_append_batch = "INSERT INTO " + log + " (seq, row) VALUES (?, ?)";
                for (int i = 1; i < log_batch; ++i) {
                    t.log_remove += ", ?";
                    t.log_append_batch += ", (?, ?)";
                }
                t.log_remove += ")";
                t.log_append = "INSERT INTO " + log + " (seq, row) VALUES (?, ?)";
                // Parameters of both writes: ?1 Id, ?2 sequence, ?3 tombstone, ?4 stamps, then
                // the data columns; the in-place update takes the row after them.
                const std::string written =
                    "Id, concord_seq, concord_deleted, concord_stamps" +
                    (t.column_list.empty() ? std::string() : ", " + t.column_list);
                std::string values = "?1, ?2, ?3, ?4",
                            in_place = "concord_seq = ?2, concord_deleted = ?3, "
                                       "concord_stamps = ?4";
                for (std::size_t i = 0; i < t.columns.size(); ++i) {
                    const std::string col = detail::sqlite::quote(t.columns[i]);
                    std::string at(1, '?'); // not "?" + ...: g++ 12's false -Wrestrict
                    at += std::to_string(5 + i);
                    values += ", " + at;
                    in_place += ", " + col + " = " + at;
                }
                t.insert = "INSERT INTO " + t.quoted + " (" + written + ") VALUES (" + values + ")";
                t.update = "UPDATE " + t.quoted + " SET " + in_place + " WHERE concord_row = ?" +
                           std::to_string(5 + t.columns.size());
                d_->names.push_back(e.name);
                d_->tables.emplace(e.name, std::move(t));
            }
        });
    });
    d_->reads_beside = c.in_wal();
}

// Format 1 keyed each entity table by change sequence (columns concord_seq, Id,
// concord_deleted, concord_stamps, data…). Each is copied into the format 2 layout in sequence
// order, so rows start out in the order pulls read them; runs inside check_format's
// transaction, so a failure leaves the file as it was.
inline void sqlite_hub_store::migrate_from_1(detail::sqlite::connection& c) {
    for (const auto& [name, cols] :
         tables_led_by(c, {"concord_seq", "Id", "concord_deleted", "concord_stamps"})) {
        std::string data, create = std::string("CREATE TABLE concord_migrating (") + system_columns;
        for (std::size_t i = 4; i < cols.size(); ++i) {
            data += ", " + detail::sqlite::quote(cols[i]);
            create += ", " + detail::sqlite::quote(cols[i]);
        }
        const std::string quoted = detail::sqlite::quote(name);
        c.exec(create + ")");
        c.exec("INSERT INTO concord_migrating (Id, concord_seq, concord_deleted, concord_stamps" +
               data + ") SELECT Id, concord_seq, concord_deleted, concord_stamps" + data +
               " FROM " + quoted + " ORDER BY concord_seq");
        c.exec("DROP TABLE " + quoted);
        c.exec("ALTER TABLE concord_migrating RENAME TO " + quoted);
    }
}

// Format 2 found each record's change through a (unique) index on concord_seq; format 3 keeps
// a change-log table per entity instead, filled here from the records.
inline void sqlite_hub_store::migrate_to_3(detail::sqlite::connection& c) {
    for (const auto& [name, cols] : tables_led_by(c, {"concord_row", "Id", "concord_seq"})) {
        c.exec("DROP INDEX IF EXISTS " + detail::sqlite::quote("concord_seq_" + name));
        create_log(c, name);
        c.exec("INSERT INTO " + log_name(name) +
               " (seq, row) SELECT concord_seq, concord_row FROM " + detail::sqlite::quote(name));
    }
}

inline const std::string& sqlite_hub_store::table::patch(const std::string& written) const {
    auto [it, fresh] = patches.try_emplace(written);
    if (fresh) {
        std::string& sql = it->second;
        sql = "UPDATE " + quoted +
              " SET concord_seq = ?1, concord_deleted = NULL, "
              "concord_stamps = ?2";
        int at = 2;
        for (std::size_t i = 0; i < columns.size(); ++i)
            if (written[i] == '1')
                sql += ", " + detail::sqlite::quote(columns[i]) + " = ?" + std::to_string(++at);
        sql += " WHERE concord_row = ?" + std::to_string(++at);
    }
    return it->second;
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
static_assert(patches_records<sqlite_hub_store>);

} // namespace concord

#endif // CONCORD_STORE_SQLITE_HUB_STORE_HPP
