#include "models/calibration.hpp"

#include "analysis/statistics.hpp"
#include "models/experiment.hpp"
#include "models/limits.hpp"
#include "models/scenario_loader.hpp"
#include "sim/config.hpp"
#include "sim/random.hpp"
#include "sim/results_file.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
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
constexpr std::uint64_t purpose_check_seed = 0xCA11'B8A7'E000'0002ULL;
constexpr std::uint64_t purpose_refine_seed = 0xCA11'B8A7'E000'0003ULL;
constexpr std::uint64_t purpose_refine_proposal = 0xCA11'B8A7'E000'0004ULL;

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

namespace {

/// The [calibration] section of a calibration file; with `section_only`, the scenario it
/// composes is not read (spec.base and spec.scenario_text stay empty) and the prior bounds are
/// not checked against it.
CalibrationSpec read_calibration(std::string_view text, const std::string& path,
                                 bool section_only) {
    CalibrationSpec spec;
    spec.path = path;
    spec.source_text = std::string(text);
    const auto doc = sim::ConfigDocument::parse(text, path);
    auto root = doc.root();
    auto cal = root.table("calibration");
    spec.replicates = cal.count("replicates", 1);
    if (cal.contains("early_replicates")) {
        spec.early_replicates =
            cal.count("early_replicates", 1, spec.replicates, "at most `replicates`");
        spec.early_generations = cal.count("early_generations", 1);
    }
    spec.abc.seed = cal.unsigned_integer("seed");
    spec.abc.particles = cal.count("particles", 2);
    spec.abc.generations = cal.count("generations", 0);
    spec.abc.tolerance_quantile =
        cal.number("tolerance_quantile", sim::NumberRange{0, 1, true, true, "a number in (0, 1)"});
    spec.abc.final_tolerance = cal.non_negative("final_tolerance");
    spec.abc.min_acceptance = cal.probability("min_acceptance");
    spec.abc.batch_size = cal.count("batch_size", 1);
    spec.abc.max_batches_per_generation = cal.count("max_batches_per_generation", 1);
    if (cal.contains("refine_particles"))
        spec.refine_particles = cal.count("refine_particles", 0);
    if (cal.contains("refine_rounds"))
        spec.refine_rounds = cal.count("refine_rounds", 0, 100, "at most 100 rounds");
    if (cal.contains("refine_proposals"))
        spec.refine_proposals = cal.count("refine_proposals", 1);
    if (cal.contains("refine_replicates"))
        spec.refine_replicates =
            cal.count("refine_replicates", 2, limits::max_replicates, limits::hint);
    if (cal.contains("fragment_includes"))
        for (const auto& f : cal.strings("fragment_includes"))
            spec.fragment_includes.push_back(sim::ConfigComposer::resolve(path, f));

    const auto statistic_of = [](sim::ConfigTable& t) {
        const std::string name = t.string("statistic");
        for (std::size_t k = 0; k < pattern_statistic_count; ++k)
            if (pattern_statistic_names[k] == name)
                return static_cast<PatternStatistic>(k);
        std::string expected = "one of";
        for (const auto n : pattern_statistic_names)
            expected += fmt::format(" \"{}\"", n);
        throw t.error("statistic", expected, "\"" + name + "\"");
    };
    const auto provenance = [](sim::ConfigTable& t, Pattern& p) {
        p.source = t.string("source");
        p.reliability = t.string("reliability");
        if (t.contains("weight"))
            p.weight = t.non_negative("weight");
    };
    std::vector<sim::ConfigTable> pattern_tables;
    auto targets = cal.tables("targets");
    if (targets.empty())
        throw cal.error("targets", "at least one [[calibration.targets]] entry", "none");
    for (auto& t : targets) {
        Pattern p;
        p.target = true;
        p.first_year = p.last_year = static_cast<int>(t.integer("year", 1990, 2150));
        p.lower = p.upper =
            t.number("complaints", sim::NumberRange{0, HUGE_VAL, true, false, "a number > 0"});
        p.name = fmt::format("complaints_{}", p.first_year);
        p.tolerance =
            t.number("tolerance", sim::NumberRange{0, 1, true, true, "a number in (0, 1)"});
        p.scale = p.tolerance * p.lower;
        provenance(t, p);
        t.finish();
        spec.patterns.push_back(p);
        pattern_tables.push_back(t);
    }
    if (cal.contains("bands"))
        for (auto& t : cal.tables("bands")) {
            Pattern p;
            p.statistic = statistic_of(t);
            p.name = t.contains("name") ? t.string("name")
                                        : std::string(pattern_statistic_names[index(p.statistic)]);
            p.first_year = static_cast<int>(t.integer("first_year", 1990, 2150));
            p.last_year = static_cast<int>(t.integer("last_year", p.first_year, 2150));
            p.lower = t.number("lower");
            p.upper = t.number("upper");
            if (!(p.upper > p.lower))
                throw t.error("upper", "a number > lower (" + sim::format_number(p.lower) + ")",
                              sim::format_number(p.upper));
            p.scale =
                t.contains("scale")
                    ? t.number("scale", sim::NumberRange{0, HUGE_VAL, true, false, "a number > 0"})
                    : (p.upper - p.lower) / 2;
            provenance(t, p);
            t.finish();
            spec.patterns.push_back(p);
            pattern_tables.push_back(t);
        }
    for (std::size_t k = 0; k < spec.patterns.size(); ++k)
        for (std::size_t j = 0; j < k; ++j)
            if (spec.patterns[j].name == spec.patterns[k].name)
                throw pattern_tables[k].error(spec.patterns[k].target ? "year" : "name",
                                              "a pattern name not used before",
                                              "\"" + spec.patterns[k].name + "\" again");

    auto params = cal.tables("parameters");
    if (params.empty())
        throw cal.error("parameters", "at least one [[calibration.parameters]] entry", "none");
    for (auto& p : params) {
        FreeParameter fp;
        if (p.contains("keys")) {
            fp.keys = p.strings("keys");
            if (fp.keys.empty())
                throw p.error("keys", "at least one key", "an empty array");
            fp.key = p.string("name");
        } else {
            fp.key = p.string("key");
            fp.keys = {fp.key};
        }
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
            for (const auto& k : fp.keys)
                if (other.key == fp.key ||
                    std::find(other.keys.begin(), other.keys.end(), k) != other.keys.end())
                    throw p.error(fp.keys.size() > 1 ? "keys" : "key",
                                  "a key not already calibrated", "\"" + k + "\" again");
        for (const auto& k : fp.keys)
            if (k.starts_with("town.") != fp.town())
                throw p.error("keys", "keys all under [town] or none",
                              "\"" + k + "\" beside \"" + fp.keys.front() + "\"");
        p.finish();
        spec.parameters.push_back(fp);
    }
    for (std::size_t k = 0; k < spec.patterns.size(); ++k)
        for (const auto& fp : spec.parameters)
            if (fp.key == spec.patterns[k].name)
                throw pattern_tables[k].error(spec.patterns[k].target ? "year" : "name",
                                              "a pattern name that no free parameter has",
                                              "\"" + spec.patterns[k].name +
                                                  "\", a parameter's name too");
    if (cal.contains("town_fragment_includes"))
        for (const auto& f : cal.strings("town_fragment_includes"))
            spec.town_fragment_includes.push_back(sim::ConfigComposer::resolve(path, f));
    cal.finish();
    if (section_only)
        return spec;

    spec.scenario_text = without_calibration(text, path);
    spec.base = parse_scenario(spec.scenario_text, path + " (without [calibration])");
    const int first = spec.base.run.start_year;
    const int last = first + static_cast<int>(spec.base.run.years) - 1;
    for (std::size_t k = 0; k < spec.patterns.size(); ++k) {
        const Pattern& p = spec.patterns[k];
        const auto where = p.target ? "year" : "first_year";
        const std::string runs = fmt::format("a year the scenario reports ({} to {})", first, last);
        if (p.first_year < first || p.first_year > last)
            throw pattern_tables[k].error(where, runs, std::to_string(p.first_year));
        if (p.last_year > last)
            throw pattern_tables[k].error("last_year", runs, std::to_string(p.last_year));
        // The growth is measured from the end of the year before first_year.
        if (p.statistic == PatternStatistic::OwnersCommitteeGrowth && p.first_year == first &&
            spec.base.run.warmup_years == 0)
            throw pattern_tables[k].error(
                "first_year",
                "a year after the first, or a warm-up (the growth starts at the end "
                "of the year before)",
                std::to_string(p.first_year));
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
                for (const auto& k : spec.parameters[i].keys)
                    if (e.key() == k)
                        culprit = i;
            throw params[culprit].error(
                upper ? "upper" : "lower", "a value the scenario accepts at every free key",
                fmt::format("{} rejected by the scenario: {}",
                            upper ? "upper bounds" : "lower bounds", e.what()));
        }
    }
    return spec;
}

} // namespace

