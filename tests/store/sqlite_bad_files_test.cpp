// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the SQLite stores on bad files: not a database, read-only, full, locked, newer, older.

#include <concord/hub/basic_hub.hpp>
#include <concord/replica/basic_replica.hpp>
#include <concord/store/memory_hub_store.hpp>
#include <concord/store/sqlite_hub_store.hpp>
#include <concord/store/sqlite_replica_store.hpp>
#include <concord/transport/loopback.hpp>

#include <catch2/catch.hpp>
#include <support/schemas.hpp>

#include <boost/json/object.hpp>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace concord;
using namespace std::chrono_literals;

/// A directory under /tmp, removed with its contents.
class scratch_dir {
public:
    scratch_dir() {
        char tmpl[] = "/tmp/concord-badfiles-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;
    ~scratch_dir() {
        std::error_code ec;
        std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ec);
        std::filesystem::remove_all(path_, ec);
    }
    const std::string& path() const noexcept { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

/// A transport for replicas that never sync in a test.
struct offline_transport {
    result<sync_response> exchange(const sync_request&) {
        return error(errc::transport_failed, "offline");
    }
};

using offline_replica = basic_replica<sqlite_replica_store, offline_transport>;
using sqlite_hub = basic_hub<sqlite_hub_store>;

offline_replica open_replica(const std::string& path, sqlite_options o = {},
                             const schema& s = test::helpdesk()) {
    return offline_replica(replica_options{s}, sqlite_replica_store(path, s, o));
}

sqlite_hub open_hub(const std::string& path, sqlite_options o = {}) {
    return sqlite_hub(hub_options{test::helpdesk()}, sqlite_hub_store(path, test::helpdesk(), o));
}

sqlite_options page_limit(std::int64_t pages) {
    sqlite_options o;
    o.max_page_count = pages;
    return o;
}

boost::json::object a_case(const std::string& number, std::size_t description = 0) {
    boost::json::object o{{"Number", number}, {"Category", "Incident"}};
    if (description > 0)
        o["Description"] = std::string(description, 'd');
    return o;
}

/// An insert of a new Case as replica `r` would push it (its `seq`-th change).
change case_insert(replica_id r, std::uint64_t seq, std::size_t description = 0) {
    change c;
    c.id = change_id{r, seq};
    c.op = operation::insert;
    c.entity = "Case";
    c.record_id = new_guid();
    c.at = stamp{system_clock().now_ms(), 0, r};
    c.fields = a_case("H" + std::to_string(seq), description);
    return c;
}

sync_request push_request(replica_id r, std::vector<change> push) {
    sync_request req;
    req.replica = r;
    req.push = std::move(push);
    return req;
}

/// What a replica holds: its records and its outbox.
struct replica_view {
    std::vector<record> records;
    std::vector<change> pending;
    friend bool operator==(const replica_view&, const replica_view&) = default;
};

template <class Replica>
replica_view view_of(Replica& r) {
    auto found = r.find("Case");
    if (!found)
        throw std::runtime_error("reading the replica: " + found.error().message);
    return {std::move(*found), r.pending()};
}

/// Every row of the hub's change log, in sequence order.
std::vector<hub_record> hub_rows(sqlite_hub_store& s) {
    auto tx = s.begin();
    return tx.changes_after(0, 1'000'000, {}).rows;
}

/// Runs `open`, which must throw concord::system_error(store_failed) naming `path` and
/// saying `why`.
void check_refused(const std::function<void()>& open, const std::string& path,
                   const std::string& why) {
    try {
        open();
        FAIL("the store opened " << path);
    } catch (const concord::system_error& e) {
        INFO(e.what());
        CHECK(e.code() == errc::store_failed);
        CHECK(contains(e.what(), path));
        CHECK(contains(e.what(), why));
    }
}

void set_user_version(const std::string& path, int v) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    const std::string sql = "PRAGMA user_version=" + std::to_string(v);
    CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

/// Runs `f` in a child process and @returns what it wrote to its end of a pipe.
/// The parent must hold no SQLite connection at the fork: a child must not inherit one.
std::string in_child(const std::function<std::string(int signal_fd)>& f, int* status = nullptr) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        std::string out;
        try {
            out = f(fds[1]);
        } catch (const std::exception& e) {
            out = std::string("child threw: ") + e.what();
        }
        const ssize_t w = ::write(fds[1], out.data(), out.size());
        ::_exit(w == static_cast<ssize_t>(out.size()) ? 0 : 1);
    }
    ::close(fds[1]);
    std::string got;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        got.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    if (status != nullptr)
        *status = st;
    return got;
}

/// Blocks until the other end writes one byte (or closes). @returns that byte, or 0.
char wait_byte(int fd) {
    char c = 0;
    while (::read(fd, &c, 1) < 0 && errno == EINTR) {
    }
    return c;
}

} // namespace

