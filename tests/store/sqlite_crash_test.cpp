// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — SIGKILL a replica (and the hub) at random moments: no returned edit is lost or doubled.

#include <concord/hub/basic_hub.hpp>
#include <concord/replica/basic_replica.hpp>
#include <concord/store/sqlite_hub_store.hpp>
#include <concord/store/sqlite_replica_store.hpp>

#include <catch2/catch.hpp>
#include <support/schemas.hpp>
#include <support/socket_transport.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

// How it works. The test binary forks a hub process (basic_hub on an SQLite file, served on a
// Unix socket) and, again and again, a replica worker process (basic_replica on its own SQLite
// file) that edits and syncs in a loop. The parent SIGKILLs the worker after a random 1–40 ms;
// the next worker resumes on the same files. Each edit n is either the insert of a new Case
// numbered "E<n>" or (every 5th) an update of one of three shared Cases; its marker
// Description "edit-<n>" names it. After an edit's call returns, the worker appends "<n>\n" to a
// journal: the journal lists the edits the app was told are saved. A last, fault-free worker
// syncs until its outbox is empty; then every journaled insert must be on the hub exactly once,
// no Number twice, each shared Case at or past its last journaled update, the replica equal to
// the hub, its outbox and sync log empty. The second variant kills and restarts the hub too.

namespace {

using namespace concord;
using namespace std::chrono_literals;

using hub_type = basic_hub<sqlite_hub_store>;
using replica_type = basic_replica<sqlite_replica_store, test::socket_transport>;

constexpr std::uint64_t default_seed = 20260417;
constexpr long default_iterations = 200;

// Edit n updates a shared Case when n is a multiple of this; otherwise it inserts "E<n>".
constexpr std::uint64_t update_every = 5;
// The worker syncs after every this many edits.
constexpr std::uint64_t sync_every = 4;
const std::array<std::string, 3> shared_ids = {"5ac0ffee-0000-4000-8000-000000000001",
                                               "5ac0ffee-0000-4000-8000-000000000002",
                                               "5ac0ffee-0000-4000-8000-000000000003"};

bool is_update(std::uint64_t n) {
    return n % update_every == 0;
}
std::size_t shared_of(std::uint64_t n) {
    return static_cast<std::size_t>((n / update_every) % 3);
}
std::string number_of(std::uint64_t n) {
    return "E" + std::to_string(n);
}
std::string marker_of(std::uint64_t n) {
    return "edit-" + std::to_string(n);
}

std::optional<std::uint64_t> marker_in(const boost::json::object& fields) {
    auto it = fields.find("Description");
    if (it == fields.end() || !it->value().is_string())
        return std::nullopt;
    const std::string_view d = it->value().get_string();
    if (d.substr(0, 5) != "edit-")
        return std::nullopt;
    return std::stoull(std::string(d.substr(5)));
}

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::stoull(v) : fallback;
}

