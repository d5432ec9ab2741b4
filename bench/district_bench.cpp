// Performance benchmark (issues #2 and #12). Sections, each selectable with --sections:
//   district  the district-scale case: about 1.3 million residents in 300 communities, all
//             units occupied, 2 simulated years, one replicate, at 1..T threads: wall time,
//             household-days and disputes per second, peak memory, speed-up; and at one
//             thread without disputes (every onset rate 0), which splits the one-thread time
//             into the work every run does and the disputes' cost (per dispute);
//   size      towns 1x..32x the district (residents and communities multiplied), one thread:
//             wall time, its ratio to linear (k times the 1x time) and peak memory;
//   memory    peak memory of the district run for 2 and 10 simulated years (no dispute
//             records kept): the memory added per dispute is the difference in peak memory
//             over the difference in disputes;
//   disputes  `govsim run` of the district, one thread, without `--disputes`, with it, and with
//             it uncompressed (`--disputes-deflate 0`), and with 2 threads without and with: the
//             extra CPU time over the records written is the cost of writing a record;
//   pilot     `govsim run scenarios/pilot-comparison.toml` with 2 threads, without and with
//             `--disputes`: CPU time (user + system) and wall time;
//   month     the months' pass over units in each compiled form the processor has (baseline,
//             AVX2): ns per unit, in cache and from memory;
//   ceiling   what this machine allows the one- and two-thread floors: the cost of a dispute
//             whose data are in the caches (a town of 1/8 the residents, 8x the onset rates) and
//             the district at that cost; and how much slower each of two one-thread runs at once
//             is than one alone, which bounds what two threads of one run can gain;
//   machine   what this machine charges for memory, which the figures above depend on: the
//             first touch of a page of fresh memory (the kernel's page fault, paid by every run
//             for every page it uses) and the latency of a dependent load from arrays of growing
//             size (the caches, then main memory), so that figures from different machines can
//             be compared.
// The district and size sections also print each run's minor page faults (from wait4).
// Every configuration runs in a child process (a fork, or govsim itself), so its peak memory
// (max RSS, from wait4) and CPU time are its own; repeats interleave the configurations and
// each reports its best (minimum) repeat. The load average (/proc/loadavg) is printed at the
// start and end of each section, since the machine may be shared.
//
// Usage: govsim_bench [--repeats N] [--threads-max T] [--sections LIST] [--sizes LIST]
//                     [--size-repeats N] [--pilot-repeats N] [--govsim BINARY]
// (--govsim: the govsim binary the disputes and pilot sections run; default the one built with
// the benchmark)
#include "models/governance.hpp"
#include "models/mechanisms/month_pass.hpp"
#include "models/scenario_loader.hpp"
#include "sim/parallel.hpp"
#include "sim/random.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fmt/core.h>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace govsim;

namespace {

/// Issue #12's floors, each with the figure a section measured for it, printed together at the
/// end so that a run of the benchmark says on its own which floors this machine meets.
struct Floor {
    std::string what;
    double figure;
    double floor;
    bool at_most; ///< the figure must be at most the floor (else at least)
    const char* unit;
};
std::vector<Floor> floors;

void add_floor(std::string what, double figure, double floor, bool at_most, const char* unit) {
    floors.push_back({std::move(what), figure, floor, at_most, unit});
}

void print_floors() {
    if (floors.empty())
        return;
    fmt::print("\n== issue #12's floors on this machine (the sections' figures above)\n");
    fmt::print("{:<62} {:>12} {:>15}\n", "", "measured", "floor");
    for (const Floor& f : floors) {
        const bool met = f.at_most ? f.figure <= f.floor : f.figure >= f.floor;
        // Three significant digits: 0.0813 s, 1.64x, 461 MB.
        const auto shown = [&](double x) { return fmt::format("{:.3g}{}", x, f.unit); };
        fmt::print("{:<62} {:>12} {:>2} {:>12}  {}\n", f.what, shown(f.figure),
                   f.at_most ? "<=" : ">=", shown(f.floor), met ? "met" : "NOT met");
    }
}

/// The median of `v` (not empty).
double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// What one child reports: its own wall time (of the part it times) and counts; the parent
/// adds the child's CPU time and peak memory from wait4.
struct Measure {
    double wall = 0;
    double household_days = 0;
    double disputes = 0;
    double cpu = 0; ///< user + system seconds of the whole child
    long max_rss_kb = 0;
    long minor_faults = 0; ///< the child's first touches of pages (and other minor faults)
};

double seconds(const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
}

/// Waits for child `pid`; fails the benchmark if it did not exit with status 0.
void reap(pid_t pid, Measure& m) {
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fmt::print(stderr, "benchmark child failed (status {})\n", status);
        std::exit(1);
    }
    m.max_rss_kb = usage.ru_maxrss;
    m.minor_faults = usage.ru_minflt;
    m.cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// A replicate running in a forked child (start_replicate), whose figures finish_replicate
/// collects.
struct Child {
    pid_t pid;
    int fd; ///< the read end of the pipe the child writes its Measure to
};

/// Starts one replicate of `s` with `threads` threads in a forked child, which times the run
/// (town synthesis, simulation and summary; not process start or scenario loading).
Child start_replicate(const models::Scenario& s, std::size_t threads) {
    int fd[2];
    if (pipe(fd) != 0) {
        std::perror("pipe");
        std::exit(1);
    }
    std::fflush(stdout); // the child must not inherit (and flush) buffered output
    const pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        sim::ThreadLimit limit(threads);
        const auto start = std::chrono::steady_clock::now();
        const auto r =
            models::run_replicate(s, s.run.seed, {0, s.run.name, s.town.name, s.model.name, 0});
        Measure m;
        m.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        for (const auto& d : r.daily) {
            m.household_days += d.households;
            m.disputes += d.onsets;
        }
        if (write(fd[1], &m, sizeof m) != static_cast<ssize_t>(sizeof m))
            std::_Exit(1);
        std::_Exit(0);
    }
    close(fd[1]);
    return {pid, fd[0]};
}

