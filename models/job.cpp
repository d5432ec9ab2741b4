// The command-line program's jobs (see job.hpp).
#include "models/job.hpp"

#include "models/checkpoint.hpp"
#include "models/experiment.hpp"
#include "models/results_io.hpp"
#include "models/scenario_loader.hpp"
#include "models/shard_file.hpp"
#include "sim/command_line.hpp"
#include "sim/experiment.hpp"
#include "sim/parallel.hpp"
#include "sim/results_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iterator>
#include <map>
#include <new>
#include <stdexcept>
#include <unistd.h>

namespace govsim::models {

namespace fs = std::filesystem;

int error_status(const std::exception_ptr& error, std::string* message) {
    const auto say = [&](std::string text) {
        if (message)
            *message = std::move(text);
    };
    try {
        std::rethrow_exception(error);
    } catch (const sim::RunFailure& e) {
        std::string ignored;
        const int status = error_status(e.cause(), &ignored);
        say(fmt::format("error{}: {}",
                        status == exit_internal ? " (internal; please report it)" : "", e.what()));
        return status;
    } catch (const sim::ConfigError& e) {
        say(e.what());
        return exit_bad_input;
    } catch (const sim::OutputError& e) {
        say(fmt::format("error: {}", e.what()));
        return exit_bad_input;
    } catch (const std::bad_alloc&) {
        say("error: out of memory; finished runs are kept: free memory, or use fewer --threads, "
            "and run the same command again");
        return exit_bad_input;
    } catch (const std::invalid_argument& e) { // a request the input cannot satisfy
        say(fmt::format("error: {}", e.what()));
        return exit_bad_input;
    } catch (const std::range_error& e) { // a value the model cannot hold
        say(fmt::format("error: {}", e.what()));
        return exit_bad_input;
    } catch (const std::exception& e) {
        say(fmt::format("error (internal; please report it): {}", e.what()));
        return exit_internal;
    } catch (...) {
        say("error (internal; please report it): an unknown exception");
        return exit_internal;
    }
}

std::string BuildInfo::version_with_commit() const {
    return fmt::format("{} (git {}{})", version, git_commit.substr(0, 12),
                       git_dirty ? ", dirty" : "");
}

const std::vector<std::string>& time_fields() {
    static const std::vector<std::string> fields{"wall_seconds"};
    return fields;
}

std::string rebuilt_path(const std::string& tree, const std::string& path) {
    const fs::path p(path);
    fs::path relative;
    if (p.is_absolute()) {
        relative = fs::path("root") / p.relative_path().lexically_normal();
    } else {
        // ".." can only lead a lexically normal path: k of them go to "up<k>", none to "here",
        // so that no two recorded paths share a place.
        std::size_t ups = 0;
        fs::path rest;
        for (const fs::path& part : p.lexically_normal()) {
            if (part == ".." && rest.empty())
                ++ups;
            else
                rest /= part;
        }
        relative = fs::path(ups == 0 ? std::string("here") : fmt::format("up{}", ups)) / rest;
    }
    return (fs::path(tree) / relative).string();
}

std::string utc_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

namespace {

/// Runs `body` on every rank (or on the root only), then the ranks agree: if any failed, the
/// lowest rank that failed prints its message and every rank gets the largest status. Bodies
/// make no collective calls (a rank that throws would leave the others waiting).
std::optional<int> step(const sim::Ranks& ranks, bool root_only,
                        const std::function<void()>& body) {
    int status = exit_ok;
    std::string message;
    if (!root_only || ranks.root()) {
        try {
            body();
        } catch (...) {
            status = error_status(std::current_exception(), &message);
        }
    }
    const int first = ranks.first(status != exit_ok);
    if (first >= ranks.size())
        return std::nullopt;
    if (ranks.rank() == first) {
        fmt::print(stderr, "{}\n", message);
        std::fflush(stderr);
    }
    return static_cast<int>(ranks.max(static_cast<std::uint64_t>(status)));
}

void add_build_fields(Fingerprint& f, const BuildInfo& build) {
    f.add("program", fmt::format("govsim {}", build.version));
    f.add("commit", fmt::format("{}{}{}", build.git_commit, build.git_dirty ? " dirty " : "",
                                build.git_diff_checksum));
    f.add("build type", build.build_type);
}

/// What an experiment's results depend on: checkpoints are reused, and shards merged, only
/// under an equal one.
Fingerprint fingerprint_of(const Experiment& experiment, const ExperimentPlan& plan,
                           const BuildInfo& build) {
    Fingerprint f;
    add_build_fields(f, build);
    f.add("seed", std::to_string(plan.seed()));
    f.add("replicates", std::to_string(plan.replicates()));
    f.add("runs", std::to_string(plan.runs()));
    f.add("dispute records", plan.record_disputes() ? "yes" : "no");
    for (const auto& source : experiment.sources)
        f.add_text("file " + source.file, source.text);
    for (const auto& o : experiment.overrides)
        f.add("--set", o);
    const ExperimentDesign& d = experiment.design;
    if (!d.empty()) {
        // The points themselves (not only the [design] text, which the files cover): the code
        // that generates them may change.
        std::string points;
        for (std::size_t p = 0; p < d.values.size(); ++p)
            points += fmt::format("{}\n", fmt::join(d.values[p], " "));
        f.add("design",
              fmt::format("{} seed {} samples {} levels {} factors {} points {}", d.kind, d.seed,
                          d.samples, d.levels, d.parameters.size(), d.values.size()));
        f.add_text("design points", points);
    }
    return f;
}

std::vector<fs::path> input_paths(const std::vector<sim::ConfigSource>& sources) {
    std::vector<fs::path> inputs;
    for (const auto& source : sources)
        inputs.emplace_back(source.file);
    return inputs;
}

std::string csv_for(const std::string& out_path, const std::string& csv_path) {
    return csv_path.empty() ? fs::path(out_path).replace_extension(".csv").string() : csv_path;
}

std::string working_directory() {
    std::error_code error;
    return fs::current_path(error).string();
}

/// "0-99, 150-169": sorted indices as ranges.
std::string ranges(const std::vector<std::size_t>& indices) {
    std::string out;
    for (std::size_t k = 0; k < indices.size();) {
        std::size_t j = k;
        while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1)
            ++j;
        if (!out.empty())
            out += ", ";
        out +=
            j == k ? fmt::format("{}", indices[k]) : fmt::format("{}-{}", indices[k], indices[j]);
        k = j + 1;
    }
    return out;
}

/// The command line without `--shard k/n` (a merged file's command is the whole experiment's).
std::string without_shard(const std::string& command_line) {
    std::vector<std::string> argv = sim::split_command(command_line);
    std::vector<std::string> kept;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        if (argv[i] == "--shard") {
            ++i;
            continue;
        }
        if (argv[i].rfind("--shard=", 0) == 0)
            continue;
        kept.push_back(argv[i]);
    }
    return sim::join_command(kept);
}

