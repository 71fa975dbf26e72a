// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the hub over a memory store: batches, LWW, replays, rejections, skew, pulls, failures.

#include <concord/hub/basic_hub.hpp>
#include <concord/store/memory_hub_store.hpp>

#include <catch2/catch.hpp>
#include <support/fixtures.hpp>
#include <support/schemas.hpp>

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

using namespace concord;
using namespace concord::test;
using obj = boost::json::object;

namespace {

/// A memory_hub_store whose Nth save() (counted over its life) fails like a broken disk.
class flaky_hub_store {
public:
    struct control {
        std::size_t fail_on_save = 0; // 0: never
        std::size_t saves = 0;
    };

    class transaction {
    public:
        std::optional<stored_record> load(std::string_view entity, std::string_view id) const {
            return tx_.load(entity, id);
        }
        std::uint64_t save(stored_record& rec) {
            if (++ctl_->saves == ctl_->fail_on_save)
                throw concord::system_error(error(errc::store_failed, "injected: disk full"));
            return tx_.save(rec);
        }
        std::optional<outcome> find_outcome(change_id id) const { return tx_.find_outcome(id); }
        void save_outcome(const outcome& o) { tx_.save_outcome(o); }
        std::uint64_t acknowledged(replica_id r) const { return tx_.acknowledged(r); }
        void acknowledge(replica_id r, std::uint64_t seq) { tx_.acknowledge(r, seq); }
        change_page changes_after(std::uint64_t after, std::size_t limit,
                                  const std::vector<std::string>& entities) const {
            return tx_.changes_after(after, limit, entities);
        }
        std::vector<hub_record> select(std::string_view entity, const filter& f) const {
            return tx_.select(entity, f);
        }
        void save_departure(const departure& d) { tx_.save_departure(d); }
        std::vector<departure> departures(std::string_view entity, std::string_view id) const {
            return tx_.departures(entity, id);
        }
        void commit() { tx_.commit(); }

    private:
        friend class flaky_hub_store;
        transaction(memory_hub_store::transaction tx, control* ctl)
            : tx_(std::move(tx))
            , ctl_(ctl) {}

        memory_hub_store::transaction tx_;
        control* ctl_;
    };

    transaction begin() { return transaction(inner_.begin(), ctl_.get()); }
    control& ctl() { return *ctl_; }
    std::size_t change_log_size() const { return inner_.change_log_size(); }
    std::size_t stored_outcomes() const { return inner_.stored_outcomes(); }

private:
    memory_hub_store inner_;
    std::unique_ptr<control> ctl_ = std::make_unique<control>();
};

static_assert(hub_store<flaky_hub_store>);

const outcome& only(const result<sync_response>& r) {
    REQUIRE(r);
    REQUIRE(r->outcomes.size() == 1);
    return r->outcomes.front();
}

} // namespace

