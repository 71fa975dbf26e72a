// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — concord-helpdesk: a field agent, two portal customers and a customer's power user,
// each with an SQLite replica, logging in to concord-hub and syncing over HTTP: offline work,
// what each role may see, a conflict, a refused edit and its access request, a deleted record,
// the sync log.

#include <concord/http.hpp>

#include "helpdesk_schema.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/serialize.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <initializer_list>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace cc = concord;
namespace fs = std::filesystem;
using replica = cc::sqlite_http_replica;

namespace {

constexpr std::string_view usage_text =
    "usage: concord-helpdesk --url URL [--dir DIR] [--ca FILE] [--admin-email ADDR]\n"
    "  --url URL   the hub, as concord-hub prints it (http://127.0.0.1:PORT); it must know\n"
    "              the story's users (examples/helpdesk/run-demo starts it with them):\n"
    "                dana:dana-demo-pw:agent  sam:sam-demo-pw:portal:Acme\n"
    "                olga:olga-demo-pw:power:Acme  ken:ken-demo-pw:portal:Globex\n"
    "  --dir DIR   where the replica files go, kept afterwards (default: a temporary\n"
    "              directory, removed at the end)\n"
    "  --ca FILE   PEM file of the CA that signed an https hub's certificate\n"
    "  --admin-email ADDR\n"
    "              where access requests go when the hub names no administrator\n"
    "  --archive N cases Dana imports at the end, which a new device then pulls with a\n"
    "              progress bar (10000; 0 skips the step)\n";

// The story's users, as the hub must know them (concord-hub --user NAME:PASSWORD:ROLE[:ORG]).
struct person {
    std::string_view name, password, role, organisation, file;
};
constexpr person dana{"dana", "dana-demo-pw", "agent", "", "dana.db"};
constexpr person sam{"sam", "sam-demo-pw", "portal", "Acme", "sam.db"};
constexpr person olga{"olga", "olga-demo-pw", "power", "Acme", "olga.db"};
constexpr person ken{"ken", "ken-demo-pw", "portal", "Globex", "ken.db"};
// Dana's second device, which joins at the end.
constexpr person dana_tablet{"dana", "dana-demo-pw", "agent", "", "dana-tablet.db"};
constexpr person cast[] = {dana, sam, olga, ken, dana_tablet};

[[noreturn]] void usage_error(const std::string& what) {
    std::cerr << "concord-helpdesk: " << what << "\n" << usage_text;
    std::exit(2);
}

// An unexpected error ends the story: main prints it and exits non-zero.
struct story_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

template <class T>
T check(cc::result<T> r, const std::string& what) {
    if (!r)
        throw story_error(what + ": " + r.error().message);
    if constexpr (!std::is_void_v<T>)
        return std::move(*r);
}

void expect(bool ok, const std::string& what) {
    if (!ok)
        throw story_error("unexpected: " + what);
}

// Removes the replica directory when the story made it (after the replicas closed their files).
struct temp_dir {
    fs::path path;
    bool owned = false;
    temp_dir() = default;
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ignored;
        if (owned)
            fs::remove_all(path, ignored);
    }
};

std::string short_id(std::string_view id) {
    return std::string(id.substr(0, 8));
}

std::string text_of(const boost::json::object& fields, std::string_view key) {
    const auto* v = fields.if_contains(key);
    if (v == nullptr || v->is_null())
        return "-";
    if (v->is_string())
        return std::string(v->get_string());
    return boost::json::serialize(*v);
}

std::string clip(std::string s, std::size_t width) {
    if (s.size() > width)
        s = s.substr(0, width - 3) + "...";
    return s;
}

