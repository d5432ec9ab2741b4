// govsim: the command-line program. Thin by design: it parses arguments and calls the
// library code that the tests call too (the jobs of models/job.hpp).
#include "analysis/statistics.hpp"
#include "app/report.hpp"
#include "govsim/source_version.hpp"
#include "govsim/version.hpp"
#include "models/attribution.hpp"
#include "models/calibration.hpp"
#include "models/comparison.hpp"
#include "models/job.hpp"
#include "models/scenario_loader.hpp"
#include "sim/command_line.hpp"
#include "sim/config.hpp"
#include "sim/parallel.hpp"
#include "sim/ranks.hpp"
#include "sim/results_file.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/core.h>
#include <fstream>
#include <hdf5.h>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using govsim::models::exit_bad_input;
using govsim::models::RunResult;

/// Seeds are TOML integers in scenario files, so the command line takes the same range.
constexpr std::uint64_t max_seed = std::numeric_limits<std::int64_t>::max();

govsim::models::BuildInfo build_info() {
    govsim::models::BuildInfo b;
    b.version = govsim::version;
    b.git_commit = govsim::git_commit;
    b.git_dirty = govsim::git_dirty;
    b.git_diff_checksum = govsim::git_diff_checksum;
    b.build_type = govsim::build_type;
    return b;
}

/// A number of seconds in [lo, hi]; NaN is refused (CLI::Range lets it through, since every
/// comparison with it is false).
CLI::Validator seconds_in(double lo, double hi) {
    return CLI::Validator(
        [lo, hi](std::string& text) {
            double x = 0;
            if (!CLI::detail::lexical_cast(text, x) || !(x >= lo && x <= hi))
                return fmt::format("expected a number of seconds in [{}, {}]", lo, hi);
            return std::string();
        },
        fmt::format("SECONDS in [{}, {}]", lo, hi));
}

