// govsim: the command-line program. Thin by design: it parses arguments and calls the
// library code that the tests call too.
#include "analysis/statistics.hpp"
#include "govsim/source_version.hpp"
#include "govsim/version.hpp"
#include "models/attribution.hpp"
#include "models/calibration.hpp"
#include "models/comparison.hpp"
#include "models/experiment.hpp"
#include "models/results_io.hpp"
#include "models/scenario_loader.hpp"
#include "sim/config.hpp"
#include "sim/experiment.hpp"
#include "sim/parallel.hpp"
#include "sim/results_file.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fmt/core.h>
#include <hdf5.h>
#include <iterator>
#include <limits>
#include <map>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <tbb/info.h>
#include <vector>

namespace {

using govsim::models::RunResult;

// Exit statuses (README, "Exit statuses"): 0 success; 2 the command could not be carried out
// because of its input or its environment (a bad scenario or argument, an output that cannot be
// written, a full disk, memory exhausted), with one message naming the file and the reason;
// 1 an internal error (a bug: please report it).
constexpr int exit_bad_input = 2;
constexpr int exit_internal = 1;

/// Seeds are TOML integers in scenario files, so the command line takes the same range.
constexpr std::uint64_t max_seed = std::numeric_limits<std::int64_t>::max();

/// The version with the source's git commit: "0.1.0 (git 1a2b3c4d5e6f)", ", dirty" added when
/// the build's tracked files differed from the commit.
std::string version_with_commit() {
    const std::string commit = govsim::git_commit;
    return fmt::format("{} (git {}{})", govsim::version, commit.substr(0, 12),
                       govsim::git_dirty ? ", dirty" : "");
}

/// What an experiment's results depend on (checkpoints are reused only under an equal one).
govsim::models::Fingerprint fingerprint_of(const govsim::models::Experiment& experiment,
                                           const govsim::models::ExperimentPlan& plan) {
    govsim::models::Fingerprint f;
    f.add("program", fmt::format("govsim {}", govsim::version));
    f.add("commit", fmt::format("{}{}{}", govsim::git_commit, govsim::git_dirty ? " dirty " : "",
                                govsim::git_diff_checksum));
    f.add("build type", govsim::build_type);
    f.add("seed", std::to_string(plan.seed()));
    f.add("replicates", std::to_string(plan.replicates()));
    f.add("runs", std::to_string(plan.runs()));
    f.add("dispute records", plan.record_disputes() ? "yes" : "no");
    for (const auto& source : experiment.sources)
        f.add_text("file " + source.file, source.text);
    return f;
}

/// The exit status for an exception that made a run fail.
int status_of_cause(const std::exception_ptr& cause) {
    try {
        std::rethrow_exception(cause);
    } catch (const govsim::sim::ConfigError&) {
        return exit_bad_input;
    } catch (const govsim::sim::OutputError&) {
        return exit_bad_input;
    } catch (const std::bad_alloc&) {
        return exit_bad_input;
    } catch (const std::invalid_argument&) {
        return exit_bad_input;
    } catch (const std::range_error&) {
        return exit_bad_input;
    } catch (...) {
        return exit_internal;
    }
}

/// Prints the message of an exception (one line) and gives the exit status for it.
int report_error(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const govsim::sim::RunFailure& e) {
        const int status = status_of_cause(e.cause());
        fmt::print(stderr, "error{}: {}\n",
                   status == exit_internal ? " (internal; please report it)" : "", e.what());
        return status;
    } catch (const govsim::sim::ConfigError& e) {
        fmt::print(stderr, "{}\n", e.what());
        return exit_bad_input;
    } catch (const govsim::sim::OutputError& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return exit_bad_input;
    } catch (const std::bad_alloc&) {
        fmt::print(stderr, "error: out of memory; finished runs are kept: free memory, or use "
                           "fewer --threads, and run the same command again\n");
        return exit_bad_input;
    } catch (const std::invalid_argument& e) { // a request the input cannot satisfy
        fmt::print(stderr, "error: {}\n", e.what());
        return exit_bad_input;
    } catch (const std::exception& e) {
        fmt::print(stderr, "error (internal; please report it): {}\n", e.what());
        return exit_internal;
    } catch (...) {
        fmt::print(stderr, "error (internal; please report it): an unknown exception\n");
        return exit_internal;
    }
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

/// One line of the summary table: a metric's mean over replicates with its 95% interval.
std::string cell(const std::vector<double>& values) {
    const auto ci = govsim::analysis::mean_ci(values);
    if (std::isnan(ci.estimate))
        return "—";
    if (std::isnan(ci.lower))
        return fmt::format("{:.1f}", ci.estimate);
    return fmt::format("{:.1f} ± {:.1f}", ci.estimate, ci.half_width());
}

void print_summary(const std::vector<RunResult>& runs) {
    if (runs.empty())
        return;
    struct Metric {
        const char* name;
        double (*get)(const govsim::models::YearRow&);
    };
    const Metric metrics[] = {
        {"households", [](const auto& r) { return r.households; }},
        {"disputes", [](const auto& r) { return static_cast<double>(r.stats.disputes); }},
        {"per 1,000 households", [](const auto& r) { return r.dispute_rate_per_1000_households; }},
        {"complaints", [](const auto& r) { return static_cast<double>(r.stats.complaints); }},
        {"resolved", [](const auto& r) { return static_cast<double>(r.stats.resolved); }},
        {"abandoned", [](const auto& r) { return static_cast<double>(r.stats.abandoned); }},
        {"open at end", [](const auto& r) { return static_cast<double>(r.stats.open_at_end); }},
        {"mean resolution (days)", [](const auto& r) { return r.stats.mean_resolution_days; }},
        {"median resolution (days)", [](const auto& r) { return r.stats.median_resolution_days; }},
        {"p90 resolution (days)", [](const auto& r) { return r.stats.p90_resolution_days; }},
        {"resolved within 30 days (%)",
         [](const auto& r) { return 100.0 * r.stats.share_resolved_within_30_days; }},
        {"mean detection (days)", [](const auto& r) { return r.stats.mean_detection_days; }},
    };
    const auto& first = runs.front();
    fmt::print("\n{} — {} — {} replicate{} (mean ± 95% interval half-width)\n", first.key.scenario,
               first.key.town, runs.size(), runs.size() == 1 ? "" : "s");
    fmt::print("{:<30}", "");
    for (const auto& y : first.years)
        fmt::print("{:>18}", y.year);
    fmt::print("\n");
    for (const Metric& m : metrics) {
        fmt::print("{:<30}", m.name);
        for (std::size_t y = 0; y < first.years.size(); ++y) {
            std::vector<double> values;
            for (const auto& r : runs)
                values.push_back(m.get(r.years[y]));
            fmt::print("{:>18}", cell(values));
        }
        fmt::print("\n");
    }
    fmt::print("\nDisputes are counted by onset year and followed to the end of the run;\n"
               "complaints are those made in the year (escalations to a government channel).\n");
}

} // namespace