CalibrationSpec parse_calibration(std::string_view text, const std::string& path) {
    return read_calibration(text, path, false);
}

CalibrationSpec parse_calibration_section(std::string_view text, const std::string& path) {
    return read_calibration(text, path, true);
}

CalibrationSpec load_calibration(const std::string& path) {
    return parse_calibration(sim::read_text_file(path), path);
}

std::string particle_text(const CalibrationSpec& spec, std::span<const double> theta) {
    if (theta.size() != spec.parameters.size())
        throw std::invalid_argument("particle_text: wrong number of parameter values");
    toml::table t = sim::ConfigComposer::parse(spec.scenario_text, particle_name(spec));
    for (std::size_t i = 0; i < theta.size(); ++i)
        for (const auto& key : spec.parameters[i].keys)
            if (!set_key(t, key, theta[i]))
                throw sim::ConfigError(spec.path, {}, key, "a key path through tables",
                                       "a non-table value on the path");
    std::ostringstream out;
    out << "# particle of " << spec.path << "\n" << toml::toml_formatter{t} << "\n";
    return out.str();
}

Scenario particle_scenario(const CalibrationSpec& spec, std::span<const double> theta) {
    return parse_scenario(particle_text(spec, theta), particle_name(spec));
}

std::vector<analysis::AbcBand> CalibrationSpec::bands() const {
    std::vector<analysis::AbcBand> out;
    for (const auto& p : patterns)
        out.push_back(p.band());
    return out;
}

bool CalibrationSpec::has_town_parameters() const {
    return std::any_of(parameters.begin(), parameters.end(),
                       [](const FreeParameter& p) { return p.town(); });
}

namespace {

const MonthlyRow* month_row(const RunResult& run, int month) {
    for (const auto& m : run.monthly)
        if (m.month == month)
            return &m;
    return nullptr;
}

double committee_share(const RunResult& run, int month) {
    const MonthlyRow* m = month_row(run, month);
    if (m == nullptr || run.compounds == 0)
        return std::nan("");
    return static_cast<double>(m->owners_committees) / static_cast<double>(run.compounds);
}

} // namespace

