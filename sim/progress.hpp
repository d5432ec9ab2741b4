#pragma once
// A progress line for long runs, shown on a terminal only (never in logs or pipes).
// Thread-safe: workers call advance(); the line is redrawn at most ten times a second.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace govsim::sim {

class Progress {
public:
    /// `enabled` false makes every call a no-op (use stderr_is_terminal() to decide).
    Progress(std::string label, std::uint64_t total, bool enabled);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    void advance(std::uint64_t n = 1);
    /// Clears the line.
    void finish();

private:
    void draw(std::uint64_t done);
    std::string label_;
    std::uint64_t total_;
    bool enabled_;
    std::atomic<std::uint64_t> done_{0};
    std::mutex draw_mutex_;
    std::chrono::steady_clock::time_point start_, last_draw_;
    bool finished_ = false;
};

[[nodiscard]] bool stderr_is_terminal();

} // namespace govsim::sim
