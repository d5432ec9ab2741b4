#include "models/design_analysis.hpp"

#include "analysis/robustness.hpp"
#include "analysis/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <stdexcept>

namespace govsim::models {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::vector<Metric> all_metrics() {
    std::vector<Metric> out;
    for (std::size_t k = 0; k < metric_count; ++k)
        out.push_back(static_cast<Metric>(k));
    return out;
}

bool wanted(const std::vector<Metric>& metrics, Metric m) {
    return metrics.empty() || std::find(metrics.begin(), metrics.end(), m) != metrics.end();
}

std::string_view name_of(Metric m) {
    return metric_names[static_cast<std::size_t>(m)];
}

} // namespace

bool lower_is_better(Metric metric) {
    switch (metric) {
    case Metric::ResolvedShare:
    case Metric::ResolvedWithin30:
        return false;
    default:
        return true;
    }
}

// ---- point means ------------------------------------------------------------------------------

PointMeans::PointMeans(std::vector<std::string> towns, std::vector<std::string> models,
                       std::size_t points, std::uint32_t replicates)
    : towns_(std::move(towns)), models_(std::move(models)), open_(false), points_(points),
      replicates_(replicates) {
    if (towns_.empty() || models_.empty() || points_ == 0 || replicates_ == 0)
        throw std::invalid_argument("design analysis: no towns, models, points or replicates");
}

PointMeans::PointMeans(std::size_t points, std::uint32_t replicates)
    : open_(true), points_(points), replicates_(replicates) {
    if (points_ == 0 || replicates_ == 0)
        throw std::invalid_argument("design analysis: no points or replicates");
}

namespace {

std::size_t find_or_add(std::vector<std::string>& names, const std::string& name, bool open,
                        const char* what) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it != names.end())
        return static_cast<std::size_t>(it - names.begin());
    if (!open)
        throw std::invalid_argument(fmt::format("design analysis: unknown {} '{}'", what, name));
    names.push_back(name);
    return names.size() - 1;
}

} // namespace

void PointMeans::add(std::size_t point, const RunResult& run) {
    if (point >= points_ || run.key.replicate >= replicates_)
        throw std::invalid_argument(fmt::format(
            "design analysis: point {} or replicate {} out of range", point, run.key.replicate));
    const std::size_t t = find_or_add(towns_, run.key.town, open_, "town");
    const std::size_t m = find_or_add(models_, run.key.model, open_, "model");
    Cell& c = cells_[{t, m}];
    if (c.values.empty()) {
        std::array<double, metric_count> none{};
        none.fill(nan);
        c.values.assign(points_ * replicates_, none);
        c.added.assign(points_ * replicates_, 0);
    }
    const std::size_t slot = point * replicates_ + run.key.replicate;
    if (c.added[slot])
        throw std::invalid_argument("design analysis: a run added twice");
    c.added[slot] = 1;
    for (std::size_t k = 0; k < metric_count; ++k)
        c.values[slot][k] = metric_value(run, static_cast<Metric>(k));
}

const PointMeans::Cell* PointMeans::cell(std::size_t town, std::size_t model) const {
    const auto it = cells_.find({town, model});
    return it == cells_.end() ? nullptr : &it->second;
}

double PointMeans::mean(std::size_t town, std::size_t model, std::size_t point,
                        Metric metric) const {
    const Cell* c = cell(town, model);
    if (c == nullptr || point >= points_)
        return nan;
    double sum = 0;
    std::size_t n = 0;
    for (std::uint32_t r = 0; r < replicates_; ++r) { // replicate order: order-independent
        const std::size_t slot = point * replicates_ + r;
        if (!c->added[slot])
            continue;
        sum += c->values[slot][static_cast<std::size_t>(metric)];
        ++n;
    }
    return n > 0 ? sum / static_cast<double>(n) : nan;
}

std::vector<double> PointMeans::series(std::size_t town, std::size_t model, Metric metric) const {
    std::vector<double> out(points_);
    for (std::size_t p = 0; p < points_; ++p)
        out[p] = mean(town, model, p, metric);
    return out;
}

bool PointMeans::complete() const {
    for (std::size_t t = 0; t < towns_.size(); ++t)
        for (std::size_t m = 0; m < models_.size(); ++m) {
            const Cell* c = cell(t, m);
            if (c == nullptr ||
                !std::all_of(c->added.begin(), c->added.end(), [](std::uint8_t a) { return a; }))
                return false;
        }
    return !towns_.empty();
}

// ---- sensitivity ------------------------------------------------------------------------------

