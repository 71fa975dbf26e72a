// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the SQLite stores pass the store conformance suites, on files and in memory.

#include <concord/store/sqlite_store.hpp>

#include <catch2/catch.hpp>

// The conformance suites need Catch2's macros: they come after <catch2/catch.hpp>.
#include <concord/testing/hub_store_conformance.hpp>
#include <concord/testing/replica_store_conformance.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>

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

} // namespace

TEST_CASE("sqlite_hub_store: conforms to hub_store", "[store][sqlite][conformance]") {
    temp_dir dir;
    testing::check_hub_store<sqlite_hub_store>(
        [&] { return sqlite_hub_store(dir.file(), testing::hub_store_conformance_schema()); });
}

TEST_CASE("sqlite_replica_store: conforms to replica_store", "[store][sqlite][conformance]") {
    temp_dir dir;
    testing::check_replica_store<sqlite_replica_store>([&] {
        return sqlite_replica_store(dir.file(), testing::replica_store_conformance_schema());
    });
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
