// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — randomised tests of rule_policy against a straightforward oracle.

#include <concord/access/rule_policy.hpp>
#include <concord/access/rules.hpp>

#include <catch2/catch.hpp>
#include <support/seeds.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace concord;
using concord::test::seed_from_env;
using obj = boost::json::object;

struct no_authenticator {
    result<principal> authenticate(std::string_view) const { return error(errc::unauthenticated); }
};

const std::vector<std::string> entities = {"Case", "Task"};
const std::vector<std::string> columns = {"Owner", "Org", "A", "B", "C"};
const std::vector<std::string> role_names = {"r0", "r1", "r2", "r3", "undefined"};
const std::vector<std::string> ids = {"u1", "u2", ""};
const std::vector<std::string> orgs = {"o1", "o2", ""};

// The generated rules, kept as plain tables the oracle reads without access_rules.
struct world {
    std::map<std::pair<std::string, std::string>, entity_rights> grants;
    std::map<std::string, std::string> owner_col, org_col;
    access_rules rules;
};

struct generator {
    std::mt19937_64 rng;

    bool coin(double p = 0.5) { return std::bernoulli_distribution(p)(rng); }

    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
    }

    std::vector<std::string> subset(double p) {
        std::vector<std::string> out;
        for (const auto& c : columns)
            if (coin(p))
                out.push_back(c);
        std::shuffle(out.begin(), out.end(), rng);
        return out;
    }

    world make_world() {
        world w;
        for (const auto& e : entities) {
            // Usually the defaults, sometimes another column (or one the records never have).
            w.owner_col[e] = coin(0.8) ? "Owner" : pick(std::vector<std::string>{"A", "Missing"});
            w.org_col[e] = coin(0.8) ? "Org" : pick(std::vector<std::string>{"B", "Missing"});
            if (w.owner_col[e] != "Owner" || coin(0.2))
                w.rules.owner_column(e, w.owner_col[e]);
            if (w.org_col[e] != "Org" || coin(0.2))
                w.rules.organisation_column(e, w.org_col[e]);
        }
        for (std::size_t i = 0; i + 1 < role_names.size(); ++i)
            for (const auto& e : entities)
                if (coin(0.7)) {
                    entity_rights r;
                    r.read = coin(0.7);
                    r.insert = coin();
                    r.update = coin();
                    r.remove = coin(0.3);
                    r.scope = static_cast<row_scope>(std::uniform_int_distribution<int>(0, 2)(rng));
                    r.read_only = subset(0.2);
                    r.hidden = subset(0.2);
                    w.grants[{role_names[i], e}] = r;
                    w.rules.grant(role_names[i], e, r);
                }
        return w;
    }

    principal make_principal() {
        principal p;
        p.id = pick(ids);
        p.organisation = pick(orgs);
        const auto n = std::uniform_int_distribution<int>(0, 3)(rng);
        for (int i = 0; i < n; ++i)
            p.roles.push_back(pick(role_names));
        return p;
    }

    boost::json::value make_value() {
        switch (std::uniform_int_distribution<int>(0, 7)(rng)) {
        case 0:
            return "u1";
        case 1:
            return "u2";
        case 2:
            return "o1";
        case 3:
            return "o2";
        case 4:
            return "";
        case 5:
            return 7;
        case 6:
            return nullptr;
        default:
            return true;
        }
    }

    obj make_fields(double p) {
        obj f;
        for (const auto& c : columns)
            if (coin(p))
                f[c] = make_value();
        return f;
    }

    hub_record make_record() {
        hub_record h;
        h.entity = pick(entities);
        h.id = "11111111-1111-4111-8111-111111111111";
        h.seq = 1;
        if (coin(0.1))
            h.deleted = true;
        else
            h.fields = make_fields(0.7);
        return h;
    }
};

// The oracle: the rules as a reader would apply them by hand.

bool holds(const obj& fields, const std::string& col, const std::string& want) {
    auto it = fields.find(col);
    return !want.empty() && it != fields.end() && it->value().is_string() &&
           it->value().as_string() == want;
}