double pattern_statistic(const Pattern& p, const RunResult& run) {
    const double nan = std::nan("");
    if (run.years.empty())
        return nan;
    const int start = run.years.front().year;
    const double span = p.last_year - p.first_year + 1;
    const auto in_years = [&](int year) { return year >= p.first_year && year <= p.last_year; };
    switch (p.statistic) {
    case PatternStatistic::Complaints:
    case PatternStatistic::AbandonmentsPer100Compounds: {
        double sum = 0;
        int n = 0;
        for (const auto& y : run.years)
            if (in_years(y.year)) {
                sum += p.statistic == PatternStatistic::Complaints
                           ? static_cast<double>(y.stats.complaints)
                           : static_cast<double>(y.institutions.abandonments);
                ++n;
            }
        if (n != static_cast<int>(span))
            return nan;
        if (p.statistic == PatternStatistic::Complaints)
            return sum / span;
        return run.compounds == 0 ? nan : 100.0 * sum / span / run.compounds;
    }
    case PatternStatistic::RcMediationSuccess: {
        const auto rc = index(Level::ResidentsCommittee);
        double served = 0, resolved = 0;
        for (const auto& m : run.monthly)
            if (m.month >= 0 && in_years(start + m.month / 12)) {
                served += m.handled.served[rc];
                resolved += m.handled.resolved[rc];
            }
        return served > 0 ? resolved / served : nan;
    }
    case PatternStatistic::OwnersCommitteeShare:
        return committee_share(run, (p.last_year - start) * 12 + 11);
    case PatternStatistic::OwnersCommitteeGrowth:
        return (committee_share(run, (p.last_year - start) * 12 + 11) -
                committee_share(run, (p.first_year - start) * 12 - 1)) /
               span;
    case PatternStatistic::FeeCollection: {
        double sum = 0;
        int n = 0;
        for (const auto& m : run.monthly)
            if (m.month >= 0 && in_years(start + m.month / 12) && !std::isnan(m.fee_collection)) {
                sum += m.fee_collection;
                ++n;
            }
        return n > 0 ? sum / n : nan;
    }
    }
    return nan;
}

namespace {

/// A pattern's statistic over `runs`, the runs where it is defined (not NaN), in run order.
std::vector<double> pattern_values(const Pattern& p, std::span<const RunResult> runs) {
    std::vector<double> values;
    for (const auto& r : runs) {
        const double v = pattern_statistic(p, r);
        if (!std::isnan(v))
            values.push_back(v);
    }
    return values;
}

} // namespace

std::vector<double> pattern_summary(const CalibrationSpec& spec, std::span<const RunResult> runs) {
    std::vector<double> out;
    for (const auto& p : spec.patterns) {
        double sum = 0;
        std::size_t n = 0;
        for (const auto& r : runs) {
            const double v = pattern_statistic(p, r);
            if (!std::isnan(v)) {
                sum += v;
                ++n;
            }
        }
        out.push_back(n > 0 ? sum / static_cast<double>(n) : std::nan(""));
    }
    return out;
}

namespace {

std::vector<RunResult> run_particles(const CalibrationSpec& spec,
                                     const std::vector<std::vector<double>>& thetas,
                                     std::uint64_t seed, std::uint32_t replicates) {
    std::vector<Scenario> scenarios;
    scenarios.reserve(thetas.size());
    for (const auto& theta : thetas)
        scenarios.push_back(particle_scenario(spec, theta));
    ExperimentOptions options;
    options.seed = seed;
    options.replicates = replicates;
    return run_experiment(scenarios, options);
}

} // namespace

std::vector<std::vector<double>> simulate_particles(const CalibrationSpec& spec,
                                                    const std::vector<std::vector<double>>& thetas,
                                                    std::uint64_t seed, std::uint32_t replicates) {
    const std::uint32_t r = replicates > 0 ? replicates : spec.replicates;
    const auto runs = run_particles(spec, thetas, seed, r);
    std::vector<std::vector<double>> out;
    for (std::size_t i = 0; i < thetas.size(); ++i)
        out.push_back(pattern_summary(spec, std::span<const RunResult>(runs).subspan(i * r, r)));
    return out;
}

std::vector<double> CalibrationResult::point() const {
    if (!refinement.empty())
        return refinement.particles[refinement.chosen].theta;
    std::vector<double> means;
    for (std::size_t i = 0; i < abc.parameters.size(); ++i)
        means.push_back(abc.posterior_mean(i));
    return means;
}

std::uint64_t fit_seed(const CalibrationSpec& spec, std::size_t generation, std::size_t batch) {
    return sim::stream_seed(spec.abc.seed, generation, batch, purpose_batch_seed) >> 1;
}

std::uint64_t refinement_seed(const CalibrationSpec& spec, std::size_t round) {
    return sim::stream_seed(spec.abc.seed, round, 0, purpose_refine_seed) >> 1;
}

std::uint64_t check_seed(const CalibrationSpec& spec) {
    return sim::stream_seed(spec.abc.seed, 0, 0, purpose_check_seed) >> 1;
}

std::string shipped_point_phrase(const CalibrationResult& result) {
    const auto& ref = result.refinement;
    if (ref.empty())
        return "the weighted posterior means (no refinement)";
    const auto& p = ref.particles[ref.chosen];
    if (p.round == 0)
        return fmt::format("the posterior particle nearest the patterns at {} replicates "
                           "(posterior row {})",
                           ref.replicates, p.particle);
    return fmt::format("the point nearest the patterns at {} replicates, proposed in the "
                       "refinement's local round {} around the posterior's best particles "
                       "(descending from posterior row {})",
                       ref.replicates, p.round, p.particle);
}

std::vector<std::size_t> refinement_candidates(const analysis::AbcGeneration& posterior,
                                               std::size_t count) {
    std::vector<std::size_t> rows(posterior.particles.size());
    for (std::size_t j = 0; j < rows.size(); ++j)
        rows[j] = j;
    std::stable_sort(rows.begin(), rows.end(), [&posterior](std::size_t a, std::size_t b) {
        return posterior.particles[a].distance < posterior.particles[b].distance;
    });
    rows.resize(std::min(count, rows.size()));
    return rows;
}