/// The CSV beside a results file: the comparison; for an experiment with a design (which has
/// no comparison), the /runs table.
void write_csv_of(const std::string& results, const Provenance& prov, RunReport& r,
                  const std::string& csv_path) {
    if (prov.design.empty()) {
        r.comparison = compare_models(r.summaries);
        sim::write_text_file(csv_path, comparison_csv(r.comparison));
    } else {
        export_csv(results, "runs", csv_path);
    }
}

} // namespace

std::vector<sim::Override> parse_overrides(const std::vector<std::string>& texts) {
    std::vector<sim::Override> out;
    for (const auto& text : texts)
        out.push_back(sim::parse_override(text, "--set " + text));
    return out;
}

void export_csv(const std::string& results, const std::string& table, const std::string& csv_path) {
    sim::check_output_path(csv_path);
    const sim::ResultsReader in(results);
    const std::string dataset = table.rfind('/', 0) == 0 ? table : "/" + table;
    const std::vector<std::string> datasets = in.datasets();
    if (std::find(datasets.begin(), datasets.end(), dataset) == datasets.end())
        throw std::invalid_argument(fmt::format("'{}' has no table '{}'; its tables are {}",
                                                results, table, fmt::join(datasets, ", ")));
    const fs::path temp = csv_path + ".tmp-" + std::to_string(::getpid());
    std::FILE* out = std::fopen(temp.c_str(), "wb");
    if (out == nullptr)
        throw sim::OutputError(
            fmt::format("cannot write '{}': {}", csv_path, sim::system_reason(errno)));
    try {
        in.write_csv(dataset, [&](std::string_view piece) {
            if (std::fwrite(piece.data(), 1, piece.size(), out) != piece.size())
                throw sim::OutputError(
                    fmt::format("cannot write '{}': {}", csv_path, sim::system_reason(errno)));
        });
        const int closed = std::fclose(out);
        out = nullptr;
        if (closed != 0)
            throw sim::OutputError(
                fmt::format("cannot write '{}': {}", csv_path, sim::system_reason(errno)));
        std::error_code error;
        fs::rename(temp, csv_path, error);
        if (error)
            throw sim::OutputError(fmt::format("cannot write '{}': {}", csv_path, error.message()));
    } catch (...) {
        if (out != nullptr)
            std::fclose(out);
        std::error_code ignored;
        fs::remove(temp, ignored);
        throw;
    }
}

