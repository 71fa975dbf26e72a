// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — tests of the built-in authenticator: users, logins, sessions, persistence, threads.

#include <concord/auth/user_directory.hpp>

#include <catch2/catch.hpp>
#include <support/temp_dir.hpp>

#include <SQLiteCpp/Database.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using concord::errc;
using concord::user_directory;
using clock_type = std::chrono::system_clock;

/// A clock the test moves by hand, shared with the directory through its options.
struct manual_clock {
    std::shared_ptr<clock_type::time_point> t =
        std::make_shared<clock_type::time_point>(clock_type::time_point(1'800'000'000s));

    void advance(clock_type::duration d) const { *t += d; }
    clock_type::time_point now() const { return *t; }
};

concord::user_directory_options fast_options() {
    concord::user_directory_options o;
    o.iterations = 1000;
    return o;
}

concord::user_directory_options clocked_options(const manual_clock& c) {
    auto o = fast_options();
    o.session_lifetime = 1h;
    o.now = [t = c.t] { return *t; };
    return o;
}

user_directory with_alice(concord::user_directory_options o = fast_options()) {
    user_directory d(std::move(o));
    REQUIRE(d.add_user("alice", "wonderland", "agent", "Acme").has_value());
    return d;
}

} // namespace

TEST_CASE("user directory: an added user can be found without its password", "[auth]") {
    user_directory d(fast_options());
    CHECK_FALSE(d.find("alice").has_value());
    REQUIRE(d.add_user("alice", "wonderland", "agent", "Acme").has_value());
    const auto u = d.find("alice");
    REQUIRE(u.has_value());
    CHECK(u->name == "alice");
    CHECK(u->role == "agent");
    CHECK(u->organisation == "Acme");
    CHECK_FALSE(d.find("Alice").has_value());
}

TEST_CASE("user directory: a name can be added only once", "[auth]") {
    user_directory d = with_alice();
    const auto again = d.add_user("alice", "other", "admin", "Evil");
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error() == errc::record_exists);
    CHECK(d.find("alice")->role == "agent");
    // The first password still works, the second never took.
    CHECK(d.login("alice", "wonderland").has_value());
    CHECK_FALSE(d.login("alice", "other").has_value());
}

TEST_CASE("user directory: an empty name or password is refused", "[auth]") {
    user_directory d(fast_options());
    const auto no_name = d.add_user("", "pw", "agent", "Acme");
    REQUIRE_FALSE(no_name.has_value());
    CHECK(no_name.error() == errc::invalid_request);
    const auto no_password = d.add_user("bob", "", "agent", "Acme");
    REQUIRE_FALSE(no_password.has_value());
    CHECK(no_password.error() == errc::invalid_request);
    CHECK_FALSE(d.find("bob").has_value());
}

TEST_CASE("user directory: login with the right password opens a session", "[auth]") {
    const manual_clock clock;
    user_directory d = with_alice(clocked_options(clock));
    const auto s = d.login("alice", "wonderland");
    REQUIRE(s.has_value());
    CHECK(s->token.size() == 43);
    CHECK(s->token.find_first_of("+/=") == std::string::npos);
    CHECK(s->expires == clock.now() + 1h);
    CHECK(s->who.id == "alice");
    CHECK(s->who.roles == std::vector<std::string>{"agent"});
    CHECK(s->who.organisation == "Acme");
    CHECK(d.session_count() == 1);
}

TEST_CASE("user directory: unknown user and wrong password fail alike", "[auth]") {
    user_directory d = with_alice();
    const auto wrong = d.login("alice", "Wonderland");
    const auto unknown = d.login("mallory", "wonderland");
    const auto empty = d.login("", "");
    REQUIRE_FALSE(wrong.has_value());
    REQUIRE_FALSE(unknown.has_value());
    REQUIRE_FALSE(empty.has_value());
    CHECK(wrong.error() == errc::bad_credentials);
    CHECK(unknown.error() == errc::bad_credentials);
    CHECK(empty.error() == errc::bad_credentials);
    CHECK(wrong.error().message == unknown.error().message);
    CHECK(wrong.error().field == unknown.error().field);
    CHECK(wrong.error().message.find("wonderland") == std::string::npos);
    CHECK(wrong.error().message.find("Wonderland") == std::string::npos);
    CHECK(unknown.error().message.find("mallory") == std::string::npos);
    CHECK(d.session_count() == 0);
}

TEST_CASE("user directory: a session token authenticates its user", "[auth]") {
    user_directory d = with_alice();
    const auto s = d.login("alice", "wonderland");
    REQUIRE(s.has_value());
    const auto p = d.authenticate(s->token);
    REQUIRE(p.has_value());
    CHECK(*p == s->who);
    CHECK(p->id == "alice");
}