/// The figures of a child start_replicate began: its own wall time and counts, and its CPU
/// time, peak memory and page faults from wait4.
Measure finish_replicate(const Child& child) {
    Measure m;
    const bool ok = read(child.fd, &m, sizeof m) == static_cast<ssize_t>(sizeof m);
    close(child.fd);
    const double disputes = m.disputes, household_days = m.household_days, wall = m.wall;
    reap(child.pid, m);
    if (!ok) {
        fmt::print(stderr, "benchmark child failed\n");
        std::exit(1);
    }
    m.disputes = disputes;
    m.household_days = household_days;
    m.wall = wall;
    return m;
}

/// One replicate of `s` with `threads` threads, in a forked child.
Measure run_replicate_child(const models::Scenario& s, std::size_t threads) {
    return finish_replicate(start_replicate(s, threads));
}

/// Runs the govsim binary with `args` (output to /dev/null): wall time of the whole process.
std::string govsim_binary = GOVSIM_BENCH_BINARY;

Measure run_govsim(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    std::string binary = govsim_binary;
    argv.push_back(binary.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fflush(stdout); // the child must not inherit (and flush) buffered output
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        const int null = open("/dev/null", O_WRONLY);
        if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
            std::_Exit(1);
        execv(binary.c_str(), argv.data());
        std::_Exit(127);
    }
    Measure m;
    reap(pid, m);
    m.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return m;
}

/// Keeps the best (least wall time) of the repeats, the least CPU time, the largest peak
/// memory and the fewest page faults seen.
void keep_best(Measure& best, const Measure& m, bool first) {
    const long rss = first ? m.max_rss_kb : std::max(best.max_rss_kb, m.max_rss_kb);
    const double cpu = first ? m.cpu : std::min(best.cpu, m.cpu);
    const long faults = first ? m.minor_faults : std::min(best.minor_faults, m.minor_faults);
    if (first || m.wall < best.wall)
        best = m;
    best.max_rss_kb = rss;
    best.cpu = cpu;
    best.minor_faults = faults;
}

double mb(long kb) {
    return static_cast<double>(kb) / 1024.0;
}

void print_load(const char* when) {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    fmt::print("[load average {}: {} {} {}]\n", when, a, b, c);
}

std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream ss(list);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty())
            out.push_back(item);
    return out;
}

struct Options {
    int repeats = 7;
    std::size_t threads_max = 2;
    std::vector<std::string> sections{"district", "size",  "memory",  "disputes",
                                      "pilot",    "month", "ceiling", "machine"};
    std::vector<int> sizes{1, 2, 4, 8, 16, 32};
    int size_repeats = 3;
    int pilot_repeats = 1;
};