TEST_CASE("hub: a batch is applied in order, one outcome per item", "[hub]") {
    hub_fixture f;
    const std::vector<change> push{
        make_change(1, 1, operation::insert, "Case", guid(1), stamp_at(1, 1), new_case("CS-1")),
        make_change(1, 2, operation::update, "Case", guid(1), stamp_at(2, 1),
                    obj{{"Status", "Open"}}),
        make_change(1, 3, operation::insert, "Case", guid(2), stamp_at(3, 1), new_case("CS-2")),
        make_change(1, 4, operation::remove, "Case", guid(2), stamp_at(4, 1)),
        // Order matters: this update comes before the insert of the same record.
        make_change(1, 5, operation::update, "Case", guid(3), stamp_at(5, 1), obj{{"Status", "x"}}),
        make_change(1, 6, operation::insert, "Case", guid(3), stamp_at(6, 1), new_case("CS-3")),
        // A rejected item does not stop the ones after it.
        make_change(1, 7, operation::insert, "Case", guid(4), stamp_at(7, 1), obj{{"Status", "x"}}),
        make_change(1, 8, operation::update, "Case", guid(1), stamp_at(8, 1),
                    obj{{"Owner", "Ann"}}),
    };
    auto r = f.hub.sync(push_request(1, push));
    REQUIRE(r);
    REQUIRE(r->outcomes.size() == push.size());
    for (std::size_t i = 0; i < push.size(); ++i) {
        INFO("item " << i);
        CHECK(r->outcomes[i].change == push[i].id);
        CHECK(r->outcomes[i].entity == "Case");
        CHECK(r->outcomes[i].record_id == push[i].record_id);
    }
    const std::vector<outcome_kind> kinds{outcome_kind::applied,  outcome_kind::applied,
                                          outcome_kind::applied,  outcome_kind::applied,
                                          outcome_kind::rejected, outcome_kind::applied,
                                          outcome_kind::rejected, outcome_kind::applied};
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        INFO("item " << i);
        CHECK(r->outcomes[i].kind == kinds[i]);
    }
    CHECK(r->outcomes[4].reason == reject_reason::not_found);
    CHECK(r->outcomes[6].reason == reject_reason::validation);

    auto one = f.load("Case", guid(1));
    REQUIRE(one);
    CHECK(one->fields.at("Status") == "Open");
    CHECK(one->fields.at("Owner") == "Ann");
    CHECK(one->fields.at("Number") == "CS-1");
    auto two = f.load("Case", guid(2));
    REQUIRE(two);
    CHECK(two->deleted.has_value());
    CHECK(two->fields.empty());
    auto three = f.load("Case", guid(3));
    REQUIRE(three);
    CHECK(three->fields.at("Status") == "New");
    CHECK_FALSE(f.load("Case", guid(4)));
    // No pull was asked for.
    CHECK(r->rows.empty());
}

TEST_CASE("hub: per-field last-write-wins between two replicas", "[hub][lww]") {
    hub_fixture f;
    f.clock.set(t0 + 1000);
    REQUIRE(only(f.hub.sync(push_request(1, {make_change(1, 1, operation::insert, "Case", guid(1),
                                                         stamp_at(0, 1), new_case("CS-1"))})))
                .kind == outcome_kind::applied);
    REQUIRE(only(f.hub.sync(push_request(1, {make_change(1, 2, operation::update, "Case", guid(1),
                                                         stamp_at(200, 1), obj{{"Status", "A"}})})))
                .kind == outcome_kind::applied);

    SECTION("an older change loses the fields written later and wins the others: merged") {
        const change c = make_change(2, 1, operation::update, "Case", guid(1), stamp_at(100, 2),
                                     obj{{"Status", "B"}, {"Owner", "Bob"}});
        const outcome o = only(f.hub.sync(push_request(2, {c})));
        CHECK(o.kind == outcome_kind::merged);
        CHECK(o.losing == obj{{"Status", "B"}});
        CHECK(o.message.find("Status") != std::string::npos);
        REQUIRE(o.hub_copy);
        CHECK(o.hub_copy->fields.at("Status") == "A");
        CHECK(o.hub_copy->fields.at("Owner") == "Bob");
        auto rec = f.load("Case", guid(1));
        REQUIRE(rec);
        CHECK(rec->fields.at("Status") == "A");
        CHECK(rec->fields.at("Owner") == "Bob");
        CHECK(rec->stamps.at("Status") == stamp_at(200, 1));
        CHECK(rec->stamps.at("Owner") == stamp_at(100, 2));
    }
    SECTION("an older change that loses every field is superseded and writes nothing") {
        const std::uint64_t seq = f.load("Case", guid(1))->seq;
        const outcome o = only(
            f.hub.sync(push_request(2, {make_change(2, 1, operation::update, "Case", guid(1),
                                                    stamp_at(150, 2), obj{{"Status", "C"}})})));
        CHECK(o.kind == outcome_kind::superseded);
        CHECK(o.losing == obj{{"Status", "C"}});
        REQUIRE(o.hub_copy);
        CHECK(o.hub_copy->fields.at("Status") == "A");
        CHECK(f.load("Case", guid(1))->seq == seq);
    }
    SECTION("a later change wins whatever the order of arrival") {
        const outcome o = only(
            f.hub.sync(push_request(2, {make_change(2, 1, operation::update, "Case", guid(1),
                                                    stamp_at(300, 2), obj{{"Status", "D"}})})));
        CHECK(o.kind == outcome_kind::applied);
        CHECK_FALSE(o.hub_copy);
        CHECK(f.load("Case", guid(1))->fields.at("Status") == "D");
    }
    SECTION("equal time and counter: the larger replica id wins, in either order") {
        const outcome first = only(
            f.hub.sync(push_request(1, {make_change(1, 3, operation::update, "Case", guid(1),
                                                    stamp_at(400, 1), obj{{"Priority", 1}})})));
        const outcome second = only(
            f.hub.sync(push_request(2, {make_change(2, 1, operation::update, "Case", guid(1),
                                                    stamp_at(400, 2), obj{{"Priority", 2}})})));
        CHECK(first.kind == outcome_kind::applied);
        CHECK(second.kind == outcome_kind::applied);
        CHECK(f.load("Case", guid(1))->fields.at("Priority") == 2);

        const outcome big = only(
            f.hub.sync(push_request(2, {make_change(2, 2, operation::update, "Case", guid(1),
                                                    stamp_at(500, 2), obj{{"Escalated", true}})})));
        const outcome small = only(f.hub.sync(
            push_request(1, {make_change(1, 4, operation::update, "Case", guid(1), stamp_at(500, 1),
                                         obj{{"Escalated", false}})})));
        CHECK(big.kind == outcome_kind::applied);
        CHECK(small.kind == outcome_kind::superseded);
        CHECK(f.load("Case", guid(1))->fields.at("Escalated") == true);
    }
}