namespace {

/// 0: inside every accepted region by refine_clear_margin standard errors; 1: inside every
/// region; 2: outside one (or undefined).
int refine_rank(const RefinedParticle& p) {
    if (p.margin >= refine_clear_margin)
        return 0;
    return p.margin >= 0 ? 1 : 2;
}

/// Runs each of `thetas` for `replicates` runs seeded by `seed` and measures its patterns.
std::vector<RefinedParticle> evaluate_points(const CalibrationSpec& spec,
                                             const std::vector<std::vector<double>>& thetas,
                                             std::uint64_t seed, std::uint32_t replicates,
                                             std::size_t& runs_made) {
    const auto bands = spec.bands();
    std::vector<RefinedParticle> out;
    // Chunks of points bound the runs held in memory; replicate r of every point has the same
    // seed in every chunk (run_experiment), so the points share random numbers.
    constexpr std::size_t chunk = 8;
    for (std::size_t first = 0; first < thetas.size(); first += chunk) {
        const std::size_t n = std::min(chunk, thetas.size() - first);
        const std::vector<std::vector<double>> some(thetas.begin() + first,
                                                    thetas.begin() + first + n);
        const auto runs = run_particles(spec, some, seed, replicates);
        runs_made += runs.size();
        for (std::size_t c = 0; c < n; ++c) {
            RefinedParticle p;
            p.theta = some[c];
            p.margin = HUGE_VAL;
            const auto mine = std::span<const RunResult>(runs).subspan(c * replicates, replicates);
            for (const auto& pattern : spec.patterns) {
                const std::vector<double> values = pattern_values(pattern, mine);
                const double mean = values.empty() ? std::nan("") : analysis::mean(values);
                const double se = values.size() < 2
                                      ? std::nan("")
                                      : analysis::sample_sd(values) /
                                            std::sqrt(static_cast<double>(values.size()));
                p.means.push_back(mean);
                p.standard_errors.push_back(se);
                // How far inside the accepted region, in standard errors.
                const double inside =
                    std::min(mean - pattern.accept_lower(), pattern.accept_upper() - mean);
                double z = -HUGE_VAL;
                if (!std::isnan(inside) && !std::isnan(se)) {
                    if (se > 0)
                        z = inside / se;
                    else if (inside >= 0)
                        z = inside > 0 ? HUGE_VAL : 0.0;
                }
                p.margin = std::min(p.margin, z);
            }
            p.distance = analysis::band_distance(p.means, bands);
            out.push_back(std::move(p));
        }
    }
    return out;
}

/// The lower-triangular factor of the posterior's weighted covariance (natural units), or the
/// diagonal of its sds when the covariance is not positive definite.
Eigen::MatrixXd posterior_factor(const analysis::AbcGeneration& g, std::size_t dims) {
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(dims));
    for (const auto& p : g.particles)
        for (std::size_t i = 0; i < dims; ++i)
            mean[static_cast<Eigen::Index>(i)] += p.weight * p.theta[i];
    Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(mean.size(), mean.size());
    for (const auto& p : g.particles) {
        Eigen::VectorXd d(mean.size());
        for (std::size_t i = 0; i < dims; ++i)
            d[static_cast<Eigen::Index>(i)] = p.theta[i] - mean[static_cast<Eigen::Index>(i)];
        cov += p.weight * d * d.transpose();
    }
    const Eigen::LLT<Eigen::MatrixXd> llt(cov);
    if (llt.info() == Eigen::Success)
        return llt.matrixL();
    Eigen::MatrixXd diagonal = Eigen::MatrixXd::Zero(mean.size(), mean.size());
    for (Eigen::Index i = 0; i < mean.size(); ++i)
        diagonal(i, i) = std::sqrt(std::max(cov(i, i), 0.0));
    return diagonal;
}

} // namespace

bool refined_before(const RefinedParticle& a, const RefinedParticle& b) {
    const int ra = refine_rank(a), rb = refine_rank(b);
    return ra < rb || (ra == rb && a.distance < b.distance);
}

std::size_t select_refined(std::span<const RefinedParticle> particles) {
    if (particles.empty())
        throw std::invalid_argument("select_refined: no refined particles");
    std::size_t best = 0;
    for (std::size_t j = 1; j < particles.size(); ++j)
        if (refined_before(particles[j], particles[best]))
            best = j;
    return best;
}

Refinement refine(const CalibrationSpec& spec, const analysis::AbcGeneration& posterior) {
    Refinement out;
    if (spec.refine_particles == 0 || posterior.particles.empty())
        return out;
    const auto start = std::chrono::steady_clock::now();
    out.replicates = spec.refine_replicates;
    // Round 0: the posterior's candidates.
    const auto rows = refinement_candidates(posterior, spec.refine_particles);
    std::vector<std::vector<double>> thetas;
    for (const auto row : rows)
        thetas.push_back(posterior.particles[row].theta);
    out.seeds.push_back(refinement_seed(spec, 0));
    out.particles = evaluate_points(spec, thetas, out.seeds.back(), out.replicates, out.runs);
    for (std::size_t j = 0; j < rows.size(); ++j) {
        auto& p = out.particles[j];
        p.round = 0;
        p.parent = j;
        p.particle = rows[j];
        p.weight = posterior.particles[rows[j]].weight;
        p.fit_distance = posterior.particles[rows[j]].distance;
    }
    // Local rounds around the best points so far.
    const std::size_t dims = spec.parameters.size();
    const Eigen::MatrixXd factor = posterior_factor(posterior, dims);
    for (std::size_t round = 1; round <= spec.refine_rounds; ++round) {
        std::vector<std::size_t> order(out.particles.size());
        for (std::size_t j = 0; j < order.size(); ++j)
            order[j] = j;
        std::stable_sort(order.begin(), order.end(), [&out](std::size_t a, std::size_t b) {
            return refined_before(out.particles[a], out.particles[b]);
        });
        order.resize(std::min(refine_parent_count, order.size()));
        sim::Stream rng(spec.abc.seed, round, 0, purpose_refine_proposal);
        std::vector<std::vector<double>> proposals;
        std::vector<std::size_t> parents;
        for (std::size_t k = 0; k < spec.refine_proposals; ++k) {
            const std::size_t parent = order[k % order.size()];
            const auto& from = out.particles[parent].theta;
            std::vector<double> theta(dims);
            // Redraw until inside the prior's box; after many misses, clamp the last draw.
            for (int attempt = 0; attempt < 1000; ++attempt) {
                Eigen::VectorXd z(static_cast<Eigen::Index>(dims));
                for (Eigen::Index i = 0; i < z.size(); ++i)
                    z[i] = rng.normal(0, 1);
                const Eigen::VectorXd step = refine_proposal_scale * (factor * z);
                bool inside = true;
                for (std::size_t i = 0; i < dims; ++i) {
                    theta[i] = from[i] + step[static_cast<Eigen::Index>(i)];
                    inside = inside && theta[i] >= spec.parameters[i].lower &&
                             theta[i] <= spec.parameters[i].upper;
                }
                if (inside)
                    break;
            }
            for (std::size_t i = 0; i < dims; ++i)
                theta[i] = std::clamp(theta[i], spec.parameters[i].lower, spec.parameters[i].upper);
            proposals.push_back(theta);
            parents.push_back(parent);
        }
        out.seeds.push_back(refinement_seed(spec, round));
        auto points = evaluate_points(spec, proposals, out.seeds.back(), out.replicates, out.runs);
        for (std::size_t k = 0; k < points.size(); ++k) {
            auto& p = points[k];
            const auto& parent = out.particles[parents[k]];
            p.round = round;
            p.parent = parents[k];
            p.particle = parent.particle;
            p.weight = parent.weight;
            p.fit_distance = parent.fit_distance;
            out.particles.push_back(std::move(p));
        }
    }
    out.chosen = select_refined(out.particles);
    out.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
        const std::uint32_t replicates = spec.replicates_in(generation);
        result.runs += thetas.size() * replicates;
        return simulate_particles(spec, thetas, fit_seed(spec, generation, batch), replicates);
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
    const auto bands = spec.bands();
    std::vector<double> centres;
    for (const auto& b : bands)
        centres.push_back((b.lower + b.upper) / 2);
    const analysis::AbcDistance distance = [&bands](std::span<const double> simulated,
                                                    std::span<const double>) {
        return analysis::band_distance(simulated, bands);
    };
    result.abc = analysis::abc_smc(parameters, centres, model, spec.abc, distance, report);
    if (progress && spec.refine_particles > 0)
        fmt::print(
            stderr, "refinement: {} particles x {} replicates\n",
            std::min<std::size_t>(spec.refine_particles, result.abc.posterior().particles.size()),
            spec.refine_replicates);
    result.refinement = refine(spec, result.abc.posterior());
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
    for (std::size_t k = 0; k < spec.patterns.size(); ++k)
        t.column(spec.patterns[k].name, [&rows, k](std::size_t r) {
            return rows[r].generation->particles[rows[r].particle].summaries[k];
        });
    return t;
}

