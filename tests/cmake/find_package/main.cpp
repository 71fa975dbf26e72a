// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — consumer project: includes concord and Boost.JSON through concord::core.

#include <concord/version.hpp>

#include <boost/json.hpp>

#include <iostream>

int main() {
    boost::json::object info;
    info["major"] = CONCORD_VERSION_MAJOR;
    info["minor"] = CONCORD_VERSION_MINOR;
    info["patch"] = CONCORD_VERSION_PATCH;
    // serialize() lives in libboost_json: this line proves Boost::json is linked.
    std::cout << "concord " << boost::json::serialize(info) << '\n';
    constexpr int expected =
        CONCORD_VERSION_MAJOR * 100000 + CONCORD_VERSION_MINOR * 100 + CONCORD_VERSION_PATCH;
    return CONCORD_VERSION == expected ? 0 : 1;
}
