// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — offline mode's tools: sync progress, clearing the local cache, the auto-sync timer.

#include <concord/memory.hpp>

#include <catch2/catch.hpp>
#include <support/eventually.hpp>
#include <support/fixtures.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace concord;
using namespace concord::test;
using namespace std::chrono_literals;

namespace {

// The hub gets `n` cases from a replica of its own.
void fill_hub(replica_world& w, unsigned n) {
    auto loader = w.replica(99);
    for (unsigned i = 1; i <= n; ++i)
        REQUIRE(loader.insert("Case", new_case("L-" + std::to_string(i))));
    REQUIRE(loader.sync());
}

} // namespace

TEST_CASE("progress: a sync reports its pushes, pulls and pages from start to done",
          "[replica][progress]") {
    replica_world w;
    fill_hub(w, 23);
    std::vector<sync_progress> seen;
    replica_options o = replica_opts(1);
    o.pull_limit = 5;
    o.push_limit = 2;
    o.on_progress = [&](const sync_progress& p) { seen.push_back(p); };
    auto r = w.replica(o);
    for (int i = 0; i < 3; ++i)
        REQUIRE(r.insert("Case", new_case("M-" + std::to_string(i))));

    auto s = r.sync();
    REQUIRE(s);
    REQUIRE(seen.size() == s->requests + 1); // before the first request, then one per answer
    CHECK(seen.front().pages == 0);
    CHECK(seen.front().to_push == 3);
    CHECK(seen.front().pushed == 0);
    CHECK(seen.front().pull_fraction() == 0.0);
    CHECK_FALSE(seen.front().done);
    const sync_progress& last = seen.back();
    CHECK(last.done);
    CHECK(last.pushed == 3);
    CHECK(last.pulled == s->pulled);
    CHECK(last.pulled == 26); // the hub's 23 and this replica's own 3
    CHECK(last.pages == s->requests);
    CHECK(last.pull_fraction() == 1.0);
    bool halfway = false;
    for (std::size_t i = 1; i < seen.size(); ++i) {
        CHECK(seen[i].pages == seen[i - 1].pages + 1);
        CHECK(seen[i].pulled >= seen[i - 1].pulled);
        CHECK(seen[i].pushed >= seen[i - 1].pushed);
        CHECK(seen[i].pull_fraction() >= seen[i - 1].pull_fraction());
        CHECK(seen[i].latest >= seen[i].cursor);
        halfway = halfway || (seen[i].pull_fraction() > 0 && seen[i].pull_fraction() < 1);
    }
    CHECK(halfway);

    // A sync with nothing to do reports a start and a done.
    seen.clear();
    REQUIRE(r.sync());
    REQUIRE(seen.size() == 2);
    CHECK(seen.back().done);
    CHECK(seen.back().pulled == 0);
}

TEST_CASE("clear cache: refuses while changes are pending and says how many would be lost",
          "[replica][cache]") {
    replica_world w;
    fill_hub(w, 4);
    auto r = w.replica(1);
    REQUIRE(r.sync());
    REQUIRE(r.insert("Case", new_case("P-1")));
    // An edit of a case the hub has (ids are random: pick it by number).
    std::string id;
    for (const auto& rec : r.find("Case").value())
        if (rec.fields.at("Number") == "L-1")
            id = rec.id;
    REQUIRE_FALSE(id.empty());
    REQUIRE(r.update("Case", id, {{"Status", "Working"}}));

    auto refused = r.clear_cache();
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == errc::pending_changes);
    CHECK(refused.error().message.find("2 pending changes") != std::string::npos);
    CHECK(r.pending().size() == 2); // nothing was touched
    CHECK(r.find("Case")->size() == 5);

    auto forced = r.clear_cache(true);
    REQUIRE(forced);
    CHECK(*forced == 2);
    CHECK(r.pending().empty());
    CHECK(r.find("Case")->empty());

    // The next sync rebuilds the store from the hub: the discarded changes never reach it.
    auto s = r.sync();
    REQUIRE(s);
    CHECK(s->pushed == 0);
    CHECK(s->pulled == 4);
    CHECK(r.find("Case")->size() == 4);
    auto back = r.get("Case", id);
    REQUIRE(back);
    CHECK(back->fields.at("Status") == "New");
}

TEST_CASE("clear cache: with nothing pending it empties the store and the next sync refills it",
          "[replica][cache]") {
    replica_world w;
    fill_hub(w, 7);
    auto r = w.replica(1);
    REQUIRE(r.sync());
    REQUIRE(r.find("Case")->size() == 7);
    auto cleared = r.clear_cache();
    REQUIRE(cleared);
    CHECK(*cleared == 0);
    CHECK(r.find("Case")->empty());
    CHECK(r.store().begin().state().cursor == 0);
    auto s = r.sync();
    REQUIRE(s);
    CHECK(s->pulled == 7);
    CHECK(r.find("Case")->size() == 7);
}

TEST_CASE("auto sync: the timer syncs pending changes, and retries after failures",
          "[replica][timer]") {
    replica_world w;
    std::mutex m;
    std::vector<bool> results; // ok or not, in order
    replica_options o = replica_opts(1);
    o.on_auto_sync = [&](const result<sync_summary>& r) {
        std::lock_guard lock(m);
        results.push_back(r.has_value());
    };
    auto r = w.replica(o);
    r.transport().set_offline(true);
    auto id = r.insert("Case", new_case("T-1"));
    REQUIRE(id);
    r.start_auto_sync(10ms);
    CHECK(eventually([&] {
        std::lock_guard lock(m);
        return results.size() >= 2;
    }));
    CHECK(r.pending().size() == 1); // failed attempts keep the change
    r.transport().set_offline(false);
    CHECK(eventually([&] { return r.pending().empty(); }));
    r.stop_auto_sync();
    {
        std::lock_guard lock(m);
        REQUIRE_FALSE(results.empty());
        CHECK_FALSE(results.front());
        CHECK(results.back());
    }
    CHECK(w.load("Case", *id).has_value());
    const std::size_t after_stop = results.size();
    std::this_thread::sleep_for(50ms);
    std::lock_guard lock(m);
    CHECK(results.size() == after_stop); // stopped means stopped
}

TEST_CASE("auto sync: destroying the replica stops its timer", "[replica][timer]") {
    replica_world w;
    std::atomic<int> runs{0};
    {
        replica_options o = replica_opts(1);
        o.on_auto_sync = [&](const result<sync_summary>&) { ++runs; };
        auto r = w.replica(o);
        r.start_auto_sync(1ms);
        CHECK(eventually([&] { return runs.load() >= 3; }));
    }
    const int at_end = runs.load();
    std::this_thread::sleep_for(30ms);
    CHECK(runs.load() == at_end);
}

TEST_CASE("auto sync: on_auto_sync may stop the timer it runs on", "[replica][timer]") {
    replica_world w;
    std::atomic<int> runs{0};
    replica_options o = replica_opts(1);
    test_replica* self = nullptr;
    o.on_auto_sync = [&](const result<sync_summary>&) {
        ++runs;
        self->stop_auto_sync(); // only flags the stop: no self-join
    };
    auto r = w.replica(o);
    self = &r;
    r.start_auto_sync(1ms);
    CHECK(eventually([&] { return runs.load() >= 1; }));
    std::this_thread::sleep_for(30ms);
    CHECK(runs.load() == 1);
    r.start_auto_sync(1ms); // a stopped timer starts again
    CHECK(eventually([&] { return runs.load() >= 2; }));
}