// ---------------------------------------------------------------------------------------------
// run

int run_job(const RunJob& job, const BuildInfo& build, const sim::Ranks& ranks, RunReport* report) {
    // 1. Every rank: the experiment, the plan, and this process's runs: those of its shard
    //    (all when there is none), dealt round-robin over the ranks.
    std::optional<Experiment> experiment;
    std::optional<ExperimentPlan> plan;
    std::size_t part = 0, parts = 1;
    std::vector<std::size_t> share, mine;
    Fingerprint fingerprint;
    const std::string csv_path = csv_for(job.out_path, job.csv_path);
    if (auto s = step(ranks, false, [&] {
            experiment =
                load_experiment(job.scenario_path, job.reader, parse_overrides(job.overrides));
            const Scenario& first = experiment->scenarios.front();
            const std::uint32_t replicates = job.replicates.value_or(first.run.replicates);
            if (static_cast<double>(experiment->scenarios.size()) * replicates >
                static_cast<double>(limits::max_runs))
                throw std::invalid_argument(fmt::format(
                    "{} scenarios x {} replicates are more than the limit of {} runs (see "
                    "'Engineering limits' in docs/scenarios.md)",
                    experiment->scenarios.size(), replicates, limits::max_runs));
            plan.emplace(experiment->scenarios, job.seed.value_or(first.run.seed), replicates,
                         job.record_disputes);
            if (!job.shard.empty())
                std::tie(part, parts) = parse_shard(job.shard);
            share = sim::indices_of(plan->runs(), {part, parts});
            for (std::size_t k = static_cast<std::size_t>(ranks.rank()); k < share.size();
                 k += static_cast<std::size_t>(ranks.size()))
                mine.push_back(share[k]);
            fingerprint = fingerprint_of(*experiment, *plan, build);
        }))
        return *s;
    const bool sharded = !job.shard.empty();

    // 2. The root: outputs that can be written and destroy nothing, and the store of finished
    //    runs, locked, with the temporary files of killed processes removed.
    std::optional<Checkpoint> store;
    const fs::path folder = Checkpoint::folder_for(job.out_path);
    if (auto s = step(ranks, true, [&] {
            sim::check_output_path(job.out_path);
            std::vector<sim::NamedPath> outputs{
                {sharded ? "the shard file" : "the results file", job.out_path}};
            if (!sharded) {
                sim::check_output_path(csv_path);
                outputs.push_back({job.csv_path.empty()
                                       ? "the CSV table (the results path with .csv)"
                                       : "the CSV table",
                                   csv_path});
            }
            sim::check_distinct_paths(outputs, input_paths(experiment->sources));
            store.emplace(folder, fingerprint);
            sim::remove_temporaries(job.out_path);
            if (!sharded)
                sim::remove_temporaries(csv_path);
        }))
        return *s;
    // 3. The other ranks: the root's store.
    if (auto s = step(ranks, false, [&] {
            if (!ranks.root())
                store.emplace(folder, fingerprint, Checkpoint::Role::Worker);
        }))
        return *s;

    // 4. Every rank: its saved runs checked (damaged ones are run again), the rest run.
    const sim::ThreadLimit limit(job.threads);
    std::vector<std::size_t> reused, to_run;
    if (auto s = step(ranks, false, [&] {
            const auto saved = check_saved(*plan, mine, *store);
            for (const auto& [index, problem] : saved.damaged)
                fmt::print(stderr, "warning: the saved {} is damaged and will be run again: {}\n",
                           describe_run(plan->key(index)), problem);
            reused = saved.sound;
            std::set_difference(mine.begin(), mine.end(), reused.begin(), reused.end(),
                                std::back_inserter(to_run));
        }))
        return *s;
    const std::uint64_t reused_total = ranks.sum(reused.size());
    if (ranks.root() && reused_total > 0 && !job.quiet)
        fmt::print(stderr, "resuming: {} of {} runs reused from {}{}; {} to run\n", reused_total,
                   share.size(), folder.string(),
                   ranks.size() == 1 ? fmt::format(" (runs {})", ranges(reused)) : std::string(),
                   share.size() - reused_total);
    const auto start = std::chrono::steady_clock::now();
    if (auto s = step(ranks, false, [&] {
            ExperimentOptions options;
            options.progress =
                ranks.root() ? sim::progress_mode(!job.quiet) : sim::Progress::Mode::Off;
            options.progress_interval_seconds = job.progress_seconds;
            options.progress_label = experiment->name;
            if (sharded)
                options.progress_label += fmt::format(" (shard {}/{})", part + 1, parts);
            if (ranks.size() > 1)
                options.progress_label +=
                    fmt::format(" (rank 0 of {}: its own runs)", ranks.size());
            options.checkpoint = &*store;
            run_runs(*plan, to_run, options, {});
        }))
        return *s;
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    // 5. The root: the results file (or shard file), streamed from the store; then the store
    //    goes.
    if (auto s = step(ranks, true, [&] {
            Provenance prov;
            prov.scenario_path = job.scenario_path;
            prov.scenario_text = experiment->source_text;
            prov.scenario_name = experiment->name;
            prov.start_year = experiment->scenarios.front().run.start_year;
            prov.warmup_years = experiment->scenarios.front().run.warmup_years;
            prov.files = experiment->sources;
            prov.command_line = sim::join_command(job.argv);
            prov.working_directory = working_directory();
            prov.version = build.version_with_commit();
            prov.git_commit = build.git_commit;
            prov.git_dirty = build.git_dirty;
            prov.build_type = build.build_type;
            prov.created_utc = utc_now();
            prov.seed = plan->seed();
            prov.threads =
                static_cast<std::uint32_t>(job.threads > 0 ? job.threads : sim::default_threads());
            prov.ranks = static_cast<std::uint32_t>(ranks.size());
            prov.shards = static_cast<std::uint32_t>(parts);
            prov.replicates = plan->replicates();
            prov.scenarios_per_point = experiment->scenarios_per_point();
            prov.overrides = experiment->overrides;
            prov.design = experiment->design;
            RunReport r;
            r.scenarios = experiment->scenarios.size();
            r.runs_here = share.size();
            r.wall_seconds = wall;
            if (sharded) {
                write_shard(job.out_path, prov, *plan, share, part, parts, *store);
                r.written = fmt::format("shard {}/{} written to {}; when every shard is done, "
                                        "merge them: govsim merge -o RESULTS.h5 SHARD...",
                                        part + 1, parts, job.out_path);
            } else {
                const StoredRuns stored(*plan, *store);
                r.summaries = write_results(job.out_path, prov, stored, plan->record_disputes(),
                                            &r.findings, job.disputes_deflate);
                write_csv_of(job.out_path, prov, r, csv_path);
                r.written = fmt::format("results written to {} and {}", job.out_path, csv_path);
            }
            store->remove();
            if (report)
                *report = std::move(r);
        }))
        return *s;
    return exit_ok;
}