TEST_CASE("hub: a replayed request gets identical outcomes and writes nothing", "[hub][replay]") {
    hub_fixture f;
    f.clock.set(t0 + 1000);
    REQUIRE(f.hub.sync(push_request(
        2, {make_change(2, 1, operation::insert, "Case", guid(1), stamp_at(0, 2), new_case("CS-1")),
            make_change(2, 2, operation::update, "Case", guid(1), stamp_at(100, 2),
                        obj{{"Status", "Theirs"}})})));
    const sync_request req =
        push_request(1, {make_change(1, 1, operation::update, "Case", guid(1), stamp_at(50, 1),
                                     obj{{"Status", "Mine"}, {"Owner", "Me"}}), // merged
                         make_change(1, 2, operation::update, "Case", guid(9), stamp_at(51, 1),
                                     obj{{"Status", "x"}}), // not found
                         make_change(1, 3, operation::insert, "Case", guid(2), stamp_at(52, 1),
                                     new_case("CS-2")), // applied
                         make_change(1, 4, operation::insert, "Case", guid(3), stamp_at(53, 1),
                                     obj{{"Number", 7}})}); // invalid
    auto first = f.hub.sync(req);
    REQUIRE(first);
    REQUIRE(first->outcomes.size() == 4);
    CHECK(first->outcomes[0].kind == outcome_kind::merged);
    CHECK(first->outcomes[1].kind == outcome_kind::rejected);
    CHECK(first->outcomes[2].kind == outcome_kind::applied);
    CHECK(first->outcomes[3].kind == outcome_kind::rejected);
    const std::uint64_t seq1 = f.load("Case", guid(1))->seq, seq2 = f.load("Case", guid(2))->seq;
    const std::size_t log = f.log_size();
    const std::size_t kept = f.hub.store().stored_outcomes();

    f.clock.advance(5000);
    auto again = f.hub.sync(req);
    REQUIRE(again);
    REQUIRE(again->outcomes.size() == first->outcomes.size());
    for (std::size_t i = 0; i < first->outcomes.size(); ++i) {
        INFO("item " << i);
        const outcome& a = first->outcomes[i];
        const outcome& b = again->outcomes[i];
        CHECK(b.change == a.change);
        CHECK(b.kind == a.kind);
        CHECK(b.reason == a.reason);
        CHECK(b.code == a.code);
        CHECK(b.losing == a.losing);
        CHECK(b.message == a.message);
        CHECK(b.field == a.field);
        CHECK(b.hub_copy == a.hub_copy); // nothing changed in between
        CHECK(b == a);
    }
    CHECK(f.load("Case", guid(1))->seq == seq1);
    CHECK(f.load("Case", guid(2))->seq == seq2);
    CHECK(f.log_size() == log);
    CHECK(f.hub.store().stored_outcomes() == kept);
    CHECK_FALSE(f.load("Case", guid(3)));
}