// `Status="Cancelled", Owner="Dana"`: the named fields, or every field when none is named.
std::string fields_text(const boost::json::object& fields,
                        std::initializer_list<std::string_view> keys = {}) {
    std::string out;
    auto add = [&](std::string_view k, const boost::json::value& v) {
        if (!out.empty())
            out += ", ";
        out.append(k).append("=").append(boost::json::serialize(v));
    };
    if (keys.size() == 0) {
        for (const auto& f : fields)
            add(f.key(), f.value());
    } else {
        for (std::string_view k : keys)
            if (const auto* v = fields.if_contains(k))
                add(k, *v);
    }
    return out.empty() ? "(none)" : out;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::vector<cc::record> cases_of(replica& r) {
    auto cases = check(r.find("Case"), "reading cases");
    std::sort(cases.begin(), cases.end(), [](const cc::record& a, const cc::record& b) {
        return text_of(a.fields, "Number") < text_of(b.fields, "Number");
    });
    return cases;
}

void print_cases(std::string_view who, replica& r) {
    std::cout << "  " << who << ":\n";
    std::cout << "    " << std::left << std::setw(9) << "Number" << std::setw(17) << "Category"
              << std::setw(13) << "Status" << std::setw(6) << "Owner" << std::setw(8) << "Org"
              << std::setw(9) << "Assignee"
              << "Description\n";
    for (const auto& c : cases_of(r))
        std::cout << "    " << std::setw(9) << text_of(c.fields, "Number") << std::setw(17)
                  << text_of(c.fields, "Category") << std::setw(13) << text_of(c.fields, "Status")
                  << std::setw(6) << text_of(c.fields, "Owner") << std::setw(8)
                  << text_of(c.fields, "Org") << std::setw(9) << text_of(c.fields, "Assignee")
                  << clip(text_of(c.fields, "Description"), 32) << '\n';
}

void print_pending(std::string_view who, replica& r) {
    const auto pending = r.pending();
    std::cout << "  " << who << ": " << plural(pending.size(), "change", "changes") << " pending\n";
}

void print_outbox(replica& r) {
    std::cout << "    " << std::left << std::setw(5) << "seq" << std::setw(8) << "op"
              << std::setw(9) << "entity" << std::setw(10) << "record"
              << "fields\n";
    for (const auto& c : r.pending()) {
        std::string names;
        for (const auto& f : c.fields)
            names.append(names.empty() ? "" : " ").append(f.key());
        std::cout << "    " << std::setw(5) << c.id.seq << std::setw(8) << cc::to_string(c.op)
                  << std::setw(9) << c.entity << std::setw(10) << short_id(c.record_id) << names
                  << '\n';
    }
}

cc::sync_summary sync(std::string_view who, replica& r) {
    const auto s = check(r.sync(), std::string(who) + " sync");
    std::cout << "  " << who << " syncs: pushed " << s.pushed << " (" << s.applied << " applied, "
              << s.logged << " logged), pulled " << s.pulled << '\n';
    return s;
}

void print_sync_log(std::string_view who, replica& r) {
    const auto log = r.sync_log();
    std::cout << "  " << who << "'s sync log: " << plural(log.entries.size(), "entry", "entries")
              << '\n';
    for (const auto& e : log.entries) {
        const cc::outcome& o = e.result;
        std::string kind(cc::to_string(o.kind));
        if (o.kind == cc::outcome_kind::rejected)
            kind += ": " + std::string(cc::to_string(o.reason));
        std::cout << "    entry " << e.id << "  " << kind << "  (" << cc::to_string(e.mine.op)
                  << " " << e.mine.entity << " " << short_id(e.mine.record_id) << ")\n"
                  << "      message:  " << o.message << '\n'
                  << "      losing:   " << fields_text(o.losing) << '\n'
                  << "      hub copy: "
                  << (!o.hub_copy ? std::string("(none)")
                      : o.hub_copy->deleted
                          ? std::string("(deleted)")
                          : fields_text(o.hub_copy->fields, {"Category", "Status", "Description"}))
                  << '\n';
    }
}

// Every record of every entity, as a replica holds it.
std::vector<std::vector<cc::record>> contents(replica& r) {
    std::vector<std::vector<cc::record>> all;
    const cc::schema s = helpdesk::schema();
    for (const auto& e : s.entities())
        all.push_back(check(r.find(e.name), "reading " + e.name));
    return all;
}

// A time step between edits made on two devices, so their clocks order them as told.
void a_moment_later() {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

struct arguments {
    std::string url;
    std::optional<std::string> dir;
    std::string ca_file;
    std::string admin_email;
    std::size_t archive = 10000;
};

arguments parse(int argc, char** argv) {
    arguments a;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage_text;
            std::exit(0);
        }
        std::string_view value;
        bool has_value = false;
        if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_value = true;
        }
        auto next = [&]() -> std::string {
            if (has_value)
                return std::string(value);
            if (i + 1 >= argc)
                usage_error(std::string(arg) + " needs a value");
            return argv[++i];
        };
        if (arg == "--url")
            a.url = next();
        else if (arg == "--dir")
            a.dir = next();
        else if (arg == "--ca")
            a.ca_file = next();
        else if (arg == "--admin-email")
            a.admin_email = next();
        else if (arg == "--archive") {
            const std::string v = next();
            char* end = nullptr;
            const unsigned long n = std::strtoul(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || n > 1'000'000)
                usage_error("--archive expects a number of cases from 0 to 1000000");
            a.archive = n;
        } else
            usage_error("unknown argument '" + std::string(arg) + "'");
    }
    if (a.url.empty())
        usage_error("--url is required");
    if (!a.url.starts_with("http://") && !a.url.starts_with("https://"))
        usage_error("--url must start with http:// or https://");
    if (a.dir && a.dir->empty())
        usage_error("--dir needs a path");
    return a;
}

