#include "models/calibration.hpp"

#include "models/experiment.hpp"
#include "models/scenario_loader.hpp"
#include "sim/config.hpp"
#include "sim/random.hpp"
#include "sim/results_file.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fmt/core.h>
#include <map>
#include <sstream>
#include <stdexcept>
#include <toml++/toml.h>

namespace govsim::models {

namespace {

constexpr std::uint64_t purpose_batch_seed = 0xCA11'B8A7'E000'0001ULL;

std::vector<std::string> split_key(const std::string& key) {
    std::vector<std::string> parts;
    std::string part;
    for (const char c : key) {
        if (c == '.') {
            parts.push_back(part);
            part.clear();
        } else {
            part += c;
        }
    }
    parts.push_back(part);
    return parts;
}

/// Sets `value` at the dotted `key` of `root`, creating tables on the way. Returns false if a
/// non-table value sits on the path.
bool set_key(toml::table& root, const std::string& key, double value) {
    const auto parts = split_key(key);
    toml::table* t = &root;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        toml::node* n = t->get(parts[i]);
        if (n == nullptr) {
            t->insert(parts[i], toml::table{});
            n = t->get(parts[i]);
        }
        t = n->as_table();
        if (t == nullptr)
            return false;
    }
    t->insert_or_assign(parts.back(), value);
    return true;
}

std::string without_calibration(std::string_view text, const std::string& path) {
    toml::table t = sim::ConfigComposer::parse(text, path);
    t.erase("calibration");
    std::ostringstream out;
    out << toml::toml_formatter{t};
    return out.str();
}

std::string particle_name(const CalibrationSpec& spec) {
    return spec.path + " (particle)";
}

} // namespace

CalibrationSpec parse_calibration(std::string_view text, const std::string& path) {
    CalibrationSpec spec;
    spec.path = path;
    spec.source_text = std::string(text);
    const auto doc = sim::ConfigDocument::parse(text, path);
    auto root = doc.root();
    auto cal = root.table("calibration");
    spec.replicates = cal.count("replicates", 1);
    spec.abc.seed = cal.unsigned_integer("seed");
    spec.abc.particles = cal.count("particles", 2);
    spec.abc.generations = cal.count("generations", 0);
    spec.abc.tolerance_quantile =
        cal.number("tolerance_quantile", sim::NumberRange{0, 1, true, true, "a number in (0, 1)"});
    spec.abc.final_tolerance = cal.non_negative("final_tolerance");
    spec.abc.min_acceptance = cal.probability("min_acceptance");
    spec.abc.batch_size = cal.count("batch_size", 1);
    spec.abc.max_batches_per_generation = cal.count("max_batches_per_generation", 1);
    if (cal.contains("fragment_includes"))
        for (const auto& f : cal.strings("fragment_includes"))
            spec.fragment_includes.push_back(sim::ConfigComposer::resolve(path, f));

    auto targets = cal.tables("targets");
    if (targets.empty())
        throw cal.error("targets", "at least one [[calibration.targets]] entry", "none");
    std::vector<sim::SourceLocation> year_locations;
    for (auto& t : targets) {
        spec.target_years.push_back(static_cast<int>(t.integer("year", 1990, 2150)));
        spec.target_complaints.push_back(
            t.number("complaints", sim::NumberRange{0, HUGE_VAL, true, false, "a number > 0"}));
        year_locations.push_back(t.location());
        t.finish();
    }

    auto params = cal.tables("parameters");
    if (params.empty())
        throw cal.error("parameters", "at least one [[calibration.parameters]] entry", "none");
    for (auto& p : params) {
        FreeParameter fp;
        fp.key = p.string("key");
        const std::string prior = p.string("prior");
        if (prior == "uniform") {
            fp.prior = analysis::PriorKind::Uniform;
        } else if (prior == "log-uniform") {
            fp.prior = analysis::PriorKind::LogUniform;
        } else {
            throw p.error("prior", "\"uniform\" or \"log-uniform\"", "\"" + prior + "\"");
        }
        fp.lower = p.number("lower");
        fp.upper = p.number("upper");
        if (!(fp.upper > fp.lower))
            throw p.error("upper", "a number > lower (" + sim::format_number(fp.lower) + ")",
                          sim::format_number(fp.upper));
        if (fp.prior == analysis::PriorKind::LogUniform && !(fp.lower > 0))
            throw p.error("lower", "a number > 0 for a log-uniform prior",
                          sim::format_number(fp.lower));
        for (const auto& other : spec.parameters)
            if (other.key == fp.key)
                throw p.error("key", "a key not already calibrated", "\"" + fp.key + "\" again");
        p.finish();
        spec.parameters.push_back(fp);
    }
    cal.finish();

    spec.scenario_text = without_calibration(text, path);
    spec.base = parse_scenario(spec.scenario_text, path + " (without [calibration])");
    for (std::size_t k = 0; k < spec.target_years.size(); ++k) {
        const int y = spec.target_years[k];
        if (y < spec.base.run.start_year || y >= spec.base.run.start_year + spec.base.run.years)
            throw targets[k].error("year",
                                   fmt::format("a year the scenario runs ({} to {})",
                                               spec.base.run.start_year,
                                               spec.base.run.start_year + spec.base.run.years - 1),
                                   std::to_string(y));
    }
    // Every key must be a number the scenario accepts at both ends of its prior.
    for (const bool upper : {false, true}) {
        std::vector<double> theta;
        for (const auto& fp : spec.parameters)
            theta.push_back(upper ? fp.upper : fp.lower);
        try {
            (void)particle_scenario(spec, theta);
        } catch (const sim::ConfigError& e) {
            std::size_t culprit = 0;
            for (std::size_t i = 0; i < spec.parameters.size(); ++i)
                if (e.key() == spec.parameters[i].key)
                    culprit = i;
            throw params[culprit].error(
                upper ? "upper" : "lower", "a value the scenario accepts at every free key",
                fmt::format("{} rejected by the scenario: {}",
                            upper ? "upper bounds" : "lower bounds", e.what()));
        }
    }
    return spec;
}

