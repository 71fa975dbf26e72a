// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — concord-helpdesk: a field agent and a portal user, each with an SQLite replica,
// syncing with concord-hub over HTTP: offline work, a conflict, a deleted record, the sync log.

#include <concord/http.hpp>

#include "helpdesk_schema.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <initializer_list>
#include <iomanip>
#include <iostream>
#include <memory>
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
    "usage: concord-helpdesk --url URL [--dir DIR] [--ca FILE]\n"
    "  --url URL   the hub, as concord-hub prints it (http://127.0.0.1:PORT)\n"
    "  --dir DIR   where the replica files go, kept afterwards (default: a temporary\n"
    "              directory, removed at the end)\n"
    "  --ca FILE   PEM file of the CA that signed an https hub's certificate\n";

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
              << std::setw(13) << "Status" << std::setw(7) << "Owner"
              << "Description\n";
    for (const auto& c : cases_of(r))
        std::cout << "    " << std::setw(9) << text_of(c.fields, "Number") << std::setw(17)
                  << text_of(c.fields, "Category") << std::setw(13) << text_of(c.fields, "Status")
                  << std::setw(7) << text_of(c.fields, "Owner")
                  << clip(text_of(c.fields, "Description"), 44) << '\n';
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
                          : fields_text(o.hub_copy->fields, {"Status", "Owner", "Description"}))
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
        else
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
        for (const char* name : {"agent.db", "portal.db"})
            if (fs::exists(d.path / name))
                throw story_error((d.path / name).string() +
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

int run(const arguments& args) {
    const cc::schema schema = helpdesk::schema();
    temp_dir dir; // declared before the replicas: removed after they close their files
    make_replica_dir(args, dir);
    const std::string agent_db = (dir.path / "agent.db").string();
    const std::string portal_db = (dir.path / "portal.db").string();

    auto open = [&](const std::string& path, std::string url, const char* user, int attempts) {
        cc::replica_options o{schema};
        o.credentials = user;
        cc::http_transport_options t;
        t.url = std::move(url);
        t.ca_file = args.ca_file;
        t.attempts = attempts;
        return std::make_unique<replica>(o, cc::sqlite_replica_store(path, schema),
                                         cc::http_transport(t, schema));
    };

    std::cout << "concord helpdesk: Dana (field agent) and Sam (customer, web portal), each with\n"
                 "an SQLite replica, syncing with the hub at "
              << args.url << '\n';
    if (!dir.owned)
        std::cout << "replica files: " << agent_db << ", " << portal_db << '\n';

    // -- 1 ------------------------------------------------------------------------------------
    std::cout << "\n== 1. Dana works with no network ==\n";
    // No network: a port on this machine that is bound but not listening refuses connections.
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket unreachable(io);
    unreachable.open(boost::asio::ip::tcp::v4());
    unreachable.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    const std::string nowhere =
        "http://127.0.0.1:" + std::to_string(unreachable.local_endpoint().port());

    auto agent = open(agent_db, nowhere, "dana", 1);
    const std::string sr1 =
        check(agent->insert("Case", {{"Number", "SR-1001"},
                                     {"Category", "Incident"},
                                     {"Status", "New"},
                                     {"Description", "Printer on floor 3 jams on every job"},
                                     {"Owner", "Dana"},
                                     {"Org", "Acme"},
                                     {"CreatedOn", "2026-01-05T09:00:00Z"}}),
              "agent creates SR-1001");
    check(agent->insert("Message", {{"Case", sr1},
                                    {"Author", "Dana"},
                                    {"Text", "On site: the fuser roller is worn, replacing it"},
                                    {"CreatedOn", "2026-01-05T09:20:00Z"}}),
          "agent writes a message");
    std::cout << "  Dana opens SR-1001 (Incident) and writes a message on it.\n";
    print_pending("agent", *agent);
    check(agent->update("Case", sr1, {{"Status", "In progress"}}), "agent edits SR-1001");
    std::cout << "  Dana sets SR-1001 to \"In progress\".\n";
    print_pending("agent", *agent);
    print_outbox(*agent);
    auto offline = agent->sync();
    expect(!offline, "a sync with no network succeeded");
    std::cout << "  agent sync: " << offline.error().code.message() << " (no network); "
              << plural(agent->pending().size(), "change stays", "changes stay")
              << " pending in agent.db\n";
    agent.reset(); // the app closes; the outbox is on disk

    // -- 2 ------------------------------------------------------------------------------------
    std::cout << "\n== 2. Sam opens a case in the web portal (online) ==\n";
    auto portal = open(portal_db, args.url, "sam", 3);
    const std::string sr2 =
        check(portal->insert("Case", {{"Number", "SR-1002"},
                                      {"Category", "Service request"},
                                      {"Status", "New"},
                                      {"Description", "VPN access for the new laptop"},
                                      {"Org", "Acme"},
                                      {"CreatedOn", "2026-01-05T09:30:00Z"}}),
              "portal creates SR-1002");
    std::cout << "  Sam opens SR-1002 (Service request).\n";
    sync("portal", *portal);

    // -- 3 ------------------------------------------------------------------------------------
    std::cout << "\n== 3. Dana is back in coverage: the app reopens agent.db, both sync ==\n";
    agent = open(agent_db, args.url, "dana", 3);
    print_pending("agent", *agent);
    sync("agent", *agent);
    sync("portal", *portal);
    expect(contents(*agent) == contents(*portal), "the replicas differ after syncing");
    print_cases("both replicas", *agent);

    // -- 4 ------------------------------------------------------------------------------------
    std::cout << "\n== 4. Offline, both edit SR-1002: Sam first, Dana a moment later ==\n";
    check(portal->update(
              "Case", sr2,
              {{"Status", "Cancelled"}, {"Description", "Found the VPN guide, not needed"}}),
          "portal edits SR-1002");
    std::cout << "  Sam:  Status=\"Cancelled\", Description=\"Found the VPN guide, not needed\"\n";
    a_moment_later();
    check(agent->update("Case", sr2, {{"Status", "In progress"}, {"Owner", "Dana"}}),
          "agent edits SR-1002");
    std::cout << "  Dana: Status=\"In progress\", Owner=\"Dana\"\n";
    std::cout << "  Dana syncs first, Sam second. Per field, the later edit wins, whatever the\n"
                 "  arrival order: Status from Dana, Description from Sam.\n";
    sync("agent", *agent);
    const auto merged = sync("portal", *portal);
    expect(merged.logged == 1, "Sam's change was not logged as a conflict");
    print_sync_log("Sam", *portal);
    const auto entry = portal->sync_log().entries.at(0);
    expect(entry.result.kind == cc::outcome_kind::merged, "Sam's change was not merged");
    std::cout << "  Sam insists: retry re-applies his losing value as a new change.\n";
    check(portal->retry(entry.id), "portal retries");
    sync("portal", *portal);
    sync("agent", *agent);
    const cc::record agent_sr2 = check(agent->get("Case", sr2), "agent reads SR-1002");
    expect(text_of(agent_sr2.fields, "Status") == "Cancelled", "the retry did not win");
    std::cout << "  SR-1002 on Dana's tablet: "
              << fields_text(agent_sr2.fields, {"Status", "Owner"}) << '\n';

    // -- 5 ------------------------------------------------------------------------------------
    std::cout << "\n== 5. Sam deletes SR-1002 while Dana, offline, adds to it ==\n";
    check(portal->remove("Case", sr2), "portal deletes SR-1002");
    std::cout << "  Sam deletes SR-1002.\n";
    sync("portal", *portal);
    check(agent->update("Case", sr2,
                        {{"Status", "In progress"},
                         {"Description", "Called Sam: VPN needed at home after all"}}),
          "agent edits SR-1002");
    std::cout << "  Dana (offline, has not seen the delete) reopens it with a note.\n";
    const auto rejected = sync("agent", *agent);
    expect(rejected.logged == 1, "Dana's change to a deleted case was not logged");
    print_sync_log("Dana", *agent);
    const auto gone = agent->sync_log().entries.at(0);
    expect(gone.result.kind == cc::outcome_kind::rejected &&
               gone.result.reason == cc::reject_reason::deleted,
           "Dana's change was not rejected as deleted");
    std::cout << "  Dana re-creates the case from her copy (retry).\n";
    check(agent->retry(gone.id), "agent re-creates SR-1002");
    sync("agent", *agent);
    sync("portal", *portal);

    // -- 6 ------------------------------------------------------------------------------------
    std::cout << "\n== 6. Final state ==\n";
    print_cases("agent", *agent);
    print_cases("portal", *portal);
    const auto a = contents(*agent);
    expect(a == contents(*portal), "the replicas differ at the end");
    expect(agent->pending().empty() && portal->pending().empty(), "changes still pending");
    expect(agent->sync_log().entries.empty() && portal->sync_log().entries.empty(),
           "sync log entries left");
    std::cout << "  Both replicas hold the same " << plural(a.at(0).size(), "case", "cases")
              << " and " << plural(a.at(1).size(), "message", "messages")
              << "; nothing pending, sync logs empty.\n";
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