TEST_CASE("sqlite stores: a file that is not a database is refused by name and left unchanged",
          "[sqlite]") {
    scratch_dir dir;
    const std::string path = dir.file("notes.txt");
    std::string long_text;
    for (int i = 0; i < 100; ++i)
        long_text += "line " + std::to_string(i) + ": this is a text file, not a database\n";
    for (const std::string& text : {std::string("hello, world\n"), long_text}) {
        INFO(text.size() << " bytes of text");
        write_file(path, text);
        check_refused([&] { sqlite_replica_store s(path, test::helpdesk()); }, path,
                      "not a database");
        CHECK(slurp(path) == text);
        check_refused([&] { sqlite_hub_store s(path, test::helpdesk()); }, path, "not a database");
        CHECK(slurp(path) == text);
        CHECK_FALSE(std::filesystem::exists(path + "-wal"));
        CHECK_FALSE(std::filesystem::exists(path + "-journal"));
    }
}

TEST_CASE("sqlite stores: a file of a newer format is refused and left unchanged", "[sqlite]") {
    scratch_dir dir;
    // A file our stores made (WAL mode) and one some other program made (rollback journal):
    // switching the latter to WAL would write its header before the format is checked.
    const std::string replica_db = dir.file("replica.db");
    const std::string hub_db = dir.file("hub.db");
    const std::string plain_db = dir.file("plain.db");
    {
        auto r = open_replica(replica_db);
        REQUIRE(r.insert("Case", a_case("C-1")).has_value());
        sqlite_hub_store h(hub_db, test::helpdesk());
    }
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(plain_db.c_str(), &db) == SQLITE_OK);
        CHECK(sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1)", nullptr, nullptr,
                           nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    for (const std::string& path : {replica_db, hub_db, plain_db}) {
        set_user_version(path, 99);
        const std::string before = slurp(path);
        check_refused([&] { sqlite_replica_store s(path, test::helpdesk()); }, path, "newer");
        CHECK(slurp(path) == before);
        check_refused([&] { sqlite_hub_store s(path, test::helpdesk()); }, path, "newer");
        CHECK(slurp(path) == before);
    }
}

TEST_CASE("sqlite stores: a read-only file is refused with store_failed and left unchanged",
          "[sqlite]") {
    scratch_dir dir;
    const std::string replica_db = dir.file("replica.db");
    const std::string hub_db = dir.file("hub.db");
    const replica_id pusher{0x77};
    {
        auto r = open_replica(replica_db);
        REQUIRE(r.insert("Case", a_case("C-1")).has_value());
        auto h = open_hub(hub_db);
        REQUIRE(h.sync(push_request(pusher, {case_insert(pusher, 1)})).has_value());
    }
    REQUIRE(::chmod(replica_db.c_str(), 0444) == 0);
    REQUIRE(::chmod(hub_db.c_str(), 0444) == 0);
    const std::string replica_bytes = slurp(replica_db);
    const std::string hub_bytes = slurp(hub_db);

    // Root writes through permission bits: run the stores as "nobody" in a child instead (the
    // directory stays writable, as an owner's would be, so only the file's mode says no).
    const bool as_root = ::geteuid() == 0;
    if (as_root)
        REQUIRE(::chmod(dir.path().c_str(), 0777) == 0);
    auto check = [&](int) -> std::string {
        if (as_root && (::setgid(65534) != 0 || ::setuid(65534) != 0))
            return "skip";
        if (::access(replica_db.c_str(), W_OK) == 0)
            return "skip";
        std::string problems;
        // The replica: refused at open, or every write fails and nothing changes.
        try {
            auto r = open_replica(replica_db);
            const replica_view before = view_of(r);
            auto made = r.insert("Case", a_case("C-2"));
            if (made)
                problems += "replica: an insert succeeded on a read-only file; ";
            else if (made.error() != errc::store_failed ||
                     !contains(made.error().message, "readonly"))
                problems += "replica: the insert failed with: " + made.error().message + "; ";
            if (!(view_of(r) == before))
                problems += "replica: the failed insert changed what the replica holds; ";
        } catch (const concord::system_error& e) {
            if (e.code() != errc::store_failed || !contains(e.what(), replica_db))
                problems += std::string("replica: refused with: ") + e.what() + "; ";
        }
        // The hub: refused at open, or a batch fails and writes nothing.
        try {
            auto h = open_hub(hub_db);
            const std::size_t count = h.store().record_count("Case");
            auto answer = h.sync(push_request(pusher, {case_insert(pusher, 2)}));
            if (answer)
                problems += "hub: a batch succeeded on a read-only file; ";
            else if (answer.error() != errc::store_failed ||
                     !contains(answer.error().message, "readonly"))
                problems += "hub: the batch failed with: " + answer.error().message + "; ";
            if (h.store().record_count("Case") != count)
                problems += "hub: the failed batch changed the record count; ";
        } catch (const concord::system_error& e) {
            if (e.code() != errc::store_failed || !contains(e.what(), hub_db))
                problems += std::string("hub: refused with: ") + e.what() + "; ";
        }
        return problems;
    };
    const std::string problems = as_root ? in_child(check) : check(-1);
    if (problems == "skip") {
        WARN("skipped: the read-only file is writable here (root without setuid)");
        return;
    }
    INFO(problems);
    CHECK(problems.empty());
    CHECK(slurp(replica_db) == replica_bytes);
    CHECK(slurp(hub_db) == hub_bytes);
}

