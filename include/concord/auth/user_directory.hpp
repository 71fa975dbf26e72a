// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — the built-in authenticator: users with hashed passwords, logins, session tokens.

#ifndef CONCORD_AUTH_USER_DIRECTORY_HPP
#define CONCORD_AUTH_USER_DIRECTORY_HPP

#include <concord/auth/detail/base64url.hpp>
#include <concord/auth/detail/crypto.hpp>
#include <concord/auth/password.hpp>
#include <concord/auth/session.hpp>
#include <concord/concepts/access_policy.hpp>
#include <concord/detail/sqlite_support.hpp>
#include <concord/error.hpp>
#include <concord/store/sqlite_options.hpp>

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace concord {

/// A user as the directory describes it (never the password or its hash).
struct user_info {
    std::string name;
    std::string role;
    std::string organisation;
};

/// Options of `user_directory`. Set members by assignment.
struct user_directory_options {
    /// How long a session token works after login (8 h: one working day).
    std::chrono::seconds session_lifetime{std::chrono::hours{8}};
    /// PBKDF2 rounds for passwords added from now on (stored hashes keep their own count).
    unsigned iterations = default_password_iterations;
    /// The clock sessions expire by; null means `std::chrono::system_clock::now`. Tests inject one.
    std::function<std::chrono::system_clock::time_point()> now;
};

/** The built-in authenticator: a directory of users (name, salted password hash, one role, an
    organisation) and the sessions they opened by logging in.

    Use `authenticate` as the `authenticate` of an access policy: it turns a session token into
    the `principal` {id = user name, roles = {role} (none when the role is empty), organisation}.

    Users live in memory, or in table `concord_users` of an SQLite file (created if missing; the
    file may be shared with a store — the directory never touches anything else in it). Two
    directories opened on one file see each other's users. Sessions always live in memory, so a
    restart logs everyone out. The directory keeps only the SHA-256 digest of each token: a
    memory dump or a log of its state holds no usable token.

    A `user_directory` is a handle: copies share the same users and sessions, so an access
    policy holding one stays copyable.

    Errors: results carry `errc::…` as documented per function, `errc::store_failed` when the
    SQLite file fails. No message ever contains a password or a token.
    Thread safety: every member function may be called concurrently (one mutex; password
    hashing runs outside it).
*/
class user_directory {
public:
    /// A directory held in memory only.
    explicit user_directory(user_directory_options o = {})
        : s_(std::make_shared<state>(std::move(o))) {}

    /** A directory whose users persist in table `concord_users` of the SQLite file at
        `sqlite_path`, created if missing. Throws `concord::system_error` (`errc::store_failed`)
        when the file cannot be opened or is not a database. */
    user_directory(const std::string& sqlite_path, user_directory_options o = {})
        : s_(std::make_shared<state>(std::move(o))) {
        s_->db = std::make_unique<detail::sqlite::connection>(sqlite_path, sqlite_options{});
        detail::sqlite::guard(sqlite_path + ": creating concord_users", [&] {
            s_->db->exec("CREATE TABLE IF NOT EXISTS concord_users ("
                         "name TEXT PRIMARY KEY NOT NULL, password_hash TEXT NOT NULL, "
                         "role TEXT NOT NULL, organisation TEXT NOT NULL)");
        });
    }

    /** Adds a user; the password is stored only as a PBKDF2 hash.
        @returns `errc::invalid_request` for an empty name or password, `errc::record_exists`
                 when a user of that name exists. */
    result<void> add_user(std::string_view name, std::string_view password, std::string_view role,
                          std::string_view organisation) {
        if (name.empty())
            return error(errc::invalid_request, "a user name must not be empty", "name");
        if (password.empty())
            return error(errc::invalid_request, "a password must not be empty", "password");
        const auto exists_error = [&] {
            return error(errc::record_exists, "user '" + std::string(name) + "' already exists",
                         "name");
        };
        {
            // Refuse a known name before paying for the hash.
            std::lock_guard lock(s_->mutex);
            auto found = s_->get(name);
            if (!found)
                return found.error();
            if (*found)
                return exists_error();
        }
        stored_user u;
        u.password_hash = hash_password(password, s_->options.iterations);
        u.role = std::string(role);
        u.organisation = std::string(organisation);
        std::lock_guard lock(s_->mutex);
        auto added = s_->insert(name, u);
        if (!added)
            return added.error();
        if (!*added)
            return exists_error();
        return {};
    }

    /** Changes a user's role and organisation. Sessions already open see the change at their
        next `authenticate`. @returns `errc::record_not_found` for an unknown user. */
    result<void> set_role(std::string_view name, std::string_view role,
                          std::string_view organisation) {
        std::lock_guard lock(s_->mutex);
        auto updated = s_->update(name, role, organisation);
        if (!updated)
            return updated.error();
        if (!*updated)
            return error(errc::record_not_found, "no user '" + std::string(name) + "'", "name");
        return {};
    }

    /** The user called `name`, if any. Throws `concord::system_error` (`errc::store_failed`)
        when the SQLite file fails. */
    std::optional<user_info> find(std::string_view name) const {
        std::lock_guard lock(s_->mutex);
        auto found = s_->get(name);
        if (!found)
            throw system_error(found.error());
        if (!*found)
            return std::nullopt;
        user_info info;
        info.name = std::string(name);
        info.role = (*found)->role;
        info.organisation = (*found)->organisation;
        return info;
    }

    /** Checks a password and opens a session.
        @returns the session (its token is shown only here); `errc::bad_credentials`, with the
                 same message and about the same time, for an unknown user and a wrong password,
                 so a caller cannot learn which names exist. */
    result<session> login(std::string_view name, std::string_view password) {
        std::optional<stored_user> user;
        {
            std::lock_guard lock(s_->mutex);
            auto found = s_->get(name);
            if (!found)
                return found.error();
            user = std::move(*found);
        }
        // An unknown user still costs one PBKDF2 run, against a hash that matches nothing.
        const bool ok = verify_password(password, user ? user->password_hash : s_->decoy_hash);
        if (!user || !ok)
            return error(errc::bad_credentials);

        session out;
        out.token = detail::base64url_encode(detail::random_bytes(token_size));
        const auto now = s_->now();
        out.expires = now + s_->options.session_lifetime;
        out.who = make_principal(name, *user);
        std::string digest = detail::sha256(out.token);
        std::lock_guard lock(s_->mutex);
        s_->purge(now);
        s_->sessions[std::move(digest)] = session_entry{std::string(name), out.expires};
        return out;
    }

    /** The principal behind a session token (the AccessPolicy `authenticate` signature).
        @returns `errc::unauthenticated` for an empty or unknown token (or one logged out);
                 `errc::session_expired` once its lifetime is over (the session is dropped). */
    result<principal> authenticate(std::string_view token) const {
        if (token.empty())
            return error(errc::unauthenticated, "no session token");
        // Real tokens are 43 characters; don't hash megabytes of junk.
        if (token.size() > max_token_size)
            return error(errc::unauthenticated, "unknown session token");
        const std::string digest = detail::sha256(token);
        const auto now = s_->now();
        std::lock_guard lock(s_->mutex);
        const auto it = s_->sessions.find(digest);
        if (it == s_->sessions.end())
            return error(errc::unauthenticated, "unknown session token");
        if (now >= it->second.expires) {
            s_->sessions.erase(it);
            return error(errc::session_expired, "session expired; log in again");
        }
        auto found = s_->get(it->second.name);
        if (!found)
            return found.error();
        if (!*found) { // the user was removed from the file behind our back
            s_->sessions.erase(it);
            return error(errc::unauthenticated, "the session's user no longer exists");
        }
        return make_principal(it->second.name, **found);
    }

    /// Ends the session of `token`; an unknown token is ignored.
    void logout(std::string_view token) {
        if (token.empty() || token.size() > max_token_size)
            return;
        const std::string digest = detail::sha256(token);
        std::lock_guard lock(s_->mutex);
        s_->sessions.erase(digest);
    }

    /// How many sessions are open (expired ones are dropped first).
    std::size_t session_count() const {
        const auto now = s_->now();
        std::lock_guard lock(s_->mutex);
        s_->purge(now);
        return s_->sessions.size();
    }

private:
    static constexpr std::size_t token_size = 32;      // random bytes per session token
    static constexpr std::size_t max_token_size = 256; // longer is never one of ours

    struct stored_user {
        std::string password_hash;
        std::string role;
        std::string organisation;
    };

    struct session_entry {
        std::string name;
        std::chrono::system_clock::time_point expires;
    };

    // Everything copies of a handle share. Members other than `options` and `decoy_hash` are
    // guarded by `mutex`.
    struct state {
        explicit state(user_directory_options o)
            : options(std::move(o))
            , decoy_hash(decoy(options.iterations)) {}

        user_directory_options options;
        // Verified against when the user is unknown: same scheme and rounds as a real hash.
        std::string decoy_hash;
        std::mutex mutex;
        std::map<std::string, stored_user, std::less<>> users;   // when there is no file
        std::unique_ptr<detail::sqlite::connection> db;          // when there is one
        std::unordered_map<std::string, session_entry> sessions; // by SHA-256(token)

        std::chrono::system_clock::time_point now() const {
            return options.now ? options.now() : std::chrono::system_clock::now();
        }

        void purge(std::chrono::system_clock::time_point t) {
            std::erase_if(sessions, [&](const auto& kv) { return t >= kv.second.expires; });
        }

        // Runs a statement on the file, turning SQLite's exceptions into errc::store_failed.
        template <class F>
        auto on_file(std::string_view what, F&& f) -> result<decltype(f())> {
            try {
                return std::forward<F>(f)();
            } catch (const SQLite::Exception& e) {
                return error(errc::store_failed,
                             db->path() + ": " + std::string(what) + ": " + e.what());
            }
        }

        result<std::optional<stored_user>> get(std::string_view name) {
            if (!db) {
                const auto it = users.find(name);
                if (it == users.end())
                    return std::optional<stored_user>();
                return std::optional<stored_user>(it->second);
            }
            return on_file("reading a user", [&] {
                auto& s = db->stmt("SELECT password_hash, role, organisation FROM concord_users "
                                   "WHERE name = ?");
                s.bind(1, name);
                std::optional<stored_user> u;
                if (s.step()) {
                    u.emplace();
                    u->password_hash = detail::sqlite::text(s.handle(), 0);
                    u->role = detail::sqlite::text(s.handle(), 1);
                    u->organisation = detail::sqlite::text(s.handle(), 2);
                }
                s.reset(); // a stepped SELECT would keep a read transaction open
                return u;
            });
        }

        // false when the name is taken.
        result<bool> insert(std::string_view name, const stored_user& u) {
            if (!db)
                return users.try_emplace(std::string(name), u).second;
            return on_file("adding a user", [&] {
                auto& s = db->stmt("INSERT OR IGNORE INTO concord_users "
                                   "(name, password_hash, role, organisation) VALUES (?, ?, ?, ?)");
                s.bind(1, name);
                s.bind(2, std::string_view(u.password_hash));
                s.bind(3, std::string_view(u.role));
                s.bind(4, std::string_view(u.organisation));
                s.exec();
                return sqlite3_changes(db->db().getHandle()) == 1;
            });
        }

        // false when there is no such user.
        result<bool> update(std::string_view name, std::string_view role,
                            std::string_view organisation) {
            if (!db) {
                const auto it = users.find(name);
                if (it == users.end())
                    return false;
                it->second.role = std::string(role);
                it->second.organisation = std::string(organisation);
                return true;
            }
            return on_file("changing a user's role", [&] {
                auto& s =
                    db->stmt("UPDATE concord_users SET role = ?, organisation = ? WHERE name = ?");
                s.bind(1, role);
                s.bind(2, organisation);
                s.bind(3, name);
                s.exec();
                return sqlite3_changes(db->db().getHandle()) == 1;
            });
        }

        // "pbkdf2-sha256$<iterations>$<16 zero bytes>$<32 zero bytes>": well formed, so
        // verifying against it runs the full PBKDF2, and no password matches it in practice.
        static std::string decoy(unsigned iterations) {
            return std::string(detail::password_scheme) + "$" + std::to_string(iterations) + "$" +
                   detail::base64url_encode(std::string(detail::password_salt_size, '\0')) + "$" +
                   detail::base64url_encode(std::string(detail::sha256_size, '\0'));
        }
    };

    static principal make_principal(std::string_view name, const stored_user& u) {
        principal p;
        p.id = std::string(name);
        if (!u.role.empty())
            p.roles.push_back(u.role);
        p.organisation = u.organisation;
        return p;
    }

    std::shared_ptr<state> s_;
};

} // namespace concord

#endif // CONCORD_AUTH_USER_DIRECTORY_HPP