TEST_CASE("hub: a replay after its outcome was acknowledged is a duplicate", "[hub][replay]") {
    hub_fixture f;
    const change c =
        make_change(1, 1, operation::insert, "Case", guid(1), stamp_at(0, 1), new_case("CS-1"));
    REQUIRE(only(f.hub.sync(push_request(1, {c}))).kind == outcome_kind::applied);
    const std::uint64_t seq = f.load("Case", guid(1))->seq;
    CHECK(f.hub.store().stored_outcomes() == 1);

    SECTION("acknowledged by an earlier request") {
        REQUIRE(f.hub.sync(push_request(1, {}, 1)));
        CHECK(f.hub.store().stored_outcomes() == 0);
        CHECK(hub_acknowledged(f.hub, 1) == 1);
    }
    SECTION("acknowledged by the replaying request itself") {}

    const outcome o = only(f.hub.sync(push_request(1, {c}, 1)));
    CHECK(o.kind == outcome_kind::duplicate);
    CHECK(o.change == c.id);
    CHECK_FALSE(o.message.empty());
    CHECK(f.load("Case", guid(1))->seq == seq);
    CHECK(f.log_size() == 1);
    CHECK(f.hub.store().stored_outcomes() == 0);
}

TEST_CASE("hub: a change carrying another replica's id is rejected", "[hub]") {
    hub_fixture f;
    const change forged = make_change(2, 1, operation::insert, "Case", guid(1), stamp_at(0, 2),
                                      new_case("CS-forged"));
    const outcome o = only(f.hub.sync(push_request(1, {forged})));
    CHECK(o.kind == outcome_kind::rejected);
    CHECK(o.reason == reject_reason::permission);
    CHECK(o.code == make_error_code(errc::foreign_change));
    CHECK(o.losing == forged.fields);
    CHECK_FALSE(f.load("Case", guid(1)));
    CHECK(f.log_size() == 0);

    // The forged id must not take the owner's dedupe slot: replica 2's own change 1 still
    // gets decided on its merits.
    const change genuine =
        make_change(2, 1, operation::insert, "Case", guid(2), stamp_at(1, 2), new_case("CS-2"));
    const outcome mine = only(f.hub.sync(push_request(2, {genuine})));
    CHECK(mine.kind == outcome_kind::applied);
    CHECK(f.load("Case", guid(2)));

    // Nor may another replica read the owner's stored outcome by replaying its id.
    const outcome snoop = only(f.hub.sync(push_request(1, {genuine})));
    CHECK(snoop.kind == outcome_kind::rejected);
    CHECK(snoop.code == make_error_code(errc::foreign_change));
}