TEST_CASE("sqlite_replica_store: a full disk fails the write and leaves the store as it was",
          "[sqlite]") {
    scratch_dir dir;
    const std::string path = dir.file("replica.db");
    std::size_t written = 0;
    replica_view before_failure;
    {
        auto r = open_replica(path, page_limit(64)); // 256 KiB
        std::optional<error> failure;
        while (!failure && written < 10'000) {
            const replica_view before = view_of(r);
            auto made = r.insert("Case", a_case("F-" + std::to_string(written), 400));
            if (made) {
                ++written;
                continue;
            }
            failure = made.error();
            before_failure = before;
            INFO(failure->message);
            CHECK(failure->code == errc::store_failed);
            CHECK(contains(failure->message, "full"));
            CHECK(view_of(r) == before); // records and outbox as before the call
        }
        REQUIRE(failure.has_value());
        REQUIRE(written > 10); // the limit was hit by data, not at open
        CHECK(before_failure.records.size() == written);
        CHECK(before_failure.pending.size() == written);
        // Reads go on working on the full store.
        auto first = r.get("Case", before_failure.records.front().id);
        REQUIRE(first.has_value());
        CHECK(*first == before_failure.records.front());
    }
    // More room: the same replica file works again, with everything it had.
    auto r = open_replica(path, page_limit(100'000));
    CHECK(view_of(r) == before_failure);
    auto made = r.insert("Case", a_case("F-" + std::to_string(written), 400));
    REQUIRE(made.has_value());
    auto got = r.get("Case", *made);
    REQUIRE(got.has_value());
    CHECK(got->fields == a_case("F-" + std::to_string(written), 400));
    CHECK(r.pending().size() == written + 1);
}

TEST_CASE("sqlite_hub_store: a batch that hits a full disk writes nothing", "[sqlite]") {
    scratch_dir dir;
    const std::string path = dir.file("hub.db");
    const replica_id pusher{0x42};
    std::vector<change> small, big;
    for (std::uint64_t i = 1; i <= 5; ++i)
        small.push_back(case_insert(pusher, i, 100));
    for (std::uint64_t i = 6; i <= 305; ++i)
        big.push_back(case_insert(pusher, i, 450));
    std::vector<hub_record> rows_before;
    {
        auto hub = open_hub(path, page_limit(40)); // 160 KiB: the small batch fits, the big not
        auto first = hub.sync(push_request(pusher, small));
        REQUIRE(first.has_value());
        rows_before = hub_rows(hub.store());
        REQUIRE(rows_before.size() == 5);

        auto second = hub.sync(push_request(pusher, big));
        REQUIRE_FALSE(second.has_value());
        INFO(second.error().message);
        CHECK(second.error() == errc::store_failed);
        CHECK(contains(second.error().message, "full"));
        // Nothing of the batch: no record, no change-log entry, no stored outcome.
        CHECK(hub.store().record_count("Case") == 5);
        CHECK(hub_rows(hub.store()) == rows_before);
        auto tx = hub.store().begin();
        std::size_t outcomes = 0;
        for (const change& c : big)
            outcomes += tx.find_outcome(c.id).has_value() ? 1U : 0U;
        CHECK(outcomes == 0);
        CHECK(tx.changes_after(0, 1'000, {}).cursor == rows_before.back().seq);
    }
    // With room, the same batch applies in full: the failure left no dedupe marks behind.
    auto hub = open_hub(path);
    auto retried = hub.sync(push_request(pusher, big));
    REQUIRE(retried.has_value());
    REQUIRE(retried->outcomes.size() == big.size());
    std::size_t applied = 0;
    for (const outcome& o : retried->outcomes)
        applied += o.kind == outcome_kind::applied ? 1U : 0U;
    CHECK(applied == big.size());
    CHECK(hub.store().record_count("Case") == 5 + big.size());
}

TEST_CASE("sqlite stores: a file locked by another process fails the write, which then succeeds",
          "[sqlite]") {
    scratch_dir dir;
    const std::string replica_db = dir.file("replica.db");
    const std::string hub_db = dir.file("hub.db");
    const replica_id pusher{0x99};
    {
        auto r = open_replica(replica_db);
        REQUIRE(r.insert("Case", a_case("L-1")).has_value());
        auto h = open_hub(hub_db);
        REQUIRE(h.sync(push_request(pusher, {case_insert(pusher, 1)})).has_value());
    }
    sqlite_options quick;
    quick.busy_timeout_ms = 100;

    for (const std::string& path : {replica_db, hub_db}) {
        INFO(path);
        // Forked before this process opens the file: the child's SQLite starts clean. It takes
        // the write lock, says so, holds it ~1 s, and lets go.
        int to_child[2], from_child[2];
        REQUIRE(::pipe(to_child) == 0);
        REQUIRE(::pipe(from_child) == 0);
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(to_child[1]);
            ::close(from_child[0]);
            wait_byte(to_child[0]);
            sqlite3* db = nullptr;
            int code = 1;
            if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK &&
                sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK) {
                const char locked = 'L';
                if (::write(from_child[1], &locked, 1) == 1)
                    code = 0;
                std::this_thread::sleep_for(1s);
                sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            }
            sqlite3_close(db);
            ::_exit(code);
        }
        ::close(to_child[0]);
        ::close(from_child[1]);

        std::optional<offline_replica> replica;
        std::optional<sqlite_hub> hub;
        if (path == replica_db)
            replica.emplace(replica_options{test::helpdesk()},
                            sqlite_replica_store(path, test::helpdesk(), quick));
        else
            hub.emplace(hub_options{test::helpdesk()},
                        sqlite_hub_store(path, test::helpdesk(), quick));
        boost::json::object fields = a_case("L-2");
        fields["Id"] = new_guid();
        const change pushed = case_insert(pusher, 2);
        // The same write, before and after the lock is released.
        auto write = [&]() -> result<void> {
            if (replica) {
                auto made = replica->insert("Case", fields);
                return made ? result<void>() : result<void>(made.error());
            }
            auto answer = hub->sync(push_request(pusher, {pushed}));
            return answer ? result<void>() : result<void>(answer.error());
        };
        auto count = [&] {
            return replica ? view_of(*replica).records.size() : hub->store().record_count("Case");
        };
        const std::optional<replica_view> view_before =
            replica ? std::optional<replica_view>(view_of(*replica)) : std::nullopt;
        const std::size_t count_before = count();

        const char go = 'G';
        REQUIRE(::write(to_child[1], &go, 1) == 1);
        REQUIRE(wait_byte(from_child[0]) == 'L');
        const auto started = std::chrono::steady_clock::now();
        auto blocked = write();
        const auto waited = std::chrono::steady_clock::now() - started;
        REQUIRE_FALSE(blocked.has_value());
        INFO(blocked.error().message);
        CHECK(blocked.error() == errc::store_failed);
        CHECK((contains(blocked.error().message, "locked") ||
               contains(blocked.error().message, "busy")));
        CHECK(waited >= 90ms); // it waited for the lock as long as it was told to …
        CHECK(waited < 900ms); // … and no longer

        int status = 0;
        ::waitpid(pid, &status, 0);
        ::close(to_child[1]);
        ::close(from_child[0]);
        REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
        // Read once the lock is gone: the replica's reads take the write lock too.
        CHECK(count() == count_before);
        if (replica)
            CHECK(view_of(*replica) == *view_before);
        auto retried = write();
        INFO((retried ? std::string("ok") : retried.error().message));
        CHECK(retried.has_value());
        CHECK(count() == count_before + 1);
    }
}

TEST_CASE("sqlite_replica_store: a reopened replica keeps its id, outbox, sync log and cursor",
          "[sqlite]") {
    using hub_type = basic_hub<memory_hub_store, allow_all, manual_clock_ref>;
    using replica_type =
        basic_replica<sqlite_replica_store, loopback_transport<hub_type>, manual_clock_ref>;
    scratch_dir dir;
    const std::string a_db = dir.file("a.db");
    manual_clock time;
    hub_type hub(hub_options{test::helpdesk()}, memory_hub_store(), allow_all(),
                 manual_clock_ref(time));
    auto open = [&](const std::string& path) {
        return std::make_unique<replica_type>(
            replica_options{test::helpdesk()}, sqlite_replica_store(path, test::helpdesk()),
            loopback_transport<hub_type>(hub), manual_clock_ref(time));
    };
    auto a = open(a_db);
    auto b = open(dir.file("b.db"));
    auto id = a->insert("Case", a_case("P-1"));
    REQUIRE(id.has_value());
    REQUIRE(a->sync().has_value());
    REQUIRE(b->sync().has_value());
    // A edits Status, B edits it later and syncs first: A's change is superseded.
    time.advance(10);
    REQUIRE(a->update("Case", *id, {{"Status", "mine"}}).has_value());
    time.advance(10);
    REQUIRE(b->update("Case", *id, {{"Status", "theirs"}}).has_value());
    REQUIRE(b->sync().has_value());
    REQUIRE(a->sync().has_value());
    // And something still pending.
    time.advance(10);
    REQUIRE(a->update("Case", *id, {{"Priority", 3}}).has_value());
    REQUIRE(a->insert("Case", a_case("P-2")).has_value());

    const replica_id a_id = a->id();
    const replica_view view = view_of(*a);
    const sync_log_view log = a->sync_log();
    const replica_state state = a->store().begin().state();
    REQUIRE(log.entries.size() == 1);
    CHECK(log.entries.front().result.kind == outcome_kind::superseded);
    REQUIRE(view.pending.size() == 2);
    CHECK(state.cursor > 0);
    a.reset(); // a clean close

    a = open(a_db);
    CHECK(a->id() == a_id);
    CHECK(view_of(*a) == view);
    const sync_log_view log_again = a->sync_log();
    CHECK(log_again.last_sync_ms == log.last_sync_ms);
    CHECK(log_again.entries == log.entries);
    CHECK(a->store().begin().state() == state);
    // It carries on from there: the outbox drains, the cursor moves on.
    auto s = a->sync();
    REQUIRE(s.has_value());
    CHECK(s->pushed == 2);
    CHECK(a->pending().empty());
    CHECK(a->store().begin().state().cursor > state.cursor);
}

TEST_CASE("sqlite stores: a schema that gained a column and an entity migrates on reopen",
          "[sqlite]") {
    scratch_dir dir;
    const std::string replica_db = dir.file("replica.db");
    const std::string hub_db = dir.file("hub.db");
    const schema v1 = test::helpdesk();
    schema v2 = v1;
    entity_schema case_v2 = *v1.find("Case");
    case_v2.columns.push_back(column{"Severity", data_value_type::integer});
    v2.add(case_v2);
    v2.add(entity_schema{"Note", {column{"Text", data_value_type::text, true}}});

    // The replica.
    replica_view old_view;
    {
        auto r = open_replica(replica_db, {}, v1);
        boost::json::object full = a_case("M-1", 20);
        full["Priority"] = 2;
        full["Escalated"] = true;
        REQUIRE(r.insert("Case", full).has_value());
        REQUIRE(r.insert("Case", a_case("M-2")).has_value());
        old_view = view_of(r);
    }
    {
        auto r = open_replica(replica_db, {}, v2);
        CHECK(view_of(r) == old_view); // old rows keep their values; no Severity appears
        const std::string& id = old_view.records.front().id;
        REQUIRE(r.update("Case", id, {{"Severity", 4}}).has_value());
        REQUIRE(r.insert("Note", {{"Text", "new entity"}}).has_value());
    }
    {
        auto r = open_replica(replica_db, {}, v2); // a second open finds nothing to migrate
        auto got = r.get("Case", old_view.records.front().id);
        REQUIRE(got.has_value());
        boost::json::object expected = old_view.records.front().fields;
        expected["Severity"] = 4;
        CHECK(got->fields == expected);
        auto notes = r.find("Note");
        REQUIRE(notes.has_value());
        REQUIRE(notes->size() == 1);
        CHECK(notes->front().fields == boost::json::object{{"Text", "new entity"}});
        CHECK(r.pending().size() == old_view.pending.size() + 2);
    }

    // The hub: per-field stamps survive the new column too.
    stored_record old_rec;
    old_rec.entity = "Case";
    old_rec.id = new_guid();
    old_rec.fields = a_case("M-3", 10);
    for (const auto& f : old_rec.fields)
        old_rec.stamps.insert_or_assign(std::string(f.key()),
                                        stamp{1'700'000'000'000, 1, replica_id{5}});
    {
        sqlite_hub_store h(hub_db, v1);
        auto tx = h.begin();
        tx.save(old_rec);
        tx.commit();
    }
    sqlite_hub_store h(hub_db, v2);
    auto tx = h.begin();
    auto loaded = tx.load("Case", old_rec.id);
    REQUIRE(loaded.has_value());
    CHECK(loaded->fields == old_rec.fields);
    CHECK(loaded->stamps == old_rec.stamps);
    CHECK(loaded->seq == old_rec.seq);
    stored_record note;
    note.entity = "Note";
    note.id = new_guid();
    note.fields = {{"Text", "hub note"}};
    note.stamps.insert_or_assign("Text", stamp{1'700'000'000'001, 0, replica_id{5}});
    tx.save(note);
    loaded->fields["Severity"] = 1;
    loaded->stamps.insert_or_assign("Severity", stamp{1'700'000'000'002, 0, replica_id{5}});
    tx.save(*loaded);
    tx.commit();
    auto tx2 = h.begin();
    auto again = tx2.load("Case", old_rec.id);
    REQUIRE(again.has_value());
    CHECK(again->fields.at("Severity") == 1);
    CHECK(again->stamps == loaded->stamps);
    auto note_back = tx2.load("Note", note.id);
    REQUIRE(note_back.has_value());
    CHECK(note_back->fields == note.fields);
}

TEST_CASE("sqlite stores: the write-ahead log stays bounded while a store stays open", "[sqlite]") {
    // The log is copied back once it holds `background_checkpoint_pages`, and a commit past
    // `checkpoint_takeover_pages` copies it itself, unless a reader pins it: a cached statement
    // left stepped did that, and the -wal file grew by every write for ever. Small thresholds
    // (0.4 and 1.6 MiB) make the bound tight: the replica's 2,000 commits with the log pinned
    // leave a ~60 MiB file.
    scratch_dir dir;
    const std::string replica_db = dir.file("replica.db");
    const std::string hub_db = dir.file("hub.db");
    sqlite_options o;
    o.background_checkpoint_pages = 100;
    o.checkpoint_takeover_pages = 400;
    // The takeover bound, and the two commits that can pass it before one takes over; a frame
    // is a page and its 24-byte header, after the log's 32-byte header.
    constexpr std::uintmax_t frame = 4096U + 24U;
    constexpr std::uintmax_t bound = 32U + 600U * frame;
    {
        auto r = open_replica(replica_db, o);
        for (int i = 0; i < 2000; ++i)
            REQUIRE(r.insert("Case", a_case("W-" + std::to_string(i), 200)).has_value());
        CHECK(std::filesystem::file_size(replica_db + "-wal") < bound);
        CHECK(r.pending().size() == 2000);
    }
    {
        // The defaults (1,000 and 8,000 pages) bound it too, by the takeover at worst.
        const std::string defaults_db = dir.file("defaults.db");
        auto r = open_replica(defaults_db);
        for (int i = 0; i < 2000; ++i)
            REQUIRE(r.insert("Case", a_case("D-" + std::to_string(i), 200)).has_value());
        CHECK(std::filesystem::file_size(defaults_db + "-wal") < 32U + 8200U * frame);
    }
    {
        auto h = open_hub(hub_db, o);
        const replica_id pusher{0x31};
        std::uint64_t seq = 0;
        for (int batch = 0; batch < 400; ++batch) {
            std::vector<change> push;
            for (int i = 0; i < 5; ++i)
                push.push_back(case_insert(pusher, ++seq, 200));
            REQUIRE(h.sync(push_request(pusher, std::move(push))).has_value());
        }
        CHECK(std::filesystem::file_size(hub_db + "-wal") < bound);
        CHECK(h.store().record_count("Case") == 2000);
    }
}

TEST_CASE("sqlite_replica_store: a format 1 file is migrated to the current format, keeping its "
          "state",
          "[sqlite]") {
    scratch_dir dir;
    const std::string path = dir.file("replica-v1.db");
    const std::string id = "00000000-0000-4000-8000-000000000001";
    {
        // The format 1 layout, as that build wrote it.
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                nullptr) == SQLITE_OK);
        const char* ddl =
            "CREATE TABLE concord_outbox (seq INTEGER PRIMARY KEY, replica INTEGER NOT NULL, "
            "entity TEXT NOT NULL, record_id TEXT NOT NULL, change TEXT NOT NULL);"
            "CREATE TABLE concord_shadows (entity TEXT NOT NULL, id TEXT NOT NULL, value TEXT "
            "NOT NULL, PRIMARY KEY (entity, id)) WITHOUT ROWID;"
            "CREATE TABLE concord_log (id INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT "
            "NULL);"
            "CREATE TABLE concord_state (k INTEGER PRIMARY KEY CHECK (k = 1), replica INTEGER "
            "NOT NULL, next_seq INTEGER NOT NULL, clock TEXT NOT NULL, cursor INTEGER NOT NULL, "
            "acknowledged INTEGER NOT NULL, last_sync_ms INTEGER);"
            "INSERT INTO concord_state VALUES (1, 77, 5, '018bcfe56800-00000000-000000000000004d', "
            "42, 4, 1700000000500);"
            "CREATE TABLE \"Case\" (Id TEXT PRIMARY KEY NOT NULL, \"Number\", \"Category\");"
            "INSERT INTO \"Case\" VALUES ('00000000-0000-4000-8000-000000000001', 'CS-1', "
            "'Incident');"
            "PRAGMA user_version=1;";
        REQUIRE(sqlite3_exec(db, ddl, nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    {
        sqlite_replica_store s(path, test::helpdesk());
        auto tx = s.begin();
        const replica_state st = tx.state();
        CHECK(st.id == replica_id{77});
        CHECK(st.next_seq == 5);
        CHECK(st.cursor == 42);
        CHECK(st.acknowledged == 4);
        CHECK(st.last_sync_ms == 1'700'000'000'500);
        CHECK(st.scope.empty()); // format 2's columns start empty: the next pull re-syncs once
        CHECK_FALSE(st.resync);
        CHECK(st.administrator_email.empty());
        CHECK(st.workplace.empty());
        CHECK(st.schema.empty()); // format 3: no hub schema adopted yet
        auto r = tx.get("Case", id);
        REQUIRE(r.has_value());
        CHECK(r->fields == boost::json::object{{"Number", "CS-1"}, {"Category", "Incident"}});
        replica_state next = st;
        next.scope = "key";
        next.resync = true;
        next.administrator_email = "admin@example.com";
        next.workplace = "workplace \"Mine\"";
        next.schema = R"({"entities":[]})";
        tx.save_state(next);
        tx.commit();
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == sqlite_replica_store::format_version);
    sqlite3_finalize(st);
    sqlite3_close(db);
    sqlite_replica_store again(path, test::helpdesk());
    auto tx = again.begin();
    CHECK(tx.state().scope == "key");
    CHECK(tx.state().resync);
    CHECK(tx.state().administrator_email == "admin@example.com");
    CHECK(tx.state().workplace == "workplace \"Mine\"");
    CHECK(tx.state().schema == R"({"entities":[]})");
}

// What formats 1 and 2 of sqlite_hub_store wrote alike: the bookkeeping tables, and the
// stamps blob of a record whose Number and Category share one stamp (a count, the distinct
// stamps: ms 8, logical 4, replica 8 bytes, then one 2-byte stamp index per column; all
// big-endian).
const std::string old_hub_bookkeeping =
    "CREATE TABLE concord_meta (key TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID;"
    "CREATE TABLE concord_outcomes (replica INTEGER NOT NULL, seq INTEGER NOT NULL, "
    "entity TEXT NOT NULL, record_id TEXT NOT NULL, body TEXT, PRIMARY KEY (replica, "
    "seq)) WITHOUT ROWID;"
    "CREATE TABLE concord_marks (replica INTEGER PRIMARY KEY NOT NULL, acknowledged "
    "INTEGER NOT NULL);";
const std::string old_hub_stamps = "X'"
                                   "0001"                         // one stamp:
                                   "0000018BCFE56800"             // ms 1'700'000'000'000
                                   "00000000"                     // logical 0
                                   "0000000000000009"             // replica 9
                                   "00010001"                     // Number, Category: stamp 1
                                   "0000000000000000000000000000" // the 7 other columns
                                   "'";

TEST_CASE("sqlite_hub_store: a format 1 file is migrated to the current format, keeping records, "
          "change log and dedupe state",
          "[sqlite]") {
    scratch_dir dir;
    const std::string path = dir.file("hub-v1.db");
    const std::string a = "00000000-0000-4000-8000-00000000000a";
    const std::string b = "00000000-0000-4000-8000-00000000000b";
    const std::string c = "00000000-0000-4000-8000-00000000000c";
    const stamp at{1'700'000'000'000, 0, replica_id{9}};
    {
        // The format 1 layout, as that build wrote it: rowid = change sequence.
        const std::string& stamps = old_hub_stamps;
        const std::string ddl =
            old_hub_bookkeeping +
            "CREATE TABLE concord_departures (seq INTEGER PRIMARY KEY, entity TEXT NOT NULL, id "
            "TEXT NOT NULL, before TEXT NOT NULL);"
            "CREATE INDEX concord_departures_record ON concord_departures (entity, id, seq);"
            "CREATE TABLE \"Case\" (concord_seq INTEGER PRIMARY KEY, Id TEXT NOT NULL UNIQUE, "
            "concord_deleted TEXT, concord_stamps BLOB NOT NULL, \"Number\", \"Category\", "
            "\"Status\", \"Description\", \"Owner\", \"Org\", \"Priority\", \"Escalated\", "
            "\"CreatedOn\");"
            "CREATE TABLE \"Message\" (concord_seq INTEGER PRIMARY KEY, Id TEXT NOT NULL UNIQUE, "
            "concord_deleted TEXT, concord_stamps BLOB NOT NULL, \"Case\", \"Author\", "
            "\"Text\");"
            // Inserted out of sequence order: the migration must not depend on it.
            "INSERT INTO \"Case\" (concord_seq, Id, concord_deleted, concord_stamps, \"Number\", "
            "\"Category\") VALUES (4, '" +
            c + "', NULL, " + stamps + ", 'CS-3', 'Incident');" +
            "INSERT INTO \"Case\" (concord_seq, Id, concord_deleted, concord_stamps, \"Number\", "
            "\"Category\") VALUES (3, '" +
            a + "', NULL, " + stamps + ", 'CS-1', 'Service request');" +
            "INSERT INTO \"Case\" (concord_seq, Id, concord_deleted, concord_stamps) VALUES (5, '" +
            b + "', '018bcfe56800-00000000-0000000000000009', X'0000');" +
            "INSERT INTO concord_meta VALUES ('seq', 5);"
            "INSERT INTO concord_marks VALUES (9, 2);"
            "INSERT INTO concord_outcomes VALUES (9, 3, 'Case', '" +
            a + "', NULL);" + "PRAGMA user_version=1;";
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_exec(db, ddl.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    {
        sqlite_hub_store s(path, test::helpdesk());
        CHECK(s.record_count("Case") == 3);
        auto tx = s.begin();
        auto ra = tx.load("Case", a);
        REQUIRE(ra.has_value());
        CHECK(ra->seq == 3);
        CHECK(ra->fields ==
              boost::json::object{{"Number", "CS-1"}, {"Category", "Service request"}});
        CHECK(ra->stamps.size() == 2);
        CHECK(ra->stamps.at("Number") == at);
        CHECK(ra->stamps.at("Category") == at);
        CHECK_FALSE(ra->deleted);
        auto rb = tx.load("Case", b);
        REQUIRE(rb.has_value());
        CHECK(rb->deleted == at);
        CHECK(rb->seq == 5);
        // The change log, in sequence order.
        const change_page page = tx.changes_after(0, 10, {});
        REQUIRE(page.rows.size() == 3);
        CHECK(page.rows[0].id == a);
        CHECK(page.rows[1].id == c);
        CHECK(page.rows[1].fields ==
              boost::json::object{{"Number", "CS-3"}, {"Category", "Incident"}});
        CHECK(page.rows[2].id == b);
        CHECK(page.rows[2].deleted);
        CHECK(page.cursor == 5);
        CHECK_FALSE(page.more);
        // Dedupe state.
        CHECK(tx.acknowledged(replica_id{9}) == 2);
        auto o = tx.find_outcome(change_id{replica_id{9}, 3});
        REQUIRE(o.has_value());
        CHECK(o->kind == outcome_kind::applied);
        CHECK(o->record_id == a);
        // The sequence carries on; an update keeps one row per record.
        ra->fields["Status"] = "Open";
        ra->stamps.insert_or_assign("Status", at);
        CHECK(tx.save(*ra) == 6);
        tx.commit();
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == sqlite_hub_store::format_version);
    sqlite3_finalize(st);
    sqlite3_close(db);
    sqlite_hub_store again(path, test::helpdesk());
    CHECK(again.record_count("Case") == 3);
    auto tx = again.begin();
    const change_page page = tx.changes_after(5, 10, {});
    REQUIRE(page.rows.size() == 1);
    CHECK(page.rows[0].id == a);
    CHECK(page.rows[0].seq == 6);
    CHECK(page.rows[0].fields.at("Status") == "Open");
    CHECK(tx.changes_after(0, 10, {}).rows.size() == 3);
}

TEST_CASE("sqlite_hub_store: a format 2 file is migrated to the current format, its change log "
          "rebuilt from the records and its stored outcomes kept",
          "[sqlite]") {
    scratch_dir dir;
    const std::string path = dir.file("hub-v2.db");
    const std::string a = "00000000-0000-4000-8000-00000000000a";
    const std::string b = "00000000-0000-4000-8000-00000000000b";
    const stamp at{1'700'000'000'000, 0, replica_id{9}};
    {
        // The format 2 layout, as that build wrote it: a stable row per record, the change log
        // as a unique index on concord_seq, plain outcomes one row each.
        const std::string& stamps = old_hub_stamps;
        const std::string ddl =
            old_hub_bookkeeping +
            "CREATE TABLE \"Case\" (concord_row INTEGER PRIMARY KEY, Id TEXT NOT NULL UNIQUE, "
            "concord_seq INTEGER NOT NULL, concord_deleted TEXT, concord_stamps BLOB NOT NULL, "
            "\"Number\", \"Category\", \"Status\", \"Description\", \"Owner\", \"Org\", "
            "\"Priority\", \"Escalated\", \"CreatedOn\");"
            "CREATE UNIQUE INDEX \"concord_seq_Case\" ON \"Case\" (concord_seq);"
            // Row order is not sequence order: b was updated in place after a was written.
            "INSERT INTO \"Case\" (concord_row, Id, concord_seq, concord_deleted, concord_stamps, "
            "\"Number\", \"Category\") VALUES (1, '" +
            b + "', 7, NULL, " + stamps + ", 'CS-2', 'Incident');" +
            "INSERT INTO \"Case\" (concord_row, Id, concord_seq, concord_deleted, concord_stamps, "
            "\"Number\", \"Category\") VALUES (2, '" +
            a + "', 4, NULL, " + stamps + ", 'CS-1', 'Incident');" +
            "INSERT INTO concord_meta VALUES ('seq', 7);"
            "INSERT INTO concord_outcomes VALUES (9, 3, 'Case', '" +
            a + "', NULL);" + "PRAGMA user_version=2;";
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_exec(db, ddl.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    {
        sqlite_hub_store s(path, test::helpdesk());
        auto tx = s.begin();
        // The log, rebuilt: sequence order, whatever the rows' order.
        change_page page = tx.changes_after(0, 10, {});
        REQUIRE(page.rows.size() == 2);
        CHECK(page.rows[0].id == a);
        CHECK(page.rows[0].seq == 4);
        CHECK(page.rows[1].id == b);
        CHECK(page.rows[1].seq == 7);
        CHECK(tx.changes_after(4, 10, {}).rows.size() == 1);
        // A plain outcome stored one row each by format 2 still replays, with its ids.
        auto o = tx.find_outcome(change_id{replica_id{9}, 3});
        REQUIRE(o.has_value());
        CHECK(o->kind == outcome_kind::applied);
        CHECK(o->record_id == a);
        // Updating moves the record's log entry: it is pulled once, at its new sequence.
        auto ra = tx.load("Case", a);
        REQUIRE(ra.has_value());
        ra->fields["Status"] = "Open";
        ra->stamps.insert_or_assign("Status", at);
        CHECK(tx.save(*ra) == 8);
        page = tx.changes_after(0, 10, {});
        REQUIRE(page.rows.size() == 2);
        CHECK(page.rows[0].id == b);
        CHECK(page.rows[1].id == a);
        CHECK(page.rows[1].seq == 8);
        tx.commit();
    }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db,
                               "SELECT (SELECT count(*) FROM sqlite_master WHERE name = "
                               "'concord_seq_Case'), (SELECT count(*) FROM \"concord_log_Case\")",
                               -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == 0); // the old index is gone
    CHECK(sqlite3_column_int(st, 1) == 2); // one log entry per record
    sqlite3_finalize(st);
    sqlite3_close(db);
}