namespace {

double variance(const std::vector<double>& x) {
    double mean = 0;
    for (const double v : x)
        mean += v;
    mean /= static_cast<double>(x.size());
    double ss = 0;
    for (const double v : x)
        ss += (v - mean) * (v - mean);
    return x.size() > 1 ? ss / static_cast<double>(x.size() - 1) : nan;
}

template <class Design>
void check_design(const PointMeans& means, const Design& design,
                  const std::vector<std::string>& parameters) {
    if (design.points.size() != means.points())
        throw std::invalid_argument(
            fmt::format("design analysis: the design has {} points, the runs {}",
                        design.points.size(), means.points()));
    if (parameters.size() != design.factors)
        throw std::invalid_argument("design analysis: one parameter name per design column");
}

SensitivityRow row_for(const PointMeans& means, std::size_t t, std::size_t m, Metric metric,
                       const std::string& parameter, const SensitivityOptions& o) {
    SensitivityRow r;
    r.town = means.towns()[t];
    r.model = means.models()[m];
    r.metric = metric;
    r.parameter = parameter;
    r.confidence = o.confidence;
    r.first = r.first_lower = r.first_upper = nan;
    r.total = r.total_lower = r.total_upper = nan;
    r.mu = r.mu_star = r.mu_star_lower = r.mu_star_upper = r.sigma = nan;
    return r;
}

/// A row per town, model, metric and parameter: `analyse(point means)` gives the method's
/// results for a series, `fill(row, results, k)` puts parameter k's into a row.
template <class Design, class Analyse, class Fill>
std::vector<SensitivityRow> sensitivity_rows(const PointMeans& means, const Design& design,
                                             const std::vector<std::string>& parameters,
                                             const SensitivityOptions& o, const char* method,
                                             std::size_t points, Analyse analyse, Fill fill) {
    check_design(means, design, parameters);
    std::vector<SensitivityRow> out;
    for (std::size_t t = 0; t < means.towns().size(); ++t)
        for (std::size_t m = 0; m < means.models().size(); ++m)
            for (const Metric metric : all_metrics()) {
                const std::vector<double> y = means.series(t, m, metric);
                const auto results = analyse(y);
                const double var = variance(y);
                for (std::size_t k = 0; k < design.factors; ++k) {
                    SensitivityRow r = row_for(means, t, m, metric, parameters[k], o);
                    r.method = method;
                    r.points = points;
                    r.output_variance = var;
                    fill(r, results, k);
                    out.push_back(std::move(r));
                }
            }
    return out;
}

} // namespace

std::vector<SensitivityRow> sobol_rows(const PointMeans& means,
                                       const analysis::SaltelliDesign& design,
                                       const std::vector<std::string>& parameters,
                                       const SensitivityOptions& o) {
    return sensitivity_rows(
        means, design, parameters, o, "sobol", design.base,
        [&](const std::vector<double>& y) {
            return analysis::sobol_indices(design, y, o.resamples, o.confidence, o.seed);
        },
        [](SensitivityRow& r, const analysis::SobolIndices& idx, std::size_t k) {
            r.first = idx.first[k].estimate;
            r.first_lower = idx.first[k].lower;
            r.first_upper = idx.first[k].upper;
            r.total = idx.total[k].estimate;
            r.total_lower = idx.total[k].lower;
            r.total_upper = idx.total[k].upper;
        });
}

std::vector<SensitivityRow> morris_rows(const PointMeans& means,
                                        const analysis::MorrisDesign& design,
                                        const std::vector<std::string>& parameters,
                                        const SensitivityOptions& o) {
    return sensitivity_rows(
        means, design, parameters, o, "morris", design.trajectories,
        [&](const std::vector<double>& y) {
            return analysis::morris_effects(design, y, o.resamples, o.confidence, o.seed);
        },
        [](SensitivityRow& r, const analysis::MorrisEffects& fx, std::size_t k) {
            r.mu = fx.mu[k];
            r.mu_star = fx.mu_star[k];
            r.mu_star_lower = fx.mu_star_interval[k].lower;
            r.mu_star_upper = fx.mu_star_interval[k].upper;
            r.sigma = fx.sigma[k];
        });
}

// ---- robustness -------------------------------------------------------------------------------

