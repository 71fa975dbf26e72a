// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — concord-hub: the helpdesk hub, an SQLite file served over HTTP(S).

#include <concord/http.hpp>

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

namespace {

constexpr std::string_view usage_text =
    "usage: concord-hub [--db PATH] [--port N] [--address A] [--threads N]\n"
    "                   [--tls-cert FILE --tls-key FILE]\n"
    "  --db PATH        SQLite file of the hub, created if missing (./helpdesk-hub.db)\n"
    "  --port N         TCP port; 0 picks a free one (0)\n"
    "  --address A      address to listen on (127.0.0.1: loopback only)\n"
    "  --threads N      threads serving requests (2)\n"
    "  --tls-cert FILE  PEM certificate chain: serve HTTPS (needs --tls-key)\n"
    "  --tls-key FILE   PEM private key\n"
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

struct arguments {
    std::string db = "helpdesk-hub.db";
    concord::http_server_options server;
    std::optional<std::string> tls_cert, tls_key;
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
    return a;
}

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
        concord::sqlite_hub hub(concord::hub_options{schema},
                                concord::sqlite_hub_store(args.db, schema));
        concord::http_server<concord::sqlite_hub> server(hub, args.server);
        server.start();

        const std::string& address = args.server.address;
        const bool ipv6 = address.find(':') != std::string::npos;
        std::cout << "listening on " << (args.server.tls ? "https" : "http") << "://"
                  << (ipv6 ? "[" + address + "]" : address) << ':' << server.port() << std::endl;

        int signal_number = 0;
        if (sigwait(&stop_signals, &signal_number) != 0) {
            std::cerr << "concord-hub: sigwait failed\n";
            return 1;
        }
        server.stop();
        std::cout << "concord-hub: stopped on " << (signal_number == SIGINT ? "SIGINT" : "SIGTERM")
                  << " after serving " << server.requests() << " requests" << std::endl;
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "concord-hub: " << e.what() << '\n';
        return 1;
    }
}