std::string years_text(const Pattern& p) {
    return p.first_year == p.last_year ? std::to_string(p.first_year)
                                       : fmt::format("{}-{}", p.first_year, p.last_year);
}

/// "83 +- 10%" for a target, "[0.6, 0.9]" for a band.
std::string region_text(const Pattern& p) {
    if (p.target)
        return fmt::format("{} ± {}%", sim::format_number(p.lower),
                           sim::format_number(100 * p.tolerance));
    return fmt::format("[{}, {}]", sim::format_number(p.lower), sim::format_number(p.upper));
}

std::string pattern_line(const Pattern& p) {
    return fmt::format("{} ({}, {}): {} [{}] {}", p.name,
                       pattern_statistic_names[index(p.statistic)], years_text(p), region_text(p),
                       p.reliability, p.source);
}

std::string targets_text(const CalibrationSpec& spec) {
    std::string s;
    for (std::size_t k = 0; k < spec.patterns.size(); ++k)
        s += (k ? "; " : "") + pattern_line(spec.patterns[k]);
    return s;
}

std::vector<double> weighted_summary_mean(const CalibrationSpec& spec,
                                          const analysis::AbcGeneration& g) {
    std::vector<double> m(spec.patterns.size(), 0.0);
    for (const auto& p : g.particles)
        for (std::size_t k = 0; k < m.size(); ++k)
            m[k] += p.weight * p.summaries[k];
    return m;
}

/// `text` as lines of at most about 96 characters, each starting with `prefix`.
std::string wrap_comment(const std::string& text, const std::string& prefix) {
    std::string out, line;
    std::istringstream words(text);
    for (std::string w; words >> w;) {
        if (!line.empty() && prefix.size() + line.size() + 1 + w.size() > 96) {
            out += prefix + line + "\n";
            line.clear();
        }
        line += (line.empty() ? "" : " ") + w;
    }
    if (!line.empty())
        out += prefix + line + "\n";
    return out;
}

/// What the refinement ran, as a phrase.
std::string refinement_what(const Refinement& ref) {
    const auto first = static_cast<std::size_t>(
        std::count_if(ref.particles.begin(), ref.particles.end(),
                      [](const RefinedParticle& p) { return p.round == 0; }));
    const std::size_t rounds = ref.seeds.empty() ? 0 : ref.seeds.size() - 1;
    std::string seeds;
    for (std::size_t r = 0; r < ref.seeds.size(); ++r)
        seeds += fmt::format("{}{}", r ? ", " : "", ref.seeds[r]);
    return fmt::format(
        "the {} posterior particles with the smallest fit distances{}, each point run for {} "
        "replicates (seed{} {})",
        first,
        rounds == 0 ? std::string()
                    : fmt::format(", then {} local round{} of {} proposals around the {} best "
                                  "points so far",
                                  rounds, rounds == 1 ? "" : "s",
                                  (ref.particles.size() - first) / rounds, refine_parent_count),
        ref.replicates, ref.seeds.size() == 1 ? "" : "s by round:", seeds);
}