TEST_CASE("hub: invalid changes are rejected: validation, with code and field, nothing written",
          "[hub][validation]") {
    struct bad {
        const char* what;
        change c;
        errc code;
        const char* field;
    };
    const std::vector<bad> cases{
        {"unknown entity",
         make_change(1, 1, operation::insert, "Contact", guid(1), stamp_at(0, 1),
                     obj{{"Name", "x"}}),
         errc::unknown_entity, ""},
        {"Id not a GUID",
         make_change(1, 1, operation::insert, "Case", "CS-1", stamp_at(0, 1), new_case("CS-1")),
         errc::invalid_id, "Id"},
        {"missing required column",
         make_change(1, 1, operation::insert, "Case", guid(1), stamp_at(0, 1),
                     obj{{"Number", "CS-1"}}),
         errc::missing_required, "Category"},
        {"wrong type",
         make_change(1, 1, operation::insert, "Case", guid(1), stamp_at(0, 1),
                     [] {
                         auto o = new_case("CS-1");
                         o["Priority"] = "high";
                         return o;
                     }()),
         errc::type_mismatch, "Priority"},
        {"unknown column",
         make_change(1, 1, operation::insert, "Case", guid(1), stamp_at(0, 1),
                     [] {
                         auto o = new_case("CS-1");
                         o["Colour"] = "red";
                         return o;
                     }()),
         errc::unknown_column, "Colour"},
        {"too long",
         make_change(1, 1, operation::insert, "Case", guid(1), stamp_at(0, 1),
                     new_case("CS-0123456789012345678")),
         errc::value_too_long, "Number"},
        {"value not allowed",
         make_change(1, 1, operation::insert, "Case", guid(1), stamp_at(0, 1),
                     [] {
                         auto o = new_case("CS-1");
                         o["Category"] = "Other";
                         return o;
                     }()),
         errc::value_not_allowed, "Category"},
    };
    for (const auto& b : cases) {
        INFO(b.what);
        hub_fixture f;
        const outcome o = only(f.hub.sync(push_request(1, {b.c})));
        CHECK(o.kind == outcome_kind::rejected);
        CHECK(o.reason == reject_reason::validation);
        CHECK(o.code == make_error_code(b.code));
        CHECK(o.field == b.field);
        CHECK(o.losing == b.c.fields);
        CHECK(o.message.find(b.c.record_id) != std::string::npos);
        CHECK_FALSE(o.hub_copy);
        CHECK_FALSE(f.load(b.c.entity, b.c.record_id));
        CHECK(f.log_size() == 0);
    }

    SECTION("an invalid update leaves the record as it was") {
        hub_fixture f;
        REQUIRE(
            only(f.hub.sync(push_request(1, {make_change(1, 1, operation::insert, "Case", guid(1),
                                                         stamp_at(0, 1), new_case("CS-1"))})))
                .kind == outcome_kind::applied);
        const auto before = f.load("Case", guid(1));
        const outcome o = only(f.hub.sync(
            push_request(1, {make_change(1, 2, operation::update, "Case", guid(1), stamp_at(5, 1),
                                         obj{{"Status", "Open"}, {"Escalated", "yes"}})})));
        CHECK(o.kind == outcome_kind::rejected);
        CHECK(o.code == make_error_code(errc::type_mismatch));
        CHECK(o.field == "Escalated");
        REQUIRE(o.hub_copy);
        CHECK(o.hub_copy->fields.at("Status") == "New");
        CHECK(f.load("Case", guid(1)) == before); // Status not half-applied
    }
}