CalibrationSpec load_calibration(const std::string& path) {
    return parse_calibration(sim::read_text_file(path), path);
}

std::string particle_text(const CalibrationSpec& spec, std::span<const double> theta) {
    if (theta.size() != spec.parameters.size())
        throw std::invalid_argument("particle_text: wrong number of parameter values");
    toml::table t = sim::ConfigComposer::parse(spec.scenario_text, particle_name(spec));
    for (std::size_t i = 0; i < theta.size(); ++i)
        if (!set_key(t, spec.parameters[i].key, theta[i]))
            throw sim::ConfigError(spec.path, {}, spec.parameters[i].key,
                                   "a key path through tables", "a non-table value on the path");
    std::ostringstream out;
    out << "# particle of " << spec.path << "\n" << toml::toml_formatter{t} << "\n";
    return out.str();
}

Scenario particle_scenario(const CalibrationSpec& spec, std::span<const double> theta) {
    return parse_scenario(particle_text(spec, theta), particle_name(spec));
}

std::vector<double> complaint_summary(const CalibrationSpec& spec,
                                      std::span<const RunResult> runs) {
    std::vector<double> out;
    for (const int year : spec.target_years) {
        double sum = 0;
        std::size_t n = 0;
        for (const auto& r : runs)
            for (const auto& y : r.years)
                if (y.year == year) {
                    sum += static_cast<double>(y.stats.complaints);
                    ++n;
                }
        out.push_back(n > 0 ? sum / static_cast<double>(n) : std::nan(""));
    }
    return out;
}

