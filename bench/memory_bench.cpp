// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — benchmarks of the in-memory engines: applying a push batch, an initial pull.

#include <concord/memory.hpp>

#include "support/cases.hpp"
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace concord;

constexpr std::size_t batch_size = 10'000;
constexpr std::size_t load_batch = 10'000;

// A hub holding `n` Case records, and a writer whose updates always win: its clock has seen
// the hub's, and its change sequence carries on from one benchmark run to the next.
struct loaded_hub {
    explicit loaded_hub(std::size_t n)
        : hub(hub_options{bench::case_schema()})
        , records(n)
        , writer_clock(system_clock{}, writer) {
        const std::vector<record> cases = bench::make_cases(n);
        hlc<system_clock> loader_clock(system_clock{}, loader);
        std::uint64_t seq = 0;
        for (std::size_t i = 0; i < n; i += load_batch) {
            sync_request req;
            req.replica = loader;
            req.acknowledged = seq;
            for (std::size_t j = i; j < n && j < i + load_batch; ++j)
                req.push.push_back(change{{loader, ++seq},
                                          operation::insert,
                                          "Case",
                                          cases[j].id,
                                          loader_clock.now(),
                                          cases[j].fields});
            auto resp = hub.sync(req);
            if (!resp)
                throw system_error(resp.error());
            writer_clock.receive(resp->hub_time);
        }
        updates = bench::make_updates(cases, batch_size);
    }

    // The next batch of updates: fresh change ids, stamps later than anything the hub holds.
    void next_batch(sync_request& req) {
        req.replica = writer;
        req.acknowledged = next_seq - 1; // the previous batch's outcomes are recorded
        req.push.clear();
        req.push.reserve(updates.size());
        for (const auto& u : updates)
            req.push.push_back(change{{writer, next_seq++},
                                      operation::update,
                                      "Case",
                                      u.id,
                                      writer_clock.now(),
                                      u.fields});
    }

    static constexpr replica_id loader{1};
    static constexpr replica_id writer{2};
    memory_hub hub;
    std::size_t records;
    std::vector<bench::case_update> updates;
    hlc<system_clock> writer_clock;
    std::uint64_t next_seq = 1;
};

// Loading 100k records takes a while: keep the last hub for the next benchmark run (Google
// Benchmark calls a benchmark several times while it settles the iteration count).
loaded_hub& hub_with(std::size_t n) {
    static std::unique_ptr<loaded_hub> cached;
    if (!cached || cached->records != n) {
        cached.reset();
        cached = std::make_unique<loaded_hub>(n);
    }
    return *cached;
}

// True when every outcome is `applied`; names the first other one in the benchmark's error.
bool all_applied(benchmark::State& state, const result<sync_response>& resp, std::size_t n) {
    if (!resp) {
        state.SkipWithError(resp.error().message.c_str());
        return false;
    }
    if (resp->outcomes.size() != n) {
        state.SkipWithError("wrong number of outcomes");
        return false;
    }
    for (const auto& o : resp->outcomes)
        if (o.kind != outcome_kind::applied) {
            state.SkipWithError(("not applied: " + o.message).c_str());
            return false;
        }
    return true;
}

// One push of 10k updates to 10k distinct records, applied with per-field LWW. Building the
// request and freeing the answer are not timed; acknowledging the previous batch is, as in a
// real sync round.
void BM_hub_apply_batch(benchmark::State& state) {
    loaded_hub& h = hub_with(static_cast<std::size_t>(state.range(0)));
    sync_request req;
    std::optional<result<sync_response>> resp;
    for (auto _ : state) {
        state.PauseTiming();
        if (resp && !all_applied(state, *resp, batch_size))
            break;
        resp.reset();
        h.next_batch(req);
        state.ResumeTiming();
        resp.emplace(h.hub.sync(req));
    }
    if (resp)
        all_applied(state, *resp, batch_size);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch_size));
    state.counters["hub_records"] = static_cast<double>(h.records);
}
BENCHMARK(BM_hub_apply_batch)
    ->ArgName("records")
    ->Arg(10'000)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// 100k records pulled from the hub into a new, empty replica over the loopback transport, in
// pages of the replica's default pull limit. Building and destroying the replica is not timed.
void BM_replica_initial_pull(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    loaded_hub& h = hub_with(n);
    std::unique_ptr<memory_replica> replica;
    for (auto _ : state) {
        state.PauseTiming();
        replica.reset();
        replica = std::make_unique<memory_replica>(replica_options{bench::case_schema()},
                                                   memory_replica_store{},
                                                   loopback_transport<memory_hub>{h.hub});
        state.ResumeTiming();
        auto sum = replica->sync();
        if (!sum) {
            state.SkipWithError(sum.error().message.c_str());
            break;
        }
        if (sum->pulled != n) {
            state.SkipWithError("pulled fewer records than the hub holds");
            break;
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_replica_initial_pull)
    ->ArgName("records")
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

} // namespace
