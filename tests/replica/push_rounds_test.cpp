// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a sync with more pending changes than one request carries: each push page goes out
// while the answer to the one before is applied, and a round that fails leaves the rounds before
// it settled and the rest pending, each change applied at the hub once.

#include <concord/memory.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

using namespace concord;
using namespace concord::test;

namespace {

/// What one request carried.
struct sent {
    std::vector<std::uint64_t> pushed; ///< the sequences of its changes
    std::uint64_t acknowledged = 0;
    std::uint64_t after = 0; ///< its pull's cursor
};

/// A loopback transport that notes every request it is given (on whichever thread sends it).
class noting_transport {
public:
    noting_transport(test_transport inner, std::shared_ptr<std::vector<sent>> log)
        : inner_(std::move(inner))
        , log_(std::move(log))
        , mutex_(std::make_shared<std::mutex>()) {}

    result<sync_response> exchange(const sync_request& req) {
        std::size_t n = 0;
        {
            std::lock_guard lock(*mutex_);
            sent s;
            for (const change& c : req.push)
                s.pushed.push_back(c.id.seq);
            s.acknowledged = req.acknowledged;
            s.after = req.pull ? req.pull->after : 0;
            log_->push_back(std::move(s));
            n = log_->size();
        }
        auto resp = inner_.exchange(req);
        if (resp && n == *damage_) // an answer the replica must refuse: an outcome short
            resp->outcomes.pop_back();
        return resp;
    }

    /// Answer `n` (1-based, 0: none) comes back one outcome short.
    void damage_answer(std::size_t n) { *damage_ = n; }

private:
    test_transport inner_;
    std::shared_ptr<std::vector<sent>> log_;
    std::shared_ptr<std::mutex> mutex_;
    std::shared_ptr<std::size_t> damage_ = std::make_shared<std::size_t>(0);
};

using noting_replica = basic_replica<memory_replica_store, noting_transport, manual_clock_ref>;

struct world {
    replica_world w;
    std::shared_ptr<std::vector<sent>> log = std::make_shared<std::vector<sent>>();
    noting_replica a;

    explicit world(fault_plan plan = {})
        : a(options(), memory_replica_store{}, noting_transport(test_transport(w.hub, plan), log),
            manual_clock_ref{w.clock}) {}

    static replica_options options() {
        replica_options o = replica_opts(1);
        o.push_limit = 3;
        return o;
    }
    std::vector<std::string> insert(int n) {
        std::vector<std::string> ids;
        for (int i = 0; i < n; ++i) {
            auto id = a.insert("Case", new_case("CS-" + std::to_string(i)));
            REQUIRE(id);
            ids.push_back(*id);
        }
        return ids;
    }
    /// Every record of `ids` at the hub (the memory hub's log keeps one entry per record).
    void check_on_hub(const std::vector<std::string>& ids) {
        for (const std::string& id : ids)
            CHECK(w.load("Case", id));
        CHECK(w.log_size() == ids.size());
    }
    /// After a failed sync: the next one pushes the `left` changes still pending, and the
    /// hub's sequence ends at one write per record of `ids` (none applied twice).
    void check_next_sync_settles(const std::vector<std::string>& ids, std::size_t left) {
        CHECK(a.pending().size() == left);
        auto s = a.sync();
        REQUIRE(s);
        CHECK(s->pushed == left);
        CHECK(s->applied == left);
        CHECK(s->cursor == ids.size());
        CHECK(a.pending().empty());
        check_on_hub(ids);
    }
};

std::vector<std::uint64_t> seqs(std::uint64_t from, std::uint64_t to) {
    std::vector<std::uint64_t> v;
    for (std::uint64_t s = from; s <= to; ++s)
        v.push_back(s);
    return v;
}

} // namespace

TEST_CASE("replica: each push page is sent while the answer to the one before is applied",
          "[replica][sync]") {
    world t;
    const auto ids = t.insert(7);
    auto s = t.a.sync();
    REQUIRE(s);
    CHECK(s->requests == 3);
    CHECK(s->pushed == 7);
    CHECK(s->applied == 7);
    CHECK(t.a.pending().empty());
    t.check_on_hub(ids);

    REQUIRE(t.log->size() == 3);
    const auto& r = *t.log;
    CHECK(r[0].pushed == seqs(1, 3));
    CHECK(r[1].pushed == seqs(4, 6));
    CHECK(r[2].pushed == seqs(7, 7));
    // A page built before the answer to the one before was applied acknowledges only what was
    // durable then: nothing, for the second; the first page's three, for the third.
    CHECK(r[0].acknowledged == 0);
    CHECK(r[1].acknowledged == 0);
    CHECK(r[2].acknowledged == 3);
    // Each pulls from where the answer before it left the cursor.
    CHECK(r[0].after == 0);
    CHECK(r[1].after == 3);
    CHECK(r[2].after == 6);

    // The next sync acknowledges the rest; nothing is pushed twice.
    auto again = t.a.sync();
    REQUIRE(again);
    CHECK(again->pushed == 0);
    CHECK(t.log->back().acknowledged == 7);
    t.check_on_hub(ids);
}

TEST_CASE("replica: a push round that fails leaves the rounds before it settled and the rest "
          "pending",
          "[replica][sync][errors]") {
    SECTION("the request never reaches the hub") {
        fault_plan plan;
        plan.fail_request_at = 2;
        world t(plan);
        const auto ids = t.insert(7);
        CHECK_FALSE(t.a.sync());
        // The first page was answered and settled; the second never arrived.
        CHECK(t.w.log_size() == 3);
        t.check_next_sync_settles(ids, 4);
    }
    SECTION("the answer before it is refused while it is in flight") {
        world t;
        t.a.transport().damage_answer(1);
        const auto ids = t.insert(7);
        const auto failed = t.a.sync();
        REQUIRE_FALSE(failed);
        CHECK(failed.error().code == make_error_code(errc::protocol_error));
        // The second page reached the hub while the first answer was checked; nothing of
        // either was settled here.
        CHECK(t.log->size() == 2);
        CHECK(t.w.log_size() == 6);
        // Both pages replayed, answered from the stored outcomes.
        t.check_next_sync_settles(ids, 7);
    }
    SECTION("the hub applies it and its answer is lost") {
        fault_plan plan;
        plan.lose_response_at = 2;
        world t(plan);
        const auto ids = t.insert(7);
        CHECK_FALSE(t.a.sync());
        CHECK(t.w.log_size() == 6); // the second page is on the hub, unanswered
        // The second page replayed, answered from the stored outcomes; the third sent.
        t.check_next_sync_settles(ids, 4);
    }
}
