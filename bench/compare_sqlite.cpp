// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — issues 3 and 4: concord's SQLite hub and replica, locally and over loopback HTTP,
// against SQLite's own rates.

// The session extension (changesets) is declared only when these are defined; this is the one
// file that uses it, so they are defined here, before anything includes <sqlite3.h>.
#define SQLITE_ENABLE_SESSION
#define SQLITE_ENABLE_PREUPDATE_HOOK

#include <concord/detail/json_codec.hpp>
#include <concord/http.hpp>
#include <concord/hub/basic_hub.hpp>
#include <concord/replica/basic_replica.hpp>
#include <concord/store/sqlite_store.hpp>
#include <concord/transport/loopback.hpp>

#include "support/cases.hpp"

#include <boost/json.hpp>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using namespace concord;
namespace fs = std::filesystem;

using hub_t = basic_hub<sqlite_hub_store>;

constexpr replica_id loader{1};       // wrote the base records
constexpr replica_id writer{2};       // pushes the updates of (a)
constexpr replica_id reader{3};       // the empty replica of (b)
constexpr replica_id child_reader{4}; // the empty replica of (c), in a child process
constexpr replica_id http_reader{5};  // the empty replica of (d), over HTTP
constexpr replica_id http_writer{6};  // the replica of (e): synced, then 10k local updates

// gen_cases.py: update i has stamp 2025-01-01T00:00:00Z + i ms (i from 1), later than every
// base record's stamp (its CreatedOn, 2023–2024), so every update wins.
constexpr std::int64_t update_stamp_base = 1'735'689'600'000;
constexpr std::size_t load_batch = 10'000;

// The temporary directory this run made (removed on every exit but --keep).
fs::path made_dir; // NOLINT(cert-err58-cpp): a path, set once by run()

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "compare_sqlite: %s\n", what.c_str());
    if (!made_dir.empty()) {
        std::error_code ec;
        fs::remove_all(made_dir, ec);
    }
    std::exit(1);
}

// Starts a timed section, after writing back what earlier steps left dirty (copied and closed
// databases): on a 2-core machine the kernel's writeback otherwise runs inside whichever
// measurement comes next, on either side of a ratio.
std::chrono::steady_clock::time_point start_timing() {
    ::sync();
    return std::chrono::steady_clock::now();
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// ---------------------------------------------------------------------------------------------
// The data: bench/support/cases.hpp's generator, or gen_cases.py's JSON Lines.
// ---------------------------------------------------------------------------------------------

struct case_update {
    std::string id;
    std::int64_t ms = 0;
    boost::json::object fields;
};

struct dataset {
    std::vector<record> cases;
    std::vector<std::int64_t> created_ms; // each base record's stamp: its CreatedOn
    std::vector<case_update> updates;
    std::string source;
};

// "YYYY-MM-DDTHH:MM:SSZ" as ms since the epoch.
std::int64_t parse_created(std::string_view s) {
    auto num = [&](std::size_t at, std::size_t len) {
        int v = 0;
        const char* b = s.data() + at;
        if (at + len > s.size() || std::from_chars(b, b + len, v).ptr != b + len)
            fail("bad CreatedOn '" + std::string(s) + "'");
        return v;
    };
    using namespace std::chrono;
    const sys_days day = year{num(0, 4)} / month{static_cast<unsigned>(num(5, 2))} /
                         std::chrono::day{static_cast<unsigned>(num(8, 2))};
    const std::int64_t secs = (num(11, 2) * 60 + num(14, 2)) * 60 + num(17, 2);
    return duration_cast<milliseconds>(day.time_since_epoch()).count() + secs * 1000;
}

std::vector<boost::json::object> read_jsonl(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        fail("cannot read " + path);
    std::vector<boost::json::object> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        boost::system::error_code ec;
        auto v = boost::json::parse(line, ec);
        if (ec || !v.is_object())
            fail(path + ": line " + std::to_string(out.size() + 1) + " is not a JSON object");
        out.push_back(std::move(v.get_object()));
    }
    return out;
}

dataset load_data(std::size_t n, std::size_t m, const std::string& cases_file,
                  const std::string& updates_file) {
    dataset d;
    if (!cases_file.empty()) {
        for (auto& o : read_jsonl(cases_file)) {
            record r;
            r.id = std::string(o.at("id").as_string());
            r.fields = std::move(o.at("fields").as_object());
            d.cases.push_back(std::move(r));
        }
        for (auto& o : read_jsonl(updates_file)) {
            case_update u;
            u.id = std::string(o.at("id").as_string());
            u.ms = o.at("stamp").to_number<std::int64_t>();
            u.fields = std::move(o.at("fields").as_object());
            d.updates.push_back(std::move(u));
        }
        d.source = "gen_cases.py JSON Lines: " + cases_file + ", " + updates_file;
    } else {
        d.cases = bench::make_cases(n);
        std::size_t i = 0;
        for (auto& u : bench::make_updates(d.cases, m))
            d.updates.push_back(case_update{std::move(u.id),
                                            update_stamp_base + static_cast<std::int64_t>(++i),
                                            std::move(u.fields)});
        d.source = "generator bench/support/cases.hpp (make_cases seed 42, make_updates seed 43), "
                   "stamps as gen_cases.py";
    }
    if (d.cases.empty() || d.updates.empty() || d.updates.size() > d.cases.size())
        fail("the data set needs N > 0 cases and 0 < M <= N updates");
    for (const auto& c : d.cases)
        d.created_ms.push_back(parse_created(c.fields.at("CreatedOn").as_string()));
    return d;
}

// ---------------------------------------------------------------------------------------------
// Raw SQLite, for the baselines.
// ---------------------------------------------------------------------------------------------