TEST_CASE("hub: an update of a deleted record is rejected: deleted, with the tombstone", "[hub]") {
    hub_fixture f;
    f.clock.set(t0 + 1000);
    REQUIRE(f.hub.sync(push_request(
        1, {make_change(1, 1, operation::insert, "Case", guid(1), stamp_at(0, 1), new_case("CS-1")),
            make_change(1, 2, operation::remove, "Case", guid(1), stamp_at(100, 1))})));
    const auto dead = f.load("Case", guid(1));
    REQUIRE(dead);
    REQUIRE(dead->deleted);
    const std::size_t log = f.log_size();

    SECTION("update, even stamped after the delete") {
        const change c = make_change(2, 1, operation::update, "Case", guid(1), stamp_at(200, 2),
                                     obj{{"Status", "Open"}});
        const outcome o = only(f.hub.sync(push_request(2, {c})));
        CHECK(o.kind == outcome_kind::rejected);
        CHECK(o.reason == reject_reason::deleted);
        CHECK(o.code == make_error_code(errc::record_deleted));
        CHECK(o.losing == c.fields);
        REQUIRE(o.hub_copy);
        CHECK(o.hub_copy->deleted);
        CHECK(o.hub_copy->fields.empty());
        CHECK(o.hub_copy->id == guid(1));
    }
    SECTION("insert stamped before the delete") {
        const outcome o =
            only(f.hub.sync(push_request(2, {make_change(2, 1, operation::insert, "Case", guid(1),
                                                         stamp_at(50, 2), new_case("CS-1"))})));
        CHECK(o.kind == outcome_kind::rejected);
        CHECK(o.reason == reject_reason::deleted);
        REQUIRE(o.hub_copy);
        CHECK(o.hub_copy->deleted);
    }
    CHECK(f.load("Case", guid(1)) == dead);
    CHECK(f.log_size() == log);
}

TEST_CASE("hub: an update of an unknown record is rejected: not found", "[hub]") {
    hub_fixture f;
    const change up = make_change(1, 1, operation::update, "Case", guid(1), stamp_at(0, 1),
                                  obj{{"Status", "Open"}});
    const change rm = make_change(1, 2, operation::remove, "Case", guid(2), stamp_at(1, 1));
    auto r = f.hub.sync(push_request(1, {up, rm}));
    REQUIRE(r);
    REQUIRE(r->outcomes.size() == 2);
    for (const outcome& o : r->outcomes) {
        CHECK(o.kind == outcome_kind::rejected);
        CHECK(o.reason == reject_reason::not_found);
        CHECK(o.code == make_error_code(errc::record_not_found));
        CHECK_FALSE(o.hub_copy);
    }
    CHECK(r->outcomes[0].losing == up.fields);
    CHECK_FALSE(f.load("Case", guid(1)));
    CHECK_FALSE(f.load("Case", guid(2)));
    CHECK(f.log_size() == 0);
}

