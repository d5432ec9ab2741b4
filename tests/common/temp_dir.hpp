#pragma once
// A scratch directory for tests that write files, removed with its contents when done.
#include <fmt/format.h>

#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <iterator>
#include <string>
#include <system_error>

namespace govsim::test {

/// A fresh directory under the system's temporary directory, named
/// "<prefix>-<pid>-<counter>" so parallel test processes never share one, and removed with its
/// contents on destruction (after restoring owner permissions a test may have taken away).
class TempDir {
public:
    explicit TempDir(const std::string& prefix) {
        static std::atomic<int> counter{0}; // TempDirs may be made on several threads
        path_ = std::filesystem::temp_directory_path() /
                fmt::format("{}-{}-{}", prefix, ::getpid(), counter++);
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ignored);
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    /// How many entries the directory holds (to check nothing stray was left behind).
    [[nodiscard]] std::size_t entries() const {
        return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(path_),
                                                      std::filesystem::directory_iterator{}));
    }

private:
    std::filesystem::path path_;
};

} // namespace govsim::test