class raw_db {
public:
    raw_db(const std::string& path, std::int64_t cache_kib) {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            nullptr) != SQLITE_OK)
            fail(path + ": " + sqlite3_errmsg(db_));
        // Both sides as concord opens its files: WAL, synchronous=NORMAL, the same page cache,
        // secure_delete=FAST.
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=NORMAL");
        exec("PRAGMA cache_size=-" + std::to_string(cache_kib));
        exec("PRAGMA secure_delete=FAST");
        exec("SELECT count(*) FROM sqlite_master"); // loads the schema before anything is timed
    }
    raw_db(const raw_db&) = delete;
    raw_db& operator=(const raw_db&) = delete;
    ~raw_db() { sqlite3_close_v2(db_); }

    void exec(const std::string& sql) {
        char* msg = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
            const std::string m = msg ? msg : "?";
            sqlite3_free(msg);
            fail(sql + ": " + m);
        }
    }

    sqlite3_stmt* prepare(const std::string& sql) {
        sqlite3_stmt* s = nullptr;
        check(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), sql);
        return s;
    }

    void check(int rc, const std::string& what) const {
        if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
            fail(what + ": " + sqlite3_errmsg(db_));
    }

    sqlite3* get() const noexcept { return db_; }

private:
    sqlite3* db_ = nullptr;
};

void bind_json(raw_db& db, sqlite3_stmt* s, int i, const boost::json::value& v) {
    if (v.is_int64())
        db.check(sqlite3_bind_int64(s, i, v.get_int64()), "bind");
    else if (v.is_string())
        db.check(sqlite3_bind_text(s, i, v.get_string().data(),
                                   static_cast<int>(v.get_string().size()), SQLITE_STATIC),
                 "bind");
    else
        fail("unexpected value kind in the data set");
}

// A row as plain C++ values, so the bulk-insert baseline times SQLite and nothing else.
struct plain_row {
    std::string id;
    std::array<std::string, 8> text;
    std::array<std::int64_t, 8> number{};
    std::array<bool, 8> is_number{};
};

std::vector<std::string> case_columns() {
    std::vector<std::string> cols;
    const schema s = bench::case_schema();
    for (const auto& c : s.entities().front().columns)
        cols.push_back(c.name);
    if (cols.size() != 8)
        fail("the Case schema should have 8 columns");
    return cols;
}

std::vector<plain_row> plain_rows(const dataset& d, const std::vector<std::string>& cols) {
    std::vector<plain_row> rows(d.cases.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
        rows[r].id = d.cases[r].id;
        for (std::size_t i = 0; i < cols.size(); ++i) {
            const auto& v = d.cases[r].fields.at(cols[i]);
            if (v.is_int64()) {
                rows[r].is_number[i] = true;
                rows[r].number[i] = v.get_int64();
            } else {
                rows[r].text[i] = std::string(v.as_string());
            }
        }
    }
    return rows;
}

void remove_db(const fs::path& p) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        fs::remove(p.string() + suffix);
}

// Copies a closed database (no WAL left: the last connection to close checkpoints it).
void copy_db(const fs::path& from, const fs::path& to) {
    if (fs::exists(from.string() + "-wal") && fs::file_size(from.string() + "-wal") > 0)
        fail(from.string() + " still has a WAL; close it first");
    remove_db(to);
    fs::copy_file(from, to);
}

