// govsim: the command-line program. Thin by design: it parses arguments and calls the
// library code that the tests call too.
#include "analysis/statistics.hpp"
#include "app/report.hpp"
#include "govsim/version.hpp"
#include "models/attribution.hpp"
#include "models/calibration.hpp"
#include "models/comparison.hpp"
#include "models/experiment.hpp"
#include "models/results_io.hpp"
#include "models/scenario_loader.hpp"
#include "sim/config.hpp"
#include "sim/parallel.hpp"
#include "sim/results_file.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fmt/core.h>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <tbb/info.h>
#include <vector>

namespace {

using govsim::models::RunResult;

constexpr int exit_bad_input = 2;

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
        {"owners' assemblies",
         [](const auto& r) { return static_cast<double>(r.institutions.assemblies); }},
        {"committees elected",
         [](const auto& r) { return static_cast<double>(r.institutions.committees_elected); }},
        {"firms dismissed",
         [](const auto& r) { return static_cast<double>(r.institutions.dismissals); }},
        {"firms hired by tender",
         [](const auto& r) { return static_cast<double>(r.institutions.firms_hired); }},
        {"firms abandoning (弃管)",
         [](const auto& r) { return static_cast<double>(r.institutions.abandonments); }},
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
               "complaints are those made in the year (escalations to a government channel);\n"
               "assemblies, committees and firms' events are those of the year.\n");
}

} // namespace

int main(int argc, char** argv) {
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
    run->add_option("--seed", seed, "Master seed (overrides the scenario's run.seed)");
    run->add_option("--replicates", replicates, "Replicates (overrides run.replicates)")
        ->check(CLI::Range(1U, 100000U));
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
        ->check(CLI::Range(2U, 100000U));
    attribute->add_option("--seed", seed, "Master seed (overrides run.seed)");
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
    calibrate->add_option("--seed", seed, "Seed (overrides calibration.seed)");
    calibrate->add_option("--replicates", replicates, "Replicates per particle")
        ->check(CLI::Range(1U, 100000U));
    calibrate->add_option("--particles", particles, "Particles per generation")
        ->check(CLI::Range(2U, 1000000U));
    calibrate->add_option("--generations", generations, "Generations after the prior")
        ->check(CLI::Range(0U, 1000U));
    calibrate->add_option("--threads", threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
    calibrate->add_flag("-q,--quiet", quiet, "Print no progress and no report");

    govsim::app::ReportRequest report_request;
    auto* report = app.add_subcommand(
        "report", "Write a self-contained HTML report (and figures) of a results file");
    report->add_option("FILE", report_request.results, "Results file (HDF5) from govsim run")
        ->required();
    report->add_option("-o,--output", report_request.output, "HTML file to write")->required();
    report->add_option("--lang", report_request.lang, "Language of the report: en or zh")
        ->check(CLI::IsMember({"en", "zh"}));
    report->add_option("--figures", report_request.figures_dir,
                       "Also write each figure as PNG and SVG into this folder");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : exit_bad_input;
    }

    if (report->parsed())
        return govsim::app::run_report(report_request);

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
            if (!fragment_path.empty())
                govsim::sim::check_output_path(fragment_path);
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
            if (!csv_path.empty())
                govsim::sim::check_output_path(csv_path);
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
        if (csv_path.empty())
            csv_path = std::filesystem::path(out_path).replace_extension(".csv").string();
        govsim::sim::check_output_path(out_path); // fail before simulating, not after
        govsim::sim::check_output_path(csv_path);
        govsim::sim::ThreadLimit limit(threads);
        govsim::models::ExperimentOptions options;
        options.seed = seed.value_or(scenario.run.seed);
        options.replicates = replicates.value_or(scenario.run.replicates);
        options.record_disputes = record_disputes;
        options.progress = !quiet;
        // Finished runs are kept beside the results file until it is complete, so an
        // interrupted invocation resumes where it stopped when run again.
        const std::string fingerprint =
            fmt::format("govsim {}\nseed {}\ndisputes {}\n{}", govsim::version, options.seed,
                        record_disputes, experiment.source_text);
        const govsim::models::Checkpoint checkpoint(
            govsim::models::Checkpoint::folder_for(out_path), fingerprint);
        if (const std::size_t done = checkpoint.saved(); done > 0 && !quiet)
            fmt::print(stderr, "resuming: {} finished run{} found in {}\n", done,
                       done == 1 ? "" : "s", checkpoint.folder().string());
        options.checkpoint = &checkpoint;
        const auto start = std::chrono::steady_clock::now();
        const auto results = govsim::models::run_experiment(scenarios, options);
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

        govsim::models::Provenance prov;
        prov.scenario_path = scenario_path;
        prov.scenario_text = experiment.source_text;
        prov.scenario_name = scenario.run.name;
        prov.start_year = scenario.run.start_year;
        prov.warmup_years = scenario.run.warmup_years;
        for (int i = 0; i < argc; ++i)
            prov.command_line += (i ? " " : "") + std::string(argv[i]);
        prov.version = govsim::version;
        prov.build_type = govsim::build_type;
        prov.created_utc = utc_now();
        prov.seed = options.seed;
        prov.threads = static_cast<std::uint32_t>(
            threads > 0 ? threads : static_cast<std::size_t>(tbb::info::default_concurrency()));
        prov.ranks = 1;
        prov.replicates = options.replicates;
        govsim::models::write_results(out_path, prov, results, record_disputes);
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
    } catch (const govsim::sim::ConfigError& e) {
        fmt::print(stderr, "{}\n", e.what());
        return exit_bad_input;
    } catch (const govsim::sim::OutputError& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return exit_bad_input;
    } catch (const std::invalid_argument& e) { // a request the input cannot satisfy
        fmt::print(stderr, "error: {}\n", e.what());
        return exit_bad_input;
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
}