/// The options of `govsim run`, into `job` (shared with `reproduce`, which parses a recorded
/// command with them).
void add_run_options(CLI::App& run, govsim::models::RunJob& job) {
    run.add_option("FILE", job.scenario_path, "Scenario file (TOML)")->required();
    run.add_option("-o,--output", job.out_path,
                   "Results file to write (HDF5); with --shard, the shard file")
        ->required();
    run.add_option("--threads", job.threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
    run.add_option("--seed", job.seed, "Master seed (overrides the scenario's run.seed)")
        ->check(CLI::Range(std::uint64_t{0}, max_seed));
    run.add_option("--replicates", job.replicates, "Replicates (overrides run.replicates)")
        ->check(CLI::Range(1U, govsim::models::limits::max_replicates));
    run.add_option("--shard", job.shard,
                   "Run only the k-th of n shards (k/n, e.g. 2/8) and write a shard file, for "
                   "job arrays; combine the shards with govsim merge");
    run.add_option("--progress-every", job.progress_seconds,
                   "Seconds between progress lines when stderr is not a terminal")
        ->check(seconds_in(0.01, 86400.0));
    run.add_option("--csv", job.csv_path,
                   "Comparison table as CSV (default: the results path with .csv)");
    run.add_option("--set", job.overrides,
                   "Override a scenario value in every scenario: PATH=VALUE, VALUE in TOML "
                   "(repeatable; e.g. --set escalation.escalate_base=0.3 --set "
                   "'handlers.departments[urban-management].servers=20')")
        ->allow_extra_args(false);
    run.add_flag("--disputes", job.record_disputes, "Also write one record per dispute");
    run.add_option("--disputes-deflate", job.disputes_deflate,
                   "Deflate level of the /disputes table (after the shuffle filter): 1 (the "
                   "default, fastest) to 9 (smallest), or 0: uncompressed (about twice as large)")
        ->check(CLI::Range(0U, 9U));
    run.add_flag("-q,--quiet", job.quiet, "Print no summary table and no progress");
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

void print_report(const govsim::models::RunReport& r) {
    if (!r.summaries.empty()) {
        std::vector<std::pair<std::string, std::string>> scenarios;
        for (const auto& run : r.summaries)
            if (std::find(scenarios.begin(), scenarios.end(),
                          std::make_pair(run.key.town, run.key.model)) == scenarios.end())
                scenarios.emplace_back(run.key.town, run.key.model);
        if (scenarios.size() == 1)
            print_summary(r.summaries);
        else
            fmt::print("{}", govsim::models::comparison_table(r.comparison));
    }
    // A design's findings: the sensitivity of, and the ranking's robustness on, the headline
    // metrics (every metric is in the results file and its CSV).
    using govsim::models::Metric;
    const std::vector<Metric> headline{Metric::ComplaintsPerYear, Metric::ResolvedShare,
                                       Metric::AbandonedShare, Metric::Burden,
                                       Metric::PublicCostPerYear};
    if (!r.findings.sensitivity.empty())
        fmt::print("{}", govsim::models::sensitivity_table(r.findings.sensitivity, headline));
    if (!r.findings.robustness.empty())
        fmt::print("{}", govsim::models::robustness_table(r.findings.robustness, headline));
    if (!r.findings.sweep.empty())
        fmt::print("{}", govsim::models::sweep_table(r.findings.sweep, r.findings.parameters,
                                                     r.findings.replicates, headline));
    fmt::print("\n{} run{} in {:.1f} s; {}\n", r.runs_here, r.runs_here == 1 ? "" : "s",
               r.wall_seconds, r.written);
}

} // namespace

int main(int argc, char** argv) {
    // HDF5 must not try to close files at exit: a file whose writing failed (a full disk) is
    // abandoned and removed, and closing it again from an exit handler would crash.
    H5dont_atexit();
    std::optional<govsim::sim::Ranks> ranks;
    try {
        ranks.emplace(argc, argv); // joins the MPI job when started by mpirun
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return exit_bad_input;
    }
    const std::vector<std::string> arguments(argv, argv + argc);
    const auto build = build_info();

    CLI::App app{"govsim: agent-based simulation of residential-compound governance in "
                 "Nanhai's pilot towns"};
    app.require_subcommand(1);
    app.set_version_flag("--version", build.version_with_commit());

    govsim::models::RunJob run_job;
    auto* run = app.add_subcommand("run", "Run a scenario and write an HDF5 results file "
                                          "(over MPI ranks when started by mpirun)");
    add_run_options(*run, run_job);

    std::string scenario_path, out_path, csv_path;
    std::size_t threads = 0;
    std::optional<std::uint64_t> seed;
    std::optional<std::uint32_t> replicates;
    bool quiet = false;

    govsim::models::MergeJob merge_job;
    auto* merge = app.add_subcommand(
        "merge", "Merge the shard files of a job array (govsim run --shard k/n) into the "
                 "results file one process would have written");
    merge->add_option("SHARD", merge_job.shards, "Shard files (every shard once)")->required();
    merge->add_option("-o,--output", merge_job.out_path, "Results file to write (HDF5)")
        ->required();
    merge->add_option("--csv", merge_job.csv_path,
                      "Comparison table as CSV (default: the results path with .csv)");
    merge->add_flag("-q,--quiet", quiet, "Print no comparison table");
    merge
        ->add_option("--disputes-deflate", merge_job.disputes_deflate,
                     "Deflate level of the /disputes table (as govsim run's)")
        ->check(CLI::Range(0U, 9U));

    govsim::models::ReproduceJob reproduce_job;
    auto* reproduce = app.add_subcommand(
        "reproduce", "Rebuild the scenario recorded in a results file in a fresh folder, rerun "
                     "it and check that every dataset is bit-identical");
    reproduce->add_option("RESULTS", reproduce_job.results_path, "Results file (HDF5)")->required();
    reproduce->add_option("--folder", reproduce_job.folder,
                          "Where to rebuild and rerun (new or empty; default: a new folder in "
                          "the temporary directory)");
    reproduce->add_option("--threads", reproduce_job.threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
    reproduce->add_flag("-q,--quiet", reproduce_job.quiet, "Print only the verdict");

    auto* validate =
        app.add_subcommand("validate", "Check a scenario file and report the first error");
    validate->add_option("FILE", scenario_path, "Scenario file (TOML)")->required();
    std::vector<std::string> overrides;
    const char* set_help = "Override a scenario value: PATH=VALUE (repeatable; see govsim run)";
    validate->add_option("--set", overrides, set_help)->allow_extra_args(false);

    std::string export_results, export_table, export_csv;
    auto* export_command = app.add_subcommand(
        "export",
        "Write one table of a results file (e.g. runs, comparison, design/points) as CSV");
    export_command->add_option("RESULTS", export_results, "Results file (HDF5)")->required();
    export_command->add_option("TABLE", export_table, "Table to export, e.g. runs")->required();
    export_command->add_option("-o,--output", export_csv, "CSV file to write")->required();

    std::string metric_name = "complaints_per_year", town_name, model_name;
    std::uint32_t permutations = 32;
    auto* attribute = app.add_subcommand(
        "attribute", "Which lever of a model produces its gain: Shapley shares of a metric");
    attribute->add_option("FILE", scenario_path, "Scenario or experiment file (TOML)")->required();
    attribute->add_option("--metric", metric_name, "Metric to attribute")
        ->check(CLI::IsMember(std::vector<std::string>(govsim::models::metric_names.begin(),
                                                       govsim::models::metric_names.end())));
    attribute->add_option("--town", town_name, "Town of the experiment to use");
    attribute->add_option("--set", overrides, set_help)->allow_extra_args(false);
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
    calibrate->add_option("-o,--output", out_path, "Posterior to write (HDF5)");
    calibrate->add_option("--fragment", fragment_path,
                          "Also write the shipped point (the refinement's choice, else the "
                          "posterior means) as a scenario fragment (TOML)");
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
    std::string town_fragment_path, check_doc, check_scenario;
    std::uint32_t check_replicates = 0;
    std::optional<std::uint32_t> refine_particles, refine_replicates;
    calibrate
        ->add_option("--refine-particles", refine_particles,
                     "Posterior particles rerun by the refinement (overrides "
                     "calibration.refine_particles; 0: none, ship the posterior means)")
        ->check(CLI::Range(0U, 1000000U));
    calibrate
        ->add_option("--refine-replicates", refine_replicates,
                     "Replicates per refined particle (overrides calibration.refine_replicates)")
        ->check(CLI::Range(2U, govsim::models::limits::max_replicates));
    calibrate->add_option("--town-fragment", town_fragment_path,
                          "Also write the shipped point's [town] parameters (TOML)");
    calibrate
        ->add_option("--check", check_replicates,
                     "Then run a posterior predictive check with this many replicates")
        ->check(CLI::Range(2U, govsim::models::limits::max_replicates));
    calibrate->add_option("--check-only", check_scenario,
                          "Fit nothing: check the calibrated values found in this scenario");
    calibrate->add_option("--doc", check_doc,
                          "Write the check into this Markdown file between its markers");

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
        // Under MPI every rank parses the same arguments; one of them says what is wrong.
        if (ranks->root() || e.get_exit_code() == 0) {
            const int code = app.exit(e);
            return code == 0 ? 0 : exit_bad_input;
        }
        return exit_bad_input;
    }

    // The jobs spread over MPI ranks (run) or run on the root (merge); print on the root.
    if (run->parsed()) {
        run_job.argv = arguments;
        govsim::models::RunReport done;
        const int status = govsim::models::run_job(run_job, build, *ranks, &done);
        if (status == 0 && ranks->root() && !run_job.quiet)
            print_report(done);
        return status;
    }
    if (merge->parsed()) {
        merge_job.argv = arguments;
        govsim::models::RunReport done;
        const int status = govsim::models::merge_job(merge_job, build, *ranks, &done);
        if (status == 0 && ranks->root() && !quiet)
            print_report(done);
        return status;
    }
    if (reproduce->parsed()) {
        const auto parse_run = [](const std::vector<std::string>& recorded) {
            CLI::App parser{"govsim"};
            govsim::models::RunJob job;
            add_run_options(*parser.add_subcommand("run"), job);
            std::vector<std::string> args(recorded.rbegin(), recorded.rend());
            if (args.empty())
                throw std::invalid_argument("the recorded command is empty");
            args.pop_back(); // the program's name
            try {
                parser.parse(args);
            } catch (const CLI::ParseError& e) {
                throw std::invalid_argument(
                    fmt::format("the recorded command is not a govsim run command: {}", e.what()));
            }
            if (parser.get_subcommands().empty() ||
                parser.get_subcommands().front()->get_name() != "run")
                throw std::invalid_argument("the recorded command is not a govsim run command");
            return job;
        };
        return govsim::models::reproduce_job(reproduce_job, build, *ranks, parse_run);
    }
    if (ranks->size() > 1) {
        if (ranks->root())
            fmt::print(stderr, "error: only govsim run spreads over MPI ranks: run this command "
                               "without mpirun\n");
        return exit_bad_input;
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
            if (refine_particles)
                spec.refine_particles = *refine_particles;
            if (refine_replicates)
                spec.refine_replicates = *refine_replicates;
            std::string command_line;
            for (int i = 0; i < argc; ++i)
                command_line += (i ? " " : "") + std::string(argv[i]);
            if (!check_scenario.empty() && check_replicates == 0) {
                fmt::print(stderr, "error: --check-only needs --check REPLICATES\n");
                return exit_bad_input;
            }
            if (!check_doc.empty() && check_replicates == 0) {
                fmt::print(stderr, "error: --doc needs --check REPLICATES\n");
                return exit_bad_input;
            }
            const auto run_check = [&](const std::vector<double>& theta, const std::string& what) {
                const auto check = govsim::models::predictive_check(spec, theta, check_replicates);
                const auto text = govsim::models::predictive_check_markdown(
                    spec, check,
                    fmt::format("Posterior predictive check of {} ({}), made by `{}`.", what,
                                spec.path, command_line));
                if (!quiet)
                    fmt::print("\n{}", text);
                if (!check_doc.empty())
                    govsim::models::write_between_markers(check_doc, text);
                return check.pass() ? 0 : 1;
            };
            govsim::sim::ThreadLimit limit(threads);
            if (!check_scenario.empty())
                return run_check(govsim::models::parameter_values(spec, check_scenario),
                                 "the values in " + check_scenario);
            if (out_path.empty()) {
                fmt::print(stderr, "error: -o POSTERIOR.h5 is needed unless --check-only\n");
                return exit_bad_input;
            }
            if (spec.has_town_parameters() && !fragment_path.empty() &&
                town_fragment_path.empty()) {
                fmt::print(stderr, "error: {} frees [town] figures: give --town-fragment too\n",
                           scenario_path);
                return exit_bad_input;
            }
            govsim::sim::check_output_path(out_path); // fail before simulating, not after
            std::vector<govsim::sim::NamedPath> outputs{{"the posterior file", out_path}};
            if (!fragment_path.empty()) {
                govsim::sim::check_output_path(fragment_path);
                outputs.push_back({"the fragment", fragment_path});
            }
            if (!town_fragment_path.empty()) {
                govsim::sim::check_output_path(town_fragment_path);
                outputs.push_back({"the town fragment", town_fragment_path});
            }
            govsim::sim::check_distinct_paths(outputs, {scenario_path});
            const auto result = govsim::models::calibrate(spec, !quiet);
            govsim::models::CalibrationProvenance prov;
            prov.command_line = command_line;
            prov.version = govsim::version;
            prov.created_utc = govsim::models::utc_now();
            govsim::models::write_calibration(out_path, spec, result, prov);
            if (!fragment_path.empty())
                govsim::sim::write_text_file(fragment_path, govsim::models::calibration_fragment(
                                                                spec, result, fragment_path, prov));
            if (!town_fragment_path.empty())
                govsim::sim::write_text_file(
                    town_fragment_path,
                    govsim::models::calibration_fragment(spec, result, town_fragment_path, prov,
                                                         govsim::models::FragmentPart::Town));
            if (!quiet) {
                fmt::print("{}", govsim::models::calibration_report(spec, result));
                fmt::print("\nposterior written to {}{}{}\n", out_path,
                           fragment_path.empty() ? "" : "; fragment to " + fragment_path,
                           town_fragment_path.empty() ? ""
                                                      : "; town fragment to " + town_fragment_path);
            }
            if (check_replicates > 0)
                return run_check(result.point(), "the shipped point, " +
                                                     govsim::models::shipped_point_phrase(result));
            return 0;
        }
        if (export_command->parsed()) {
            govsim::models::export_csv(export_results, export_table, export_csv);
            return 0;
        }
        const auto experiment = govsim::models::load_experiment(
            scenario_path, {}, govsim::models::parse_overrides(overrides));
        const std::vector<govsim::models::Scenario>& scenarios = experiment.scenarios;
        const auto& scenario = scenarios.front();
        if (validate->parsed()) {
            fmt::print("{}: valid: '{}', {} scenario{} ({} years from {}, {} replicates)\n",
                       scenario_path, scenario.run.name, scenarios.size(),
                       scenarios.size() == 1 ? "" : "s", scenario.run.years,
                       scenario.run.start_year, scenario.run.replicates);
            if (!experiment.design.empty())
                fmt::print("  design: {} of {} parameter{}, {} point{} x {} town/model pair{}\n",
                           experiment.design.kind, experiment.design.parameters.size(),
                           experiment.design.parameters.size() == 1 ? "" : "s",
                           experiment.design.points(), experiment.design.points() == 1 ? "" : "s",
                           experiment.scenarios_per_point(),
                           experiment.scenarios_per_point() == 1 ? "" : "s");
            for (std::size_t i = 0; i < experiment.scenarios_per_point(); ++i)
                fmt::print("  town {}, model {}\n", scenarios[i].town.name,
                           scenarios[i].model.name);
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
        return 0;
    } catch (...) {
        std::string message;
        const int status = govsim::models::error_status(std::current_exception(), &message);
        fmt::print(stderr, "{}\n", message);
        return status;
    }
}