TEST_CASE("hub: a stamp beyond the skew bound is judged by the hub clock, and says so",
          "[hub][skew]") {
    hub_fixture f;
    const std::int64_t skew = f.hub.options().max_skew_ms;
    REQUIRE(only(f.hub.sync(push_request(3, {make_change(3, 1, operation::insert, "Case", guid(1),
                                                         stamp_at(-1000, 3), new_case("CS-1"))})))
                .kind == outcome_kind::applied);

    // Replica 1's clock runs far ahead.
    const stamp future = stamp_at(skew + 60'000, 1);
    auto r = f.hub.sync(push_request(1, {make_change(1, 1, operation::update, "Case", guid(1),
                                                     future, obj{{"Status", "Future"}})}));
    const outcome o = only(r);
    CHECK(o.kind == outcome_kind::applied);
    CHECK(o.skew_clamped);
    CHECK(o.message.find("ahead of the hub clock") != std::string::npos);
    CHECK(o.message.find(to_string(future)) != std::string::npos);
    // The hub's clock is not dragged into the future.
    CHECK(r->hub_time.physical_ms == t0);
    CHECK(f.hub.now().physical_ms == t0);
    auto rec = f.load("Case", guid(1));
    REQUIRE(rec);
    CHECK(rec->fields.at("Status") == "Future");
    CHECK(rec->stamps.at("Status").physical_ms == t0);
    CHECK(rec->stamps.at("Status").replica == replica_id{1});

    // A change made 10 ms later, within bounds, wins over the clamped one.
    f.clock.advance(10);
    const outcome later =
        only(f.hub.sync(push_request(2, {make_change(2, 1, operation::update, "Case", guid(1),
                                                     stamp_at(10, 2), obj{{"Status", "Later"}})})));
    CHECK(later.kind == outcome_kind::applied);
    CHECK_FALSE(later.skew_clamped);
    CHECK(f.load("Case", guid(1))->fields.at("Status") == "Later");

    // Exactly at the bound is still trusted (and does move the hub clock).
    const outcome edge = only(
        f.hub.sync(push_request(1, {make_change(1, 2, operation::update, "Case", guid(1),
                                                stamp_at(10 + skew, 1), obj{{"Owner", "Edge"}})})));
    CHECK(edge.kind == outcome_kind::applied);
    CHECK_FALSE(edge.skew_clamped);
    CHECK(edge.message.empty());
    CHECK(f.load("Case", guid(1))->stamps.at("Owner") == stamp_at(10 + skew, 1));
    CHECK(f.hub.now().physical_ms == t0 + 10 + skew);
}

TEST_CASE("hub: pulls page by limit and cursor, and filter by entity", "[hub][pull]") {
    hub_options options{helpdesk()};
    options.max_page = 4;
    hub_fixture f(options);
    // C M C C M C M C: five Cases and three Messages, sequences 1..8.
    std::vector<change> push;
    std::vector<std::string> order, messages;
    for (unsigned i = 1; i <= 8; ++i) {
        const bool message = i == 2 || i == 5 || i == 7;
        obj fields = message ? obj{{"Case", guid(1)}, {"Text", "m" + std::to_string(i)}}
                             : new_case("CS-" + std::to_string(i));
        push.push_back(make_change(1, i, operation::insert, message ? "Message" : "Case", guid(i),
                                   stamp_at(i, 1), fields));
        order.push_back(guid(i));
        if (message)
            messages.push_back(guid(i));
    }
    REQUIRE(f.hub.sync(push_request(1, push)));

    auto pull_all = [&](std::size_t limit, std::vector<std::string> entities) {
        std::vector<hub_record> rows;
        std::uint64_t cursor = 0;
        for (int pages = 0; pages < 100; ++pages) {
            auto r = f.hub.sync(pull_request_from(1, cursor, limit, entities));
            REQUIRE(r);
            CHECK(r->outcomes.empty());
            REQUIRE(r->rows.size() <= std::min<std::size_t>(limit, 4));
            rows.insert(rows.end(), r->rows.begin(), r->rows.end());
            if (!r->more) {
                CHECK(r->cursor >= cursor);
                return rows;
            }
            REQUIRE_FALSE(r->rows.empty());
            CHECK(r->cursor == r->rows.back().seq);
            cursor = r->cursor;
        }
        FAIL("the hub never stopped saying more");
        return rows;
    };
    auto ids = [](const std::vector<hub_record>& rows) {
        std::vector<std::string> out;
        for (const auto& h : rows)
            out.push_back(h.id);
        return out;
    };

    SECTION("pages of 3") {
        auto r = f.hub.sync(pull_request_from(1, 0, 3));
        REQUIRE(r);
        REQUIRE(r->rows.size() == 3);
        CHECK(r->more);
        CHECK(r->cursor == 3);
        CHECK(r->rows[0].entity == "Case");
        CHECK(r->rows[0].fields.at("Number") == "CS-1");
        CHECK(r->rows[1].entity == "Message");
        CHECK(ids(pull_all(3, {})) == order);
    }
    SECTION("every limit sees every record once, in order") {
        for (std::size_t limit : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{8}})
            CHECK(ids(pull_all(limit, {})) == order);
    }
    SECTION("the hub caps a page at max_page") {
        auto r = f.hub.sync(pull_request_from(1, 0, 100));
        REQUIRE(r);
        CHECK(r->rows.size() == 4);
        CHECK(r->more);
        CHECK(ids(pull_all(100, {})) == order);
    }
    SECTION("a zero limit still makes progress") {
        auto r = f.hub.sync(pull_request_from(1, 0, 0));
        REQUIRE(r);
        CHECK(r->rows.size() == 1);
        CHECK(r->more);
    }
    SECTION("entity filter") {
        CHECK(ids(pull_all(2, {"Message"})) == messages);
        const auto cases = pull_all(2, {"Case"});
        CHECK(cases.size() == 5);
        for (const auto& h : cases)
            CHECK(h.entity == "Case");
        CHECK(ids(pull_all(3, {"Case", "Message"})) == order);
    }
    SECTION("a delete arrives as a tombstone after the cursor") {
        auto head = f.hub.sync(pull_request_from(1, 0, 4));
        REQUIRE(head);
        std::uint64_t cursor = head->cursor;
        while (true) {
            auto r = f.hub.sync(pull_request_from(1, cursor, 4));
            REQUIRE(r);
            cursor = r->cursor;
            if (!r->more)
                break;
        }
        REQUIRE(only(f.hub.sync(push_request(1, {make_change(1, 9, operation::remove, "Case",
                                                             guid(3), stamp_at(20, 1))})))
                    .kind == outcome_kind::applied);
        auto r = f.hub.sync(pull_request_from(1, cursor, 4));
        REQUIRE(r);
        REQUIRE(r->rows.size() == 1);
        CHECK(r->rows[0].id == guid(3));
        CHECK(r->rows[0].deleted);
        CHECK_FALSE(r->more);
    }
}