void make_replica_dir(const arguments& args, temp_dir& d) {
    if (args.dir) {
        d.path = *args.dir;
        fs::create_directories(d.path);
        for (const person& p : cast)
            if (fs::exists(d.path / p.file))
                throw story_error((d.path / p.file).string() +
                                  " exists: the story starts from empty replicas; pick an "
                                  "empty --dir");
        return;
    }
    const char* tmp = std::getenv("TMPDIR");
    std::string templ =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/concord-helpdesk.XXXXXX";
    if (mkdtemp(templ.data()) == nullptr)
        throw story_error("cannot create a temporary directory in " + templ);
    d.path = templ;
    d.owned = true;
}

// The numbers of the cases `r` holds, in order ("SR-1001 SR-1002").
std::string numbers_of(replica& r) {
    std::string out;
    for (const auto& c : cases_of(r))
        out.append(out.empty() ? "" : " ").append(text_of(c.fields, "Number"));
    return out;
}

// One line per user: what their replica holds; fails when it is not `expected` cases.
void print_holdings(const std::vector<std::pair<person, replica*>>& users,
                    const std::vector<std::string>& expected) {
    for (std::size_t i = 0; i < users.size(); ++i) {
        const auto& [p, r] = users[i];
        const auto held = contents(*r);
        std::string who(p.name);
        who.append(" (").append(p.role);
        if (!p.organisation.empty())
            who.append(", ").append(p.organisation);
        who += ")";
        const std::string numbers = numbers_of(*r);
        std::cout << "    " << std::left << std::setw(21) << who << std::setw(9)
                  << plural(held.at(0).size(), "case", "cases") << std::setw(25) << numbers
                  << plural(held.at(1).size(), "message", "messages") << '\n';
        expect(numbers == expected.at(i),
               std::string(p.name) + " holds " + numbers + " instead of " + expected.at(i));
    }
}

