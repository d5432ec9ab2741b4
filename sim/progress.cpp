#include "sim/progress.hpp"

#include <cmath>
#include <cstdio>
#include <fmt/core.h>
#include <unistd.h>

namespace govsim::sim {

bool stderr_is_terminal() {
    return isatty(fileno(stderr)) != 0;
}

Progress::Mode progress_mode(bool wanted) {
    if (!wanted)
        return Progress::Mode::Off;
    return stderr_is_terminal() ? Progress::Mode::Terminal : Progress::Mode::Log;
}

std::string format_duration(double seconds) {
    if (!(seconds >= 0) || !std::isfinite(seconds))
        return "?";
    const auto s = static_cast<long long>(std::llround(seconds));
    if (s < 60)
        return fmt::format("{} s", s);
    if (s < 3600)
        return fmt::format("{} min {:02d} s", s / 60, s % 60);
    return fmt::format("{} h {:02d} min", s / 3600, (s % 3600) / 60);
}

Progress::Progress(std::string label, std::uint64_t total_units, std::uint64_t total_runs,
                   Mode mode, double log_interval_seconds)
    : label_(std::move(label)), total_units_(total_units), total_runs_(total_runs),
      mode_(total_units > 0 ? mode : Mode::Off), log_interval_(log_interval_seconds),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {
}

Progress::~Progress() {
    finish();
}

void Progress::advance(std::uint64_t n) {
    if (mode_ == Mode::Off)
        return;
    units_.fetch_add(n, std::memory_order_relaxed);
    maybe_draw(false);
}

void Progress::run_done() {
    if (mode_ == Mode::Off)
        return;
    runs_.fetch_add(1, std::memory_order_relaxed);
    maybe_draw(false);
}

void Progress::maybe_draw(bool force) {
    std::unique_lock lock(draw_mutex_, std::try_to_lock);
    if (!lock.owns_lock() || finished_)
        return;
    const auto now = std::chrono::steady_clock::now();
    const auto since = now - last_draw_;
    if (!force &&
        (mode_ == Mode::Terminal ? since < std::chrono::milliseconds(100) : since < log_interval_))
        return;
    last_draw_ = now;
    const std::uint64_t units = units_.load(std::memory_order_relaxed);
    const std::uint64_t runs = runs_.load(std::memory_order_relaxed);
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double frac =
        std::min(1.0, static_cast<double>(units) / static_cast<double>(total_units_));
    const double left = frac > 0 ? elapsed * (1.0 - frac) / frac : NAN;
    if (mode_ == Mode::Terminal) {
        fmt::print(stderr, "\r{}: {:5.1f}%  {}/{} runs, {} elapsed, about {} left   ", label_,
                   100.0 * frac, runs, total_runs_, format_duration(elapsed),
                   format_duration(left));
    } else {
        fmt::print(stderr, "{}: {}/{} runs done ({:.0f}%), {} elapsed, about {} left\n", label_,
                   runs, total_runs_, 100.0 * frac, format_duration(elapsed),
                   format_duration(left));
    }
    std::fflush(stderr);
}

void Progress::finish() {
    if (mode_ == Mode::Off)
        return;
    const std::lock_guard lock(draw_mutex_);
    if (finished_)
        return;
    finished_ = true;
    if (mode_ == Mode::Terminal) {
        fmt::print(stderr, "\r{:100}\r", "");
    } else {
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        fmt::print(stderr, "{}: {}/{} runs done in {}\n", label_, runs_.load(), total_runs_,
                   format_duration(elapsed));
    }
    std::fflush(stderr);
}

} // namespace govsim::sim
