// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — tests of the hybrid logical clock over manual physical clocks.

#include <concord/model/hlc_clock.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

namespace {

using concord::hlc;
using concord::manual_clock;
using concord::manual_clock_ref;
using concord::offset_clock;
using concord::replica_id;
using concord::stamp;

constexpr std::int64_t t0 = 1'700'000'000'000;

stamp make(std::int64_t ms, std::uint32_t logical, std::uint64_t replica) {
    stamp s;
    s.physical_ms = ms;
    s.logical = logical;
    s.replica = replica_id{replica};
    return s;
}

} // namespace

TEST_CASE("manual_clock: moves only when told", "[model][hlc]") {
    manual_clock c(t0);
    CHECK(c.now_ms() == t0);
    c.advance(250);
    CHECK(c.now_ms() == t0 + 250);
    c.set(t0 - 1000);
    CHECK(c.now_ms() == t0 - 1000);
    CHECK(manual_clock{}.now_ms() == t0);
}

TEST_CASE("offset_clock: reads the shared clock plus its offset", "[model][hlc]") {
    manual_clock base(t0);
    manual_clock_ref same(base);
    offset_clock<manual_clock> ahead(base, 5000);
    CHECK(same.now_ms() == t0);
    CHECK(ahead.now_ms() == t0 + 5000);
    base.advance(10);
    CHECK(same.now_ms() == t0 + 10);
    CHECK(ahead.now_ms() == t0 + 5010);
    ahead.set_offset(-3000);
    CHECK(ahead.now_ms() == t0 + 10 - 3000);
}

TEST_CASE("hlc: stamps carry the clock's replica id", "[model][hlc]") {
    manual_clock base(t0);
    hlc<manual_clock_ref> clock(manual_clock_ref(base), replica_id{42});
    CHECK(clock.id() == replica_id{42});
    CHECK(clock.now().replica == replica_id{42});
    CHECK(clock.physical_ms() == t0);
    CHECK(clock.physical().now_ms() == t0);
}

TEST_CASE("hlc: follows physical time forward with a zero counter", "[model][hlc]") {
    manual_clock base(t0);
    hlc<manual_clock_ref> clock(manual_clock_ref(base), replica_id{1});
    CHECK(clock.now() == make(t0, 0, 1));
    base.advance(1);
    CHECK(clock.now() == make(t0 + 1, 0, 1));
    base.advance(1000);
    CHECK(clock.now() == make(t0 + 1001, 0, 1));
    CHECK(clock.last() == make(t0 + 1001, 0, 1));
}

TEST_CASE("hlc: counter increments while the physical clock stands still", "[model][hlc]") {
    manual_clock base(t0);
    hlc<manual_clock_ref> clock(manual_clock_ref(base), replica_id{1});
    std::vector<stamp> stamps;
    for (int i = 0; i < 100; ++i)
        stamps.push_back(clock.now());
    for (std::size_t i = 0; i < stamps.size(); ++i) {
        CHECK(stamps[i].physical_ms == t0);
        CHECK(stamps[i].logical == i);
    }
    // Once physical time moves past the last stamp, the counter starts over.
    base.advance(1);
    CHECK(clock.now() == make(t0 + 1, 0, 1));
}