/// Microseconds for the first touch of each 4 KiB page of `mib` MiB of fresh anonymous memory
/// (a page fault: the kernel finds, zeroes and maps a page), best of `repeats`.
double first_touch_us(std::size_t mib, int repeats) {
    const std::size_t bytes = mib << 20, page = 4096;
    double best = std::numeric_limits<double>::infinity();
    for (int r = 0; r < repeats; ++r) {
        void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            std::perror("mmap");
            std::exit(1);
        }
        auto* bytes_p = static_cast<volatile char*>(p);
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < bytes; i += page)
            bytes_p[i] = 1;
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        munmap(p, bytes);
        best = std::min(best, s * 1e6 / static_cast<double>(bytes / page));
    }
    return best;
}

/// Nanoseconds per dependent load when following a random cycle through `bytes` of memory, one
/// 64-byte line per step (so every step may miss the caches once the array outgrows them).
double load_latency_ns(std::size_t bytes, std::size_t steps) {
    const std::size_t lines = std::max<std::size_t>(bytes / 64, 2);
    struct alignas(64) Line {
        std::size_t next;
    };
    std::vector<Line> a(lines);
    // A random cyclic order of the lines (Sattolo's shuffle), from a fixed seed.
    std::vector<std::size_t> order(lines);
    for (std::size_t i = 0; i < lines; ++i)
        order[i] = i;
    std::uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (std::size_t i = lines - 1; i > 0; --i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::swap(order[i], order[x % i]);
    }
    for (std::size_t i = 0; i < lines; ++i)
        a[order[i]].next = order[(i + 1) % lines];
    std::size_t k = 0;
    for (std::size_t i = 0; i < lines; ++i) // warm: the array is touched once before timing
        k = a[k].next;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < steps; ++i)
        k = a[k].next;
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (k == lines) // never: keeps the chase from being optimised away
        std::puts("");
    return s * 1e9 / static_cast<double>(steps);
}

/// `s` with every onset rate 0: a run of it does the work that does not depend on disputes.
models::Scenario without_onsets(models::Scenario s) {
    for (models::CategorySpec& c : s.categories)
        c.rate_per_1000_households_per_year = 0;
    return s;
}

void district(const models::Scenario& s, const Options& o) {
    fmt::print("\n== district: {} residents, {} communities, {} days, best of {}\n",
               s.town.residents_at_full_occupancy, s.town.communities, s.days(), o.repeats);
    fmt::print("{:>8} {:>10} {:>10} {:>20} {:>16} {:>14} {:>13}\n", "threads", "wall (s)",
               "CPU (s)", "household-days/s", "disputes/s", "peak MB", "page faults");
    // The same district with every onset rate 0: the run's work that does not depend on its
    // disputes (synthesis, the months' passes, the days of its compounds and communities), so
    // that the rest of the one-thread time is what the disputes cost.
    const models::Scenario quiet = without_onsets(s);
    Measure without_disputes;
    // Repeats interleave the configurations, so that slow drifts of the machine's speed
    // affect every one alike.
    std::vector<Measure> best(o.threads_max + 1);
    std::vector<double> ratios; // each repeat's 1-thread wall time over its 2-thread one
    for (int k = 0; k < o.repeats; ++k) {
        double one = 0;
        for (std::size_t t = 1; t <= o.threads_max; ++t) {
            const Measure m = run_replicate_child(s, t);
            keep_best(best[t], m, k == 0);
            if (t == 1)
                one = m.wall;
            if (t == 2)
                ratios.push_back(one / m.wall);
        }
        keep_best(without_disputes, run_replicate_child(quiet, 1), k == 0);
    }
    for (std::size_t t = 1; t <= o.threads_max; ++t) {
        const Measure& b = best[t];
        fmt::print("{:>8} {:>10.3f} {:>10.3f} {:>20.3e} {:>16.3e} {:>14.1f} {:>13}\n", t, b.wall,
                   b.cpu, b.household_days / b.wall, b.disputes / b.wall, mb(b.max_rss_kb),
                   b.minor_faults);
    }
    add_floor("district, 1 thread: wall time (best)", best[1].wall, 0.070, true, " s");
    if (o.threads_max >= 2) {
        // Also the median of each repeat's own ratio (its two runs one after the other, so that
        // a slow phase of a shared machine affects both).
        const double paired = median(ratios);
        std::sort(ratios.begin(), ratios.end());
        fmt::print("speed-up 2 threads vs 1: {:.2f}x (best times); median of the repeats' own "
                   "ratios {:.2f}x (range {:.2f}-{:.2f}x)\n",
                   best[1].wall / best[2].wall, paired, ratios.front(), ratios.back());
        add_floor("district, 2 threads: speed-up over 1 (best wall times)",
                  best[1].wall / best[2].wall, 1.8, false, "x");
        add_floor("district, 2 threads: speed-up over 1 (median paired ratio)", paired, 1.8, false,
                  "x");
    }
    fmt::print("at 1 thread without disputes (every onset rate 0): {:.3f} s wall, {:.3f} s CPU; "
               "the {:.0f} disputes: {:.3f} s, {:.2f} us each\n",
               without_disputes.wall, without_disputes.cpu, best[1].disputes,
               best[1].wall - without_disputes.wall,
               (best[1].wall - without_disputes.wall) / best[1].disputes * 1e6);
    const double touch = first_touch_us(64, 3);
    fmt::print("page faults at 1 thread: {} at {:.2f} us each (this machine's first touch of a "
               "page, section machine): about {:.1f} ms of the run's time\n",
               best[1].minor_faults, touch,
               static_cast<double>(best[1].minor_faults) * touch * 1e-3);
}

