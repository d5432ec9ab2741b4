#pragma once
// Progress of long runs. On a terminal, one line redrawn in place (at most ten times a
// second); in a log (stderr redirected to a file or a pipe, as under a batch scheduler),
// a plain line every `log_interval_seconds`, with the runs done and the time left, and a
// last line when the work is done. Thread-safe: workers call advance() and run_done().
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace govsim::sim {

class Progress {
public:
    enum class Mode : std::uint8_t {
        Off,
        Terminal, ///< one line, redrawn in place
        Log,      ///< a line now and then
    };

    /// `total_units` is the work in small steps (e.g. simulated days, for a smooth estimate of
    /// the time left); `total_runs` the runs they make up.
    Progress(std::string label, std::uint64_t total_units, std::uint64_t total_runs, Mode mode,
             double log_interval_seconds = 30.0);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    /// `n` more units of work are done.
    void advance(std::uint64_t n = 1);
    /// One more run is done (its units having been advanced).
    void run_done();
    /// Clears the terminal line, or writes the last log line.
    void finish();

    [[nodiscard]] Mode mode() const { return mode_; }

private:
    void maybe_draw(bool force);
    std::string label_;
    std::uint64_t total_units_;
    std::uint64_t total_runs_;
    Mode mode_;
    std::chrono::duration<double> log_interval_;
    std::atomic<std::uint64_t> units_{0};
    std::atomic<std::uint64_t> runs_{0};
    std::mutex draw_mutex_;
    std::chrono::steady_clock::time_point start_, last_draw_;
    bool finished_ = false;
};

[[nodiscard]] bool stderr_is_terminal();

/// Terminal when stderr is one, Log otherwise; Off when `wanted` is false.
[[nodiscard]] Progress::Mode progress_mode(bool wanted);

/// "1 h 02 min", "3 min 05 s", "42 s": a duration for people.
[[nodiscard]] std::string format_duration(double seconds);

} // namespace govsim::sim