TEST_CASE("hlc: never goes backwards when the physical clock does", "[model][hlc]") {
    manual_clock base(t0);
    hlc<manual_clock_ref> clock(manual_clock_ref(base), replica_id{1});
    const stamp before = clock.now();
    base.set(t0 - 60'000);
    const stamp a = clock.now();
    const stamp b = clock.now();
    CHECK(a > before);
    CHECK(b > a);
    // The physical part holds at the highest time seen; the counter carries the order.
    CHECK(a == make(t0, 1, 1));
    CHECK(b == make(t0, 2, 1));
    // Physical time catching up and passing the last stamp resets the counter.
    base.set(t0);
    CHECK(clock.now() == make(t0, 3, 1));
    base.set(t0 + 1);
    CHECK(clock.now() == make(t0 + 1, 0, 1));
}

TEST_CASE("hlc: a remote stamp from the future makes later local stamps larger", "[model][hlc]") {
    manual_clock base(t0);
    hlc<manual_clock_ref> clock(manual_clock_ref(base), replica_id{1});
    (void)clock.now();
    const stamp remote = make(t0 + 3'600'000, 7, 99);
    clock.receive(remote);
    CHECK(clock.last() > remote);
    CHECK(clock.last().replica == replica_id{1});
    const stamp next = clock.now();
    CHECK(next > remote);
    CHECK(next.physical_ms == remote.physical_ms);
    CHECK(next.logical > remote.logical);
    // Even a larger replica id on the remote side does not win over a later local stamp.
    clock.receive(make(next.physical_ms, next.logical, ~0ULL));
    CHECK(clock.now() > make(next.physical_ms, next.logical, ~0ULL));
}

TEST_CASE("hlc: receive follows the counter rules", "[model][hlc]") {
    manual_clock base(t0);
    hlc<manual_clock_ref> clock(manual_clock_ref(base), replica_id{1});

    SECTION("remote ahead of both: its counter plus one") {
        clock.receive(make(t0 + 10, 4, 2));
        CHECK(clock.last() == make(t0 + 10, 5, 1));
    }
    SECTION("remote and last at the same time: the larger counter plus one") {
        (void)clock.now();
        (void)clock.now(); // last = t0/1
        clock.receive(make(t0, 6, 2));
        CHECK(clock.last() == make(t0, 7, 1));
        clock.receive(make(t0, 3, 2));
        CHECK(clock.last() == make(t0, 8, 1));
    }
    SECTION("last ahead of remote and physical: last's counter plus one") {
        base.set(t0 + 50);
        (void)clock.now(); // last = t0+50/0
        base.set(t0);
        clock.receive(make(t0 + 20, 9, 2));
        CHECK(clock.last() == make(t0 + 50, 1, 1));
    }
    SECTION("physical time ahead of both: counter zero") {
        (void)clock.now();
        base.set(t0 + 100);
        clock.receive(make(t0 + 40, 9, 2));
        CHECK(clock.last() == make(t0 + 100, 0, 1));
    }
}

TEST_CASE("hlc: two skewed clocks sharing one base stay causally ordered", "[model][hlc]") {
    manual_clock base(t0);
    // The device runs ten minutes slow: a reply to a hub stamp must still be later than it.
    hlc<manual_clock_ref> hub(manual_clock_ref(base), replica_id{0});
    hlc<offset_clock<manual_clock>> device(offset_clock<manual_clock>(base, -600'000),
                                           replica_id{5});
    const stamp from_hub = hub.now();
    CHECK(device.now() < from_hub);
    device.receive(from_hub);
    const stamp reply = device.now();
    CHECK(reply > from_hub);
    hub.receive(reply);
    CHECK(hub.now() > reply);
}

TEST_CASE("hlc: last() restores a clock after a restart", "[model][hlc]") {
    manual_clock base(t0);
    stamp saved;
    {
        hlc<manual_clock_ref> clock(manual_clock_ref(base), replica_id{3});
        for (int i = 0; i < 5; ++i)
            (void)clock.now();
        clock.receive(make(t0 + 1000, 2, 8)); // a hub ahead of us
        saved = clock.last();
    }
    // Restart with the physical clock behind the saved stamp: stamps continue after it.
    hlc<manual_clock_ref> restarted(manual_clock_ref(base), replica_id{3}, saved);
    CHECK(restarted.last() == saved);
    const stamp next = restarted.now();
    CHECK(next > saved);
    CHECK(next == make(t0 + 1000, 4, 3));
    base.set(t0 + 2000);
    CHECK(restarted.now() == make(t0 + 2000, 0, 3));
}

TEST_CASE("hlc: a saved stamp takes the clock's own replica id", "[model][hlc]") {
    manual_clock base(t0);
    hlc<manual_clock_ref> clock(manual_clock_ref(base), replica_id{4}, make(t0 + 10, 2, 77));
    CHECK(clock.id() == replica_id{4});
    CHECK(clock.last() == make(t0 + 10, 2, 4));
    CHECK(clock.now() == make(t0 + 10, 3, 4));
}

TEST_CASE("hlc: system_clock stamps are strictly increasing", "[model][hlc]") {
    hlc<> clock(concord::system_clock{}, replica_id{1});
    stamp prev = clock.now();
    CHECK(prev.physical_ms > t0);
    for (int i = 0; i < 1000; ++i) {
        const stamp s = clock.now();
        REQUIRE(s > prev);
        prev = s;
    }
}