void size_curve(const models::Scenario& base, const Options& o) {
    fmt::print("\n== size: towns k x the district, 1 thread, {} days, best of {}\n", base.days(),
               o.size_repeats);
    fmt::print("{:>6} {:>12} {:>10} {:>10} {:>12} {:>16} {:>16} {:>10} {:>13}\n", "k",
               "communities", "wall (s)", "CPU (s)", "disputes", "wall/linear", "CPU/linear",
               "peak MB", "page faults");
    std::vector<Measure> best(o.sizes.size());
    for (int r = 0; r < o.size_repeats; ++r)
        for (std::size_t i = 0; i < o.sizes.size(); ++i) {
            models::Scenario s = base;
            s.town.residents_at_full_occupancy *= o.sizes[i];
            s.town.communities *= static_cast<std::uint32_t>(o.sizes[i]);
            keep_best(best[i], run_replicate_child(s, 1), r == 0);
        }
    // Linear: k times the time of the smallest size, per unit of k.
    const double unit = best[0].wall / o.sizes[0], unit_cpu = best[0].cpu / o.sizes[0];
    for (std::size_t i = 0; i < o.sizes.size(); ++i)
        fmt::print("{:>6} {:>12} {:>10.3f} {:>10.3f} {:>12.0f} {:>16.2f} {:>16.2f} {:>10.1f} "
                   "{:>13}\n",
                   o.sizes[i], base.town.communities * static_cast<std::uint32_t>(o.sizes[i]),
                   best[i].wall, best[i].cpu, best[i].disputes, best[i].wall / (unit * o.sizes[i]),
                   best[i].cpu / (unit_cpu * o.sizes[i]), mb(best[i].max_rss_kb),
                   best[i].minor_faults);
    for (std::size_t i = 0; i < o.sizes.size(); ++i)
        if (o.sizes[i] == 32 && o.sizes[0] == 1) {
            add_floor("size 32x: wall time / (32 x the 1x time)", best[i].wall / (unit * 32), 1.15,
                      true, "");
            add_floor("size 32x: peak memory", mb(best[i].max_rss_kb), 600, true, " MB");
        }
}

void memory(const std::string& scenario_path, const models::Scenario& base, const std::string& work,
            const Options& o) {
    const int short_years = 2, long_years = 10;
    fmt::print("\n== memory: the district, 1 thread, {} and {} years, no dispute records, "
               "best of {}\n",
               short_years, long_years, o.size_repeats);
    models::Scenario a = base, b = base;
    a.run.years = short_years;
    b.run.years = long_years;
    Measure ma, mb_;
    for (int r = 0; r < o.size_repeats; ++r) {
        // Peak memory is nearly deterministic: keep the smallest of the repeats.
        Measure x = run_replicate_child(a, 1), y = run_replicate_child(b, 1);
        if (r == 0 || x.max_rss_kb < ma.max_rss_kb)
            ma = x;
        if (r == 0 || y.max_rss_kb < mb_.max_rss_kb)
            mb_ = y;
    }
    fmt::print("{:>6} {:>12} {:>10} {:>10}\n", "years", "disputes", "wall (s)", "peak MB");
    fmt::print("{:>6} {:>12.0f} {:>10.3f} {:>10.1f}\n", short_years, ma.disputes, ma.wall,
               mb(ma.max_rss_kb));
    fmt::print("{:>6} {:>12.0f} {:>10.3f} {:>10.1f}\n", long_years, mb_.disputes, mb_.wall,
               mb(mb_.max_rss_kb));
    const double per_dispute =
        static_cast<double>(mb_.max_rss_kb - ma.max_rss_kb) * 1024.0 / (mb_.disputes - ma.disputes);
    fmt::print("memory added per dispute: {:.1f} B (peak memory difference over the difference "
               "in disputes; includes the longer run's daily and monthly rows)\n",
               per_dispute);
    add_floor("memory added per dispute (no records)", per_dispute, 16, true, " B");

    // With --disputes, govsim run keeps each record on disk (the checkpoint store) and writes
    // /disputes from there a piece at a time: the records should add nothing to peak memory.
    std::vector<std::string> run{"run",
                                 scenario_path,
                                 "-o",
                                 work + "/m.h5",
                                 "-q",
                                 "--threads",
                                 "1",
                                 "--set",
                                 "run.years=" + std::to_string(long_years)};
    auto with = run;
    with.emplace_back("--disputes");
    Measure plain, records;
    for (int r = 0; r < o.size_repeats; ++r) {
        const Measure x = run_govsim(run), y = run_govsim(with);
        if (r == 0 || x.max_rss_kb < plain.max_rss_kb)
            plain = x;
        if (r == 0 || y.max_rss_kb < records.max_rss_kb)
            records = y;
    }
    const double added =
        static_cast<double>(records.max_rss_kb - plain.max_rss_kb) * 1024.0 / mb_.disputes;
    fmt::print("govsim run, {} years: peak {:.1f} MB without records, {:.1f} MB with --disputes "
               "({} records): {:.1f} B of memory a record (a record is {} B)\n",
               long_years, mb(plain.max_rss_kb), mb(records.max_rss_kb), mb_.disputes, added,
               sizeof(models::DisputeRecord));
}