std::vector<std::vector<double>> simulate_particles(const CalibrationSpec& spec,
                                                    const std::vector<std::vector<double>>& thetas,
                                                    std::uint64_t seed) {
    std::vector<Scenario> scenarios;
    scenarios.reserve(thetas.size());
    for (const auto& theta : thetas)
        scenarios.push_back(particle_scenario(spec, theta));
    ExperimentOptions options;
    options.seed = seed;
    options.replicates = spec.replicates;
    const auto runs = run_experiment(scenarios, options);
    std::vector<std::vector<double>> out;
    for (std::size_t i = 0; i < thetas.size(); ++i)
        out.push_back(complaint_summary(
            spec, std::span<const RunResult>(runs).subspan(i * spec.replicates, spec.replicates)));
    return out;
}

CalibrationResult calibrate(const CalibrationSpec& spec, bool progress) {
    std::vector<analysis::AbcParameter> parameters;
    for (const auto& fp : spec.parameters)
        parameters.push_back({fp.key, fp.prior, fp.lower, fp.upper});
    CalibrationResult result;
    const auto start = std::chrono::steady_clock::now();
    const analysis::AbcModel model = [&](const std::vector<std::vector<double>>& thetas,
                                         std::size_t generation, std::size_t batch) {
        result.runs += thetas.size() * spec.replicates;
        const std::uint64_t seed =
            sim::stream_seed(spec.abc.seed, generation, batch, purpose_batch_seed) >> 1;
        return simulate_particles(spec, thetas, seed);
    };
    const analysis::AbcProgress report = [&](const analysis::AbcGeneration& g) {
        if (!progress)
            return;
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        fmt::print(stderr,
                   "generation {}: tolerance {:.4f}, accepted {} of {} simulated, ESS {:.1f} "
                   "({:.0f} s)\n",
                   g.index, g.tolerance, g.accepted, g.simulated, g.effective_sample_size, s);
    };
    result.abc = analysis::abc_smc(parameters, spec.target_complaints, model, spec.abc,
                                   analysis::relative_euclidean_distance, report);
    result.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

namespace {

struct Row {
    const analysis::AbcGeneration* generation;
    std::size_t particle;
};

sim::Table particle_table(const CalibrationSpec& spec, const std::vector<Row>& rows) {
    sim::Table t(rows.size());
    t.column("generation", [&rows](std::size_t r) {
        return static_cast<std::uint32_t>(rows[r].generation->index);
    });
    t.column("particle",
             [&rows](std::size_t r) { return static_cast<std::uint32_t>(rows[r].particle); });
    t.column("weight", [&rows](std::size_t r) {
        return rows[r].generation->particles[rows[r].particle].weight;
    });
    t.column("distance", [&rows](std::size_t r) {
        return rows[r].generation->particles[rows[r].particle].distance;
    });
    for (std::size_t i = 0; i < spec.parameters.size(); ++i)
        t.column(spec.parameters[i].key, [&rows, i](std::size_t r) {
            return rows[r].generation->particles[rows[r].particle].theta[i];
        });
    for (std::size_t k = 0; k < spec.target_years.size(); ++k)
        t.column(fmt::format("complaints_{}", spec.target_years[k]), [&rows, k](std::size_t r) {
            return rows[r].generation->particles[rows[r].particle].summaries[k];
        });
    return t;
}

std::string targets_text(const CalibrationSpec& spec) {
    std::string s;
    for (std::size_t k = 0; k < spec.target_years.size(); ++k)
        s += fmt::format("{}{}: {}", k ? ", " : "", spec.target_years[k],
                         sim::format_number(spec.target_complaints[k]));
    return s;
}

std::vector<double> weighted_summary_mean(const CalibrationSpec& spec,
                                          const analysis::AbcGeneration& g) {
    std::vector<double> m(spec.target_years.size(), 0.0);
    for (const auto& p : g.particles)
        for (std::size_t k = 0; k < m.size(); ++k)
            m[k] += p.weight * p.summaries[k];
    return m;
}

} // namespace

void write_calibration(const std::string& path, const CalibrationSpec& spec,
                       const CalibrationResult& result, const CalibrationProvenance& provenance) {
    sim::ResultsFile file(path);
    const auto& abc = result.abc;
    std::vector<Row> posterior, all;
    for (std::size_t j = 0; j < abc.posterior().particles.size(); ++j)
        posterior.push_back({&abc.posterior(), j});
    for (const auto& g : abc.generations)
        for (std::size_t j = 0; j < g.particles.size(); ++j)
            all.push_back({&g, j});
    auto post = particle_table(spec, posterior);
    post.attribute("description", "the posterior sample: the last ABC-SMC generation; weights "
                                  "sum to 1; complaints_<year> is the particle's mean over "
                                  "its replicates");
    file.write_table("posterior", post);
    file.write_table("particles", particle_table(spec, all));
    const auto& gens = abc.generations;
    sim::Table g(gens.size());
    g.column("generation",
             [&gens](std::size_t r) { return static_cast<std::uint32_t>(gens[r].index); });
    g.column("tolerance", [&gens](std::size_t r) { return gens[r].tolerance; });
    g.column("simulated",
             [&gens](std::size_t r) { return static_cast<std::uint64_t>(gens[r].simulated); });
    g.column("accepted",
             [&gens](std::size_t r) { return static_cast<std::uint64_t>(gens[r].accepted); });
    g.column("effective_sample_size",
             [&gens](std::size_t r) { return gens[r].effective_sample_size; });
    file.write_table("generations", g);

    file.set_attribute("method", "ABC-SMC (Toni et al. 2009; Beaumont et al. 2009): adaptive "
                                 "tolerance, Gaussian kernel with twice the weighted variance");
    file.set_attribute("distance", "sqrt(sum over target years of ((simulated - target) / "
                                   "target)^2), simulated = mean complaints over replicates");
    file.set_attribute("targets", targets_text(spec));
    file.set_attribute("calibration_path", spec.path);
    file.set_attribute("calibration_text", spec.source_text);
    file.set_attribute("scenario_text", spec.base.source_text);
    file.set_attribute("seed", spec.abc.seed);
    file.set_attribute("replicates", spec.replicates);
    file.set_attribute("particles", static_cast<std::uint64_t>(spec.abc.particles));
    file.set_attribute("simulations", static_cast<std::uint64_t>(abc.simulations()));
    file.set_attribute("runs", static_cast<std::uint64_t>(result.runs));
    file.set_attribute("wall_seconds", result.wall_seconds);
    file.set_attribute("stop_reason", abc.stop_reason);
    file.set_attribute("version", provenance.version);
    file.set_attribute("command_line", provenance.command_line);
    file.set_attribute("created_utc", provenance.created_utc);
    for (std::size_t i = 0; i < spec.parameters.size(); ++i) {
        file.set_attribute("posterior_mean." + spec.parameters[i].key, abc.posterior_mean(i));
        file.set_attribute("posterior_sd." + spec.parameters[i].key, abc.posterior_sd(i));
    }
    file.commit();
}

std::string calibration_fragment(const CalibrationSpec& spec, const CalibrationResult& result,
                                 const std::string& fragment_path,
                                 const CalibrationProvenance& provenance) {
    namespace fs = std::filesystem;
    const auto& abc = result.abc;
    const auto& post = abc.posterior();
    std::string s;
    s +=
        "# Calibrated parameters: written by `govsim calibrate` — do not edit by hand; rerun it.\n";
    s += fmt::format("# Calibration file: {}\n", spec.path);
    s += fmt::format("# Created: {} (govsim {})\n", provenance.created_utc, provenance.version);
    s += fmt::format("# Command: {}\n", provenance.command_line);
    s += fmt::format("# Targets [FACT] (complaints about property compounds): {}\n",
                     targets_text(spec));
    const auto fit = weighted_summary_mean(spec, post);
    s += "# Fit (posterior-weighted mean of the particles' mean complaints): ";
    for (std::size_t k = 0; k < fit.size(); ++k)
        s += fmt::format("{}{}: {:.1f}", k ? ", " : "", spec.target_years[k], fit[k]);
    s += fmt::format("\n# ABC-SMC: {} particles, {} replicates each, {} generations after the "
                     "prior, final tolerance {:.4f} (relative Euclidean distance), {} simulations; "
                     "stopped: {}\n",
                     spec.abc.particles, spec.replicates, abc.generations.size() - 1,
                     post.tolerance, abc.simulations(), abc.stop_reason);
    s += "# Values are the weighted POSTERIOR MEANS; each line gives the posterior sd and the "
         "5%-95%\n"
         "# interval. [A, calibrated] assumptions fitted to Lishui's complaints "
         "(docs/calibration.md).\n";
    if (!spec.fragment_includes.empty()) {
        const fs::path folder = fs::absolute(fs::path(fragment_path)).parent_path();
        s += "\ninclude = [";
        for (std::size_t i = 0; i < spec.fragment_includes.size(); ++i) {
            const auto rel = fs::absolute(spec.fragment_includes[i])
                                 .lexically_normal()
                                 .lexically_relative(folder);
            s += fmt::format("{}\"{}\"", i ? ", " : "", rel.generic_string());
        }
        s += "]\n";
    }
    // Group keys by their table, in order of first appearance.
    std::vector<std::string> tables;
    std::map<std::string, std::vector<std::size_t>> members;
    for (std::size_t i = 0; i < spec.parameters.size(); ++i) {
        const auto& key = spec.parameters[i].key;
        const auto dot = key.rfind('.');
        const std::string table = dot == std::string::npos ? "" : key.substr(0, dot);
        if (!members.contains(table))
            tables.push_back(table);
        members[table].push_back(i);
    }
    for (const auto& table : tables) {
        s += table.empty() ? "\n" : fmt::format("\n[{}]\n", table);
        for (const std::size_t i : members[table]) {
            const auto& fp = spec.parameters[i];
            const auto dot = fp.key.rfind('.');
            const std::string name = dot == std::string::npos ? fp.key : fp.key.substr(dot + 1);
            s += fmt::format("{} = {:.6g}   # [A, calibrated] sd {:.3g}, 90% [{:.4g}, {:.4g}]; "
                             "prior {} [{}, {}]\n",
                             name, abc.posterior_mean(i), abc.posterior_sd(i),
                             abc.posterior_quantile(i, 0.05), abc.posterior_quantile(i, 0.95),
                             fp.prior == analysis::PriorKind::Uniform ? "uniform" : "log-uniform",
                             sim::format_number(fp.lower), sim::format_number(fp.upper));
        }
    }
    return s;
}

std::string calibration_report(const CalibrationSpec& spec, const CalibrationResult& result) {
    const auto& abc = result.abc;
    std::string s =
        fmt::format("\nCalibration of {}: {} simulations ({} runs) in {:.1f} s; {}\n", spec.path,
                    abc.simulations(), result.runs, result.wall_seconds, abc.stop_reason);
    s += fmt::format("{:>4} {:>10} {:>10} {:>9} {:>8}\n", "gen", "tolerance", "simulated",
                     "accepted", "ESS");
    for (const auto& g : abc.generations)
        s += fmt::format("{:>4} {:>10.4f} {:>10} {:>9} {:>8.1f}\n", g.index, g.tolerance,
                         g.simulated, g.accepted, g.effective_sample_size);
    const auto fit = weighted_summary_mean(spec, abc.posterior());
    s += "\ntarget year   target   posterior mean of simulated   best particle\n";
    for (std::size_t k = 0; k < fit.size(); ++k)
        s += fmt::format("{:>11} {:>8} {:>29.1f} {:>15.1f}\n", spec.target_years[k],
                         sim::format_number(spec.target_complaints[k]), fit[k],
                         abc.best().summaries[k]);
    s += "\nparameter                                   mean        sd        5%       95%\n";
    for (std::size_t i = 0; i < spec.parameters.size(); ++i)
        s += fmt::format("{:<40} {:>9.4g} {:>9.3g} {:>9.4g} {:>9.4g}\n", spec.parameters[i].key,
                         abc.posterior_mean(i), abc.posterior_sd(i),
                         abc.posterior_quantile(i, 0.05), abc.posterior_quantile(i, 0.95));
    return s;
}

} // namespace govsim::models