bool covers(const world& w, const principal& p, const std::string& entity, const entity_rights& r,
            const obj& fields) {
    switch (r.scope) {
    case row_scope::all:
        return true;
    case row_scope::own:
        return holds(fields, w.owner_col.at(entity), p.id);
    case row_scope::organisation:
        return holds(fields, w.org_col.at(entity), p.organisation);
    }
    return false;
}

bool listed(const std::vector<std::string>& v, const std::string& col) {
    return std::count(v.begin(), v.end(), col) > 0;
}

std::vector<entity_rights> grants_of(const world& w, const principal& p,
                                     const std::string& entity) {
    std::vector<entity_rights> out;
    for (const auto& role : p.roles)
        if (auto it = w.grants.find({role, entity}); it != w.grants.end())
            out.push_back(it->second);
    return out;
}

bool oracle_read(const world& w, const principal& p, const hub_record& h) {
    for (const auto& r : grants_of(w, p, h.entity))
        if (r.read && (h.deleted || covers(w, p, h.entity, r, h.fields)))
            return true;
    return false;
}

// The columns of `h` that p may see: those some covering reading role does not hide.
std::set<std::string> oracle_visible(const world& w, const principal& p, const hub_record& h) {
    std::set<std::string> out;
    for (const auto& r : grants_of(w, p, h.entity))
        if (r.read && covers(w, p, h.entity, r, h.fields))
            for (const auto& f : h.fields)
                if (!listed(r.hidden, std::string(f.key())))
                    out.insert(std::string(f.key()));
    return out;
}

bool oracle_insert(const world& w, const principal& p, const change& c) {
    for (const auto& f : c.fields) {
        bool ok = false;
        for (const auto& r : grants_of(w, p, c.entity))
            ok = ok || (r.insert && covers(w, p, c.entity, r, c.fields) &&
                        !listed(r.hidden, std::string(f.key())));
        if (!ok)
            return false;
    }
    for (const auto& r : grants_of(w, p, c.entity))
        if (r.insert && covers(w, p, c.entity, r, c.fields))
            return true;
    return false;
}

bool oracle_update(const world& w, const principal& p, const change& c, const obj& before) {
    obj after = before;
    for (const auto& f : c.fields) {
        if (f.value().is_null())
            after.erase(f.key());
        else
            after[f.key()] = f.value();
    }
    std::vector<entity_rights> fit;
    for (const auto& r : grants_of(w, p, c.entity))
        if (r.update && covers(w, p, c.entity, r, before) && covers(w, p, c.entity, r, after))
            fit.push_back(r);
    if (fit.empty())
        return false;
    for (const auto& f : c.fields) {
        const std::string k(f.key());
        if (std::none_of(fit.begin(), fit.end(), [&](const entity_rights& r) {
                return !listed(r.hidden, k) && !listed(r.read_only, k);
            }))
            return false;
    }
    return true;
}

bool oracle_write(const world& w, const principal& p, const change& c, const hub_record* cur) {
    const bool live = cur != nullptr && !cur->deleted;
    if (c.op == operation::remove) {
        for (const auto& r : grants_of(w, p, c.entity))
            if (r.remove && (!live || covers(w, p, c.entity, r, cur->fields)))
                return true;
        return false;
    }
    if ((c.op == operation::insert || !live) && !oracle_insert(w, p, c))
        return false;
    return !live || oracle_update(w, p, c, cur->fields);
}

struct tally {
    std::size_t reads = 0, readable = 0, writes = 0, allowed = 0, projected = 0, erased = 0,
                equal_keys = 0;
};