TEST_CASE("user directory: an empty, unknown or altered token is unauthenticated", "[auth]") {
    user_directory d = with_alice();
    const auto s = d.login("alice", "wonderland");
    REQUIRE(s.has_value());
    std::vector<std::string> bad = {"", "x", std::string(5000, 'A'), s->token + "A",
                                    s->token.substr(1)};
    for (std::size_t i = 0; i < s->token.size(); ++i) {
        std::string t = s->token;
        t[i] = t[i] == 'A' ? 'B' : 'A';
        bad.push_back(t);
    }
    for (const auto& t : bad) {
        INFO("token: '" << t << "'");
        const auto p = d.authenticate(t);
        REQUIRE_FALSE(p.has_value());
        CHECK(p.error() == errc::unauthenticated);
        if (!t.empty())
            CHECK(p.error().message.find(t) == std::string::npos);
    }
    CHECK(d.authenticate(s->token).has_value()); // the real one still works
}

TEST_CASE("user directory: two logins give two different working tokens", "[auth]") {
    user_directory d = with_alice();
    const auto a = d.login("alice", "wonderland");
    const auto b = d.login("alice", "wonderland");
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(a->token != b->token);
    CHECK(d.session_count() == 2);
    CHECK(d.authenticate(a->token).has_value());
    CHECK(d.authenticate(b->token).has_value());
}

TEST_CASE("user directory: a session expires after its lifetime and is dropped", "[auth]") {
    const manual_clock clock;
    user_directory d = with_alice(clocked_options(clock));
    const auto s = d.login("alice", "wonderland");
    REQUIRE(s.has_value());
    clock.advance(1h - 1s);
    CHECK(d.authenticate(s->token).has_value());
    clock.advance(1s);
    const auto expired = d.authenticate(s->token);
    REQUIRE_FALSE(expired.has_value());
    CHECK(expired.error() == errc::session_expired);
    CHECK(expired.error().message.find(s->token) == std::string::npos);
    // Dropped: asking again finds no session at all.
    const auto again = d.authenticate(s->token);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error() == errc::unauthenticated);
    CHECK(d.session_count() == 0);
}

TEST_CASE("user directory: session_count leaves out expired sessions", "[auth]") {
    const manual_clock clock;
    user_directory d = with_alice(clocked_options(clock));
    REQUIRE(d.login("alice", "wonderland").has_value());
    clock.advance(30min);
    const auto later = d.login("alice", "wonderland");
    REQUIRE(later.has_value());
    CHECK(d.session_count() == 2);
    clock.advance(30min); // the first is now exactly at its expiry
    CHECK(d.session_count() == 1);
    CHECK(d.authenticate(later->token).has_value());
}

TEST_CASE("user directory: logout ends only that session", "[auth]") {
    user_directory d = with_alice();
    const auto a = d.login("alice", "wonderland");
    const auto b = d.login("alice", "wonderland");
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    d.logout(a->token);
    const auto gone = d.authenticate(a->token);
    REQUIRE_FALSE(gone.has_value());
    CHECK(gone.error() == errc::unauthenticated);
    CHECK(d.authenticate(b->token).has_value());
    CHECK(d.session_count() == 1);
    d.logout("not a token"); // ignored
    d.logout("");
    CHECK(d.session_count() == 1);
}

TEST_CASE("user directory: a role change reaches sessions already open", "[auth]") {
    user_directory d = with_alice();
    const auto s = d.login("alice", "wonderland");
    REQUIRE(s.has_value());
    REQUIRE(d.set_role("alice", "supervisor", "Globex").has_value());
    const auto p = d.authenticate(s->token);
    REQUIRE(p.has_value());
    CHECK(p->roles == std::vector<std::string>{"supervisor"});
    CHECK(p->organisation == "Globex");
    CHECK(d.find("alice")->role == "supervisor");
    // An empty role grants no role at all.
    REQUIRE(d.set_role("alice", "", "Globex").has_value());
    CHECK(d.authenticate(s->token)->roles.empty());
    const auto nobody = d.set_role("nobody", "admin", "Acme");
    REQUIRE_FALSE(nobody.has_value());
    CHECK(nobody.error() == errc::record_not_found);
}

TEST_CASE("user directory: copies share users and sessions", "[auth]") {
    user_directory d = with_alice();
    const user_directory copy = d; // NOLINT(performance-unnecessary-copy-initialization)
    REQUIRE(d.add_user("bob", "builder", "agent", "Acme").has_value());
    CHECK(copy.find("bob").has_value());
    const auto s = d.login("bob", "builder");
    REQUIRE(s.has_value());
    CHECK(copy.authenticate(s->token).has_value());
    CHECK(copy.session_count() == 1);
}

