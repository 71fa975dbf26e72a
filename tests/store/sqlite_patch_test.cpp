// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a hub on SQLite that judges changes by their stamps alone (records read without
// their values, written as patches) answers and stores exactly what the whole-record path does.

#include <concord/hub/basic_hub.hpp>
#include <concord/store/memory_hub_store.hpp>
#include <concord/store/sqlite_hub_store.hpp>

#include <catch2/catch.hpp>
#include <support/seeds.hpp>
#include <support/temp_dir.hpp>

// The conformance helpers need Catch2's macros: they come after <catch2/catch.hpp>.
#include <concord/testing/hub_store_conformance.hpp>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

using namespace concord;

namespace {

template <class Store>
using hub_on = basic_hub<Store, allow_all, manual_clock_ref>;

// The after-apply rule of the hooked pair: closing a case drops its priority (a hub change).
void close_drops_priority(const principal&, const change&, const hub_record& after,
                          const std::function<void(change)>& emit) {
    const auto* status = after.fields.if_contains("Status");
    const auto* priority = after.fields.if_contains("Priority");
    if (status && *status == "Closed" && priority && !priority->is_null() && *priority != 0)
        emit(change{{}, operation::update, after.entity, after.id, {}, {{"Priority", 0}}});
}

hub_options options(bool whole, bool after_hook) {
    hub_options o(testing::hub_store_conformance_schema());
    if (whole) // any before-apply hook needs the values: the hub loads whole records
        o.hooks.before_apply = [](const principal&, change&, const hub_record*) {
            return result<void>{};
        };
    if (after_hook)
        o.hooks.after_apply = close_drops_priority;
    return o;
}

// One random batch: inserts, updates of a few fields, removes, stamps older and newer than what
// the hub holds (so fields win and lose), the same record more than once, replays.
class batches {
public:
    explicit batches(std::uint64_t seed) : rng_(seed) {}

    sync_request next(std::uint64_t after) {
        sync_request req;
        req.replica = replica_id{1 + pick(3)};
        const std::size_t n = 1 + pick(12);
        for (std::size_t i = 0; i < n; ++i) {
            change c;
            c.id = change_id{req.replica, ++seq_[req.replica.value]};
            c.entity = "Case";
            c.record_id = testing::detail::test_guid(static_cast<unsigned>(1 + pick(8)));
            const auto op = pick(10);
            c.op = op < 2 ? operation::insert : op < 9 ? operation::update : operation::remove;
            c.at = stamp{t0 + static_cast<std::int64_t>(pick(2000)),
                         static_cast<std::uint32_t>(pick(2)), req.replica};
            if (c.op != operation::remove)
                for (const char* col : {"Number", "Status", "Owner", "Priority", "Description"})
                    if (pick(3) == 0 || (c.op == operation::insert && pick(2) == 0))
                        c.fields[col] = value_for(col);
            if (c.op == operation::update && c.fields.empty())
                c.fields["Status"] = value_for("Status");
            req.push.push_back(std::move(c));
        }
        if (!sent_.empty() && pick(6) == 0) // a replay of an earlier change
            req.push.push_back(sent_[pick(sent_.size())]);
        for (const change& c : req.push)
            sent_.push_back(c);
        req.pull = pull_request{after, 50, {}, {}};
        return req;
    }

private:
    static constexpr std::int64_t t0 = 1'700'000'000'000;
    std::uint64_t pick(std::uint64_t n) {
        return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng_);
    }
    boost::json::value value_for(const std::string& col) {
        if (col == "Priority")
            return pick(5) == 0 ? boost::json::value(nullptr)
                                : boost::json::value(static_cast<std::int64_t>(pick(4)));
        if (col == "Status") {
            static const char* statuses[] = {"New", "Open", "Closed"};
            return boost::json::value(statuses[pick(3)]);
        }
        if (pick(6) == 0)
            return nullptr;
        return boost::json::value(col + "-" + std::to_string(pick(100)));
    }

    std::mt19937_64 rng_;
    std::uint64_t seq_[8] = {};
    std::vector<change> sent_;
};

std::vector<outcome> without_echo_flags(std::vector<outcome> outcomes) {
    for (outcome& o : outcomes)
        o.echo_omitted = false;
    return outcomes;
}

// `rows` without the records `echoed` left out as echoes (and did not send for another reason).
std::vector<hub_record> without_echoes(std::vector<hub_record> rows, const sync_response& echoed) {
    std::erase_if(rows, [&](const hub_record& h) {
        const auto same = [&](const auto& x) { return x.entity == h.entity && x.id == h.id; };
        const bool left_out =
            std::any_of(echoed.outcomes.begin(), echoed.outcomes.end(), [&](const outcome& o) {
                return o.echo_omitted && o.entity == h.entity && o.record_id == h.id;
            });
        return left_out && std::none_of(echoed.rows.begin(), echoed.rows.end(), same);
    });
    return rows;
}