TEST_CASE("hub: a store failure rolls back the whole batch", "[hub][failure]") {
    manual_clock clock{t0};
    basic_hub<flaky_hub_store, allow_all, manual_clock_ref> hub(
        hub_options{helpdesk()}, flaky_hub_store{}, allow_all{}, manual_clock_ref{clock});
    REQUIRE(hub.sync(push_request(
        1, {make_change(1, 1, operation::insert, "Case", guid(1), stamp_at(0, 1), new_case("CS-1")),
            make_change(1, 2, operation::insert, "Case", guid(2), stamp_at(1, 1),
                        new_case("CS-2"))})));
    const auto one_before = hub_load(hub, "Case", guid(1));
    REQUIRE(hub.store().stored_outcomes() == 2);

    // Acknowledges 1..2, updates record 1, creates 3 and 4 — and the disk fails on the third save.
    const sync_request req = push_request(
        1,
        {make_change(1, 3, operation::update, "Case", guid(1), stamp_at(10, 1),
                     obj{{"Status", "Open"}}),
         make_change(1, 4, operation::insert, "Case", guid(3), stamp_at(11, 1), new_case("CS-3")),
         make_change(1, 5, operation::insert, "Case", guid(4), stamp_at(12, 1), new_case("CS-4"))},
        2);
    hub.store().ctl().saves = 0;
    hub.store().ctl().fail_on_save = 3;
    auto r = hub.sync(req);
    REQUIRE_FALSE(r);
    CHECK(r.error() == errc::store_failed);
    CHECK(r.error().message.find("disk full") != std::string::npos);

    CHECK(hub_load(hub, "Case", guid(1)) == one_before);
    CHECK_FALSE(hub_load(hub, "Case", guid(3)));
    CHECK_FALSE(hub_load(hub, "Case", guid(4)));
    CHECK(hub.store().change_log_size() == 2);
    for (std::uint64_t seq = 3; seq <= 5; ++seq)
        CHECK_FALSE(hub_outcome(hub, change_id{replica_id{1}, seq}));
    // The acknowledgement went with it: the earlier outcomes are still there for replay.
    CHECK(hub_acknowledged(hub, 1) == 0);
    CHECK(hub.store().stored_outcomes() == 2);

    // The replica retries the same request once the disk is back: all of it applies.
    hub.store().ctl().fail_on_save = 0;
    auto again = hub.sync(req);
    REQUIRE(again);
    REQUIRE(again->outcomes.size() == 3);
    for (const auto& o : again->outcomes)
        CHECK(o.kind == outcome_kind::applied);
    CHECK(hub_load(hub, "Case", guid(1))->fields.at("Status") == "Open");
    CHECK(hub_load(hub, "Case", guid(4)));
    CHECK(hub_acknowledged(hub, 1) == 2);
    CHECK(hub.store().stored_outcomes() == 3);
}