/// The refinement as comment or report lines: one per candidate, the shipped one marked "*".
std::string refinement_lines(const CalibrationSpec& spec, const Refinement& ref,
                             const std::string& prefix) {
    std::string s = prefix + fmt::format("{:>1} {:>3} {:>5} {:>6} {:>4} {:>7} {:>6}", "", "#",
                                         "round", "parent", "row", "weight", "fit");
    for (std::size_t i = 0; i < spec.parameters.size(); ++i)
        s += fmt::format(" {:>8}", fmt::format("({})", i + 1));
    for (std::size_t k = 0; k < spec.patterns.size(); ++k)
        s += fmt::format(" {:>9}", fmt::format("[{}]", k + 1));
    s += fmt::format(" {:>8} {:>7}\n", "distance", "margin");
    for (std::size_t j = 0; j < ref.particles.size(); ++j) {
        const auto& p = ref.particles[j];
        s += prefix + fmt::format("{:>1} {:>3} {:>5} {:>6} {:>4} {:>7.4f} {:>6.3f}",
                                  j == ref.chosen ? "*" : "", j, p.round, p.parent, p.particle,
                                  p.weight, p.fit_distance);
        for (const double v : p.theta)
            s += fmt::format(" {:>8.4g}", v);
        for (const double v : p.means)
            s += fmt::format(" {:>9.4g}", v);
        s += fmt::format(" {:>8.3f} {:>7.2f}\n", p.distance, p.margin);
    }
    s += prefix +
         "(row: the particle's row in the posterior; fit: its distance in the fit; margin: "
         "how far its\n" +
         prefix +
         "means are inside the accepted regions, in standard errors, at the worst "
         "pattern; parameters:";
    for (std::size_t i = 0; i < spec.parameters.size(); ++i)
        s += fmt::format("{} ({}) {}", i ? "," : "", i + 1, spec.parameters[i].key);
    s += ";\n" + prefix + "patterns, means over the refinement's runs:";
    for (std::size_t k = 0; k < spec.patterns.size(); ++k)
        s += fmt::format("{} [{}] {}", k ? "," : "", k + 1, spec.patterns[k].name);
    s += ")\n";
    return s;
}

sim::Table refinement_table(const CalibrationSpec& spec, const Refinement& ref) {
    const auto& rows = ref.particles;
    sim::Table t(rows.size());
    t.column("round", [&rows](std::size_t r) { return static_cast<std::uint32_t>(rows[r].round); });
    t.column("parent",
             [&rows](std::size_t r) { return static_cast<std::uint32_t>(rows[r].parent); });
    t.column("particle",
             [&rows](std::size_t r) { return static_cast<std::uint32_t>(rows[r].particle); });
    t.column("chosen",
             [&ref](std::size_t r) { return static_cast<std::uint8_t>(r == ref.chosen); });
    t.column("weight", [&rows](std::size_t r) { return rows[r].weight; });
    t.column("fit_distance", [&rows](std::size_t r) { return rows[r].fit_distance; });
    for (std::size_t i = 0; i < spec.parameters.size(); ++i)
        t.column(spec.parameters[i].key, [&rows, i](std::size_t r) { return rows[r].theta[i]; });
    for (std::size_t k = 0; k < spec.patterns.size(); ++k)
        t.column(spec.patterns[k].name, [&rows, k](std::size_t r) { return rows[r].means[k]; });
    for (std::size_t k = 0; k < spec.patterns.size(); ++k)
        t.column("se." + spec.patterns[k].name,
                 [&rows, k](std::size_t r) { return rows[r].standard_errors[k]; });
    t.column("distance", [&rows](std::size_t r) { return rows[r].distance; });
    t.column("margin", [&rows](std::size_t r) { return rows[r].margin; });
    return t;
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
    const auto& ref = result.refinement;
    if (!ref.empty()) {
        auto t = refinement_table(spec, ref);
        t.attribute(
            "description",
            fmt::format("the refinement: {}; one row per point; round = 0 for a posterior "
                        "particle, r for a point proposed in local round r around the row "
                        "`parent` of this table; particle = the /posterior row it descends from "
                        "(weight and fit_distance are that particle's); <pattern> = the mean "
                        "over the point's runs, se.<pattern> its standard error; distance = the "
                        "band distance of the means; margin = how far the means are inside the "
                        "predictive check's accepted regions, in standard errors, at the worst "
                        "pattern; chosen = 1 for the shipped point (docs/calibration.md, "
                        "\"Refinement\")",
                        refinement_what(ref)));
        file.write_table("refinement", t);
    }

    file.set_attribute("method", "ABC-SMC (Toni et al. 2009; Beaumont et al. 2009): adaptive "
                                 "tolerance, Gaussian kernel with twice the weighted variance");
    file.set_attribute("distance", "sqrt(sum over patterns of weight * (e / scale)^2), e = 0 "
                                   "inside the pattern's band (a target's band is its value) and "
                                   "the distance to the band outside it; simulated = the "
                                   "statistic's mean over replicates (docs/calibration.md)");
    file.set_attribute("targets", targets_text(spec));
    file.set_attribute("calibration_path", spec.path);
    file.set_attribute("calibration_text", spec.source_text);
    file.set_attribute("scenario_text", spec.base.source_text);
    file.set_attribute("seed", spec.abc.seed);
    file.set_attribute("replicates", spec.replicates);
    file.set_attribute("early_replicates", spec.early_replicates);
    file.set_attribute("early_generations", spec.early_generations);
    file.set_attribute("particles", static_cast<std::uint64_t>(spec.abc.particles));
    file.set_attribute("simulations", static_cast<std::uint64_t>(abc.simulations()));
    file.set_attribute("runs", static_cast<std::uint64_t>(result.runs));
    file.set_attribute("wall_seconds", result.wall_seconds);
    file.set_attribute("stop_reason", abc.stop_reason);
    file.set_attribute("refine_particles", static_cast<std::uint64_t>(spec.refine_particles));
    file.set_attribute("refine_replicates", spec.refine_replicates);
    file.set_attribute("refine_rounds", spec.refine_rounds);
    file.set_attribute("refine_proposals", spec.refine_proposals);
    file.set_attribute("refinement", ref.empty() ? std::string("none") : refinement_what(ref));
    file.set_attribute("refine_runs", static_cast<std::uint64_t>(ref.runs));
    file.set_attribute("refine_wall_seconds", ref.wall_seconds);
    file.set_attribute("point_estimate",
                       ref.empty() ? std::string("the weighted posterior means (no refinement)")
                                   : fmt::format("{} (/refinement row {}, chosen = 1)",
                                                 shipped_point_phrase(result), ref.chosen));
    file.set_attribute("version", provenance.version);
    file.set_attribute("command_line", provenance.command_line);
    file.set_attribute("created_utc", provenance.created_utc);
    for (std::size_t i = 0; i < spec.parameters.size(); ++i) {
        file.set_attribute("posterior_mean." + spec.parameters[i].key, abc.posterior_mean(i));
        file.set_attribute("posterior_sd." + spec.parameters[i].key, abc.posterior_sd(i));
        file.set_attribute("point." + spec.parameters[i].key, result.point()[i]);
    }
    file.commit();
}

