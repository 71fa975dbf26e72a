// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the SQLite stores pass the store conformance suites, on files and in memory.

#include <concord/store/sqlite_store.hpp>

#include <catch2/catch.hpp>

// The conformance suites need Catch2's macros: they come after <catch2/catch.hpp>.
#include <concord/testing/hub_store_conformance.hpp>
#include <concord/testing/replica_store_conformance.hpp>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

using namespace concord;

namespace {

// A fresh directory per test case, removed at the end.
struct temp_dir {
    std::filesystem::path path;
    int next = 0;
    temp_dir() {
        path = std::filesystem::temp_directory_path() /
               ("concord-sqlite-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
        std::filesystem::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string file() { return (path / ("db" + std::to_string(next++) + ".sqlite")).string(); }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

// While alive, the process cannot open one more file: its file-handle limit is held at the
// lowest free handle (a limit root is bound by too, unlike file permissions).
struct no_file_left {
    rlimit before{};
    no_file_left() {
        REQUIRE(::getrlimit(RLIMIT_NOFILE, &before) == 0);
        const int lowest = ::open("/dev/null", O_RDONLY);
        REQUIRE(lowest >= 0);
        ::close(lowest);
        rlimit now = before;
        now.rlim_cur = static_cast<rlim_t>(lowest);
        REQUIRE(::setrlimit(RLIMIT_NOFILE, &now) == 0);
        if (const int probe = ::open("/dev/null", O_RDONLY); probe >= 0) {
            ::close(probe);
            ::setrlimit(RLIMIT_NOFILE, &before); // no destructor runs for a failed constructor
            FAIL("a file could still be opened under the lowered limit");
        }
    }
    ~no_file_left() { ::setrlimit(RLIMIT_NOFILE, &before); }
    no_file_left(const no_file_left&) = delete;
    no_file_left& operator=(const no_file_left&) = delete;
};

} // namespace

TEST_CASE("sqlite_hub_store: conforms to hub_store", "[store][sqlite][conformance]") {
    temp_dir dir;
    testing::check_hub_store<sqlite_hub_store>(
        [&] { return sqlite_hub_store(dir.file(), testing::hub_store_conformance_schema()); });
}

TEST_CASE("sqlite_hub_store: records read ahead load as without, and never go stale",
          "[store][sqlite]") {
    temp_dir dir;
    const std::string path = dir.file();
    const std::string a = "00000000-0000-4000-8000-00000000000a";
    const std::string b = "00000000-0000-4000-8000-00000000000b";
    const std::string c = "00000000-0000-4000-8000-00000000000c";
    const std::string d = "00000000-0000-4000-8000-00000000000d";
    const stamp at{1'700'000'000'000, 0, replica_id{9}};
    auto record = [&](const std::string& id, const char* number) {
        stored_record r;
        r.entity = "Case";
        r.id = id;
        r.fields = {{"Number", number}};
        r.stamps.insert_or_assign("Number", at);
        return r;
    };
    auto touch = [&](const std::string& id) {
        return change{{replica_id{9}, 1}, operation::update, "Case", id, at, {}};
    };
    sqlite_hub_store s(path, testing::hub_store_conformance_schema());
    {
        auto tx = s.begin();
        for (const auto& [id, number] :
             {std::pair(a, "A-1"), std::pair(b, "B-1"), std::pair(d, "D-1")}) {
            stored_record r = record(id, number);
            tx.save(r);
        }
        stored_record gone = record(b, "B-1");
        gone.fields = {};
        gone.stamps = {};
        gone.deleted = at;
        tx.save(gone);
        tx.commit();
    }
    auto tx = s.begin();
    const stored_record a_before = *tx.load("Case", a);
    const stored_record b_before = *tx.load("Case", b);
    tx.prefetch({touch(d), touch(a), touch(b), touch(c), touch(a),
                 change{{replica_id{9}, 2}, operation::update, "Contact", a, at, {}}});
    CHECK(tx.load("Case", a) == a_before);
    CHECK(tx.load("Case", a) == a_before); // the second load reads the file
    CHECK(tx.load("Case", b) == b_before); // a tombstone
    CHECK_FALSE(tx.load("Case", c));
    CHECK_FALSE(tx.load("Contact", a));
    // Saved after being read ahead: the saved version wins, before and after the flush.
    stored_record a_after = record(a, "A-2");
    const std::uint64_t a_seq = tx.save(a_after);
    stored_record c_new = record(c, "C-1");
    tx.save(c_new);
    stored_record d_new = record(d, "D-2"); // never loaded: its read-ahead copy is stale now
    tx.save(d_new);
    CHECK(tx.load("Case", a)->fields.at("Number") == "A-2");
    CHECK(tx.load("Case", c)->fields.at("Number") == "C-1");
    const change_page page = tx.changes_after(b_before.seq, 10, {"Case"}); // flushes
    REQUIRE(page.rows.size() == 3);
    CHECK(page.rows[0].id == a);
    CHECK(page.rows[0].seq == a_seq);
    CHECK(page.rows[1].id == c);
    CHECK(page.rows[2].id == d);
    CHECK(tx.load("Case", a)->fields.at("Number") == "A-2");
    CHECK(tx.load("Case", c)->fields.at("Number") == "C-1");
    CHECK(tx.load("Case", d)->fields.at("Number") == "D-2");
    tx.commit();
    auto again = s.begin();
    CHECK(again.load("Case", a)->fields.at("Number") == "A-2");
    CHECK(again.load("Case", c)->fields.at("Number") == "C-1");
    CHECK(again.load("Case", d)->fields.at("Number") == "D-2");
    CHECK(again.changes_after(0, 10, {}).rows.size() == 4); // one row per record
}

TEST_CASE("sqlite_hub_store: a read-ahead of thousands of records, half of it on a second "
          "connection, loads as without",
          "[store][sqlite]") {
    // From 1,000 records, a WAL file reads the second half ahead on another connection; when
    // that connection cannot open, the first one reads it.
    const bool wal = GENERATE(true, false);
    INFO((wal ? "WAL" : "rollback journal"));
    const bool files_left = GENERATE(true, false);
    INFO((files_left ? "files can be opened" : "no file can be opened"));
    temp_dir dir;
    sqlite_options o;
    o.wal = wal;
    sqlite_hub_store s(dir.file(), testing::hub_store_conformance_schema(), o);
    const stamp at{1'700'000'000'000, 0, replica_id{9}};
    auto id_of = [](int i) {
        char tail[13];
        std::snprintf(tail, sizeof tail, "%012x", static_cast<unsigned>(i * 7919));
        return std::string("00000000-0000-4000-8000-") + tail;
    };
    auto record = [&](int i, const std::string& number) {
        stored_record r;
        r.entity = "Case";
        r.id = id_of(i);
        r.fields = {{"Number", number}, {"N", i}};
        r.stamps.insert_or_assign("Number", stamp{at.physical_ms + i, 0, replica_id{9}});
        r.stamps.insert_or_assign("N", at);
        if (i % 10 == 9) { // a tombstone
            r.fields = {};
            r.stamps = {};
            r.deleted = at;
        }
        return r;
    };
    constexpr int asked = 3401; // one in eight is not in the store, spread over the ids
    {
        auto tx = s.begin();
        for (int i = 0; i < asked; ++i) {
            if (i % 8 == 7)
                continue;
            stored_record r = record(i, "N-" + std::to_string(i));
            tx.save(r);
        }
        tx.commit();
    }
    std::map<std::string, std::optional<stored_record>> expected;
    {
        auto tx = s.begin(); // loads one by one: no read-ahead
        for (int i = 0; i < asked; ++i)
            expected[id_of(i)] = tx.load("Case", id_of(i));
    }
    std::vector<change> changes;
    for (int i = asked - 1; i >= 0; --i) // not in id order
        changes.push_back(change{{replica_id{9}, static_cast<std::uint64_t>(asked - i)},
                                 operation::update,
                                 "Case",
                                 id_of(i),
                                 at,
                                 {}});
    const read_ahead what = GENERATE(read_ahead::records, read_ahead::stamps);
    INFO((what == read_ahead::records ? "records" : "stamps"));
    auto tx = s.begin();
    // Written by this transaction before the read-ahead, flushed or not: these come from it.
    for (int i = 0; i < asked; i += 150) {
        stored_record r = record(i, "M-" + std::to_string(i));
        tx.save(r);
        expected[id_of(i)] = r;
        if (i == 1500)
            tx.changes_after(0, 1, {}); // flushes
    }
    {
        std::optional<no_file_left> held;
        if (!files_left)
            held.emplace();
        tx.prefetch(changes, what);
    }
    for (int i = 0; i < asked; ++i) {
        INFO("record " << i);
        const auto& want = expected.at(id_of(i));
        const auto got = what == read_ahead::records ? tx.load("Case", id_of(i))
                                                     : tx.load_stamps("Case", id_of(i));
        REQUIRE(got.has_value() == want.has_value());
        if (!want)
            continue;
        CHECK(got->seq == want->seq);
        CHECK(got->deleted == want->deleted);
        CHECK(got->stamps == want->stamps);
        if (what == read_ahead::records) // load_stamps may leave the fields out
            CHECK(got->fields == want->fields);
    }
}

TEST_CASE("sqlite_replica_store: conforms to replica_store", "[store][sqlite][conformance]") {
    static_assert(drops_in_bulk<sqlite_replica_store>); // so the suite checks the bulk calls
    temp_dir dir;
    testing::check_replica_store<sqlite_replica_store>([&] {
        return sqlite_replica_store(dir.file(), testing::replica_store_conformance_schema());
    });
}

TEST_CASE("sqlite_replica_store: hundreds of puts in a transaction read back as put, the last "
          "put of an id winning",
          "[store][sqlite]") {
    temp_dir dir;
    sqlite_replica_store s(dir.file(), testing::replica_store_conformance_schema());
    using testing::detail::replica_guid;
    // What the file must hold: id → Number (Case) and id → Text (Message).
    std::map<std::string, std::string> cases, messages;
    auto put_case = [&](auto& tx, unsigned n, const std::string& number) {
        tx.put("Case", record{replica_guid(n), {{"Number", number}, {"N", n}}});
        cases[replica_guid(n)] = number;
    };
    auto check = [&](auto& tx) {
        CHECK(tx.count("Case") == cases.size());
        CHECK(tx.count("Message") == messages.size());
        for (const auto& [id, number] : cases) {
            auto r = tx.get("Case", id);
            REQUIRE(r.has_value());
            CHECK(r->fields.at("Number") == number.c_str());
        }
        const auto all = tx.find("Message", filter{});
        REQUIRE(all.size() == messages.size());
        for (const record& m : all)
            CHECK(m.fields.at("Text") == messages.at(m.id).c_str());
    };
    {
        auto tx = s.begin();
        for (unsigned n = 1; n <= 250; ++n) {
            put_case(tx, n, "A-" + std::to_string(n));
            if (n % 40 == 0) { // another table between the runs of puts
                tx.put("Message",
                       record{replica_guid(1000 + n), {{"Text", "m" + std::to_string(n)}}});
                messages[replica_guid(1000 + n)] = "m" + std::to_string(n);
            }
        }
        // An id put twice among one statement's rows, and an id put again much later.
        for (unsigned n = 1; n <= 150; ++n)
            put_case(tx, 300 + n, "B-" + std::to_string(n));
        for (int k = 0; k < 3; ++k) // at least two of them are written by one statement
            put_case(tx, 320, "B-320-" + std::to_string(k));
        for (unsigned n = 1; n <= 120; ++n)
            put_case(tx, 600 + n, "C-" + std::to_string(n));
        put_case(tx, 310, "B-again");
        put_case(tx, 5, "A-again");
        check(tx); // reads see every put so far
        // Put, then erased: the erase wins.
        put_case(tx, 7, "A-7-again");
        tx.erase("Case", replica_guid(7));
        cases.erase(replica_guid(7));
        CHECK_FALSE(tx.get("Case", replica_guid(7)).has_value());
        tx.commit();
    }
    {
        auto tx = s.begin();
        check(tx);
        tx.commit();
    }
    {
        auto tx = s.begin(); // puts not committed leave nothing behind
        for (unsigned n = 500; n < 800; ++n)
            tx.put("Case", record{replica_guid(n), {{"Number", "gone"}}});
    }
    auto tx = s.begin();
    check(tx);
    tx.commit();
}

TEST_CASE("sqlite_replica_store: drop refuses a change id of another replica", "[store][sqlite]") {
    temp_dir dir;
    sqlite_replica_store s(dir.file(), testing::replica_store_conformance_schema());
    change c;
    c.id = change_id{replica_id{7}, 1};
    c.op = operation::insert;
    c.entity = "Case";
    c.record_id = "00000000-0000-4000-8000-000000000001";
    {
        auto tx = s.begin();
        tx.push(c);
        tx.commit();
    }
    auto tx = s.begin();
    CHECK_FALSE(tx.drop(change_id{replica_id{8}, 1}));
    CHECK(tx.outbox_size() == 1);
    CHECK(tx.drop(c.id));
    CHECK(tx.outbox_size() == 0);
}

TEST_CASE("sqlite_replica_store: a damaged outbox change fails the read as a damaged store, the "
          "changes around it read whole",
          "[store][sqlite]") {
    temp_dir dir;
    const std::string path = dir.file();
    const replica_id me{0xa1};
    auto change_at = [&](std::uint64_t seq) {
        return change{{me, seq},
                      operation::update,
                      "Case",
                      "00000000-0000-4000-8000-00000000000" + std::to_string(seq),
                      stamp{1'700'000'000'000 + static_cast<std::int64_t>(seq), 0, me},
                      {{"Number", "N-" + std::to_string(seq)}, {"N", static_cast<int>(seq)}}};
    };
    sqlite_replica_store s(path, testing::replica_store_conformance_schema());
    {
        auto tx = s.begin();
        for (std::uint64_t seq = 1; seq <= 3; ++seq)
            tx.push(change_at(seq));
        tx.commit();
    }
    // One parser reads every change of a read: each comes out whole, none leaks into the next.
    {
        auto tx = s.begin();
        const std::vector<change> read = tx.oldest(10);
        REQUIRE(read.size() == 3);
        for (std::uint64_t seq = 1; seq <= 3; ++seq) {
            const change want = change_at(seq);
            CHECK(read[seq - 1].id == want.id);
            CHECK(read[seq - 1].record_id == want.record_id);
            CHECK(read[seq - 1].at == want.at);
            CHECK(read[seq - 1].fields == want.fields);
        }
    }
    const char* damage[] = {"{\"r\": 1", "[1, 2]", "{} {}"};
    for (const char* text : damage) {
        INFO(text);
        {
            sqlite3* db = nullptr;
            REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
            sqlite3_stmt* st = nullptr;
            REQUIRE(sqlite3_prepare_v2(db, "UPDATE concord_outbox SET change = ? WHERE seq = 2", -1,
                                       &st, nullptr) == SQLITE_OK);
            sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
            REQUIRE(sqlite3_step(st) == SQLITE_DONE);
            sqlite3_finalize(st);
            sqlite3_close(db);
        }
        auto tx = s.begin();
        try {
            (void)tx.oldest(10);
            FAIL("a damaged change was read");
        } catch (const system_error& e) {
            CHECK(e.code() == make_error_code(errc::store_failed));
            CHECK(std::string(e.what()).find("damaged store: an outbox change") !=
                  std::string::npos);
        }
        // The store still reads what is sound, before and after the damaged change.
        const std::vector<change> before = tx.oldest(1);
        REQUIRE(before.size() == 1);
        CHECK(before[0].fields == change_at(1).fields);
        const change third = change_at(3);
        const std::vector<change> after = tx.pending_for("Case", third.record_id);
        REQUIRE(after.size() == 1);
        CHECK(after[0].id == third.id);
        CHECK(after[0].fields == third.fields);
    }
}

TEST_CASE("sqlite_replica_store: outbox changes read back as queued, whichever way their text "
          "is read",
          "[store][sqlite]") {
    // Scalar fields are read straight from the stored text; the others through the JSON parser.
    temp_dir dir;
    const replica_id me{0xa1};
    const std::vector<boost::json::object> fields = {
        {{"Status", "New"}, {"Priority", -2}, {"Escalated", true}, {"Owner", nullptr}},
        {{"Description", "quote \" backslash \\ newline \n é"}},
        {},
        {{"Amount", 12.5}},
        {{"Big", std::uint64_t{18446744073709551615ULL}}},
        {{"Lookup", boost::json::object{{"value", "x"}, {"displayValue", "X"}}}},
        {{"Bell", "\x07"}},
    };
    std::vector<change> queued;
    for (std::size_t i = 0; i < fields.size(); ++i)
        queued.push_back(change{{me, i + 1},
                                i == 2 ? operation::remove : operation::update,
                                "Case",
                                "00000000-0000-4000-8000-00000000000" + std::to_string(i),
                                stamp{1'700'000'000'000 + static_cast<std::int64_t>(i), 1, me},
                                fields[i]});
    sqlite_replica_store s(dir.file(), testing::replica_store_conformance_schema());
    {
        auto tx = s.begin();
        for (const change& c : queued)
            tx.push(c);
        tx.commit();
    }
    auto tx = s.begin();
    CHECK(tx.oldest(100) == queued);
    for (const change& c : queued)
        CHECK(tx.pending_for("Case", c.record_id) == std::vector<change>{c});
}

TEST_CASE("sqlite_hub_store: large transactions read back what they flushed, and those right "
          "after them what they wrote",
          "[store][sqlite]") {
    // A commit of a thousand records or more leaves its bookkeeping to be freed on another
    // thread; the next transaction starts while (or after) that runs.
    temp_dir dir;
    sqlite_hub_store s(dir.file(), testing::hub_store_conformance_schema());
    constexpr int n = 1500;
    auto id_of = [](int i) {
        char tail[13];
        std::snprintf(tail, sizeof tail, "%012x", static_cast<unsigned>(i));
        return std::string("00000000-0000-4000-8000-") + tail;
    };
    std::vector<change> all;
    for (int i = 0; i < n; ++i)
        all.push_back(change{{replica_id{3}, static_cast<std::uint64_t>(i + 1)},
                             operation::update,
                             "Case",
                             id_of(i),
                             {},
                             {}});
    for (int round = 0; round < 4; ++round) {
        INFO("round " << round);
        const stamp at{1'700'000'000'000 + round, 0, replica_id{3}};
        auto tx = s.begin();
        tx.prefetch(all, read_ahead::records);
        for (int i = 0; i < n; ++i) {
            std::optional<stored_record> was = tx.load("Case", id_of(i));
            REQUIRE(was.has_value() == (round > 0));
            if (was)
                REQUIRE(was->fields.at("N").as_int64() == (round - 1) * n + i);
            stored_record r;
            r.entity = "Case";
            r.id = id_of(i);
            r.fields = {{"Number", "N-" + std::to_string(i)}, {"N", round * n + i}};
            r.stamps.insert_or_assign("Number", at);
            r.stamps.insert_or_assign("N", at);
            tx.save(r);
            if (i == n / 2) {
                // A pull writes what was saved (the flush) before it reads: the records it
                // wrote read back from the file, in the transaction and after it.
                const change_page page = tx.changes_after(0, 1, {});
                REQUIRE(page.rows.size() == 1);
                const auto again = tx.load("Case", id_of(i));
                REQUIRE(again.has_value());
                CHECK(again->fields.at("N").as_int64() == round * n + i);
                CHECK(again->stamps.at("N") == at);
                // A patch over a flushed record lies over the file's copy of it.
                stored_record p;
                p.entity = "Case";
                p.id = id_of(i);
                p.fields = {{"Number", "P-" + std::to_string(i)}};
                p.stamps = again->stamps;
                tx.save_patch(std::move(p));
                const auto patched = tx.load("Case", id_of(i));
                REQUIRE(patched.has_value());
                CHECK(patched->fields.at("Number").as_string() == "P-" + std::to_string(i));
                CHECK(patched->fields.at("N").as_int64() == round * n + i);
            }
        }
        tx.commit();
    }
    auto tx = s.begin();
    CHECK(tx.load("Case", id_of(n - 1))->fields.at("N").as_int64() == 3 * n + n - 1);
    CHECK(tx.load("Case", id_of(n / 2))->fields.at("N").as_int64() == 3 * n + n / 2);
}

TEST_CASE("sqlite_replica_store: secure_delete on zeroes an emptied outbox in the file; fast, the "
          "default, leaves the freed pages unwritten",
          "[store][sqlite]") {
    // A text no other part of the file holds: only the outbox changes carry it.
    const std::string marker = "concord-secure-delete-marker-" + std::string(1000, 'q');
    auto file_holds_marker = [&](sqlite_secure_delete mode) {
        temp_dir dir;
        const std::string path = dir.file();
        sqlite_options o;
        o.secure_delete = mode;
        {
            sqlite_replica_store s(path, testing::replica_store_conformance_schema(), o);
            std::vector<change_id> ids;
            auto tx = s.begin();
            for (std::uint64_t i = 1; i <= 50; ++i) { // some 50 KB: pages of their own
                change c;
                c.id = change_id{replica_id{7}, i};
                c.op = operation::update;
                c.entity = "Case";
                c.record_id =
                    "00000000-0000-4000-8000-" + std::string(11, '0') + std::to_string(i % 10);
                c.fields = {{"Description", marker}};
                tx.push(c);
                ids.push_back(c.id);
            }
            tx.commit();
            auto drop = s.begin();
            drop.drop(std::span<const change_id>(ids));
            REQUIRE(drop.outbox_size() == 0);
            drop.commit();
        } // closing checkpoints the log into the file
        std::ifstream in(path, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        REQUIRE_FALSE(bytes.empty());
        return bytes.find(marker.substr(0, 40)) != std::string::npos;
    };
    CHECK_FALSE(file_holds_marker(sqlite_secure_delete::on));
    CHECK(file_holds_marker(sqlite_secure_delete::fast));
    CHECK(file_holds_marker(sqlite_secure_delete::off));
    CHECK(sqlite_options{}.secure_delete == sqlite_secure_delete::fast);
}