int main(int argc, char** argv) {
    // HDF5 must not try to close files at exit: a file whose writing failed (a full disk) is
    // abandoned and removed, and closing it again from an exit handler would crash.
    H5dont_atexit();
    CLI::App app{"govsim: agent-based simulation of residential-compound governance in "
                 "Nanhai's pilot towns"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string(govsim::version));

    std::string scenario_path, out_path, csv_path;
    std::size_t threads = 0;
    std::optional<std::uint64_t> seed;
    std::optional<std::uint32_t> replicates;
    bool record_disputes = false, quiet = false;

    auto* run = app.add_subcommand("run", "Run a scenario and write an HDF5 results file");
    run->add_option("FILE", scenario_path, "Scenario file (TOML)")->required();
    run->add_option("-o,--output", out_path, "Results file to write (HDF5)")->required();
    run->add_option("--threads", threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
    run->add_option("--seed", seed, "Master seed (overrides the scenario's run.seed)")
        ->check(CLI::Range(std::uint64_t{0}, max_seed));
    run->add_option("--replicates", replicates, "Replicates (overrides run.replicates)")
        ->check(CLI::Range(1U, govsim::models::limits::max_replicates));
    double progress_seconds = 30;
    run->add_option("--progress-every", progress_seconds,
                    "Seconds between progress lines when stderr is not a terminal")
        ->check(CLI::Validator(
            [](std::string& text) {
                double x = 0;
                // CLI::Range lets NaN through (every comparison with it is false).
                if (!CLI::detail::lexical_cast(text, x) || !(x >= 0.01 && x <= 86400.0))
                    return std::string("expected a number of seconds in [0.01, 86400]");
                return std::string();
            },
            "SECONDS in [0.01, 86400]"));
    run->add_option("--csv", csv_path,
                    "Comparison table as CSV (default: the results path with .csv)");
    run->add_flag("--disputes", record_disputes, "Also write one record per dispute");
    run->add_flag("-q,--quiet", quiet, "Print no summary table and no progress");

    auto* validate =
        app.add_subcommand("validate", "Check a scenario file and report the first error");
    validate->add_option("FILE", scenario_path, "Scenario file (TOML)")->required();

    std::string metric_name = "complaints_per_year", town_name, model_name;
    std::uint32_t permutations = 32;
    auto* attribute = app.add_subcommand(
        "attribute", "Which lever of a model produces its gain: Shapley shares of a metric");
    attribute->add_option("FILE", scenario_path, "Scenario or experiment file (TOML)")->required();
    attribute->add_option("--metric", metric_name, "Metric to attribute")
        ->check(CLI::IsMember(std::vector<std::string>(govsim::models::metric_names.begin(),
                                                       govsim::models::metric_names.end())));
    attribute->add_option("--town", town_name, "Town of the experiment to use");
    attribute->add_option("--model", model_name, "Model of the experiment to attribute");
    attribute->add_option("--replicates", replicates, "Replicates per lever subset")
        ->check(CLI::Range(2U, govsim::models::limits::max_replicates));
    attribute->add_option("--seed", seed, "Master seed (overrides run.seed)")
        ->check(CLI::Range(std::uint64_t{0}, max_seed));
    attribute
        ->add_option("--permutations", permutations,
                     "Orders sampled when the model has more than 6 levers")
        ->check(CLI::Range(1U, 100000U));
    attribute->add_option("--threads", threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
    attribute->add_option("--csv", csv_path, "Also write the shares as CSV");

    std::string fragment_path;
    std::optional<std::uint32_t> particles, generations;
    auto* calibrate = app.add_subcommand(
        "calibrate", "Fit a calibration file's free parameters to its targets (ABC-SMC)");
    calibrate->add_option("FILE", scenario_path, "Calibration file (TOML with [calibration])")
        ->required();
    calibrate->add_option("-o,--output", out_path, "Posterior to write (HDF5)")->required();
    calibrate->add_option("--fragment", fragment_path,
                          "Also write the posterior means as a scenario fragment (TOML)");
    calibrate->add_option("--seed", seed, "Seed (overrides calibration.seed)")
        ->check(CLI::Range(std::uint64_t{0}, max_seed));
    calibrate->add_option("--replicates", replicates, "Replicates per particle")
        ->check(CLI::Range(1U, govsim::models::limits::max_replicates));
    calibrate->add_option("--particles", particles, "Particles per generation")
        ->check(CLI::Range(2U, 1000000U));
    calibrate->add_option("--generations", generations, "Generations after the prior")
        ->check(CLI::Range(0U, 1000U));
    calibrate->add_option("--threads", threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
    calibrate->add_flag("-q,--quiet", quiet, "Print no progress and no report");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : exit_bad_input;
    }

    try {
        if (calibrate->parsed()) {
            auto spec = govsim::models::load_calibration(scenario_path);
            if (seed)
                spec.abc.seed = *seed;
            if (replicates)
                spec.replicates = *replicates;
            if (particles)
                spec.abc.particles = *particles;
            if (generations)
                spec.abc.generations = *generations;
            govsim::sim::check_output_path(out_path); // fail before simulating, not after
            std::vector<govsim::sim::NamedPath> outputs{{"the posterior file", out_path}};
            if (!fragment_path.empty()) {
                govsim::sim::check_output_path(fragment_path);
                outputs.push_back({"the fragment", fragment_path});
            }
            govsim::sim::check_distinct_paths(outputs, {scenario_path});
            govsim::sim::ThreadLimit limit(threads);
            const auto result = govsim::models::calibrate(spec, !quiet);
            govsim::models::CalibrationProvenance prov;
            for (int i = 0; i < argc; ++i)
                prov.command_line += (i ? " " : "") + std::string(argv[i]);
            prov.version = govsim::version;
            prov.created_utc = utc_now();
            govsim::models::write_calibration(out_path, spec, result, prov);
            if (!fragment_path.empty())
                govsim::sim::write_text_file(fragment_path, govsim::models::calibration_fragment(
                                                                spec, result, fragment_path, prov));
            if (!quiet) {
                fmt::print("{}", govsim::models::calibration_report(spec, result));
                fmt::print("\nposterior written to {}{}\n", out_path,
                           fragment_path.empty() ? "" : "; fragment to " + fragment_path);
            }
            return 0;
        }
        const auto experiment = govsim::models::load_experiment(scenario_path);
        const std::vector<govsim::models::Scenario>& scenarios = experiment.scenarios;
        const auto& scenario = scenarios.front();
        if (validate->parsed()) {
            fmt::print("{}: valid: '{}', {} scenario{} ({} years from {}, {} replicates)\n",
                       scenario_path, scenario.run.name, scenarios.size(),
                       scenarios.size() == 1 ? "" : "s", scenario.run.years,
                       scenario.run.start_year, scenario.run.replicates);
            for (const auto& s : scenarios)
                fmt::print("  town {}, model {}\n", s.town.name, s.model.name);
            return 0;
        }
        if (attribute->parsed()) {
            const auto* chosen = &scenarios.front();
            std::size_t matches = 0;
            for (const auto& s : scenarios)
                if ((town_name.empty() || s.town.name == town_name) &&
                    (model_name.empty() ? s.model.name != "baseline"
                                        : s.model.name == model_name)) {
                    chosen = &s;
                    ++matches;
                }
            if (matches != 1) {
                std::string choices;
                for (const auto& s : scenarios)
                    choices += fmt::format(" {}/{}", s.town.name, s.model.name);
                fmt::print(stderr,
                           "{}: choose one town and model with --town and --model (have:{})\n",
                           scenario_path, choices);
                return exit_bad_input;
            }
            if (!csv_path.empty()) {
                govsim::sim::check_output_path(csv_path);
                std::vector<std::filesystem::path> inputs;
                for (const auto& source : experiment.sources)
                    inputs.emplace_back(source.file);
                govsim::sim::check_distinct_paths({{"the CSV table", csv_path}}, inputs);
            }
            govsim::sim::ThreadLimit limit(threads);
            govsim::models::AttributionOptions ao;
            ao.metric = *govsim::models::metric_from_name(metric_name);
            ao.seed = seed.value_or(chosen->run.seed);
            ao.replicates = replicates.value_or(std::max(2U, chosen->run.replicates));
            ao.permutations = permutations;
            ao.progress = true;
            const auto a = govsim::models::attribute_levers(*chosen, ao);
            fmt::print("{}", govsim::models::attribution_table(a));
            if (!csv_path.empty())
                govsim::sim::write_text_file(csv_path, govsim::models::attribution_csv(a));
            return 0;
        }
        const bool csv_defaulted = csv_path.empty();
        if (csv_defaulted)
            csv_path = std::filesystem::path(out_path).replace_extension(".csv").string();
        // Fail before simulating, not after: outputs must be writable, distinct, and none of
        // them an input.
        govsim::sim::check_output_path(out_path);
        govsim::sim::check_output_path(csv_path);
        {
            std::vector<std::filesystem::path> inputs;
            for (const auto& source : experiment.sources)
                inputs.emplace_back(source.file);
            govsim::sim::check_distinct_paths(
                {{"the results file", out_path},
                 {csv_defaulted ? "the CSV table (the results path with .csv)" : "the CSV table",
                  csv_path}},
                inputs);
        }
        govsim::sim::ThreadLimit limit(threads);
        const govsim::models::ExperimentPlan plan(scenarios, seed.value_or(scenario.run.seed),
                                                  replicates.value_or(scenario.run.replicates),
                                                  record_disputes);
        if (plan.runs() > govsim::models::limits::max_runs)
            throw std::invalid_argument(fmt::format(
                "{} scenarios x {} replicates are {} runs, more than the limit of {} (see "
                "'Engineering limits' in docs/scenarios.md)",
                scenarios.size(), plan.replicates(), plan.runs(),
                govsim::models::limits::max_runs));

        // Finished runs are kept in OUT.partial/ until the results file is complete, so an
        // interrupted invocation resumes where it stopped when run again. Its lock keeps a
        // second invocation off the same output; under it, temporary files of killed processes
        // are removed.
        const govsim::models::Checkpoint checkpoint(
            govsim::models::Checkpoint::folder_for(out_path), fingerprint_of(experiment, plan));
        govsim::sim::remove_temporaries(out_path);
        govsim::sim::remove_temporaries(csv_path);
        const auto all = plan.all();
        const auto saved = govsim::models::check_saved(plan, all, checkpoint);
        for (const auto& [index, problem] : saved.damaged)
            fmt::print(stderr, "warning: the saved {} is damaged and will be run again: {}\n",
                       govsim::models::describe_run(plan.key(index)), problem);
        if (!saved.sound.empty() && !quiet)
            fmt::print(stderr, "resuming: {} of {} runs reused from {}; {} to run\n",
                       saved.sound.size(), plan.runs(), checkpoint.folder().string(),
                       plan.runs() - saved.sound.size());
        std::vector<std::size_t> to_run;
        std::set_difference(all.begin(), all.end(), saved.sound.begin(), saved.sound.end(),
                            std::back_inserter(to_run));

        govsim::models::ExperimentOptions options;
        options.progress = govsim::sim::progress_mode(!quiet);
        options.progress_interval_seconds = progress_seconds;
        options.checkpoint = &checkpoint;
        const auto start = std::chrono::steady_clock::now();
        govsim::models::run_runs(plan, to_run, options, {});
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

        govsim::models::Provenance prov;
        prov.scenario_path = scenario_path;
        prov.scenario_text = experiment.source_text;
        prov.scenario_name = scenario.run.name;
        for (int i = 0; i < argc; ++i)
            prov.command_line += (i ? " " : "") + std::string(argv[i]);
        prov.version = version_with_commit();
        prov.build_type = govsim::build_type;
        prov.created_utc = utc_now();
        prov.seed = plan.seed();
        prov.threads = static_cast<std::uint32_t>(
            threads > 0 ? threads : static_cast<std::size_t>(tbb::info::default_concurrency()));
        prov.ranks = 1;
        prov.replicates = plan.replicates();
        // Assembled from the store run by run: memory does not grow with the number of runs.
        const govsim::models::StoredRuns stored(plan, checkpoint);
        const auto results = govsim::models::write_results(out_path, prov, stored, record_disputes);
        const auto comparison = govsim::models::compare_models(results);
        govsim::sim::write_text_file(csv_path, govsim::models::comparison_csv(comparison));
        checkpoint.remove();
        if (!quiet) {
            if (scenarios.size() == 1)
                print_summary(results);
            else
                fmt::print("{}", govsim::models::comparison_table(comparison));
            fmt::print("\n{} run{} in {:.1f} s; results written to {} and {}\n", results.size(),
                       results.size() == 1 ? "" : "s", wall, out_path, csv_path);
        }
        return 0;
    } catch (...) {
        return report_error(std::current_exception());
    }
}
