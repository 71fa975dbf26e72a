// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a scratch directory under /tmp for a test's files, removed with its contents.

#ifndef CONCORD_TESTS_SUPPORT_TEMP_DIR_HPP
#define CONCORD_TESTS_SUPPORT_TEMP_DIR_HPP

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace concord::test {

/// A fresh directory "/tmp/concord-<tag>-XXXXXX", removed (recursively) on destruction.
class temp_dir {
public:
    explicit temp_dir(const std::string& tag = "test") {
        std::string tmpl = "/tmp/concord-" + tag + "-XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed for " + tmpl);
        path_ = tmpl;
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }

    const std::string& path() const noexcept { return path_; }
    /// The path of `name` inside the directory.
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

} // namespace concord::test

#endif // CONCORD_TESTS_SUPPORT_TEMP_DIR_HPP
