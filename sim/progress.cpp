#include "sim/progress.hpp"

#include <cstdio>
#include <fmt/core.h>
#include <unistd.h>

namespace govsim::sim {

bool stderr_is_terminal() {
    return isatty(fileno(stderr)) != 0;
}

Progress::Progress(std::string label, std::uint64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled && total > 0),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {
}

Progress::~Progress() {
    finish();
}

void Progress::advance(std::uint64_t n) {
    if (!enabled_)
        return;
    const std::uint64_t done = done_.fetch_add(n) + n;
    std::unique_lock lock(draw_mutex_, std::try_to_lock);
    if (!lock.owns_lock())
        return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_)
        return;
    last_draw_ = now;
    draw(done);
}

void Progress::draw(std::uint64_t done) {
    const double elapsed = std::chrono::duration<double>(last_draw_ - start_).count();
    const double frac = static_cast<double>(done) / static_cast<double>(total_);
    const double eta = frac > 0 ? elapsed * (1.0 - frac) / frac : 0.0;
    fmt::print(stderr, "\r{}: {:5.1f}%  {:.0f} s elapsed, about {:.0f} s left   ", label_,
               100.0 * frac, elapsed, eta);
    std::fflush(stderr);
}

void Progress::finish() {
    if (!enabled_ || finished_)
        return;
    finished_ = true;
    fmt::print(stderr, "\r{:80}\r", "");
    std::fflush(stderr);
}

} // namespace govsim::sim