// ---------------------------------------------------------------------------------------------
// merge

int merge_job(const MergeJob& job, const BuildInfo& build, const sim::Ranks& ranks,
              RunReport* report) {
    const std::string csv_path = csv_for(job.out_path, job.csv_path);
    if (auto s = step(ranks, true, [&] {
            sim::check_output_path(job.out_path);
            sim::check_output_path(csv_path);
            std::vector<fs::path> inputs(job.shards.begin(), job.shards.end());
            sim::check_distinct_paths(
                {{"the results file", job.out_path},
                 {job.csv_path.empty() ? "the CSV table (the results path with .csv)"
                                       : "the CSV table",
                  csv_path}},
                inputs);
            const ShardRuns source(job.shards);
            // Merged results are those one process of this build would write: the shards must
            // come from this build.
            Fingerprint mine;
            add_build_fields(mine, build);
            for (const auto& [name, value] : mine.fields()) {
                const auto& theirs = source.fingerprint().fields();
                const auto it =
                    std::find_if(theirs.begin(), theirs.end(),
                                 [&name = name](const auto& f) { return f.first == name; });
                if (it == theirs.end() || it->second != value)
                    throw std::invalid_argument(fmt::format(
                        "the shards were run by another build (their {} is {}, this govsim's "
                        "{}): merge them with the program that ran them",
                        name, it == theirs.end() ? std::string("(none)") : it->second, value));
            }
            const fs::path folder = Checkpoint::folder_for(job.out_path);
            fs::create_directories(folder);
            std::optional<sim::OutputLock> lock;
            lock.emplace(folder / "lock", job.out_path);
            sim::remove_temporaries(job.out_path);
            sim::remove_temporaries(csv_path);

            Provenance prov = source.provenance();
            prov.command_line = without_shard(prov.command_line);
            prov.shards = static_cast<std::uint32_t>(source.parts());
            prov.ranks = source.max_ranks();
            prov.threads = source.max_threads();
            prov.created_utc = utc_now();
            const auto start = std::chrono::steady_clock::now();
            RunReport r;
            r.summaries = write_results(job.out_path, prov, source, source.record_disputes(),
                                        &r.findings, job.disputes_deflate);
            write_csv_of(job.out_path, prov, r, csv_path);
            r.runs_here = source.runs();
            r.wall_seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            r.written = fmt::format("{} shards merged into {} and {}", source.parts(), job.out_path,
                                    csv_path);
            // The lock goes, and its folder if nothing else is in it (a run's saved runs stay).
            lock.reset();
            std::error_code ignored;
            fs::remove(folder / "lock", ignored);
            fs::remove(folder, ignored);
            if (report)
                *report = std::move(r);
        }))
        return *s;
    return exit_ok;
}