std::string calibration_fragment(const CalibrationSpec& spec, const CalibrationResult& result,
                                 const std::string& fragment_path,
                                 const CalibrationProvenance& provenance, FragmentPart part) {
    namespace fs = std::filesystem;
    const auto& abc = result.abc;
    const auto& post = abc.posterior();
    const bool town = part == FragmentPart::Town;
    std::string s;
    s += fmt::format("# Calibrated {}: written by `govsim calibrate` — do not edit by hand; rerun "
                     "it\n# (scripts/calibrate-lishui.sh).\n",
                     town ? "town figures" : "parameters");
    s += fmt::format("# Calibration file: {}\n", spec.path);
    s += fmt::format("# Created: {} (govsim {})\n", provenance.created_utc, provenance.version);
    s += fmt::format("# Command: {}\n", provenance.command_line);
    const auto& ref = result.refinement;
    const auto point = result.point();
    const auto fit = weighted_summary_mean(spec, post);
    if (ref.empty()) {
        s += "# Fitted to these patterns (name, statistic, years: target or band [reliability] "
             "source),\n# simulated = the posterior-weighted mean of the particles' replicate "
             "means:\n";
        for (std::size_t k = 0; k < spec.patterns.size(); ++k)
            s += fmt::format("#   {}; simulated {:.4g}\n", pattern_line(spec.patterns[k]), fit[k]);
    } else {
        const auto& chosen = ref.particles[ref.chosen];
        s += fmt::format("# Fitted to these patterns (name, statistic, years: target or band "
                         "[reliability] source);\n# at these values = the mean over the "
                         "refinement's {} replicates (below), posterior = the\n# "
                         "posterior-weighted mean of the particles' replicate means in the fit:\n",
                         ref.replicates);
        for (std::size_t k = 0; k < spec.patterns.size(); ++k)
            s += fmt::format("#   {}; at these values {:.4g} ± {:.2g} (1 se), posterior {:.4g}\n",
                             pattern_line(spec.patterns[k]), chosen.means[k],
                             chosen.standard_errors[k], fit[k]);
    }
    s += fmt::format(
        "# ABC-SMC: {} particles, {} replicates each{}, {} generations after the "
        "prior, final tolerance {:.4f} (band distance), {} simulations; "
        "stopped: {}\n",
        spec.abc.particles, spec.replicates,
        spec.early_generations > 0 ? fmt::format(" ({} in the first {} generations)",
                                                 spec.early_replicates, spec.early_generations)
                                   : "",
        abc.generations.size() - 1, post.tolerance, abc.simulations(), abc.stop_reason);
    if (ref.empty()) {
        s += "# Values are the weighted POSTERIOR MEANS; each line gives the posterior sd and the "
             "5%-95%\n"
             "# interval. They are [A, calibrated]: assumptions fitted to the patterns above, not "
             "measurements\n# (docs/calibration.md).\n";
    } else {
        const auto& chosen = ref.particles[ref.chosen];
        s += wrap_comment(
            fmt::format(
                "Values are {}. The refinement ran {}; these values rank first: points whose "
                "means are inside every accepted region by at least {} standard errors first, "
                "then those inside every region, then the rest; within a rank the smallest "
                "distance (here {:.3f}, margin {:.2f} standard errors). The refinement's seeds are "
                "used neither by the fit nor by the predictive check. The posterior, not this "
                "point, is the uncertainty: each line gives the posterior mean, sd and 5%-95% "
                "interval. The values are [A, calibrated]: assumptions fitted to the patterns "
                "above, not measurements (docs/calibration.md, \"Refinement\").",
                shipped_point_phrase(result), refinement_what(ref),
                sim::format_number(refine_clear_margin), chosen.distance, chosen.margin),
            "# ");
        s += "# The refinement (* = these values):\n";
        s += refinement_lines(spec, ref, "#   ");
    }
    const auto& includes = town ? spec.town_fragment_includes : spec.fragment_includes;
    if (!includes.empty()) {
        const fs::path folder = fs::absolute(fs::path(fragment_path)).parent_path();
        s += "\ninclude = [";
        for (std::size_t i = 0; i < includes.size(); ++i) {
            const auto rel =
                fs::absolute(includes[i]).lexically_normal().lexically_relative(folder);
            s += fmt::format("{}\"{}\"", i ? ", " : "", rel.generic_string());
        }
        s += "]\n";
    }
    // Group keys by their table, in order of first appearance.
    struct Entry {
        std::string name;
        std::size_t parameter;
    };
    std::vector<std::string> tables;
    std::map<std::string, std::vector<Entry>> members;
    for (std::size_t i = 0; i < spec.parameters.size(); ++i) {
        if (spec.parameters[i].town() != town)
            continue;
        for (const auto& key : spec.parameters[i].keys) {
            const auto dot = key.rfind('.');
            const std::string table = dot == std::string::npos ? "" : key.substr(0, dot);
            if (!members.contains(table))
                tables.push_back(table);
            members[table].push_back({dot == std::string::npos ? key : key.substr(dot + 1), i});
        }
    }
    for (const auto& table : tables) {
        s += table.empty() ? "\n" : fmt::format("\n[{}]\n", table);
        for (const Entry& e : members[table]) {
            const auto& fp = spec.parameters[e.parameter];
            const std::size_t i = e.parameter;
            s += fmt::format(
                "{} = {:.6g}   # [A, calibrated]{}{} sd {:.3g}, 90% [{:.4g}, {:.4g}]; "
                "prior {} [{}, {}]\n",
                e.name, point[i], fp.keys.size() > 1 ? " " + fp.key + ":" : "",
                ref.empty() ? "" : fmt::format(" posterior mean {:.4g},", abc.posterior_mean(i)),
                abc.posterior_sd(i), abc.posterior_quantile(i, 0.05),
                abc.posterior_quantile(i, 0.95),
                fp.prior == analysis::PriorKind::Uniform ? "uniform" : "log-uniform",
                sim::format_number(fp.lower), sim::format_number(fp.upper));
        }
    }
    return s;
}