std::vector<RobustnessRow> robustness_rows(const PointMeans& means,
                                           std::string_view baseline_model) {
    const auto& models = means.models();
    std::size_t baseline = 0;
    if (const auto it = std::find(models.begin(), models.end(), baseline_model); it != models.end())
        baseline = static_cast<std::size_t>(it - models.begin());
    std::vector<RobustnessRow> out;
    for (std::size_t t = 0; t < means.towns().size(); ++t)
        for (const Metric metric : all_metrics()) {
            // values[d][m]: model m's mean on draw d
            std::vector<std::vector<double>> values(means.points(),
                                                    std::vector<double>(models.size()));
            for (std::size_t m = 0; m < models.size(); ++m) {
                const std::vector<double> y = means.series(t, m, metric);
                for (std::size_t d = 0; d < y.size(); ++d)
                    values[d][m] = y[d];
            }
            const bool lower = lower_is_better(metric);
            const auto fig = analysis::robustness(values, baseline, lower);
            for (std::size_t m = 0; m < models.size(); ++m) {
                RobustnessRow r;
                r.town = means.towns()[t];
                r.model = models[m];
                r.baseline = models[baseline];
                r.metric = metric;
                r.lower_is_better = lower;
                r.draws = fig[m].draws;
                r.mean = fig[m].mean;
                r.p05 = fig[m].p05;
                r.p95 = fig[m].p95;
                r.p_beats_baseline = m == baseline ? nan : fig[m].p_beats_baseline;
                r.expected_regret = fig[m].expected_regret;
                r.rank_probability = fig[m].rank_probability;
                out.push_back(std::move(r));
            }
        }
    return out;
}

// ---- sweeps ----------------------------------------------------------------------------------

std::vector<SweepRow> sweep_rows(const PointMeans& means,
                                 const std::vector<std::vector<double>>& values) {
    if (values.size() != means.points())
        throw std::invalid_argument(
            fmt::format("a sweep of {} points with values for {}", means.points(), values.size()));
    std::vector<SweepRow> out;
    for (std::size_t t = 0; t < means.towns().size(); ++t)
        for (std::size_t m = 0; m < means.models().size(); ++m)
            for (std::size_t p = 0; p < means.points(); ++p) {
                SweepRow r;
                r.town = means.towns()[t];
                r.model = means.models()[m];
                r.point = p;
                r.values = values[p];
                for (std::size_t k = 0; k < metric_count; ++k)
                    r.mean[k] = means.mean(t, m, p, static_cast<Metric>(k));
                out.push_back(std::move(r));
            }
    return out;
}

std::string sweep_table(const std::vector<SweepRow>& rows,
                        const std::vector<std::string>& parameters, std::uint32_t replicates,
                        const std::vector<Metric>& metrics, std::size_t max_rows) {
    std::vector<Metric> shown;
    for (const Metric m : all_metrics())
        if (wanted(metrics, m))
            shown.push_back(m);
    std::vector<std::size_t> width;
    for (const std::string& p : parameters)
        width.push_back(std::max<std::size_t>(p.size(), 8) + 2);
    std::string out;
    std::size_t printed = 0, i = 0;
    while (i < rows.size() && printed < max_rows) {
        std::size_t j = i; // a block: the points of one town and model
        while (j < rows.size() && rows[j].town == rows[i].town && rows[j].model == rows[i].model)
            ++j;
        out += fmt::format("\n{} / {}: each design point's mean over {} replicate{} (each run's "
                           "metrics over its evaluation period)\n",
                           rows[i].town, rows[i].model, replicates, replicates == 1 ? "" : "s");
        std::string header = fmt::format("{:>7}", "point");
        for (std::size_t p = 0; p < parameters.size(); ++p)
            header += pad_left(parameters[p], width[p]);
        for (const Metric m : shown)
            header += pad_left(std::string(display_of(m).header), 20);
        out += header + "\n";
        for (; i < j && printed < max_rows; ++i, ++printed) {
            const SweepRow& r = rows[i];
            std::string line = fmt::format("{:>7}", r.point);
            for (std::size_t p = 0; p < parameters.size() && p < r.values.size(); ++p)
                line += pad_left(fmt::format("{:g}", r.values[p]), width[p]);
            for (const Metric m : shown) {
                const MetricDisplay d = display_of(m);
                const double v = r.mean[static_cast<std::size_t>(m)];
                line += pad_left(std::isnan(v) ? std::string("—")
                                               : fmt::format("{:.{}f}", v * d.scale, d.decimals),
                                 20);
            }
            out += line + "\n";
        }
        if (i < j)
            break;
    }
    if (i < rows.size())
        out += fmt::format("... and {} more line{} of design points: every run's metrics are in "
                           "the results file's /runs (govsim export FILE runs -o FILE.csv)\n",
                           rows.size() - i, rows.size() - i == 1 ? "" : "s");
    return out;
}

// ---- output -----------------------------------------------------------------------------------