// Every record a user's replica holds is the agent's copy (the agent sees everything and no
// column is hidden from anyone in these rules).
void expect_agent_copies(replica& agent, const std::vector<std::pair<person, replica*>>& users) {
    const auto all = contents(agent);
    for (const auto& [p, r] : users) {
        const auto held = contents(*r);
        for (std::size_t e = 0; e < held.size(); ++e)
            for (const auto& rec : held[e])
                expect(std::find(all[e].begin(), all[e].end(), rec) != all[e].end(),
                       std::string(p.name) + "'s copy of " + short_id(rec.id) +
                           " differs from the agent's");
    }
}

// The percentage a progress line shows: the pull's fraction, rounded.
int shown_percent(const cc::sync_progress& p) {
    return static_cast<int>(p.pull_fraction() * 100 + 0.5);
}

// One line of a progress bar: "[#####-----]  50%  5,000 records, page 5".
std::string progress_line(const cc::sync_progress& p) {
    constexpr int width = 30;
    const double f = p.pull_fraction();
    const int filled = static_cast<int>(f * width + 0.5);
    std::ostringstream out;
    out << "  [" << std::string(static_cast<std::size_t>(filled), '#')
        << std::string(static_cast<std::size_t>(width - filled), '-') << "] " << std::setw(3)
        << shown_percent(p) << "%  " << p.pulled << " records, page " << p.pages;
    return out.str();
}

// -- 8: Dana imports an archive of old cases; her new tablet's first sync pulls them all while
// a progress bar runs (redrawn in place on a terminal, a line per tenth otherwise).
template <class OpenTablet>
void import_archive(const arguments& args, replica& agent, OpenTablet open_tablet) {
    std::cout << "\n== 9. An archive arrives, and Dana's new tablet syncs it ==\n";
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 1; i <= args.archive; ++i) {
        const std::string n = std::to_string(i);
        check(agent.insert(
                  "Case",
                  {{"Number", "AR-" + std::string(6 - std::min<std::size_t>(6, n.size()), '0') + n},
                   {"Category", i % 3 == 0 ? "Service request" : "Incident"},
                   {"Status", "Closed"},
                   {"Description", "Imported from the old helpdesk"},
                   {"Owner", "archive"},
                   {"Org", "Initech"},
                   {"CreatedOn", "2024-06-01T08:00:00Z"}}),
              "agent imports an archived case");
    }
    const auto pushed = sync("dana", agent);
    const double import_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "  Dana imported " << args.archive << " archived cases (Initech, closed) and "
              << "pushed them in " << pushed.requests << " requests (" << std::fixed
              << std::setprecision(1) << import_s << " s with the local writes).\n";

    const bool tty = isatty(STDOUT_FILENO) != 0;
    int shown = -1; // the last tenth printed (not on a terminal)
    cc::replica_options o{helpdesk::schema()};
    o.user_name = std::string(dana_tablet.name);
    o.pull_limit = 1000; // pages of 1,000 rows: the bar moves a tenth at a time
    o.on_progress = [&](const cc::sync_progress& p) {
        if (tty) {
            std::cout << '\r' << progress_line(p) << std::flush;
            return;
        }
        // By the percentage the line shows, so that no tenth is skipped.
        const int percent = shown_percent(p);
        const int tenth = percent / 10;
        if (tenth > shown && (p.done || percent < 100)) { // 100% once, when done
            std::cout << progress_line(p) << '\n';
            shown = tenth;
        }
    };
    auto tablet = open_tablet(std::move(o));
    std::cout << "  Dana logs in on a new tablet; its first sync:\n";
    const auto t1 = std::chrono::steady_clock::now();
    const auto first = check(tablet->sync(), "the tablet's first sync");
    const double sync_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    if (tty)
        std::cout << '\n';
    std::cout << "  The tablet holds " << first.pulled << " records after " << first.requests
              << " requests in " << std::setprecision(2) << sync_s << " s.\n";
    expect(contents(*tablet) == contents(agent), "the tablet differs from Dana's phone");
    std::cout << "  It holds exactly what Dana's phone holds.\n";
}