std::vector<double> parameter_values(const CalibrationSpec& spec,
                                     const std::string& scenario_path) {
    const auto doc = sim::ConfigDocument::load_composed(scenario_path);
    std::vector<double> out;
    for (const auto& fp : spec.parameters) {
        const auto parts = split_key(fp.keys.front());
        auto t = doc.root();
        for (std::size_t i = 0; i + 1 < parts.size(); ++i)
            t = t.table(parts[i]);
        out.push_back(t.number(parts.back()));
    }
    return out;
}

bool PredictiveCheck::pass() const {
    return std::all_of(patterns.begin(), patterns.end(),
                       [](const PatternCheck& c) { return c.pass; });
}

PredictiveCheck predictive_check(const CalibrationSpec& spec, std::span<const double> theta,
                                 std::uint32_t replicates) {
    const auto start = std::chrono::steady_clock::now();
    PredictiveCheck check;
    check.theta.assign(theta.begin(), theta.end());
    check.replicates = replicates;
    check.seed = check_seed(spec);
    const auto runs = run_particles(spec, {check.theta}, check.seed, replicates);
    for (const auto& p : spec.patterns) {
        const std::vector<double> values = pattern_values(p, runs);
        PatternCheck c;
        c.runs = values.size();
        if (!values.empty()) {
            const auto ci = analysis::mean_ci(values);
            c.mean = ci.estimate;
            c.half_width = ci.half_width();
            c.run_p05 = analysis::quantile(values, 0.05);
            c.run_p95 = analysis::quantile(values, 0.95);
            c.pass = c.mean >= p.accept_lower() && c.mean <= p.accept_upper();
        } else {
            c.mean = c.half_width = c.run_p05 = c.run_p95 = std::nan("");
        }
        check.patterns.push_back(c);
    }
    check.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return check;
}

std::string predictive_check_markdown(const CalibrationSpec& spec, const PredictiveCheck& check,
                                      const std::string& how) {
    std::string s = how + "\n\n";
    s += "| pattern | statistic | years | target or band | accepted | reliability | simulated "
         "mean ± 95% | runs' 5–95% | check |\n|---|---|---|---|---|---|---|---|---|\n";
    for (std::size_t k = 0; k < spec.patterns.size(); ++k) {
        const Pattern& p = spec.patterns[k];
        const PatternCheck& c = check.patterns[k];
        s += fmt::format("| {} | {} | {} | {} | [{:.4g}, {:.4g}] | {} | {:.4g} ± {:.2g} | "
                         "[{:.4g}, {:.4g}] | {} |\n",
                         p.name, pattern_statistic_names[index(p.statistic)], years_text(p),
                         p.target ? sim::format_number(p.lower) : region_text(p), p.accept_lower(),
                         p.accept_upper(), p.reliability, c.mean, c.half_width, c.run_p05,
                         c.run_p95, c.pass ? "pass" : "**FAIL**");
    }
    s += "\nParameters:";
    for (std::size_t i = 0; i < spec.parameters.size(); ++i)
        s += fmt::format("{} `{}` = {:.4g}", i ? "," : "", spec.parameters[i].key, check.theta[i]);
    const auto passed = std::count_if(check.patterns.begin(), check.patterns.end(),
                                      [](const PatternCheck& c) { return c.pass; });
    s += fmt::format(".\n\n{} of {} patterns within their accepted regions ({}); {} replicates "
                     "(seed {}) in {:.1f} s.\n",
                     passed, spec.patterns.size(), check.pass() ? "PASS" : "FAIL", check.replicates,
                     check.seed, check.wall_seconds);
    return s;
}

void write_between_markers(const std::string& path, const std::string& text) {
    static constexpr std::string_view begin = "<!-- calibration-check:begin -->";
    static constexpr std::string_view end = "<!-- calibration-check:end -->";
    std::string doc = sim::read_text_file(path);
    const auto b = doc.find(begin);
    const auto e = doc.find(end);
    if (b == std::string::npos || e == std::string::npos || e < b)
        throw std::runtime_error(fmt::format("{}: the lines \"{}\" and \"{}\" (in this order) are "
                                             "needed to write the check between them",
                                             path, begin, end));
    const auto after_begin = b + begin.size();
    doc.replace(after_begin, e - after_begin, "\n" + text + "\n");
    sim::write_text_file(path, doc);
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
    s += fmt::format("\n{:<34} {:>18} {:>14} {:>14}\n", "pattern", "target or band",
                     "posterior mean", "best particle");
    for (std::size_t k = 0; k < fit.size(); ++k)
        s += fmt::format("{:<34} {:>18} {:>14.4g} {:>14.4g}\n", spec.patterns[k].name,
                         region_text(spec.patterns[k]), fit[k], abc.best().summaries[k]);
    s += "\nparameter                                   mean        sd        5%       95%     "
         "point\n";
    const auto point = result.point();
    for (std::size_t i = 0; i < spec.parameters.size(); ++i)
        s +=
            fmt::format("{:<40} {:>9.4g} {:>9.3g} {:>9.4g} {:>9.4g} {:>9.4g}\n",
                        spec.parameters[i].key, abc.posterior_mean(i), abc.posterior_sd(i),
                        abc.posterior_quantile(i, 0.05), abc.posterior_quantile(i, 0.95), point[i]);
    const auto& ref = result.refinement;
    if (ref.empty()) {
        s += "\npoint: the posterior means (no refinement)\n";
    } else {
        s += fmt::format("\nRefinement: {}; {} runs in {:.1f} s.\nShipped point (*): {}.\n",
                         refinement_what(ref), ref.runs, ref.wall_seconds,
                         shipped_point_phrase(result));
        s += refinement_lines(spec, ref, "");
    }
    return s;
}

} // namespace govsim::models
