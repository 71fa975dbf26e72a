// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — concord-hub: the helpdesk hub, an SQLite file served over HTTP(S); with --user,
// users log in and the helpdesk access rules decide what each may read and write.

#include <concord/access/rule_policy.hpp>
#include <concord/auth/user_directory.hpp>
#include <concord/http.hpp>

#include "helpdesk_rules.hpp"
#include "helpdesk_schema.hpp"
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <csignal>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

constexpr std::string_view usage_text =
    "usage: concord-hub [--db PATH] [--port N] [--address A] [--threads N]\n"
    "                   [--tls-cert FILE --tls-key FILE]\n"
    "                   [--user NAME:PASSWORD:ROLE[:ORG]]... [--admin-email ADDR]\n"
    "  --db PATH        SQLite file of the hub, created if missing (./helpdesk-hub.db)\n"
    "  --port N         TCP port; 0 picks a free one (0)\n"
    "  --address A      address to listen on (127.0.0.1: loopback only)\n"
    "  --threads N      threads serving requests (2)\n"
    "  --tls-cert FILE  PEM certificate chain: serve HTTPS (needs --tls-key)\n"
    "  --tls-key FILE   PEM private key\n"
    "  --user NAME:PASSWORD:ROLE[:ORG]\n"
    "                   a user who may log in (repeatable; no ':' inside a part). ROLE:\n"
    "                   portal (own cases), power (the cases of ORG; needs ORG) or agent\n"
    "                   (everything). With users, every request needs a session token from\n"
    "                   POST /0/ServiceModel/AuthService.svc/Login; without any, the hub is\n"
    "                   open to everyone. Users live in memory: give them at every start.\n"
    "                   The command line is visible to other local users (ps): a demo aid.\n"
    "  --admin-email ADDR\n"
    "                   the administrator replicas address access requests to\n"
    "Prints 'listening on URL' first; stops on SIGINT or SIGTERM.\n";

[[noreturn]] void usage_error(const std::string& what) {
    std::cerr << "concord-hub: " << what << "\n" << usage_text;
    std::exit(2);
}

template <class T>
T parse_number(std::string_view option, std::string_view text, T lo, T hi) {
    T v{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v < lo || v > hi)
        usage_error(std::string(option) + " expects a number from " + std::to_string(lo) + " to " +
                    std::to_string(hi) + ", got '" + std::string(text) + "'");
    return v;
}

struct user_arg {
    std::string name, password, role, organisation;
};

// NAME:PASSWORD:ROLE[:ORG], each part free of ':'.
user_arg parse_user(std::string_view text) {
    std::vector<std::string_view> parts;
    for (std::size_t from = 0;;) {
        const std::size_t colon = text.find(':', from);
        parts.push_back(text.substr(from, colon == std::string_view::npos ? colon : colon - from));
        if (colon == std::string_view::npos)
            break;
        from = colon + 1;
    }
    // Never echo the value: it holds a password.
    if (parts.size() < 3 || parts.size() > 4)
        usage_error("--user expects NAME:PASSWORD:ROLE or NAME:PASSWORD:ROLE:ORG, got " +
                    std::to_string(parts.size()) + (parts.size() == 1 ? " part" : " parts"));
    user_arg u{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
               parts.size() == 4 ? std::string(parts[3]) : std::string()};
    if (u.name.empty())
        usage_error("--user needs a NAME");
    if (u.password.empty())
        usage_error("--user " + u.name + ": the PASSWORD is empty");
    if (!helpdesk::is_role(u.role))
        usage_error("--user " + u.name + ": ROLE must be portal, power or agent, not '" + u.role +
                    "'");
    if (u.role == "power" && u.organisation.empty())
        usage_error("--user " + u.name + ": a power user needs an ORG (NAME:PASSWORD:power:ORG)");
    return u;
}

struct arguments {
    std::string db = "helpdesk-hub.db";
    concord::http_server_options server;
    std::optional<std::string> tls_cert, tls_key;
    std::vector<user_arg> users;
    std::optional<std::string> admin_email;
};