void write_sensitivity(sim::ResultsFile& file, const std::vector<SensitivityRow>& rows) {
    using R = SensitivityRow;
    sim::RowTable<R> table(rows);
    table.attribute("description",
                    "One row per town, model, outcome metric (over the evaluation period, mean "
                    "over replicates at each design point) and design parameter: Sobol "
                    "first-order (Saltelli 2010) and total-order (Jansen 1999) indices with "
                    "percentile-bootstrap intervals over the base rows, or Morris elementary "
                    "effects in the unit cube (mu, mu_star with a bootstrap interval over "
                    "trajectories, sigma); the other method's columns are NaN.");
    table.column("town", [](const R& r) -> const std::string& { return r.town; })
        .column("model", [](const R& r) -> const std::string& { return r.model; })
        .string_column(
            "metric", [](const R& r) { return std::string(name_of(r.metric)); },
            sim::longest_name(metric_names))
        .column("parameter", [](const R& r) -> const std::string& { return r.parameter; })
        .column("method", [](const R& r) -> const std::string& { return r.method; })
        .column("points", [](const R& r) { return static_cast<std::uint64_t>(r.points); })
        .column("confidence", [](const R& r) { return r.confidence; })
        .column("output_variance", [](const R& r) { return r.output_variance; })
        .column("first_order", [](const R& r) { return r.first; })
        .column("first_order_lower", [](const R& r) { return r.first_lower; })
        .column("first_order_upper", [](const R& r) { return r.first_upper; })
        .column("total_order", [](const R& r) { return r.total; })
        .column("total_order_lower", [](const R& r) { return r.total_lower; })
        .column("total_order_upper", [](const R& r) { return r.total_upper; })
        .column("mu", [](const R& r) { return r.mu; })
        .column("mu_star", [](const R& r) { return r.mu_star; })
        .column("mu_star_lower", [](const R& r) { return r.mu_star_lower; })
        .column("mu_star_upper", [](const R& r) { return r.mu_star_upper; })
        .column("sigma", [](const R& r) { return r.sigma; });
    file.write_table("sensitivity", table);
}

void write_robustness(sim::ResultsFile& file, const std::vector<RobustnessRow>& rows) {
    using R = RobustnessRow;
    sim::RowTable<R> table(rows);
    table.attribute("description",
                    "One row per town, outcome metric (over the evaluation period, mean over "
                    "replicates on each parameter draw) and model: over the draws, the model's "
                    "mean and 5th/95th percentiles, the probability that it is strictly better "
                    "than the baseline on a draw (NaN for the baseline), its expected regret "
                    "(mean shortfall from the best model on each draw, in the metric's units), "
                    "and the probability of each rank among the town's models (rank_1: best).");
    table.column("town", [](const R& r) -> const std::string& { return r.town; })
        .column("model", [](const R& r) -> const std::string& { return r.model; })
        .string_column(
            "metric", [](const R& r) { return std::string(name_of(r.metric)); },
            sim::longest_name(metric_names))
        .column("baseline", [](const R& r) -> const std::string& { return r.baseline; })
        .column("lower_is_better",
                [](const R& r) { return static_cast<std::uint8_t>(r.lower_is_better ? 1 : 0); })
        .column("draws", [](const R& r) { return static_cast<std::uint64_t>(r.draws); })
        .column("mean", [](const R& r) { return r.mean; })
        .column("p05", [](const R& r) { return r.p05; })
        .column("p95", [](const R& r) { return r.p95; })
        .column("p_beats_baseline", [](const R& r) { return r.p_beats_baseline; })
        .column("expected_regret", [](const R& r) { return r.expected_regret; });
    std::size_t ranks = 0;
    for (const R& r : rows)
        ranks = std::max(ranks, r.rank_probability.size());
    for (std::size_t k = 0; k < ranks; ++k)
        table.column(fmt::format("rank_{}", k + 1), [k](const R& r) {
            return k < r.rank_probability.size() ? r.rank_probability[k] : nan;
        });
    file.write_table("robustness", table);
}

std::string sensitivity_csv(const std::vector<SensitivityRow>& rows) {
    std::string out = "town,model,metric,parameter,method,points,confidence,output_variance,"
                      "first_order,first_order_lower,first_order_upper,total_order,"
                      "total_order_lower,total_order_upper,mu,mu_star,mu_star_lower,"
                      "mu_star_upper,sigma\n";
    for (const auto& r : rows)
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.town,
                           r.model, name_of(r.metric), r.parameter, r.method, r.points,
                           r.confidence, r.output_variance, r.first, r.first_lower, r.first_upper,
                           r.total, r.total_lower, r.total_upper, r.mu, r.mu_star, r.mu_star_lower,
                           r.mu_star_upper, r.sigma);
    return out;
}