template <class Hub>
std::vector<stored_record> records_of(Hub& hub) {
    std::vector<stored_record> out;
    auto tx = hub.store().begin();
    for (unsigned i = 1; i <= 8; ++i)
        if (auto r = tx.load("Case", testing::detail::test_guid(i))) {
            r->fields = testing::detail::without_nulls(r->fields);
            out.push_back(std::move(*r));
        }
    tx.commit();
    return out;
}

} // namespace

TEST_CASE("sqlite hub: judging by stamps alone answers and stores as whole records do",
          "[hub][sqlite][random]") {
    const auto only = test::seed_from_env();
    const std::uint64_t first = only.value_or(1), count = only ? 1 : 40;
    std::cout << "sqlite patches: seeds " << first << ".." << first + count - 1
              << " (replay one with CONCORD_SEED=<seed>)\n";
    for (std::uint64_t seed = first; seed < first + count; ++seed) {
        INFO("seed " << seed << " (replay: CONCORD_SEED=" << seed << ")");
        const bool after_hook = seed % 2 == 0;
        test::temp_dir dir("patch");
        manual_clock clock(1'700'000'100'000);
        const auto schema = testing::hub_store_conformance_schema();
        // The same batches go to a hub on SQLite taking the lean path, one on SQLite loading
        // whole records (a before-apply hook forces it), and one on memory.
        hub_on<sqlite_hub_store> lean(options(false, after_hook),
                                      sqlite_hub_store(dir.file("lean.db"), schema), allow_all(),
                                      manual_clock_ref(clock));
        hub_on<sqlite_hub_store> whole(options(true, after_hook),
                                       sqlite_hub_store(dir.file("whole.db"), schema), allow_all(),
                                       manual_clock_ref(clock));
        hub_on<memory_hub_store> memory(options(false, after_hook), memory_hub_store(), allow_all(),
                                        manual_clock_ref(clock));
        batches gen(seed);
        std::uint64_t cursor = 0;
        std::size_t echoes = 0;
        for (int round = 0; round < 30; ++round) {
            INFO("round " << round);
            const sync_request req = gen.next(cursor);
            auto a = lean.sync(req);
            auto b = whole.sync(req);
            auto c = memory.sync(req);
            REQUIRE(a.has_value());
            REQUIRE(b.has_value());
            REQUIRE(c.has_value());
            // The store that skips echoes and the one whose rows the hub drops agree.
            CHECK(a->outcomes == c->outcomes);
            CHECK(a->rows == c->rows);
            CHECK(a->cursor == c->cursor);
            // The hooked hub sends echoes back (its hook could have edited the change).
            CHECK(without_echo_flags(a->outcomes) == b->outcomes);
            CHECK(a->rows == without_echoes(b->rows, *a));
            CHECK(a->cursor == b->cursor);
            echoes += static_cast<std::size_t>(
                std::count_if(a->outcomes.begin(), a->outcomes.end(),
                              [](const outcome& o) { return o.echo_omitted; }));
            cursor = a->cursor;
            clock.advance(1);
        }
        const auto stored = records_of(lean);
        CHECK(stored == records_of(whole));
        CHECK(stored == records_of(memory));
        CHECK_FALSE(stored.empty());
        CHECK(echoes > 0);
    }
}

TEST_CASE("sqlite hub: a before-apply hook sees the whole record, not only its stamps",
          "[hub][sqlite]") {
    test::temp_dir dir("patch");
    manual_clock clock(1'700'000'100'000);
    hub_options o(testing::hub_store_conformance_schema());
    std::vector<boost::json::object> seen;
    o.hooks.before_apply = [&](const principal&, change&, const hub_record* current) {
        if (current != nullptr)
            seen.push_back(current->fields);
        return result<void>{};
    };
    hub_on<sqlite_hub_store> hub(
        std::move(o), sqlite_hub_store(dir.file("hub.db"), testing::hub_store_conformance_schema()),
        allow_all(), manual_clock_ref(clock));
    const std::string id = testing::detail::test_guid(1);
    const replica_id r{1};
    auto push = [&](std::uint64_t seq, operation op, boost::json::object fields) {
        sync_request req;
        req.replica = r;
        req.push.push_back(change{{r, seq},
                                  op,
                                  "Case",
                                  id,
                                  stamp{1'700'000'000'000 + static_cast<std::int64_t>(seq), 0, r},
                                  std::move(fields)});
        REQUIRE(hub.sync(req).has_value());
    };
    push(1, operation::insert, {{"Number", "CS-1"}, {"Status", "New"}});
    push(2, operation::update, {{"Status", "Open"}});
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == boost::json::object{{"Number", "CS-1"}, {"Status", "New"}});
}