arguments parse(int argc, char** argv) {
    arguments a;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage_text;
            std::exit(0);
        }
        // Both "--opt value" and "--opt=value".
        std::string_view value;
        bool has_value = false;
        if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_value = true;
        }
        auto next = [&]() -> std::string_view {
            if (has_value)
                return value;
            if (i + 1 >= argc)
                usage_error(std::string(arg) + " needs a value");
            return argv[++i];
        };
        if (arg == "--db")
            a.db = next();
        else if (arg == "--port")
            a.server.port = parse_number<unsigned short>(arg, next(), 0, 65535);
        else if (arg == "--address")
            a.server.address = next();
        else if (arg == "--threads")
            a.server.threads = parse_number<std::size_t>(arg, next(), 1, 256);
        else if (arg == "--tls-cert")
            a.tls_cert = std::string(next());
        else if (arg == "--tls-key")
            a.tls_key = std::string(next());
        else if (arg == "--user")
            a.users.push_back(parse_user(next()));
        else if (arg == "--admin-email")
            a.admin_email = next();
        else
            usage_error("unknown argument '" + std::string(arg) + "'");
    }
    if (a.db.empty())
        usage_error("--db needs a path");
    if (a.server.address.empty())
        usage_error("--address needs an address");
    if (a.tls_cert.has_value() != a.tls_key.has_value())
        usage_error("--tls-cert and --tls-key go together");
    if (a.tls_cert)
        a.server.tls = concord::tls_files{*a.tls_cert, *a.tls_key};
    for (std::size_t i = 0; i < a.users.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (a.users[i].name == a.users[j].name)
                usage_error("--user " + a.users[i].name + " is given twice");
    if (a.admin_email && (a.admin_email->find('@') == std::string::npos ||
                          a.admin_email->find_first_of(" \t\r\n") != std::string::npos))
        usage_error("--admin-email expects an address like admin@example.com, got '" +
                    *a.admin_email + "'");
    return a;
}

// Serves `hub` until SIGINT or SIGTERM (blocked in `stop_signals` by the caller).
template <class Hub>
int serve(Hub& hub, const arguments& args, concord::http_server_options options,
          sigset_t& stop_signals, const std::string& summary) {
    concord::http_server<Hub> server(hub, std::move(options));
    server.start();

    const std::string& address = args.server.address;
    const bool ipv6 = address.find(':') != std::string::npos;
    std::cout << "listening on " << (args.server.tls ? "https" : "http") << "://"
              << (ipv6 ? "[" + address + "]" : address) << ':' << server.port() << std::endl;
    std::cout << "concord-hub: " << summary << std::endl;

    int signal_number = 0;
    if (sigwait(&stop_signals, &signal_number) != 0) {
        std::cerr << "concord-hub: sigwait failed\n";
        return 1;
    }
    server.stop();
    std::cout << "concord-hub: stopped on " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
              << " after serving " << server.requests() << " requests" << std::endl;
    return 0;
}

using rules_hub =
    concord::basic_hub<concord::sqlite_hub_store, concord::rule_policy<concord::user_directory>>;

} // namespace

int main(int argc, char** argv) {
    const arguments args = parse(argc, argv);

    // Block the stop signals before any thread starts, so every server thread inherits the
    // mask and only sigwait below sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr) != 0) {
        std::cerr << "concord-hub: cannot block SIGINT/SIGTERM\n";
        return 1;
    }

    try {
        const concord::schema schema = helpdesk::schema();
        concord::hub_options hub_options{schema};
        std::string admin = "no administrator email";
        if (args.admin_email) {
            hub_options.administrator_email = *args.admin_email;
            admin = "access requests to " + *args.admin_email;
        }
        if (args.users.empty()) {
            concord::sqlite_hub hub(hub_options, concord::sqlite_hub_store(args.db, schema));
            return serve(hub, args, args.server, stop_signals,
                         "no users: open to everyone, no login; " + admin);
        }

        // One directory, shared (it is a handle) by the access policy, which turns tokens
        // into users, and the login endpoint, which opens the sessions.
        concord::user_directory directory;
        std::string users;
        for (const user_arg& u : args.users) {
            if (auto added = directory.add_user(u.name, u.password, u.role, u.organisation); !added)
                throw concord::system_error(added.error());
            users += (users.empty() ? "" : ", ") + u.name + " (" + u.role +
                     (u.organisation.empty() ? "" : ", " + u.organisation) + ")";
        }
        hub_options.hooks = helpdesk::hooks();
        rules_hub hub(hub_options, concord::sqlite_hub_store(args.db, schema),
                      concord::rule_policy<concord::user_directory>(helpdesk::rules(), directory));
        concord::http_server_options options = args.server;
        options.login = [directory](std::string_view name, std::string_view password) mutable {
            return directory.login(name, password);
        };
        return serve(hub, args, std::move(options), stop_signals,
                     "login required; users " + users + "; " + admin);
    } catch (const std::exception& e) {
        std::cerr << "concord-hub: " << e.what() << '\n';
        return 1;
    }
}