std::string robustness_csv(const std::vector<RobustnessRow>& rows) {
    std::size_t ranks = 0;
    for (const auto& r : rows)
        ranks = std::max(ranks, r.rank_probability.size());
    std::string out = "town,model,metric,baseline,lower_is_better,draws,mean,p05,p95,"
                      "p_beats_baseline,expected_regret";
    for (std::size_t k = 0; k < ranks; ++k)
        out += fmt::format(",rank_{}", k + 1);
    out += '\n';
    for (const auto& r : rows) {
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}", r.town, r.model, name_of(r.metric),
                           r.baseline, r.lower_is_better ? 1 : 0, r.draws, r.mean, r.p05, r.p95,
                           r.p_beats_baseline, r.expected_regret);
        for (std::size_t k = 0; k < ranks; ++k)
            out += fmt::format(",{}", k < r.rank_probability.size() ? r.rank_probability[k] : nan);
        out += '\n';
    }
    return out;
}

std::string sensitivity_table(const std::vector<SensitivityRow>& rows,
                              const std::vector<Metric>& metrics) {
    std::string out;
    std::size_t i = 0;
    while (i < rows.size()) {
        // A block: the rows of one town, model and metric.
        std::size_t j = i;
        while (j < rows.size() && rows[j].town == rows[i].town && rows[j].model == rows[i].model &&
               rows[j].metric == rows[i].metric)
            ++j;
        if (wanted(metrics, rows[i].metric)) {
            std::vector<const SensitivityRow*> block;
            for (std::size_t k = i; k < j; ++k)
                block.push_back(&rows[k]);
            const bool sobol = rows[i].method == "sobol";
            std::stable_sort(block.begin(), block.end(), [sobol](const auto* a, const auto* b) {
                const double x = sobol ? a->total : a->mu_star, y = sobol ? b->total : b->mu_star;
                return (std::isnan(y) && !std::isnan(x)) || x > y;
            });
            out += fmt::format("\n{} / {} / {} ({} {}, {:.0f}% intervals)\n", rows[i].town,
                               rows[i].model, name_of(rows[i].metric), rows[i].points,
                               sobol ? "base samples" : "trajectories", 100 * rows[i].confidence);
            if (sobol)
                out += fmt::format("  {:<44} {:>22} {:>22}\n", "parameter", "first order",
                                   "total order");
            else
                out += fmt::format("  {:<44} {:>10} {:>22} {:>10}\n", "parameter", "mu", "mu*",
                                   "sigma");
            for (const auto* r : block) {
                if (sobol)
                    out += fmt::format("  {:<44} {:>6.3f} [{:>6.3f},{:>6.3f}] {:>6.3f} "
                                       "[{:>6.3f},{:>6.3f}]\n",
                                       r->parameter, r->first, r->first_lower, r->first_upper,
                                       r->total, r->total_lower, r->total_upper);
                else
                    out += fmt::format("  {:<44} {:>10.4g} {:>8.4g} [{:.4g},{:.4g}] {:>10.4g}\n",
                                       r->parameter, r->mu, r->mu_star, r->mu_star_lower,
                                       r->mu_star_upper, r->sigma);
            }
        }
        i = j;
    }
    return out;
}

std::string robustness_table(const std::vector<RobustnessRow>& rows,
                             const std::vector<Metric>& metrics) {
    std::string out;
    std::size_t i = 0;
    while (i < rows.size()) {
        std::size_t j = i;
        while (j < rows.size() && rows[j].town == rows[i].town && rows[j].metric == rows[i].metric)
            ++j;
        if (wanted(metrics, rows[i].metric)) {
            out +=
                fmt::format("\n{} / {} ({} is better; {} draws; baseline {})\n", rows[i].town,
                            name_of(rows[i].metric), rows[i].lower_is_better ? "lower" : "higher",
                            rows[i].draws, rows[i].baseline);
            out += fmt::format("  {:<18} {:>12} {:>25} {:>10} {:>12} {:>8}\n", "model", "mean",
                               "90% of draws", "P(beats)", "regret", "P(best)");
            for (std::size_t k = i; k < j; ++k) {
                const auto& r = rows[k];
                out += fmt::format(
                    "  {:<18} {:>12.4g} [{:>11.4g}, {:>11.4g}] {:>10} {:>12.4g} {:>8.2f}\n",
                    r.model, r.mean, r.p05, r.p95,
                    std::isnan(r.p_beats_baseline) ? std::string("-")
                                                   : fmt::format("{:.2f}", r.p_beats_baseline),
                    r.expected_regret, r.rank_probability.empty() ? nan : r.rank_probability[0]);
            }
        }
        i = j;
    }
    return out;
}

} // namespace govsim::models