TEST_CASE("user directory: users persist in an SQLite file", "[auth]") {
    const concord::test::temp_dir dir("auth");
    const std::string path = dir.file("users.db");
    {
        user_directory d(path, fast_options());
        REQUIRE(d.add_user("alice", "wonderland", "agent", "Acme").has_value());
        REQUIRE(d.add_user("bob", "builder", "admin", "Globex").has_value());
        REQUIRE(d.set_role("bob", "supervisor", "Globex").has_value());
    }
    user_directory d(path, fast_options());
    const auto bob = d.find("bob");
    REQUIRE(bob.has_value());
    CHECK(bob->role == "supervisor");
    CHECK(bob->organisation == "Globex");
    const auto s = d.login("alice", "wonderland");
    REQUIRE(s.has_value());
    CHECK(s->who.organisation == "Acme");
    CHECK_FALSE(d.login("alice", "builder").has_value());
    const auto dup = d.add_user("alice", "x", "agent", "Acme");
    REQUIRE_FALSE(dup.has_value());
    CHECK(dup.error() == errc::record_exists);

    // The file holds hashes, never passwords.
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT password_hash FROM concord_users WHERE name = 'alice'");
    REQUIRE(q.executeStep());
    const std::string stored = q.getColumn(0).getString();
    CHECK(stored.rfind("pbkdf2-sha256$1000$", 0) == 0);
    CHECK(stored.find("wonderland") == std::string::npos);
}

TEST_CASE("user directory: two directories on one file see each other's users", "[auth]") {
    const concord::test::temp_dir dir("auth");
    const std::string path = dir.file("users.db");
    user_directory a(path, fast_options());
    user_directory b(path, fast_options());
    REQUIRE(a.add_user("alice", "wonderland", "agent", "Acme").has_value());
    CHECK(b.find("alice").has_value());
    const auto dup = b.add_user("alice", "pw", "agent", "Acme");
    REQUIRE_FALSE(dup.has_value());
    CHECK(dup.error() == errc::record_exists);
    // A session lives in the directory that opened it, and sees role changes made by the other.
    const auto s = b.login("alice", "wonderland");
    REQUIRE(s.has_value());
    REQUIRE(a.set_role("alice", "admin", "Acme").has_value());
    const auto p = b.authenticate(s->token);
    REQUIRE(p.has_value());
    CHECK(p->roles == std::vector<std::string>{"admin"});
    CHECK(a.authenticate(s->token).error() == errc::unauthenticated);
}

TEST_CASE("user directory: the default iteration count hashes stored passwords", "[auth]") {
    const concord::test::temp_dir dir("auth");
    const std::string path = dir.file("users.db");
    user_directory d(path);
    REQUIRE(d.add_user("alice", "wonderland", "agent", "Acme").has_value());
    CHECK(d.login("alice", "wonderland").has_value());
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    const std::string stored = db.execAndGet("SELECT password_hash FROM concord_users").getString();
    CHECK(stored.rfind("pbkdf2-sha256$210000$", 0) == 0);
}

TEST_CASE("user directory: concurrent logins and authentications stay consistent", "[auth]") {
    user_directory d(fast_options());
    constexpr int threads = 4;
    constexpr int rounds = 25;
    for (int t = 0; t < threads; ++t)
        REQUIRE(d.add_user("user" + std::to_string(t), "pw" + std::to_string(t), "agent",
                           "org" + std::to_string(t))
                    .has_value());
    std::atomic<int> ok{0};
    std::atomic<int> wrong{0};
    std::vector<std::vector<std::string>> tokens(threads);
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            const std::string name = "user" + std::to_string(t);
            for (int i = 0; i < rounds; ++i) {
                const auto s = d.login(name, "pw" + std::to_string(t));
                if (!s) {
                    ++wrong;
                    continue;
                }
                const auto p = d.authenticate(s->token);
                if (p && p->id == name && p->organisation == "org" + std::to_string(t))
                    ++ok;
                else
                    ++wrong;
                if (d.login(name, "bad").has_value()) // must always fail
                    ++wrong;
                tokens[static_cast<std::size_t>(t)].push_back(s->token);
                if (i % 5 == 0)
                    d.logout(s->token);
            }
        });
    for (auto& th : pool)
        th.join();
    CHECK(ok == threads * rounds);
    CHECK(wrong == 0);
    std::set<std::string> distinct;
    for (const auto& v : tokens)
        distinct.insert(v.begin(), v.end());
    CHECK(distinct.size() == static_cast<std::size_t>(threads * rounds));
    CHECK(d.session_count() == static_cast<std::size_t>(threads * (rounds - rounds / 5)));
}