// SQLite's raw bulk insert: one transaction, one prepared statement, into an empty
// `id TEXT PRIMARY KEY` table. Returns the seconds from BEGIN to COMMIT.
double bulk_insert(const fs::path& path, const std::vector<plain_row>& rows,
                   const std::vector<std::string>& cols, std::int64_t cache_kib) {
    remove_db(path);
    raw_db db(path.string(), cache_kib);
    std::string create = "CREATE TABLE \"Case\" (Id TEXT PRIMARY KEY";
    std::string insert = "INSERT INTO \"Case\" (Id";
    std::string values = "?";
    for (const auto& c : cols) {
        create += ", \"" + c + "\"" + (c == "Priority" ? " INTEGER" : " TEXT");
        insert += ", \"" + c + "\"";
        values += ", ?";
    }
    db.exec(create + ")");
    insert += ") VALUES (" + values + ")";

    const auto t0 = start_timing();
    db.exec("BEGIN");
    sqlite3_stmt* s = db.prepare(insert);
    for (const auto& r : rows) {
        sqlite3_bind_text(s, 1, r.id.data(), static_cast<int>(r.id.size()), SQLITE_STATIC);
        for (std::size_t i = 0; i < cols.size(); ++i) {
            const int at = static_cast<int>(i) + 2;
            if (r.is_number[i])
                sqlite3_bind_int64(s, at, r.number[i]);
            else
                sqlite3_bind_text(s, at, r.text[i].data(), static_cast<int>(r.text[i].size()),
                                  SQLITE_STATIC);
        }
        db.check(sqlite3_step(s), "bulk insert");
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    db.exec("COMMIT");
    return seconds_since(t0);
}

// Records the updates on a scratch copy of the base table inside a session: the changeset
// SQLite's own tools would ship.
std::vector<unsigned char> make_changeset(const fs::path& base, const fs::path& scratch,
                                          const dataset& d, std::int64_t cache_kib) {
    copy_db(base, scratch);
    std::vector<unsigned char> out;
    {
        raw_db db(scratch.string(), cache_kib);
        sqlite3_session* session = nullptr;
        db.check(sqlite3session_create(db.get(), "main", &session), "sqlite3session_create");
        db.check(sqlite3session_attach(session, "Case"), "sqlite3session_attach");
        std::map<std::string, sqlite3_stmt*> stmts; // by the columns an update sets
        db.exec("BEGIN");
        for (const auto& u : d.updates) {
            std::string key, sql = "UPDATE \"Case\" SET ";
            int i = 0;
            for (const auto& f : u.fields) {
                key += std::string(f.key()) + ",";
                sql += (i > 0 ? ", \"" : "\"") + std::string(f.key()) + "\" = ?" +
                       std::to_string(i + 1);
                ++i;
            }
            sql += " WHERE Id = ?" + std::to_string(i + 1);
            auto it = stmts.find(key);
            if (it == stmts.end())
                it = stmts.emplace(key, db.prepare(sql)).first;
            sqlite3_stmt* s = it->second;
            int at = 0;
            for (const auto& f : u.fields)
                bind_json(db, s, ++at, f.value());
            sqlite3_bind_text(s, at + 1, u.id.data(), static_cast<int>(u.id.size()), SQLITE_STATIC);
            db.check(sqlite3_step(s), "recording an update");
            if (sqlite3_changes(db.get()) != 1)
                fail("update of " + u.id + " matched no row");
            sqlite3_reset(s);
        }
        db.exec("COMMIT");
        for (auto& [k, s] : stmts)
            sqlite3_finalize(s);
        int size = 0;
        void* data = nullptr;
        db.check(sqlite3session_changeset(session, &size, &data), "sqlite3session_changeset");
        const auto* p = static_cast<const unsigned char*>(data);
        out.assign(p, p + size);
        sqlite3_free(data);
        sqlite3session_delete(session);
    }
    remove_db(scratch);
    return out;
}

int count_conflict(void* ctx, int, sqlite3_changeset_iter*) {
    ++*static_cast<int*>(ctx);
    return SQLITE_CHANGESET_ABORT;
}

// sqlite3changeset_apply onto a fresh copy of the base, in autocommit (it takes its own
// savepoint; an outer transaction would slow it and flatter concord).
double apply_changeset(const fs::path& base, const fs::path& path, std::vector<unsigned char>& cs,
                       const dataset& d, std::int64_t cache_kib) {
    copy_db(base, path);
    raw_db db(path.string(), cache_kib);
    int conflicts = 0;
    const auto t0 = start_timing();
    const int rc = sqlite3changeset_apply(db.get(), static_cast<int>(cs.size()), cs.data(), nullptr,
                                          count_conflict, &conflicts);
    const double secs = seconds_since(t0);
    if (rc != SQLITE_OK || conflicts != 0)
        fail("sqlite3changeset_apply: rc " + std::to_string(rc) + ", " + std::to_string(conflicts) +
             " conflicts");
    // Spot check: the first update's values are in place.
    const case_update& u = d.updates.front();
    for (const auto& f : u.fields) {
        sqlite3_stmt* s =
            db.prepare("SELECT \"" + std::string(f.key()) + "\" = ?1 FROM \"Case\" WHERE Id = ?2");
        bind_json(db, s, 1, f.value());
        sqlite3_bind_text(s, 2, u.id.data(), static_cast<int>(u.id.size()), SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_int(s, 0) != 1)
            fail("the changeset did not write " + u.id + " " + std::string(f.key()));
        sqlite3_finalize(s);
    }
    return secs;
}

// ---------------------------------------------------------------------------------------------
// concord.
// ---------------------------------------------------------------------------------------------

sqlite_options store_options(std::int64_t cache_kib) {
    sqlite_options o; // WAL and synchronous=NORMAL are the defaults
    o.cache_kib = cache_kib;
    return o;
}

std::unique_ptr<hub_t> open_hub(const fs::path& path, std::int64_t cache_kib) {
    const schema s = bench::case_schema();
    return std::make_unique<hub_t>(hub_options{s},
                                   sqlite_hub_store(path.string(), s, store_options(cache_kib)));
}

void require_applied(const result<sync_response>& resp, std::size_t n, const char* what) {
    if (!resp)
        fail(std::string(what) + ": " + resp.error().message);
    if (resp->outcomes.size() != n)
        fail(std::string(what) + ": wrong number of outcomes");
    for (const auto& o : resp->outcomes)
        if (o.kind != outcome_kind::applied)
            fail(std::string(what) + ": not applied: " + o.message);
}

// The base hub, through the hub itself, in batches (untimed setup). The loader's last round
// acknowledges its outcomes, so the hub keeps none of them, as after its next real sync.
void build_hub(const fs::path& path, const dataset& d, std::int64_t cache_kib) {
    remove_db(path);
    auto hub = open_hub(path, cache_kib);
    std::uint64_t seq = 0;
    for (std::size_t i = 0; i < d.cases.size(); i += load_batch) {
        sync_request req;
        req.replica = loader;
        req.acknowledged = seq;
        for (std::size_t j = i; j < d.cases.size() && j < i + load_batch; ++j)
            req.push.push_back(change{{loader, ++seq},
                                      operation::insert,
                                      "Case",
                                      d.cases[j].id,
                                      stamp{d.created_ms[j], 0, loader},
                                      d.cases[j].fields});
        require_applied(hub->sync(req), req.push.size(), "loading the hub");
    }
    sync_request ack;
    ack.replica = loader;
    ack.acknowledged = seq;
    require_applied(hub->sync(ack), 0, "acknowledging the load");
}

// (a) The updates as ONE sync_request: per-field LWW, change log, dedupe mark and stored
// outcomes in one transaction. Building the request is not timed.
double hub_apply(const fs::path& base, const fs::path& path, const dataset& d,
                 std::int64_t cache_kib) {
    copy_db(base, path);
    auto hub = open_hub(path, cache_kib);
    sync_request req;
    req.replica = writer;
    req.push.reserve(d.updates.size());
    std::uint64_t seq = 0;
    for (const auto& u : d.updates)
        req.push.push_back(change{
            {writer, ++seq}, operation::update, "Case", u.id, stamp{u.ms, 0, writer}, u.fields});
    const auto t0 = start_timing();
    auto resp = hub->sync(req);
    const double secs = seconds_since(t0);
    require_applied(resp, d.updates.size(), "hub apply");
    return secs;
}

replica_options reader_options(replica_id id) {
    replica_options o{bench::case_schema()};
    o.id = id;
    return o;
}

template <class Replica>
void require_pulled(Replica& rep, const result<sync_summary>& sum, std::size_t n,
                    const char* what) {
    if (!sum)
        fail(std::string(what) + ": " + sum.error().message);
    if (sum->pulled != n)
        fail(std::string(what) + ": pulled " + std::to_string(sum->pulled) + " of " +
             std::to_string(n));
    auto tx = rep.store().begin();
    if (tx.count("Case") != n)
        fail(std::string(what) + ": the replica holds " + std::to_string(tx.count("Case")) +
             " records");
}

// (b) An empty replica's first sync through the real path: the hub reads, the loopback
// transport, the replica writes (pages of the replica's default pull limit).
double replica_sync(const fs::path& base, const fs::path& hub_path, const fs::path& replica_path,
                    std::size_t n, std::int64_t cache_kib) {
    copy_db(base, hub_path);
    remove_db(replica_path);
    auto hub = open_hub(hub_path, cache_kib);
    basic_replica<sqlite_replica_store, loopback_transport<hub_t>> rep(
        reader_options(reader),
        sqlite_replica_store(replica_path.string(), bench::case_schema(), store_options(cache_kib)),
        loopback_transport<hub_t>(*hub));
    const auto t0 = start_timing();
    auto sum = rep.sync();
    const double secs = seconds_since(t0);
    require_pulled(rep, sum, n, "replica sync");
    return secs;
}

// The hub's answers to an empty replica's pulls, asked exactly as basic_replica asks them.
std::vector<sync_response> record_pulls(const fs::path& base, const fs::path& hub_path,
                                        std::int64_t cache_kib) {
    copy_db(base, hub_path);
    auto hub = open_hub(hub_path, cache_kib);
    const replica_options ro = reader_options(reader);
    std::vector<sync_response> out;
    std::uint64_t cursor = 0;
    for (;;) {
        sync_request req;
        req.replica = reader;
        pull_request p;
        p.after = cursor;
        p.limit = ro.pull_limit;
        p.entities = {"Case"};
        req.pull = p;
        auto resp = hub->sync(req);
        if (!resp)
            fail("recording pulls: " + resp.error().message);
        cursor = resp->cursor;
        const bool more = resp->more;
        out.push_back(std::move(*resp));
        if (!more)
            return out;
    }
}

// Hands a replica recorded answers, one per exchange: the replica's side of a sync alone.
class replay_transport {
public:
    explicit replay_transport(std::deque<sync_response>& answers) : answers_(&answers) {}

    result<sync_response> exchange(const sync_request&) {
        if (answers_->empty())
            return error(errc::transport_failed, "replay: no recorded answer left");
        sync_response r = std::move(answers_->front());
        answers_->pop_front();
        return r;
    }

private:
    std::deque<sync_response>* answers_;
};

double replica_apply(const std::vector<sync_response>& recorded, const fs::path& replica_path,
                     std::size_t n, std::int64_t cache_kib) {
    remove_db(replica_path);
    std::deque<sync_response> answers(recorded.begin(), recorded.end()); // copied untimed
    basic_replica<sqlite_replica_store, replay_transport> rep(
        reader_options(reader),
        sqlite_replica_store(replica_path.string(), bench::case_schema(), store_options(cache_kib)),
        replay_transport(answers));
    const auto t0 = start_timing();
    auto sum = rep.sync();
    const double secs = seconds_since(t0);
    require_pulled(rep, sum, n, "replica apply (replay)");
    return secs;
}

// ---------------------------------------------------------------------------------------------
// (c) The replica in its own process, served by the hub in this one over a socketpair.
// ---------------------------------------------------------------------------------------------

void write_all(int fd, const void* p, std::size_t n) {
    const auto* b = static_cast<const char*>(p);
    while (n > 0) {
        const ssize_t w = ::send(fd, b, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            throw std::runtime_error(std::string("socket write: ") + std::strerror(errno));
        b += w;
        n -= static_cast<std::size_t>(w);
    }
}

// False on a clean end of stream before the first byte.
bool read_all(int fd, void* p, std::size_t n) {
    auto* b = static_cast<char*>(p);
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = ::read(fd, b + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0 && got == 0)
            return false;
        if (r <= 0)
            throw std::runtime_error("socket read: unexpected end of stream");
        got += static_cast<std::size_t>(r);
    }
    return true;
}

// A frame: one type byte ('Q' request, 'A' answer, 'E' error, 'R' child's result), an 8-byte
// length, then JSON text.
void send_frame(int fd, char type, std::string_view payload) {
    unsigned char head[9];
    head[0] = static_cast<unsigned char>(type);
    std::uint64_t len = payload.size();
    for (int i = 0; i < 8; ++i, len >>= 8)
        head[1 + i] = static_cast<unsigned char>(len & 0xFF);
    write_all(fd, head, sizeof head);
    write_all(fd, payload.data(), payload.size());
}

std::optional<std::pair<char, std::string>> recv_frame(int fd) {
    unsigned char head[9];
    if (!read_all(fd, head, sizeof head))
        return std::nullopt;
    std::uint64_t len = 0;
    for (int i = 7; i >= 0; --i)
        len = (len << 8) | head[1 + i];
    std::string payload(static_cast<std::size_t>(len), '\0');
    if (len > 0 && !read_all(fd, payload.data(), payload.size()))
        throw std::runtime_error("socket read: unexpected end of stream");
    return std::pair(static_cast<char>(head[0]), std::move(payload));
}

// The replica's transport in the child: the request and answer cross the socket as the
// store codec's JSON.
class socket_transport {
public:
    explicit socket_transport(int fd) : fd_(fd) {}

    result<sync_response> exchange(const sync_request& req) {
        try {
            send_frame(fd_, 'Q', boost::json::serialize(detail::codec::encode(req)));
            auto f = recv_frame(fd_);
            if (!f)
                return error(errc::transport_failed, "socket: the hub went away");
            if (f->first != 'A')
                return error(errc::transport_failed, "socket: hub error: " + f->second);
            return detail::codec::decode_response(
                detail::codec::parse_object(f->second, "a sync response"));
        } catch (const std::exception& e) {
            return error(errc::transport_failed, std::string("socket: ") + e.what());
        }
    }

private:
    int fd_;
};

std::int64_t status_kib(const char* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    const std::size_t klen = std::strlen(key);
    while (std::getline(in, line))
        if (line.compare(0, klen, key) == 0 && line.size() > klen && line[klen] == ':')
            return std::strtoll(line.c_str() + klen + 1, nullptr, 10);
    return -1;
}

// The child: only a replica (no data set in memory), syncing through `t` (the socket of (c), or
// HTTP to the parent's server for (d)); its result goes to `fd`.
template <class Transport>
int child_run(int fd, Transport t, const std::string& replica_path, std::int64_t cache_kib) {
    boost::json::object res;
    try {
        basic_replica<sqlite_replica_store, Transport> rep(
            reader_options(child_reader),
            sqlite_replica_store(replica_path, bench::case_schema(), store_options(cache_kib)),
            std::move(t));
        const std::int64_t hwm_before = status_kib("VmHWM");
        const auto t0 = start_timing();
        auto sum = rep.sync();
        const double secs = seconds_since(t0);
        if (!sum) {
            res["error"] = sum.error().message;
        } else {
            res["seconds"] = secs;
            res["pulled"] = sum->pulled;
            res["count"] = rep.store().begin().count("Case");
        }
        res["hwm_before_kib"] = hwm_before;
    } catch (const std::exception& e) {
        res["error"] = e.what();
    }
    res["hwm_kib"] = status_kib("VmHWM"); // peak RSS of this process since exec
    send_frame(fd, 'R', boost::json::serialize(res));
    return res.contains("error") ? 1 : 0;
}

struct child_result {
    double seconds = 0;
    double hwm_mib = 0;
    double hwm_before_mib = 0;
};

// Reads the child's 'R' frame into `out`; a complaint, if any, into `child_error`.
void read_child_result(const std::string& payload, std::size_t n, child_result& out,
                       std::string& child_error) {
    auto v = boost::json::parse(payload).as_object();
    if (auto e = v.find("error"); e != v.end())
        child_error = std::string(e->value().as_string());
    else if (v.at("pulled").to_number<std::size_t>() != n ||
             v.at("count").to_number<std::size_t>() != n)
        child_error = "the child replica did not get every record";
    else
        out.seconds = v.at("seconds").to_number<double>();
    out.hwm_mib = v.at("hwm_kib").to_number<double>() / 1024;
    if (auto b = v.find("hwm_before_kib"); b != v.end())
        out.hwm_before_mib = b->value().to_number<double>() / 1024;
}

child_result replica_child(const fs::path& base, const fs::path& hub_path,
                           const fs::path& replica_path, std::size_t n, std::int64_t cache_kib) {
    copy_db(base, hub_path);
    remove_db(replica_path);
    auto hub = open_hub(hub_path, cache_kib);
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        fail(std::string("socketpair: ") + std::strerror(errno));
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0)
        fail(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        // exec a fresh image: the child must not carry this process's memory (its VmHWM
        // starts again at exec).
        ::close(sv[0]);
        const std::string fd = std::to_string(sv[1]), cache = std::to_string(cache_kib);
        ::execl("/proc/self/exe", "concord_compare_sqlite", "--child", fd.c_str(),
                replica_path.c_str(), cache.c_str(), static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    ::close(sv[1]);
    child_result out;
    std::string child_error;
    try {
        while (auto f = recv_frame(sv[0])) {
            if (f->first == 'R') {
                read_child_result(f->second, n, out, child_error);
                break;
            }
            auto req = detail::codec::decode_request(
                detail::codec::parse_object(f->second, "a sync request"));
            auto resp = hub->sync(req);
            if (resp)
                send_frame(sv[0], 'A', boost::json::serialize(detail::codec::encode(*resp)));
            else
                send_frame(sv[0], 'E', resp.error().message);
        }
    } catch (const std::exception& e) {
        child_error = e.what();
    }
    ::close(sv[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!child_error.empty() || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail("replica child: " +
             (child_error.empty() ? "exit status " + std::to_string(status) : child_error));
    return out;
}

// ---------------------------------------------------------------------------------------------
// (d), (e) Issue 4: the same over loopback HTTP (http_server in this process, port 0).
// ---------------------------------------------------------------------------------------------

using http_server_t = http_server<hub_t>;

// (e) sends all m updates and the pull in one BatchQuery: m + 1 items, over the default
// 10,000-item limit, so the limits grow with m (the body stays far under 16 MiB).
http_server_options server_options(std::size_t m) {
    http_server_options o; // 127.0.0.1, port 0
    o.limits.max_items = std::max(o.limits.max_items, m + 16);
    o.limits.max_body = std::max<std::size_t>(o.limits.max_body, 64 * 1024 * 1024);
    return o;
}

std::string server_url(const http_server_t& s) {
    return "http://127.0.0.1:" + std::to_string(s.port());
}

http_transport transport_to(const std::string& url) {
    http_transport_options o;
    o.url = url;
    return http_transport(std::move(o), bench::case_schema());
}

// A hub copied from `base`, served on loopback for the lifetime of this object.
struct served_hub {
    served_hub(const fs::path& base, const fs::path& path, std::size_t m, std::int64_t cache_kib)
        : hub((copy_db(base, path), open_hub(path, cache_kib)))
        , server(*hub, server_options(m)) {
        server.start();
    }
    std::unique_ptr<hub_t> hub;
    http_server_t server; // declared after the hub: stops before the hub closes
};

sqlite_http_replica open_http_replica(replica_options ro, const fs::path& path,
                                      const std::string& url, std::int64_t cache_kib) {
    return sqlite_http_replica(
        std::move(ro),
        sqlite_replica_store(path.string(), bench::case_schema(), store_options(cache_kib)),
        transport_to(url));
}

// (d) An empty replica's first sync over HTTP: hub reads, JSON over TCP, replica writes.
double http_sync(const fs::path& base, const fs::path& hub_path, const fs::path& replica_path,
                 std::size_t n, std::size_t m, std::int64_t cache_kib) {
    remove_db(replica_path);
    served_hub h(base, hub_path, m, cache_kib);
    auto rep = open_http_replica(reader_options(http_reader), replica_path, server_url(h.server),
                                 cache_kib);
    const auto t0 = start_timing();
    auto sum = rep.sync();
    const double secs = seconds_since(t0);
    require_pulled(rep, sum, n, "http sync");
    return secs;
}

// (d) RSS: the replica alone in a child process, over HTTP to this process's server.
child_result http_child(const fs::path& base, const fs::path& hub_path,
                        const fs::path& replica_path, std::size_t n, std::size_t m,
                        std::int64_t cache_kib) {
    remove_db(replica_path);
    served_hub h(base, hub_path, m, cache_kib);
    int fds[2]; // a socketpair, not a pipe: send_frame writes with send()
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        fail(std::string("socketpair: ") + std::strerror(errno));
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0)
        fail(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        ::close(fds[0]);
        const std::string fd = std::to_string(fds[1]), cache = std::to_string(cache_kib);
        const std::string url = server_url(h.server);
        ::execl("/proc/self/exe", "concord_compare_sqlite", "--child-http", fd.c_str(), url.c_str(),
                replica_path.c_str(), cache.c_str(), static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    ::close(fds[1]);
    child_result out;
    std::string child_error = "the child sent no result";
    try {
        if (auto f = recv_frame(fds[0]); f && f->first == 'R') {
            child_error.clear();
            read_child_result(f->second, n, out, child_error);
        }
    } catch (const std::exception& e) {
        child_error = e.what();
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!child_error.empty() || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail("http replica child: " +
             (child_error.empty() ? "exit status " + std::to_string(status) : child_error));
    return out;
}

// (e) setup, once: a hub and a replica that did its initial sync over HTTP, both closed (so
// their files can be copied for each run).
void build_http_pair(const fs::path& base, const fs::path& hub_path, const fs::path& replica_path,
                     std::size_t n, std::size_t m, std::int64_t cache_kib) {
    remove_db(replica_path);
    served_hub h(base, hub_path, m, cache_kib);
    auto rep = open_http_replica(reader_options(http_writer), replica_path, server_url(h.server),
                                 cache_kib);
    require_pulled(rep, rep.sync(), n, "(e) setup: initial sync");
}

struct push_result {
    double seconds = 0;
    std::size_t requests = 0;
};

// (e) m local updates (untimed), then ONE timed sync(): pushes them in pages of `push_limit`,
// the hub applies them, and the replica pulls the m changed records back (the cursor moved).
push_result http_push(const fs::path& hub_pair, const fs::path& replica_pair,
                      const fs::path& hub_path, const fs::path& replica_path, const dataset& d,
                      std::size_t push_limit, std::int64_t cache_kib) {
    const std::size_t m = d.updates.size();
    copy_db(replica_pair, replica_path);
    served_hub h(hub_pair, hub_path, m, cache_kib);
    replica_options ro = reader_options(http_writer);
    ro.push_limit = push_limit;
    auto rep = open_http_replica(std::move(ro), replica_path, server_url(h.server), cache_kib);
    for (const auto& u : d.updates)
        if (auto r = rep.update("Case", u.id, u.fields); !r)
            fail("(e) local update of " + u.id + ": " + r.error().message);
    const auto t0 = start_timing();
    auto sum = rep.sync();
    const double secs = seconds_since(t0);
    if (!sum)
        fail("(e) http push: " + sum.error().message);
    if (sum->pushed != m || sum->applied != m || sum->logged != 0)
        fail("(e) http push: pushed " + std::to_string(sum->pushed) + ", applied " +
             std::to_string(sum->applied) + ", logged " + std::to_string(sum->logged) + " of " +
             std::to_string(m));
    if (!rep.pending().empty())
        fail("(e) http push: changes still pending");
    return push_result{secs, sum->requests};
}

// ---------------------------------------------------------------------------------------------

struct options {
    std::size_t n = 100'000;
    std::size_t m = 10'000;
    int repeat = 3;
    std::string cases_file, updates_file, dir;
    bool keep = false;
    std::string only = "abcde";
    std::int64_t cache_kib = sqlite_options{}.cache_kib;
};

void usage() {
    std::puts(
        "usage: concord_compare_sqlite [--n N] [--m M] [--repeat R] [--cache-kib K]\n"
        "                              [--cases FILE --updates FILE] [--dir DIR] [--keep]\n"
        "                              [--only abcde]\n"
        "  --cases/--updates  gen_cases.py JSON Lines (gen_cases.py N -o FILE;\n"
        "                     gen_cases.py N --updates M -o FILE); default: the C++ generator\n"
        "  --cache-kib        page cache of every database, both sides (default: concord's)\n"
        "  --only             which parts to run (default all): a (hub apply), b (replica\n"
        "                     pull), c (RSS), d (pull and RSS over loopback HTTP),\n"
        "                     e (replica's updates pushed over HTTP)");
}

options parse_args(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc)
                fail("missing value after " + std::string(a));
            return argv[++i];
        };
        if (a == "--n")
            o.n = std::stoul(next());
        else if (a == "--m")
            o.m = std::stoul(next());
        else if (a == "--repeat")
            o.repeat = std::max(1, std::stoi(next()));
        else if (a == "--cache-kib")
            o.cache_kib = std::stoll(next());
        else if (a == "--cases")
            o.cases_file = next();
        else if (a == "--updates")
            o.updates_file = next();
        else if (a == "--dir")
            o.dir = next();
        else if (a == "--only")
            o.only = next();
        else if (a == "--keep")
            o.keep = true;
        else if (a == "--help" || a == "-h") {
            usage();
            std::exit(0);
        } else {
            usage();
            fail("unknown argument " + std::string(a));
        }
    }
    if (o.cases_file.empty() != o.updates_file.empty())
        fail("--cases and --updates go together");
    return o;
}

const char* verdict(bool ok) {
    return ok ? "ok" : "MISSED";
}

int run(const options& o) {
    fs::path dir;
    if (o.dir.empty()) {
        std::string tmpl = (fs::temp_directory_path() / "concord-compare-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr)
            fail(std::string("mkdtemp: ") + std::strerror(errno));
        dir = tmpl;
        if (!o.keep)
            made_dir = dir;
    } else {
        dir = o.dir;
        fs::create_directories(dir);
    }
    const bool do_a = o.only.find('a') != std::string::npos;
    const bool do_b = o.only.find('b') != std::string::npos;
    const bool do_c = o.only.find('c') != std::string::npos;
    const bool do_d = o.only.find('d') != std::string::npos;
    const bool do_e = o.only.find('e') != std::string::npos;
    // (d) and (e) are ratios to the baselines of (b) and (a): those are measured for them too.
    const bool need_bulk = do_b || do_d, need_cs = do_a || do_e;

    const auto t_setup = std::chrono::steady_clock::now();
    const dataset d = load_data(o.n, o.m, o.cases_file, o.updates_file);
    const std::size_t n = d.cases.size(), m = d.updates.size();
    const std::vector<std::string> cols = case_columns();
    std::printf("data: %s\n", d.source.c_str());
    std::printf(
        "      %zu cases, %zu updates (1-2 fields each, distinct records, winning stamps)\n", n, m);
    std::printf("files: %s (WAL, synchronous=NORMAL, page cache %lld KiB on every database)\n",
                dir.c_str(), static_cast<long long>(o.cache_kib));
    std::printf("runs: %d, figures are medians\n", o.repeat);

    const fs::path hub_base = dir / "hub-base.db", plain_base = dir / "plain-base.db";
    build_hub(hub_base, d, o.cache_kib);
    std::vector<plain_row> rows;
    if (need_bulk || need_cs)
        rows = plain_rows(d, cols);
    std::vector<unsigned char> cs;
    if (need_cs) {
        bulk_insert(plain_base, rows, cols, o.cache_kib);
        cs = make_changeset(plain_base, dir / "scratch.db", d, o.cache_kib);
    }
    std::vector<sync_response> recorded;
    if (do_b)
        recorded = record_pulls(hub_base, dir / "hub-rec.db", o.cache_kib);
    const fs::path hub_pair = dir / "hub-e-base.db", replica_pair = dir / "replica-e-base.db";
    if (do_e)
        build_http_pair(hub_base, hub_pair, replica_pair, n, m, o.cache_kib);
    std::printf("setup: %.1f s (hub of %zu records built through basic_hub, changeset %zu bytes)\n",
                seconds_since(t_setup), n, cs.size());

    std::vector<double> t_hub, t_cs, t_sync, t_apply, t_bulk, t_child, rss;
    std::vector<double> t_http, t_http_child, http_rss, t_push_big, t_push_default;
    const std::size_t big_push = std::max<std::size_t>(m, 10'000);
    const std::size_t default_push = replica_options{bench::case_schema()}.push_limit;
    std::size_t big_requests = 0, default_requests = 0;
    for (int r = 0; r < o.repeat; ++r) {
        if (do_a)
            t_hub.push_back(hub_apply(hub_base, dir / "hub-a.db", d, o.cache_kib));
        if (need_cs)
            t_cs.push_back(apply_changeset(plain_base, dir / "plain-a.db", cs, d, o.cache_kib));
        if (do_b) {
            t_sync.push_back(
                replica_sync(hub_base, dir / "hub-b.db", dir / "replica-b.db", n, o.cache_kib));
            t_apply.push_back(replica_apply(recorded, dir / "replica-b.db", n, o.cache_kib));
        }
        if (need_bulk)
            t_bulk.push_back(bulk_insert(dir / "plain-b.db", rows, cols, o.cache_kib));
        if (do_c) {
            const child_result c =
                replica_child(hub_base, dir / "hub-c.db", dir / "replica-c.db", n, o.cache_kib);
            t_child.push_back(c.seconds);
            rss.push_back(c.hwm_mib);
            if (r == 0)
                std::printf("(c) child VmHWM before its sync: %.1f MiB\n", c.hwm_before_mib);
        }
        if (do_d) {
            t_http.push_back(
                http_sync(hub_base, dir / "hub-d.db", dir / "replica-d.db", n, m, o.cache_kib));
            const child_result c =
                http_child(hub_base, dir / "hub-d.db", dir / "replica-d.db", n, m, o.cache_kib);
            t_http_child.push_back(c.seconds);
            http_rss.push_back(c.hwm_mib);
            if (r == 0)
                std::printf("(d) http child VmHWM before its sync: %.1f MiB\n", c.hwm_before_mib);
        }
        if (do_e) {
            const push_result big = http_push(hub_pair, replica_pair, dir / "hub-e.db",
                                              dir / "replica-e.db", d, big_push, o.cache_kib);
            const push_result def = http_push(hub_pair, replica_pair, dir / "hub-e.db",
                                              dir / "replica-e.db", d, default_push, o.cache_kib);
            t_push_big.push_back(big.seconds);
            t_push_default.push_back(def.seconds);
            big_requests = big.requests;
            default_requests = def.requests;
        }
        std::printf("run %d:", r + 1);
        auto show = [&](const char* name, const std::vector<double>& v) {
            if (!v.empty())
                std::printf(" %s %.3f s", name, v.back());
        };
        show("hub_apply", t_hub);
        show("changeset_apply", t_cs);
        show("replica_sync", t_sync);
        show("replica_apply", t_apply);
        show("bulk_insert", t_bulk);
        show("replica_child_sync", t_child);
        show("http_sync", t_http);
        show("http_child_sync", t_http_child);
        show("http_push", t_push_big);
        show("http_push_default", t_push_default);
        std::printf("\n");
    }

    std::printf("\n%-58s %8s %10s %12s\n", "measurement", "rows", "median s", "rows/s");
    auto row = [&](const char* name, std::size_t count, const std::vector<double>& v) {
        const double s = median(v);
        std::printf("%-58s %8zu %10.3f %12.0f\n", name, count, s, static_cast<double>(count) / s);
        return static_cast<double>(count) / s;
    };
    // The same ratio over each side's fastest run, printed beside the verdict (which is judged
    // on medians): on a shared machine interference only ever adds time, so this is the
    // ratio with the least of it. Informative. Both sides handle the same rows: the ratio of
    // rates is the inverse ratio of seconds.
    auto best = [](const char* name, const std::vector<double>& ours,
                   const std::vector<double>& theirs) {
        if (ours.size() < 2)
            return;
        const double r = *std::min_element(theirs.begin(), theirs.end()) /
                         *std::min_element(ours.begin(), ours.end());
        std::printf("ratio %s, fastest of %zu runs each = %.2f (informative)\n", name, ours.size(),
                    r);
    };
    bool all_ok = true;
    if (do_a) {
        const std::string name =
            "(a) concord hub: " + std::to_string(m) + " updates in one sync_request (LWW)";
        const double hub = row(name.c_str(), m, t_hub);
        const double cs_rate = row("(a) sqlite3changeset_apply, autocommit", m, t_cs);
        const double ratio = hub / cs_rate;
        all_ok = all_ok && ratio >= 1.0;
        std::printf("ratio hub_apply/changeset_apply = %.2f (target >= 1.0: %s)\n", ratio,
                    verdict(ratio >= 1.0));
        best("hub_apply/changeset_apply", t_hub, t_cs);
    }
    double bulk_rate = 0, cs_rate = 0;
    if (need_bulk)
        bulk_rate = static_cast<double>(n) / median(t_bulk);
    if (need_cs)
        cs_rate = static_cast<double>(m) / median(t_cs);
    if (do_b) {
        const double sync =
            row("(b) concord replica sync, loopback (hub reads included)", n, t_sync);
        const double apply =
            row("(b) concord replica side only (recorded answers replayed)", n, t_apply);
        const double bulk =
            row("(b) SQLite bulk insert, one transaction, one statement", n, t_bulk);
        all_ok = all_ok && sync / bulk >= 0.6;
        std::printf("ratio replica_sync/bulk_insert = %.2f (target >= 0.6: %s)\n", sync / bulk,
                    verdict(sync / bulk >= 0.6));
        best("replica_sync/bulk_insert", t_sync, t_bulk);
        std::printf("ratio replica_apply/bulk_insert = %.2f (replica side alone; informative)\n",
                    apply / bulk);
    }
    if (do_c) {
        row("(c) concord replica sync in a child, hub over a socketpair", n, t_child);
        const double peak = *std::max_element(rss.begin(), rss.end());
        all_ok = all_ok && peak < 64;
        std::printf("peak_rss_mib replica_child = %.1f (max of %zu runs; target < 64: %s)\n", peak,
                    rss.size(), verdict(peak < 64));
    }
    if (do_d) {
        const double http = row("(d) concord replica sync over loopback HTTP", n, t_http);
        if (!do_b)
            row("(b) SQLite bulk insert, one transaction, one statement", n, t_bulk);
        all_ok = all_ok && http / bulk_rate >= 0.5;
        std::printf("ratio http_initial_sync/bulk_insert = %.2f (target >= 0.5: %s)\n",
                    http / bulk_rate, verdict(http / bulk_rate >= 0.5));
        best("http_initial_sync/bulk_insert", t_http, t_bulk);
        row("(d) concord replica sync in a child, hub over HTTP", n, t_http_child);
        const double peak = *std::max_element(http_rss.begin(), http_rss.end());
        all_ok = all_ok && peak < 64;
        std::printf("peak_rss_mib http_replica_child = %.1f (max of %zu runs; target < 64: %s)\n",
                    peak, http_rss.size(), verdict(peak < 64));
    }
    if (do_e) {
        const std::string big_name =
            "(e) replica's updates, one sync over HTTP, push_limit " + std::to_string(big_push);
        const std::string def_name =
            "(e) the same, default push_limit " + std::to_string(default_push);
        const double big = row(big_name.c_str(), m, t_push_big);
        const double def = row(def_name.c_str(), m, t_push_default);
        if (!do_a)
            row("(a) sqlite3changeset_apply, autocommit", m, t_cs);
        all_ok = all_ok && big / cs_rate >= 0.7;
        std::printf("ratio http_push/changeset_apply = %.2f (push_limit %zu, %zu requests; "
                    "target >= 0.7: %s)\n",
                    big / cs_rate, big_push, big_requests, verdict(big / cs_rate >= 0.7));
        best("http_push/changeset_apply", t_push_big, t_cs);
        std::printf("ratio http_push_default/changeset_apply = %.2f (push_limit %zu, %zu "
                    "requests; informative)\n",
                    def / cs_rate, default_push, default_requests);
    }
    if (!o.keep && o.dir.empty())
        fs::remove_all(dir);
    return all_ok ? 0 : 2;
}

} // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    if (argc == 5 && std::string_view(argv[1]) == "--child") {
        const int fd = std::atoi(argv[2]);
        return child_run(fd, socket_transport(fd), argv[3], std::atoll(argv[4]));
    }
    if (argc == 6 && std::string_view(argv[1]) == "--child-http")
        return child_run(std::atoi(argv[2]), transport_to(argv[3]), argv[4], std::atoll(argv[5]));
    try {
        return run(parse_args(argc, argv));
    } catch (const std::exception& e) {
        fail(e.what());
    }
}