int run(const arguments& args) {
    const cc::schema schema = helpdesk::schema();
    temp_dir dir; // declared before the replicas: removed after they close their files
    make_replica_dir(args, dir);
    auto path_of = [&](const person& p) { return (dir.path / p.file).string(); };

    // A replica of `p`, on its file, reaching the hub at `url`. With `log_in`, the transport
    // first logs in (http_transport::login) and the session token becomes the credentials.
    auto open = [&](const person& p, std::string url, int attempts, bool log_in) {
        cc::http_transport_options t;
        t.url = std::move(url);
        t.ca_file = args.ca_file;
        t.attempts = attempts;
        cc::http_transport transport(t, schema);
        cc::replica_options o{schema};
        o.user_name = std::string(p.name);
        if (log_in)
            o.credentials =
                check(transport.login(p.name, p.password), "logging in as " + std::string(p.name));
        return std::make_unique<replica>(o, cc::sqlite_replica_store(path_of(p), schema),
                                         std::move(transport));
    };

    std::cout << "concord helpdesk: four users, each with an SQLite replica, syncing with the hub\n"
                 "at "
              << args.url
              << ". What each may see and change is decided by the hub's rules:\n"
                 "  dana  agent               every case and message\n"
                 "  sam   portal user, Acme   his own cases; Category, Assignee, Org read-only\n"
                 "  olga  power user, Acme    every Acme case\n"
                 "  ken   portal user, Globex his own cases\n";
    if (!dir.owned)
        std::cout << "replica files: " << dir.path.string() << "/{dana,sam,olga,ken}.db\n";

    // -- 1 ------------------------------------------------------------------------------------
    std::cout << "\n== 1. Dana works with no network ==\n";
    // No network: a port on this machine that is bound but not listening refuses connections.
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket unreachable(io);
    unreachable.open(boost::asio::ip::tcp::v4());
    unreachable.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    const std::string nowhere =
        "http://127.0.0.1:" + std::to_string(unreachable.local_endpoint().port());

    auto agent = open(dana, nowhere, 1, false); // no network, so no login yet
    const std::string sr1 =
        check(agent->insert("Case", {{"Number", "SR-1001"},
                                     {"Category", "Incident"},
                                     {"Status", "New"},
                                     {"Description", "Printer on floor 3 jams on every job"},
                                     {"Owner", "olga"},
                                     {"Org", "Acme"},
                                     {"Assignee", "Dana"},
                                     {"CreatedOn", "2026-01-05T09:00:00Z"}}),
              "agent creates SR-1001");
    check(agent->insert("Message", {{"Case", sr1},
                                    {"Author", "Dana"},
                                    {"Text", "On site: the fuser roller is worn, replacing it"},
                                    {"CreatedOn", "2026-01-05T09:20:00Z"}}),
          "agent writes a message");
    std::cout << "  Dana opens SR-1001 (Incident, for Olga of Acme) and writes a message on it.\n";
    print_pending("dana", *agent);
    check(agent->update("Case", sr1, {{"Status", "In progress"}}), "agent edits SR-1001");
    std::cout << "  Dana sets SR-1001 to \"In progress\".\n";
    print_pending("dana", *agent);
    print_outbox(*agent);
    auto offline = agent->sync();
    expect(!offline, "a sync with no network succeeded");
    std::cout << "  dana sync: " << offline.error().code.message() << " (no network); "
              << plural(agent->pending().size(), "change stays", "changes stay")
              << " pending in dana.db\n";
    agent.reset(); // the app closes; the outbox is on disk

    // -- 2 ------------------------------------------------------------------------------------
    std::cout << "\n== 2. The customers log in and open cases (online) ==\n";
    {
        cc::http_transport_options t;
        t.url = args.url;
        t.ca_file = args.ca_file;
        cc::http_transport transport(t, schema);
        const std::string wrong = "sam-wrong-pw";
        auto refused = transport.login(sam.name, wrong);
        expect(!refused, "the hub let sam in with a wrong password");
        if (refused.error() != cc::errc::bad_credentials)
            throw story_error("logging in as sam: " + refused.error().message +
                              " (start concord-hub with the story's users; see --help)");
        expect(refused.error().message.find(wrong) == std::string::npos,
               "the login error shows the password");
        std::cout << "  sam, wrong password: " << refused.error().message << '\n';
    }
    auto portal = open(sam, args.url, 3, true);
    auto power = open(olga, args.url, 3, true);
    auto globex = open(ken, args.url, 3, true);
    std::cout << "  sam, olga and ken log in (http_transport::login): a session token each.\n";
    const std::string sr2 =
        check(portal->insert("Case", {{"Number", "SR-1002"},
                                      {"Category", "Service request"},
                                      {"Status", "New"},
                                      {"Description", "VPN access for the new laptop"},
                                      {"Owner", "sam"},
                                      {"CreatedOn", "2026-01-05T09:30:00Z"}}),
              "portal creates SR-1002");
    std::cout
        << "  Sam opens SR-1002 (Service request). He gives no Org: the hub files it under his.\n";
    sync("sam", *portal);
    check(globex->insert("Case", {{"Number", "SR-1003"},
                                  {"Category", "Incident"},
                                  {"Status", "New"},
                                  {"Description", "Invoices PDF export fails"},
                                  {"Owner", "ken"},
                                  {"CreatedOn", "2026-01-05T09:40:00Z"}}),
          "ken creates SR-1003");
    std::cout << "  Ken opens SR-1003 (Incident).\n";
    sync("ken", *globex);

    // -- 3 ------------------------------------------------------------------------------------
    std::cout
        << "\n== 3. Dana is back in coverage: logs in, the app reopens dana.db; all sync ==\n";
    agent = open(dana, args.url, 3, true);
    print_pending("dana", *agent);
    sync("dana", *agent);
    sync("sam", *portal);
    sync("olga", *power);
    sync("ken", *globex);
    const std::vector<std::pair<person, replica*>> users{
        {dana, agent.get()}, {sam, portal.get()}, {olga, power.get()}, {ken, globex.get()}};
    std::cout << "  Each replica holds what its user may see:\n";
    print_holdings(users, {"SR-1001 SR-1002 SR-1003", "SR-1002", "SR-1001 SR-1002", "SR-1003"});
    expect(contents(*portal).at(1).empty() && contents(*power).at(1).empty() &&
               contents(*globex).at(1).empty(),
           "a customer received agents' messages");
    expect_agent_copies(*agent, users);
    print_cases("dana's replica", *agent);
    expect(text_of(check(portal->get("Case", sr2), "sam reads SR-1002").fields, "Org") == "Acme",
           "the hub did not file SR-1002 under Acme");

    // -- 4 ------------------------------------------------------------------------------------
    std::cout << "\n== 4. Offline, both edit SR-1002: Sam first, Dana a moment later ==\n";
    check(portal->update(
              "Case", sr2,
              {{"Status", "Cancelled"}, {"Description", "Found the VPN guide, not needed"}}),
          "portal edits SR-1002");
    std::cout << "  Sam:  Status=\"Cancelled\", Description=\"Found the VPN guide, not needed\"\n";
    a_moment_later();
    check(agent->update("Case", sr2, {{"Status", "In progress"}, {"Assignee", "Dana"}}),
          "agent edits SR-1002");
    std::cout << "  Dana: Status=\"In progress\", Assignee=\"Dana\"\n";
    std::cout << "  Dana syncs first, Sam second. Per field, the later edit wins, whatever the\n"
                 "  arrival order: Status from Dana, Description from Sam.\n";
    sync("dana", *agent);
    const auto merged = sync("sam", *portal);
    expect(merged.logged == 1, "Sam's change was not logged as a conflict");
    print_sync_log("Sam", *portal);
    const auto entry = portal->sync_log().entries.at(0);
    expect(entry.result.kind == cc::outcome_kind::merged, "Sam's change was not merged");
    std::cout << "  Sam insists: retry re-applies his losing value as a new change.\n";
    check(portal->retry(entry.id), "portal retries");
    sync("sam", *portal);
    sync("dana", *agent);
    const cc::record agent_sr2 = check(agent->get("Case", sr2), "agent reads SR-1002");
    expect(text_of(agent_sr2.fields, "Status") == "Cancelled", "the retry did not win");
    std::cout << "  SR-1002 on Dana's tablet: "
              << fields_text(agent_sr2.fields, {"Status", "Assignee"}) << '\n';

    // -- 5 ------------------------------------------------------------------------------------
    std::cout << "\n== 5. Sam changes the Category of SR-1002 (read-only for portal users) ==\n";
    check(portal->update("Case", sr2, {{"Category", "Incident"}}), "portal recategorises SR-1002");
    std::cout << "  Sam: Category=\"Incident\" (his replica takes it; the hub decides).\n";
    const auto refused = sync("sam", *portal);
    expect(refused.logged == 1, "Sam's Category change was not logged");
    print_sync_log("Sam", *portal);
    const auto denied = portal->sync_log().entries.at(0);
    expect(denied.result.kind == cc::outcome_kind::rejected &&
               denied.result.reason == cc::reject_reason::permission &&
               denied.result.field == "Category",
           "Sam's Category change was not rejected: permission on Category");
    auto request = check(portal->request_access(denied.id), "portal requests access");
    std::string to = request.to;
    if (to.empty() && !args.admin_email.empty())
        to = args.admin_email + "  (from --admin-email: the hub named no administrator)";
    std::cout << "  Sam asks for the right (request_access):\n"
              << "    To:      " << (to.empty() ? "(nobody: the hub named no administrator)" : to)
              << "\n    Subject: " << request.subject << '\n';
    std::istringstream body(request.body);
    for (std::string line; std::getline(body, line);)
        std::cout << "    |" << (line.empty() ? "" : " ") << line << '\n';
    check(portal->dismiss(denied.id), "portal dismisses the entry");
    const cc::record sam_sr2 = check(portal->get("Case", sr2), "sam reads SR-1002");
    expect(text_of(sam_sr2.fields, "Category") == "Service request",
           "Sam's replica kept the refused Category");
    std::cout << "  Sam sends it and dismisses the entry; his replica shows the hub's "
              << fields_text(sam_sr2.fields, {"Category"}) << ".\n";

    // -- 6 ------------------------------------------------------------------------------------
    std::cout << "\n== 6. Sam deletes SR-1002 while Dana, offline, adds to it ==\n";
    check(portal->remove("Case", sr2), "portal deletes SR-1002");
    std::cout << "  Sam deletes SR-1002.\n";
    sync("sam", *portal);
    check(agent->update("Case", sr2,
                        {{"Status", "In progress"},
                         {"Description", "Called Sam: VPN needed at home after all"}}),
          "agent edits SR-1002");
    std::cout << "  Dana (offline, has not seen the delete) reopens it with a note.\n";
    const auto rejected = sync("dana", *agent);
    expect(rejected.logged == 1, "Dana's change to a deleted case was not logged");
    print_sync_log("Dana", *agent);
    const auto gone = agent->sync_log().entries.at(0);
    expect(gone.result.kind == cc::outcome_kind::rejected &&
               gone.result.reason == cc::reject_reason::deleted,
           "Dana's change was not rejected as deleted");
    std::cout << "  Dana re-creates the case from her copy (retry).\n";
    check(agent->retry(gone.id), "agent re-creates SR-1002");
    sync("dana", *agent);
    for (const auto& [p, r] : users)
        if (r != agent.get())
            sync(p.name, *r);

    // -- 7 ------------------------------------------------------------------------------------
    std::cout << "\n== 7. Final state ==\n";
    print_cases("dana's replica", *agent);
    std::cout << "  Each replica holds what its user may see:\n";
    print_holdings(users, {"SR-1001 SR-1002 SR-1003", "SR-1002", "SR-1001 SR-1002", "SR-1003"});
    expect_agent_copies(*agent, users);
    for (const auto& [p, r] : users)
        expect(r->pending().empty() && r->sync_log().entries.empty(),
               std::string(p.name) + " has changes pending or sync log entries left");
    std::cout << "  Every record each replica holds equals the agent's copy; nothing pending,\n"
                 "  sync logs empty.\n";

    // -- 8 ------------------------------------------------------------------------------------
    std::cout << "\n== 8. Dana and Ken switch to online mode: changes arrive by themselves ==\n";
    std::mutex heard_mutex;
    std::condition_variable heard_cv;
    std::optional<cc::record_event> heard;
    const auto watch = check(agent->observe(cc::subscription{"Case",
                                                             {"Status"},
                                                             {},
                                                             [&](const cc::record_event& e) {
                                                                 std::lock_guard lock(heard_mutex);
                                                                 heard = e;
                                                                 heard_cv.notify_all();
                                                             }}),
                             "dana subscribes to status changes");
    check(agent->set_mode(cc::sync_mode::online), "dana goes online");
    check(globex->set_mode(cc::sync_mode::online), "ken goes online");
    const auto connected = [](replica& r) {
        for (int i = 0; i < 500 && r.connection() != cc::connection_state::connected; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return r.connection() == cc::connection_state::connected;
    };
    expect(connected(*agent) && connected(*globex), "online mode did not connect");
    std::cout << "  Both replicas watch the hub (a WebSocket); Dana's app subscribed to Case "
                 "Status changes.\n";
    const std::string sr3 =
        check(globex->find("Case", cc::where("Number") == "SR-1003"), "ken finds SR-1003").at(0).id;
    const auto start = std::chrono::steady_clock::now();
    check(globex->update("Case", sr3, {{"Status", "Resolved"}}), "ken resolves SR-1003");
    std::cout << "  Ken: SR-1003 Status=\"Resolved\" (nobody calls sync()).\n";
    {
        std::unique_lock lock(heard_mutex);
        expect(heard_cv.wait_for(lock, std::chrono::seconds(5), [&] { return heard.has_value(); }),
               "Dana's subscription heard nothing");
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    expect(heard->id == sr3 && heard->now && text_of(heard->now->fields, "Status") == "Resolved",
           "Dana's subscription heard the wrong change");
    std::cout << "  Dana's phone, " << took.count() << " ms later: SR-1003 Status "
              << text_of(heard->before->fields, "Status") << " -> "
              << text_of(heard->now->fields, "Status") << " (the push-notification hook)\n";
    agent->unobserve(watch);
    check(agent->set_mode(cc::sync_mode::offline), "dana goes offline");
    check(globex->set_mode(cc::sync_mode::offline), "ken goes offline");
    if (args.archive > 0)
        import_archive(args, *agent, [&](cc::replica_options o) {
            cc::http_transport_options t;
            t.url = args.url;
            t.ca_file = args.ca_file;
            cc::http_transport transport(t, schema);
            o.credentials = check(transport.login(dana_tablet.name, dana_tablet.password),
                                  "logging in on the tablet");
            return std::make_unique<replica>(std::move(o),
                                             cc::sqlite_replica_store(path_of(dana_tablet), schema),
                                             std::move(transport));
        });
    return EXIT_SUCCESS;
}

} // namespace

int main(int argc, char** argv) {
    const arguments args = parse(argc, argv);
    try {
        return run(args);
    } catch (const std::exception& e) {
        std::cout << std::flush;
        std::cerr << "concord-helpdesk: " << e.what() << '\n';
        return EXIT_FAILURE;
    }
}