// ---------------------------------------------------------------------------------------------
// reproduce

int reproduce_job(const ReproduceJob& job, const BuildInfo& build, const sim::Ranks& ranks,
                  const std::function<RunJob(const std::vector<std::string>&)>& parse_run) {
    RunJob rerun;
    fs::path folder;
    std::map<std::string, std::string> copies; // recorded path -> rebuilt file
    std::size_t recorded_datasets = 0;
    if (auto s = step(ranks, false, [&] {
            if (ranks.size() > 1)
                throw std::invalid_argument("govsim reproduce reruns in one process: run it "
                                            "without mpirun");
            const sim::ResultsReader in(job.results_path);
            if (in.has_attribute("format") && in.string_attribute("format") == shard_format)
                throw std::invalid_argument(fmt::format(
                    "'{}' is a shard file: merge the shards (govsim merge), then reproduce the "
                    "merged file",
                    job.results_path));
            if (!in.has_attribute("format") || in.string_attribute("format") != results_format)
                throw std::invalid_argument(
                    fmt::format("'{}' is not a govsim results file", job.results_path));
            const Provenance prov = read_provenance(in);
            if (prov.files.empty())
                throw std::invalid_argument(fmt::format(
                    "'{}' records no scenario files (/scenario_files; written by an older "
                    "govsim): it cannot be rebuilt",
                    job.results_path));
            recorded_datasets = in.datasets().size();
            // A new folder: the one asked for (new or empty), or a fresh temporary one.
            if (job.folder.empty()) {
                std::string name = (fs::temp_directory_path() / "govsim-reproduce-XXXXXX").string();
                if (::mkdtemp(name.data()) == nullptr)
                    throw sim::OutputError(fmt::format("cannot create a folder in '{}': {}",
                                                       fs::temp_directory_path().string(),
                                                       sim::system_reason(errno)));
                folder = name;
            } else {
                folder = job.folder;
                std::error_code error;
                if (fs::exists(folder, error) &&
                    (!fs::is_directory(folder, error) || !fs::is_empty(folder, error)))
                    throw sim::OutputError(fmt::format(
                        "'{}' exists and is not an empty folder: give a new one", job.folder));
                fs::create_directories(folder, error);
                if (error)
                    throw sim::OutputError(
                        fmt::format("cannot create '{}': {}", job.folder, error.message()));
            }
            const std::string tree = (folder / "scenario").string();
            for (const auto& file : prov.files) {
                const std::string copy = rebuilt_path(tree, file.file);
                fs::create_directories(fs::path(copy).parent_path());
                sim::write_new_file(copy, file.text);
                copies[file.file] = copy;
            }
            const std::vector<std::string> argv = sim::split_command(prov.command_line);
            rerun = parse_run(argv);
            rerun.shard.clear(); // the whole experiment, whatever shard the file came from
            rerun.out_path = (folder / "results.h5").string();
            rerun.csv_path = (folder / "results.csv").string();
            rerun.threads = job.threads;
            rerun.quiet = true;
            rerun.argv = argv;
            rerun.reader = [copies](const std::string& path) {
                const auto it = copies.find(path);
                if (it == copies.end())
                    throw sim::ConfigError::with_message(
                        path, {1, 1}, {}, "not among the files the results file records");
                return sim::read_text_file(it->second);
            };
            if (!job.quiet) {
                fmt::print("rebuilt the {} scenario file{} of {} in {}\n", prov.files.size(),
                           prov.files.size() == 1 ? "" : "s", job.results_path, tree);
                if (prov.git_commit != build.git_commit || prov.git_dirty != build.git_dirty)
                    fmt::print("note: the file was written by govsim {}, this is {}: the code "
                               "differs, so the results may too\n",
                               prov.version, build.version_with_commit());
                fmt::print("rerunning: {}\n", prov.command_line);
                std::fflush(stdout);
            }
        }))
        return *s;

    RunReport report;
    if (const int status = run_job(rerun, build, ranks, &report); status != exit_ok)
        return status;
    std::vector<sim::DatasetDifference> differences;
    if (auto s = step(ranks, false, [&] {
            differences = sim::compare_datasets(job.results_path, rerun.out_path, time_fields());
        }))
        return *s;
    if (differences.empty()) {
        // A temporary folder holds only what is now known to be identical to the original:
        // nothing to look at, so it goes (a folder given with --folder stays).
        std::error_code error;
        const bool removed = job.folder.empty() && fs::remove_all(folder, error) > 0 && !error;
        fmt::print("reproduced: every dataset of {} ({}) is bit-identical in the rerun {} (time "
                   "fields not compared: /runs.wall_seconds){}\n",
                   job.results_path, recorded_datasets, rerun.out_path,
                   removed ? "; its temporary folder is removed (--folder keeps one)" : "");
        return exit_ok;
    }
    fmt::print("NOT reproduced: {} dataset{} of {} differ{} in the rerun {}:\n", differences.size(),
               differences.size() == 1 ? "" : "s", job.results_path,
               differences.size() == 1 ? "s" : "", rerun.out_path);
    for (const auto& d : differences)
        fmt::print("  {}: {}\n", d.dataset, d.what);
    return exit_differs;
}

} // namespace govsim::models