/// A directory under /tmp, removed with its contents.
class scratch_dir {
public:
    scratch_dir() {
        char tmpl[] = "/tmp/concord-crash-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;
    ~scratch_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

struct files {
    explicit files(const scratch_dir& d)
        : hub_db(d.file("hub.db"))
        , replica_db(d.file("replica.db"))
        , socket(d.file("hub.sock"))
        , journal(d.file("journal")) {}
    std::string hub_db, replica_db, socket, journal;
};

/// The journaled edits, in order. A last line without its newline (the kill came inside the
/// write) does not count: its call had returned, but the app had not yet recorded it.
std::vector<std::uint64_t> read_journal(const std::string& path) {
    std::vector<std::uint64_t> out;
    std::ifstream in(path, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t start = 0;
    for (std::size_t nl = all.find('\n'); nl != std::string::npos; nl = all.find('\n', start)) {
        out.push_back(std::stoull(all.substr(start, nl - start)));
        start = nl + 1;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// The hub process.

volatile std::sig_atomic_t hub_stop_requested = 0;

extern "C" void request_hub_stop(int) {
    hub_stop_requested = 1;
}

[[noreturn]] void run_hub(const files& f, int control_fd, pid_t parent) {
    struct sigaction sa {};
    sa.sa_handler = request_hub_stop; // no SA_RESTART: poll returns EINTR and the loop stops
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    int code = 0;
    try {
        hub_type hub(hub_options{test::helpdesk()}, sqlite_hub_store(f.hub_db, test::helpdesk()));
        test::serve_limits limits;
        limits.control_fd = control_fd;
        limits.parent = parent;
        limits.stop = &hub_stop_requested;
        code = test::serve_socket(hub, f.socket, limits) < 0 ? 3 : 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hub process: %s\n", e.what());
        code = 4;
    }
    ::_exit(code);
}

/// Waits for `pid` to end, SIGKILLing it after `timeout`. @returns its wait status.
int reap(pid_t pid, std::chrono::milliseconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0)
            return -1;
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return status;
        }
        std::this_thread::sleep_for(1ms);
    }
}

std::string describe(int status) {
    if (WIFEXITED(status))
        return "exited with " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return "killed by signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

/// A running hub process; killed (if still running) when destroyed.
class hub_process {
public:
    explicit hub_process(const files& f) : f_(&f) {}
    hub_process(const hub_process&) = delete;
    hub_process& operator=(const hub_process&) = delete;
    ~hub_process() {
        if (pid_ > 0)
            kill();
    }

    /// Starts the hub and waits until its socket exists.
    void start() {
        ::unlink(f_->socket.c_str()); // left by a killed hub: wait for the new one's
        int fds[2];
        if (::pipe(fds) != 0)
            throw std::runtime_error("pipe failed");
        std::cout.flush();
        const pid_t parent = ::getpid();
        const pid_t pid = ::fork();
        if (pid < 0)
            throw std::runtime_error("fork failed");
        if (pid == 0) {
            ::close(fds[1]);
            run_hub(*f_, fds[0], parent);
        }
        ::close(fds[0]);
        pid_ = pid;
        control_ = fds[1];
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        struct stat st {};
        while (::stat(f_->socket.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("the hub process " + describe(status) + " at start");
            }
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("the hub process did not start listening");
            std::this_thread::sleep_for(1ms);
        }
    }

    /// SIGKILLs the hub.
    void kill() {
        ::kill(pid_, SIGKILL);
        reap(pid_);
        close_control();
        pid_ = -1;
    }

    /// Asks the hub to stop (control pipe closed, SIGTERM) and @returns its wait status.
    int stop() {
        close_control();
        ::kill(pid_, SIGTERM);
        const int status = reap(pid_, 20s);
        pid_ = -1;
        return status;
    }

    /// The write end of the control pipe: a worker closes its inherited copy.
    int control() const noexcept { return control_; }

private:
    void close_control() {
        if (control_ >= 0)
            ::close(control_);
        control_ = -1;
    }

    const files* f_;
    pid_t pid_ = -1;
    int control_ = -1;
};

// ---------------------------------------------------------------------------------------------
// The replica worker process.

enum class worker_mode { edit, finish };

replica_type open_replica(const files& f) {
    return replica_type(replica_options{test::helpdesk()},
                        sqlite_replica_store(f.replica_db, test::helpdesk()),
                        test::socket_transport(f.socket, 5s));
}

// A sync may fail only because the hub is unreachable; anything else is a finding.
bool sync_failed_badly(const result<sync_summary>& s) {
    if (s || s.error() == errc::transport_failed)
        return false;
    std::fprintf(stderr, "worker: sync failed: %s\n", s.error().message.c_str());
    return true;
}

int edit_loop(const files& f, pid_t parent) {
    replica_type r = open_replica(f);
    for (std::size_t k = 0; k < shared_ids.size(); ++k) {
        auto got = r.get("Case", shared_ids[k]);
        if (got)
            continue;
        if (got.error() != errc::record_not_found)
            return 10;
        auto made = r.insert("Case", {{"Id", shared_ids[k]},
                                      {"Number", "S" + std::to_string(k)},
                                      {"Category", "Incident"},
                                      {"Description", marker_of(0)}});
        if (!made) {
            std::fprintf(stderr, "worker: shared insert: %s\n", made.error().message.c_str());
            return 11;
        }
    }
    // Resume after the last journaled edit — or after the one edit that may have committed
    // just before a kill, before it was journaled: it is still in the outbox (the worker syncs
    // only after journaling), so the outbox tells.
    std::uint64_t last = 0;
    for (std::uint64_t n : read_journal(f.journal))
        last = std::max(last, n);
    for (const change& c : r.pending())
        if (auto m = marker_in(c.fields))
            last = std::max(last, *m);
    const int journal = ::open(f.journal.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (journal < 0)
        return 12;
    const auto started = std::chrono::steady_clock::now();
    for (std::uint64_t n = last + 1;; ++n) {
        // Bounded: the parent kills a worker within milliseconds; an orphan stops on its own.
        if (::getppid() != parent || std::chrono::steady_clock::now() - started > 60s)
            return 0;
        result<void> w;
        if (is_update(n)) {
            w = r.update("Case", shared_ids[shared_of(n)], {{"Description", marker_of(n)}});
        } else {
            auto made = r.insert("Case", {{"Number", number_of(n)},
                                          {"Category", "Service request"},
                                          {"Description", marker_of(n)}});
            if (!made)
                w = made.error();
        }
        if (!w) {
            std::fprintf(stderr, "worker: edit %llu: %s\n", static_cast<unsigned long long>(n),
                         w.error().message.c_str());
            return 13;
        }
        // The call returned: record it. A kill cannot lose a finished write(2) (the page cache
        // outlives the process), so no fsync: this test kills processes, not the machine.
        const std::string line = std::to_string(n) + "\n";
        if (::write(journal, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
            return 14;
        if (n % sync_every == 0 && sync_failed_badly(r.sync()))
            return 15;
    }
}

int finish(const files& f) {
    replica_type r = open_replica(f);
    for (int attempt = 0; attempt < 400; ++attempt) {
        auto s = r.sync();
        if (sync_failed_badly(s))
            return 21;
        if (s && r.pending().empty()) {
            auto again = r.sync(); // one more round: the pull after the last push is in
            if (sync_failed_badly(again))
                return 22;
            if (again)
                return 0;
        }
        std::this_thread::sleep_for(50ms);
    }
    return 20;
}

pid_t start_worker(const files& f, worker_mode mode, int close_in_child) {
    std::cout.flush();
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("fork failed");
    if (pid != 0)
        return pid;
    if (close_in_child >= 0)
        ::close(close_in_child); // the hub's control pipe belongs to the parent alone
    int code = 0;
    try {
        code = mode == worker_mode::edit ? edit_loop(f, parent) : finish(f);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "worker: %s\n", e.what());
        code = 9;
    }
    ::_exit(code);
}

// ---------------------------------------------------------------------------------------------
// The final checks.

using record_map = std::map<std::string, boost::json::object>;

// The first few differences between the replica's records and the hub's ("" when equal).
std::string differences(const record_map& replica, const record_map& hub) {
    std::ostringstream out;
    int shown = 0;
    for (const auto& [id, fields] : replica) {
        auto it = hub.find(id);
        if (it == hub.end())
            out << "only on the replica: " << id << " " << boost::json::serialize(fields) << "\n";
        else if (it->second != fields)
            out << "differs: " << id << " replica " << boost::json::serialize(fields) << " hub "
                << boost::json::serialize(it->second) << "\n";
        else
            continue;
        if (++shown == 5)
            return out.str();
    }
    for (const auto& [id, fields] : hub)
        if (!replica.count(id)) {
            out << "only on the hub: " << id << " " << boost::json::serialize(fields) << "\n";
            if (++shown == 5)
                break;
        }
    return out.str();
}

void check_final_state(const files& f) {
    const std::vector<std::uint64_t> journal = read_journal(f.journal);
    const std::set<std::uint64_t> journaled(journal.begin(), journal.end());
    REQUIRE(journaled.size() == journal.size()); // the worker never reused a number
    REQUIRE(journal.size() > 100);               // the workers got real work done

    record_map hub_live;
    {
        sqlite_hub_store hs(f.hub_db, test::helpdesk());
        auto tx = hs.begin();
        change_page page = tx.changes_after(0, 100'000'000, {"Case", "Message"});
        REQUIRE_FALSE(page.more);
        std::size_t unexpected = 0; // nobody deletes, nobody writes a Message
        for (const hub_record& h : page.rows) {
            if (h.entity != "Case" || h.deleted)
                ++unexpected;
            else
                hub_live.emplace(h.id, h.fields);
        }
        CHECK(unexpected == 0);
    }

    // Exactly once: every Number at most once, every journaled insert's Number once.
    std::map<std::string, int> numbers;
    std::size_t mismatched = 0; // an "E<n>" whose Description is not "edit-<n>"
    for (const auto& [id, fields] : hub_live) {
        const std::string number(fields.at("Number").as_string());
        ++numbers[number];
        const auto n = marker_in(fields);
        if (number[0] == 'E' && (!n || number != number_of(*n)))
            ++mismatched;
    }
    CHECK(mismatched == 0);
    std::size_t twice = 0, unjournaled = 0;
    for (const auto& [number, count] : numbers) {
        if (count != 1) {
            ++twice;
            UNSCOPED_INFO("Number " << number << " is on the hub " << count << " times");
        }
        if (number[0] == 'E' && !journaled.count(std::stoull(number.substr(1))))
            ++unjournaled;
    }
    CHECK(twice == 0);
    std::size_t missing = 0;
    std::array<std::uint64_t, 3> last_update{};
    for (std::uint64_t n : journaled) {
        if (is_update(n)) {
            last_update[shared_of(n)] = std::max(last_update[shared_of(n)], n);
        } else if (!numbers.count(number_of(n))) {
            if (++missing <= 5)
                UNSCOPED_INFO("journaled edit " << n << " is not on the hub");
        }
    }
    CHECK(missing == 0);

    // The shared Cases: the last journaled update, or one made after it, wins.
    for (std::size_t k = 0; k < shared_ids.size(); ++k) {
        INFO("shared Case " << k);
        REQUIRE(hub_live.count(shared_ids[k]) == 1);
        const auto m = marker_in(hub_live[shared_ids[k]]);
        REQUIRE(m.has_value());
        CHECK((*m == 0 || (is_update(*m) && shared_of(*m) == k)));
        CHECK(*m >= last_update[k]);
    }

    // The replica equals the hub, with nothing left to send and nothing to report.
    replica_type r = open_replica(f);
    auto local = r.find("Case");
    REQUIRE(local.has_value());
    record_map replica_live;
    for (const record& rec : *local)
        replica_live.emplace(rec.id, rec.fields);
    const std::string diff = differences(replica_live, hub_live);
    INFO(diff);
    CHECK(diff.empty());
    CHECK(replica_live.size() == hub_live.size());
    CHECK(r.pending().empty());
    const sync_log_view log = r.sync_log();
    for (const sync_log_entry& e : log.entries)
        UNSCOPED_INFO("sync log: " << e.result.message);
    CHECK(log.entries.empty()); // a replayed change answered as anything but applied is a bug

    std::cout << "  journaled edits: " << journal.size() << ", hub records: " << hub_live.size()
              << ", edits on the hub that were never journaled: " << unjournaled << "\n";
}

// The parent: kill workers (and, with `kill_hub`, the hub) at random moments, then check.
void crash_loop(bool kill_hub) {
    const std::uint64_t seed = env_number("CONCORD_SEED", default_seed);
    const auto iterations =
        static_cast<long>(env_number("CONCORD_CRASH_ITERATIONS", default_iterations));
    std::cout << "sqlite crash test (" << (kill_hub ? "replica and hub" : "replica")
              << " killed): CONCORD_SEED=" << seed << ", " << iterations << " iterations\n";
    INFO("CONCORD_SEED=" << seed);
    const auto started = std::chrono::steady_clock::now();

    scratch_dir dir;
    const files f(dir);
    hub_process hub(f);
    hub.start();

    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> pause_ms(1, 40);
    std::uniform_int_distribution<int> short_pause_ms(0, 15);
    std::uniform_int_distribution<int> action(0, 3);
    long hub_kills = 0;
    for (long i = 0; i < iterations; ++i) {
        const pid_t worker = start_worker(f, worker_mode::edit, hub.control());
        std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
        const int what = kill_hub ? action(rng) : 0;
        if (what == 1 || what == 2) {
            hub.kill(); // perhaps mid-batch
            ++hub_kills;
            std::this_thread::sleep_for(std::chrono::milliseconds(short_pause_ms(rng)));
            if (what == 2) { // the worker reconnects to a new hub while it runs
                hub.start();
                std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
            }
        }
        ::kill(worker, SIGKILL);
        const int status = reap(worker);
        INFO("iteration " << i << ": the worker " << describe(status));
        REQUIRE((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
        if (what == 1)
            hub.start();
    }

    const pid_t last = start_worker(f, worker_mode::finish, hub.control());
    const int last_status = reap(last, 60s);
    INFO("the final worker " << describe(last_status));
    REQUIRE((WIFEXITED(last_status) && WEXITSTATUS(last_status) == 0));
    const int hub_status = hub.stop();
    INFO("the hub " << describe(hub_status));
    REQUIRE((WIFEXITED(hub_status) && WEXITSTATUS(hub_status) == 0));

    check_final_state(f);
    const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
    std::cout << "  " << iterations << " worker kills, " << hub_kills << " hub kills, "
              << secs.count() << " s\n";
}

} // namespace

TEST_CASE("sqlite crash: a replica killed at random moments loses and doubles no edit",
          "[sqlite][crash]") {
    crash_loop(false);
}

TEST_CASE("sqlite crash: replica and hub killed at random moments lose and double no edit",
          "[sqlite][crash]") {
    crash_loop(true);
}