void dispute_records(const std::string& scenario_path, const models::Scenario& s,
                     const std::string& work, const Options& o) {
    fmt::print("\n== disputes: govsim run of the district, without and with --disputes (deflate "
               "level 1, the default; and 0, uncompressed), 1 and 2 threads, best of {}\n",
               o.repeats);
    const std::string out = work + "/d.h5";
    const auto command = [&](const char* threads, std::vector<std::string> extra) {
        std::vector<std::string> c{"run",   scenario_path, "-o",           out, "-q", "--threads",
                                   threads, "--csv",       work + "/d.csv"};
        c.insert(c.end(), extra.begin(), extra.end());
        return c;
    };
    struct Config {
        const char* name;
        std::vector<std::string> args;
        Measure best;
        double mib = 0;
        std::vector<Measure> all; ///< every repeat, in order
    };
    std::vector<Config> configs{
        {"no records", command("1", {}), {}, 0, {}},
        {"--disputes", command("1", {"--disputes"}), {}, 0, {}},
        {"uncompressed", command("1", {"--disputes", "--disputes-deflate", "0"}), {}, 0, {}},
        {"no records, 2", command("2", {}), {}, 0, {}},
        {"--disputes, 2", command("2", {"--disputes"}), {}, 0, {}}};
    for (int r = 0; r < o.repeats; ++r)
        for (Config& c : configs) {
            c.all.push_back(run_govsim(c.args));
            keep_best(c.best, c.all.back(), r == 0);
            c.mib = static_cast<double>(std::filesystem::file_size(out)) / 1048576.0;
        }
    // The number of records: one per dispute of the run (the in-process run, same scenario).
    const Measure count = run_replicate_child(s, 1);
    const double rows = count.disputes;
    fmt::print("{:>16} {:>10} {:>10} {:>10} {:>10}\n", "threads", "wall (s)", "CPU (s)", "peak MB",
               "file MiB");
    for (const Config& c : configs)
        fmt::print("{:>16} {:>10.3f} {:>10.3f} {:>10.1f} {:>10.1f}\n", c.name, c.best.wall,
                   c.best.cpu, mb(c.best.max_rss_kb), c.mib);
    // Two estimates of a record's cost: the difference of the two configurations' best repeats,
    // and the median over repeats of the difference within a repeat (the configurations run one
    // after the other, so a slow phase of a shared machine affects both alike). On a quiet
    // machine they agree; on a noisy one the first can even come out negative.
    const auto median_difference = [&](const Config& m, const Config& p, auto field) {
        std::vector<double> d;
        for (std::size_t r = 0; r < m.all.size(); ++r)
            d.push_back(field(m.all[r]) - field(p.all[r]));
        return median(d);
    };
    const auto wall_of = [](const Measure& x) { return x.wall; };
    const auto cpu_of = [](const Measure& x) { return x.cpu; };
    double paired_cpu_per_record = 0;
    for (const auto& [with, without] :
         {std::pair<std::size_t, std::size_t>{1, 0}, {2, 0}, {4, 3}}) {
        const Config &mc = configs[with], &pc = configs[without];
        const Measure &m = mc.best, &p = pc.best;
        const double extra_wall = m.wall - p.wall, extra_cpu = m.cpu - p.cpu;
        const double paired_wall = median_difference(mc, pc, wall_of);
        const double paired_cpu = median_difference(mc, pc, cpu_of);
        if (with == 1)
            paired_cpu_per_record = paired_cpu / rows * 1e6;
        fmt::print("{}: {:.0f} records, per record {:.2f} us of wall time ({:.2e} records/s), "
                   "{:.2f} us of CPU time ({:.2e} records/s), {:.1f} bytes of file; median of "
                   "the repeats' own differences: {:.2f} us of wall time, {:.2f} us of CPU "
                   "time\n",
                   mc.name, rows, extra_wall / rows * 1e6, rows / extra_wall,
                   extra_cpu / rows * 1e6, rows / extra_cpu, (mc.mib - pc.mib) * 1048576.0 / rows,
                   paired_wall / rows * 1e6, paired_cpu / rows * 1e6);
    }
    // The issue measured 2 us of CPU time a record when it was filed; 5x faster is 0.4 us.
    add_floor("--disputes, 1 thread: CPU a record (best repeats' difference)",
              (configs[1].best.cpu - configs[0].best.cpu) / rows * 1e6, 0.4, true, " us");
    add_floor("--disputes, 1 thread: CPU a record (median paired difference)",
              paired_cpu_per_record, 0.4, true, " us");
}