void run_seed(std::uint64_t seed, tally& t) {
    generator g{std::mt19937_64(seed)};
    const world w = g.make_world();
    const rule_policy<no_authenticator> policy(w.rules, no_authenticator{});
    std::vector<principal> people;
    for (int i = 0; i < 6; ++i)
        people.push_back(g.make_principal());
    std::vector<hub_record> records;
    for (int i = 0; i < 20; ++i)
        records.push_back(g.make_record());

    for (const auto& p : people) {
        for (const auto& h : records) {
            INFO("principal " << p.id << "/" << p.organisation << ", record "
                              << boost::json::serialize(h.fields) << (h.deleted ? " deleted" : "")
                              << " of " << h.entity);
            const bool expected = oracle_read(w, p, h);
            REQUIRE(policy.may_read(p, h) == expected);
            ++t.reads;
            t.readable += expected ? 1 : 0;

            hub_record shown = h;
            policy.project(p, shown);
            std::set<std::string> kept;
            for (const auto& f : shown.fields) {
                kept.insert(std::string(f.key()));
                REQUIRE(f.value() == h.fields.at(f.key())); // values are never altered
            }
            // No column stays that every covering reading role hides, and none that one of
            // them shows is lost.
            REQUIRE(kept == oracle_visible(w, p, h));
            // With a single role the plain rule: no column of its hidden list remains.
            if (p.roles.size() == 1)
                if (auto it = w.grants.find({p.roles[0], h.entity}); it != w.grants.end())
                    for (const auto& col : it->second.hidden)
                        REQUIRE_FALSE(shown.fields.contains(col));
            ++t.projected;
            t.erased += h.fields.size() - shown.fields.size();

            for (const operation op : {operation::insert, operation::update, operation::remove}) {
                change c;
                c.op = op;
                c.entity = h.entity;
                c.record_id = h.id;
                if (op != operation::remove)
                    c.fields = g.make_fields(0.4);
                for (const hub_record* cur : {&h, static_cast<const hub_record*>(nullptr)}) {
                    INFO(to_string(op) << " " << boost::json::serialize(c.fields)
                                       << (cur ? " over the record" : " of a new record"));
                    const auto r = policy.may_write(p, c, cur);
                    REQUIRE(r.has_value() == oracle_write(w, p, c, cur));
                    ++t.writes;
                    if (r) {
                        ++t.allowed;
                        continue;
                    }
                    REQUIRE(r.error() == errc::permission_denied);
                    REQUIRE(r.error().message.rfind(
                                c.entity + " " + c.record_id + ": " + p.id + " may not ", 0) == 0);
                    // The field, when named, is one the change sets or a scope column.
                    const std::string& f = r.error().field;
                    REQUIRE((f.empty() || c.fields.contains(f) || f == w.owner_col.at(c.entity) ||
                             f == w.org_col.at(c.entity)));
                }
            }
        }
    }

    // Equal keys must mean equal reads: same rows, same columns.
    for (const auto& p : people) {
        principal shuffled = p;
        std::shuffle(shuffled.roles.begin(), shuffled.roles.end(), g.rng);
        if (!p.roles.empty())
            shuffled.roles.push_back(p.roles.front());
        REQUIRE(policy.scope_key(shuffled) == policy.scope_key(p));
        for (const auto& q : people) {
            principal other = q;
            other.id = p.id;
            other.organisation = p.organisation;
            if (policy.scope_key(other) != policy.scope_key(p))
                continue;
            ++t.equal_keys;
            for (const auto& h : records) {
                REQUIRE(policy.may_read(other, h) == policy.may_read(p, h));
                hub_record a = h, b = h;
                policy.project(p, a);
                policy.project(other, b);
                REQUIRE(a == b);
            }
        }
    }
}

} // namespace

TEST_CASE("access: random rules agree with a hand-written oracle", "[access]") {
    const auto only = seed_from_env();
    const std::uint64_t first = only ? *only : 20260505;
    const std::uint64_t count = only ? 1 : 300;
    std::cout << "access random rules: seeds " << first << ".." << first + count - 1
              << " (replay one with CONCORD_SEED=<seed>)\n";
    tally t;
    for (std::uint64_t seed = first; seed < first + count; ++seed) {
        INFO("seed " << seed << " (replay: CONCORD_SEED=" << seed << ")");
        run_seed(seed, t);
    }
    std::cout << "access random rules: " << t.reads << " reads (" << t.readable << " allowed), "
              << t.writes << " writes (" << t.allowed << " allowed), " << t.erased
              << " columns erased by project, " << t.equal_keys << " equal scope keys\n";
    // The generator must reach both answers, or the comparison proves little.
    CHECK(t.readable > 0);
    CHECK(t.readable < t.reads);
    CHECK(t.allowed > 0);
    CHECK(t.allowed < t.writes);
    CHECK(t.erased > 0);
}