void pilot(const std::string& work, const Options& o) {
    const std::string path =
        std::string(GOVSIM_BENCH_SOURCE_DIR) + "/scenarios/pilot-comparison.toml";
    fmt::print("\n== pilot: govsim run scenarios/pilot-comparison.toml, 2 threads, best of {}\n",
               o.pilot_repeats);
    const std::vector<std::string> common{
        "run", path, "-o", work + "/p.h5", "--csv", work + "/p.csv", "-q", "--threads", "2"};
    auto with = common;
    with.emplace_back("--disputes");
    Measure plain, records;
    for (int r = 0; r < o.pilot_repeats; ++r) {
        keep_best(plain, run_govsim(common), r == 0);
        keep_best(records, run_govsim(with), r == 0);
    }
    fmt::print("{:>14} {:>10} {:>10} {:>10}\n", "", "wall (s)", "CPU (s)", "peak MB");
    fmt::print("{:>14} {:>10.2f} {:>10.2f} {:>10.1f}\n", "no records", plain.wall, plain.cpu,
               mb(plain.max_rss_kb));
    fmt::print("{:>14} {:>10.2f} {:>10.2f} {:>10.1f}\n", "--disputes", records.wall, records.cpu,
               mb(records.max_rss_kb));
}

/// The month's pass (models/mechanisms/month_pass.hpp) in each compiled form this processor has:
/// ns per unit over compounds of 763 units (the district's mean), on 20,000 units that stay in
/// cache and on the district's 419,000 units after 64 MiB of other memory was written (as in a
/// run, where a month's pass finds the units out of cache). Best of --size-repeats x 10 passes.
void month(const Options& o) {
    fmt::print("\n== month: the months' pass, ns per unit, in each form this processor has\n");
    fmt::print("{:>10} {:>16} {:>16}\n", "form", "in cache", "from memory");
    std::vector<std::pair<const char*, models::month_pass::Isa>> forms{
        {"baseline", models::month_pass::Isa::Baseline}};
    if (models::month_pass::has_avx2())
        forms.emplace_back("AVX2", models::month_pass::Isa::Avx2);
    const auto units_of = [](std::uint32_t n) {
        models::Units u;
        u.resize(n);
        sim::Stream rng(1, 0, 0, 0);
        for (std::uint32_t i = 0; i < n; ++i) {
            u.let[i] = rng.bernoulli(0.3) ? 1 : 0;
            u.owner_satisfaction[i] = static_cast<float>(rng.uniform());
            u.tenant_satisfaction[i] = static_cast<float>(rng.uniform());
            u.owner_trust[i] = static_cast<float>(rng.uniform());
            u.tenant_trust[i] = static_cast<float>(rng.uniform());
            u.fee_threshold[i] = static_cast<float>(rng.uniform());
        }
        return u;
    };
    models::Units small = units_of(20'000), district = units_of(419'000);
    std::vector<char> other(std::size_t{64} << 20);
    const models::month_pass::MonthTerms terms{0.9, 0.037, 0.05, 0.1};
    double sink = 0;
    const auto pass = [&](models::Units& u, models::month_pass::Isa isa, bool cold) {
        const auto n = static_cast<std::uint32_t>(u.size());
        double best = std::numeric_limits<double>::infinity();
        for (int r = 0; r < o.size_repeats * 10; ++r) {
            if (cold)
                for (std::size_t k = 0; k < other.size(); k += 64)
                    other[k] = static_cast<char>(other[k] + 1);
            const auto start = std::chrono::steady_clock::now();
            for (std::uint32_t b = 0; b < n; b += 763)
                sink += models::month_pass::occupied(isa, u, b, std::min(n, b + 763), terms)
                            .resident_sat;
            best = std::min(
                best,
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }
        return best / n * 1e9;
    };
    for (const auto& [name, isa] : forms)
        fmt::print("{:>10} {:>16.3f} {:>16.3f}\n", name, pass(small, isa, false),
                   pass(district, isa, true));
    if (sink == 0)
        fmt::print("(no sums)\n"); // keeps the passes' results alive
}

/// What this machine allows the one-thread and two-thread floors, measured rather than assumed:
/// - the disputes' cost with their data in the caches: the district's 300 communities with an
///   eighth of its residents and eight times its onset rates, so about as many disputes and as
///   many a community, while the units' attributes take 1.6 MB instead of 13 MB; with and
///   without disputes, interleaved with the district's own two runs. The district's time if
///   none of its disputes' accesses missed the caches is its time without disputes plus its
///   disputes at that cost. (The loaded town's disputes are not the district's: its queues are
///   eight times as busy a household and more of its disputes are abandoned; their instructions
///   are about the same, 3,405 against 3,550 a dispute by callgrind.)
/// - what a second busy core costs the first: the district on one thread alone, and two such
///   runs at once, each in its own process. If each of two runs at once is slower by a share p,
///   two threads of one run can be at most 2 / (1 + p) times as fast as one, even if no part of
///   the run were serial.
void ceiling(const models::Scenario& s, const Options& o) {
    fmt::print("\n== ceiling: what this machine allows the one- and two-thread floors, 1 thread, "
               "best of {}\n",
               o.repeats);
    models::Scenario cached = s;
    cached.town.residents_at_full_occupancy = s.town.residents_at_full_occupancy / 8;
    for (models::CategorySpec& c : cached.categories)
        c.rate_per_1000_households_per_year *= 8;
    const models::Scenario quiet = without_onsets(s), cached_quiet = without_onsets(cached);
    Measure d, dq, c, cq, together;
    std::vector<double> slowdowns; // each repeat's: mean of the two runs at once over the one alone
    for (int k = 0; k < o.repeats; ++k) {
        const bool first = k == 0;
        const Measure alone = run_replicate_child(s, 1);
        keep_best(d, alone, first);
        keep_best(dq, run_replicate_child(quiet, 1), first);
        keep_best(c, run_replicate_child(cached, 1), first);
        keep_best(cq, run_replicate_child(cached_quiet, 1), first);
        const Child one = start_replicate(s, 1), other = start_replicate(s, 1);
        const Measure m1 = finish_replicate(one), m2 = finish_replicate(other);
        keep_best(together, m1.wall > m2.wall ? m1 : m2, first);
        slowdowns.push_back(0.5 * (m1.wall + m2.wall) / alone.wall - 1);
    }
    fmt::print("{:<44} {:>10} {:>10} {:>12}\n", "run", "wall (s)", "CPU (s)", "disputes");
    const auto row = [](const char* what, const Measure& m) {
        fmt::print("{:<44} {:>10.3f} {:>10.3f} {:>12.0f}\n", what, m.wall, m.cpu, m.disputes);
    };
    row("district", d);
    row("district, every onset rate 0", dq);
    row("1/8 of the residents, 8x the onset rates", c);
    row("the same, every onset rate 0", cq);
    row("district, two runs at once (the slower)", together);
    const double in_district = (d.wall - dq.wall) / d.disputes;
    const double in_cache = (c.wall - cq.wall) / c.disputes;
    fmt::print("a dispute: {:.2f} us in the district, {:.2f} us with its data in the caches; "
               "the district at that cost: {:.3f} s (floor 0.070 s)\n",
               in_district * 1e6, in_cache * 1e6, dq.wall + d.disputes * in_cache);
    // A median below zero is noise (two runs cannot help each other): no slowdown, 2x.
    const double p = median(slowdowns);
    std::sort(slowdowns.begin(), slowdowns.end());
    fmt::print("two runs at once: each slower by {:.1f}% (median of the repeats; single repeats "
               "{:+.1f}% to {:+.1f}%), so two threads can be at most {:.2f}x as fast as one with "
               "no serial part (floor 1.8x)\n",
               p * 100, slowdowns.front() * 100, slowdowns.back() * 100,
               2 / (1 + std::max(p, 0.0)));
}

void machine(const Options& o) {
    fmt::print("\n== machine: what memory costs here (best of {})\n", o.size_repeats);
    fmt::print("first touch of fresh memory: {:.2f} us per 4 KiB page (64 MiB touched; a run "
               "pays this for each of its page faults)\n",
               first_touch_us(64, o.size_repeats));
    fmt::print("{:>12} {:>14}\n", "array", "ns per load");
    for (const std::size_t kib : {64, 512, 2048, 4096, 8192, 16384, 32768, 65536, 524288}) {
        double best = std::numeric_limits<double>::infinity();
        for (int r = 0; r < o.size_repeats; ++r)
            best = std::min(best, load_latency_ns(kib << 10, 4'000'000));
        fmt::print("{:>9} KiB {:>14.1f}\n", kib, best);
    }
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--repeats" && has_value)
            o.repeats = std::atoi(argv[++i]);
        else if (a == "--threads-max" && has_value)
            o.threads_max = static_cast<std::size_t>(std::atoi(argv[++i]));
        else if (a == "--sections" && has_value)
            o.sections = split(argv[++i]);
        else if (a == "--sizes" && has_value) {
            o.sizes.clear();
            for (const auto& k : split(argv[++i]))
                o.sizes.push_back(std::atoi(k.c_str()));
        } else if (a == "--size-repeats" && has_value)
            o.size_repeats = std::atoi(argv[++i]);
        else if (a == "--pilot-repeats" && has_value)
            o.pilot_repeats = std::atoi(argv[++i]);
        else if (a == "--govsim" && has_value)
            govsim_binary = argv[++i];
        else {
            fmt::print(
                stderr,
                "usage: govsim_bench [--repeats N] [--threads-max T] [--sections "
                "district,size,memory,disputes,pilot,month,ceiling,machine] [--sizes 1,2,...] "
                "[--size-repeats N] [--pilot-repeats N] [--govsim BINARY]\n");
            return 2;
        }
    }
    if (o.repeats < 1 || o.size_repeats < 1 || o.pilot_repeats < 1 || o.threads_max < 1 ||
        o.sizes.empty() || *std::min_element(o.sizes.begin(), o.sizes.end()) < 1) {
        fmt::print(stderr, "govsim_bench: repeats, threads and sizes must be at least 1\n");
        return 2;
    }

    // The district (MODEL.md §2: about 300 communities, about 1.3 million people): the Lishui
    // baseline's parameters, every unit occupied for the whole run, 2 simulated years without
    // warm-up. Written as a scenario file so that govsim itself can run it too.
    char tmpl[] = "/tmp/govsim-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
        std::perror("mkdtemp");
        return 1;
    }
    const std::string work = tmpl;
    const std::string scenario_path = work + "/district.toml";
    {
        std::ofstream f(scenario_path);
        f << "include = [\"" << GOVSIM_BENCH_SOURCE_DIR << "/scenarios/lishui-baseline.toml\"]\n"
          << "[town]\nresidents_at_full_occupancy = 1300000\ncommunities = 300\n"
          << "occupancy_start = 1.0\noccupancy_growth_per_year = 0.0\noccupancy_max = 1.0\n"
          << "[run]\nname = \"district-bench\"\nyears = 2\nwarmup_years = 0\nreplicates = 1\n";
    }
    const auto s = models::load_scenario(scenario_path);

    fmt::print("govsim benchmark (issues #2, #12)\n");
    const auto has = [&](const char* name) {
        return std::find(o.sections.begin(), o.sections.end(), name) != o.sections.end();
    };
    const std::vector<std::pair<const char*, std::function<void()>>> sections{
        {"district", [&] { district(s, o); }},
        {"size", [&] { size_curve(s, o); }},
        {"memory", [&] { memory(scenario_path, s, work, o); }},
        {"disputes", [&] { dispute_records(scenario_path, s, work, o); }},
        {"pilot", [&] { pilot(work, o); }},
        {"month", [&] { month(o); }},
        {"ceiling", [&] { ceiling(s, o); }},
        {"machine", [&] { machine(o); }},
    };
    for (const auto& [name, run] : sections) {
        if (!has(name))
            continue;
        print_load("before");
        run();
        print_load("after");
    }
    print_floors();
    std::filesystem::remove_all(work);
    return 0;
}
