// Writing an experiment's results file (see results_io.hpp and docs/results.md).
#include "models/results_io.hpp"

#include "models/comparison.hpp"
#include "sim/results_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>

namespace govsim::models {

namespace {

/// One row of a nested series, flattened: the run it belongs to and the row itself.
template <class Row>
struct Ref {
    const RunResult* run;
    const Row* row;
};

/// The rows of one run's series, each with its run.
template <class Row, class Rows>
std::vector<Ref<Row>> refs(const RunResult& run, Rows RunResult::*rows) {
    std::vector<Ref<Row>> out;
    out.reserve((run.*rows).size());
    for (const Row& row : run.*rows) {
        out.push_back(Ref<Row>{&run, &row});
    }
    return out;
}

/// Widths of the key columns (scenario, town, model): the longest value over every run, so
/// that tables written run by run have the widths a table written at once would have.
struct KeyWidths {
    std::size_t scenario = 1;
    std::size_t town = 1;
    std::size_t model = 1;
};

KeyWidths key_widths(const RunSource& source) {
    KeyWidths w;
    for (std::size_t i = 0; i < source.runs(); ++i) {
        const RunKey key = source.key(i);
        w.scenario = std::max(w.scenario, key.scenario.size());
        w.town = std::max(w.town, key.town.size());
        w.model = std::max(w.model, key.model.size());
    }
    return w;
}

/// The name of code `code` in a vocabulary; throws for a code outside it (a corrupt record).
template <std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, std::size_t code,
                         std::string_view what, const RunKey& key) {
    if (code >= N) {
        throw std::invalid_argument(
            fmt::format("cannot write results: a {} code {} in run {} (scenario '{}', town '{}', "
                        "replicate {}) is out of range (0..{})",
                        what, code, key.index, key.scenario, key.town, key.replicate, N - 1));
    }
    return names[code];
}

template <class Row>
void add_key_columns(sim::RowTable<Ref<Row>>& table, const KeyWidths& w) {
    table.string_column(
        "scenario", [](const Ref<Row>& r) -> const std::string& { return r.run->key.scenario; },
        w.scenario);
    table.string_column(
        "town", [](const Ref<Row>& r) -> const std::string& { return r.run->key.town; }, w.town);
    table.string_column(
        "model", [](const Ref<Row>& r) -> const std::string& { return r.run->key.model; }, w.model);
    table.column("replicate", [](const Ref<Row>& r) { return r.run->key.replicate; });
}

/// The DisputeStats columns, for rows that hold them in `stats`.
template <class Row>
void add_stats_columns(sim::RowTable<Ref<Row>>& table) {
    using R = Ref<Row>;
    table.column("disputes", [](const R& r) { return r.row->stats.disputes; })
        .column("complaints", [](const R& r) { return r.row->stats.complaints; })
        .column("grid_referrals", [](const R& r) { return r.row->stats.grid_referrals; })
        .column("timer_escalations", [](const R& r) { return r.row->stats.timer_escalations; })
        .column("government_cases", [](const R& r) { return r.row->stats.government_cases(); })
        .column("resolved", [](const R& r) { return r.row->stats.resolved; })
        .column("abandoned", [](const R& r) { return r.row->stats.abandoned; })
        .column("open_at_end", [](const R& r) { return r.row->stats.open_at_end; })
        .column("resolved_share",
                [](const R& r) { return r.row->stats.share(r.row->stats.resolved); })
        .column("abandoned_share",
                [](const R& r) { return r.row->stats.share(r.row->stats.abandoned); })
        .column("open_share_at_end",
                [](const R& r) { return r.row->stats.share(r.row->stats.open_at_end); })
        .column("mean_resolution_days",
                [](const R& r) { return r.row->stats.mean_resolution_days; })
        .column("median_resolution_days",
                [](const R& r) { return r.row->stats.median_resolution_days; })
        .column("p90_resolution_days", [](const R& r) { return r.row->stats.p90_resolution_days; })
        .column("mean_detection_days", [](const R& r) { return r.row->stats.mean_detection_days; })
        .column("share_resolved_within_30_days",
                [](const R& r) { return r.row->stats.share_resolved_within_30_days; });
}

/// Dispute-days open and unresolved, for rows that hold them.
template <class Row>
void add_burden_columns(sim::RowTable<Ref<Row>>& table) {
    using R = Ref<Row>;
    table.column("open_dispute_days", [](const R& r) { return r.row->open_dispute_days; })
        .column("unresolved_dispute_days",
                [](const R& r) { return r.row->unresolved_dispute_days; });
}

/// The InstitutionStats columns, for rows that hold them in `institutions`.
template <class Row>
void add_institution_columns(sim::RowTable<Ref<Row>>& table) {
    using R = Ref<Row>;
    table.column("assemblies", [](const R& r) { return r.row->institutions.assemblies; })
        .column("committees_elected",
                [](const R& r) { return r.row->institutions.committees_elected; })
        .column("dismissal_votes", [](const R& r) { return r.row->institutions.dismissal_votes; })
        .column("dismissals", [](const R& r) { return r.row->institutions.dismissals; })
        .column("hire_votes", [](const R& r) { return r.row->institutions.hire_votes; })
        .column("tenders", [](const R& r) { return r.row->institutions.tenders; })
        .column("firms_hired", [](const R& r) { return r.row->institutions.firms_hired; })
        .column("abandonments", [](const R& r) { return r.row->institutions.abandonments; })
        .column("committees_dormant",
                [](const R& r) { return r.row->institutions.committees_dormant; })
        .column("committees_revived",
                [](const R& r) { return r.row->institutions.committees_revived; });
}

void describe_runs(sim::RowTable<const RunResult*>& table, const KeyWidths& w,
                   const Provenance& p) {
    using R = const RunResult*;
    table
        .attribute("description",
                   "One row per run (design point x town x model x replicate), in index order: "
                   "its key, its design point and the value of every design parameter there, "
                   "its town's size, and every outcome metric of the comparison over the "
                   "evaluation period (evaluated_from to evaluated_to).")
        .column("index", [](R r) { return r->key.index; })
        .string_column(
            "scenario", [](R r) -> const std::string& { return r->key.scenario; }, w.scenario)
        .string_column(
            "town", [](R r) -> const std::string& { return r->key.town; }, w.town)
        .string_column(
            "model", [](R r) -> const std::string& { return r->key.model; }, w.model)
        .column("replicate", [](R r) { return r->key.replicate; })
        .column("point",
                [&p](R r) { return static_cast<std::uint64_t>(design_point(p, r->key.index)); });
    for (std::size_t k = 0; k < p.design.parameters.size(); ++k)
        table.column(p.design.parameters[k].key,
                     [&p, k](R r) { return p.design.values[design_point(p, r->key.index)][k]; });
    table.column("communities", [](R r) { return r->communities; })
        .column("compounds", [](R r) { return r->compounds; })
        .column("units", [](R r) { return r->units; })
        .column("evaluated_from", [](R r) { return static_cast<std::int32_t>(r->evaluated_from); })
        .column("evaluated_to", [](R r) { return static_cast<std::int32_t>(r->evaluated_to); })
        .column("wall_seconds", [](R r) { return r->wall_seconds; });
    for (std::size_t m = 0; m < metric_count; ++m)
        table.column(std::string(metric_names[m]),
                     [m](R r) { return metric_value(*r, static_cast<Metric>(m)); });
}

/// /design/parameters and /design/points, and the design's root attributes.
void write_design(sim::ResultsFile& file, const ExperimentDesign& d) {
    file.set_attribute("design_kind", d.kind);
    file.set_attribute("design_seed", d.seed);
    file.set_attribute("design_samples", static_cast<std::uint64_t>(d.samples));
    file.set_attribute("design_levels", static_cast<std::uint64_t>(d.levels));
    file.set_attribute("design_factors", static_cast<std::uint64_t>(d.parameters.size()));
    file.set_attribute("design_points", static_cast<std::uint64_t>(d.values.size()));
    if (d.has_posterior()) {
        file.set_attribute("design_posterior", d.posterior_file);
        file.set_attribute("design_posterior_calibration", d.posterior_calibration);
        file.set_attribute("design_posterior_rows", static_cast<std::uint64_t>(d.posterior_size));
    }
    using P = DesignParameter;
    sim::RowTable<P> parameters(d.parameters);
    parameters
        .attribute("description",
                   "One row per design parameter, in design order (the columns u0, u1, ... of "
                   "/design/points): its scenario key, its distribution ('levels' for a factorial "
                   "design's listed values; 'posterior' for a key a calibration posterior sets, "
                   "lower and upper its column's range) and the distribution's parameters; "
                   "integer = 1 when the scenario's value is an integer (drawn values are "
                   "rounded).")
        .column("key", [](const P& x) -> const std::string& { return x.key; })
        .column("distribution",
                [](const P& x) -> const std::string& { return x.distribution.name; })
        .column("lower", [](const P& x) { return x.distribution.lower; })
        .column("upper", [](const P& x) { return x.distribution.upper; })
        .column("mode", [](const P& x) { return x.distribution.mode; })
        .column("mean", [](const P& x) { return x.distribution.mean; })
        .column("sd", [](const P& x) { return x.distribution.sd; })
        .column("alpha", [](const P& x) { return x.distribution.alpha; })
        .column("beta", [](const P& x) { return x.distribution.beta; })
        .column("levels", [](const P& x) { return static_cast<std::uint64_t>(x.levels.size()); })
        .column("integer", [](const P& x) { return static_cast<std::uint8_t>(x.integer ? 1 : 0); });
    file.write_table("design/parameters", parameters);

    struct Level {
        std::uint64_t parameter, level;
        double value;
    };
    std::vector<Level> levels;
    for (std::size_t k = 0; k < d.parameters.size(); ++k)
        for (std::size_t j = 0; j < d.parameters[k].levels.size(); ++j)
            levels.push_back({k, j, d.parameters[k].levels[j]});
    sim::RowTable<Level> level_table(levels);
    level_table
        .attribute("description", "A factorial design's levels: one row per parameter (its row "
                                  "in /design/parameters, from 0) and level, in order.")
        .column("parameter", [](const Level& l) { return l.parameter; })
        .column("level", [](const Level& l) { return l.level; })
        .column("value", [](const Level& l) { return l.value; });
    file.write_table("design/levels", level_table);

    std::vector<std::size_t> points(d.values.size());
    for (std::size_t i = 0; i < points.size(); ++i)
        points[i] = i;
    sim::RowTable<std::size_t> table(points);
    table
        .attribute("description",
                   "One row per design point, in design order (a Sobol design: block A, block B, "
                   "then A_B^(1)..A_B^(k); a Morris design: trajectory by trajectory): the point "
                   "in the unit hypercube (u0, u1, ...: one column per parameter of "
                   "/design/parameters) and the value applied to the scenarios (a column per "
                   "parameter, named by its key); with a calibration posterior, posterior_row: "
                   "the row of the posterior table drawn (0 = the first after the header).")
        .column("point", [](std::size_t i) { return static_cast<std::uint64_t>(i); });
    if (d.has_posterior())
        table.column("posterior_row", [&d](std::size_t i) {
            return static_cast<std::uint64_t>(d.posterior_rows[i]);
        });
    for (std::size_t k = 0; k < d.parameters.size(); ++k)
        table.column(fmt::format("u{}", k), [&d, k](std::size_t i) { return d.unit[i][k]; });
    for (std::size_t k = 0; k < d.parameters.size(); ++k)
        table.column(d.parameters[k].key, [&d, k](std::size_t i) { return d.values[i][k]; });
    file.write_table("design/points", table);
}

ExperimentDesign read_design(const sim::ResultsReader& file) {
    ExperimentDesign d;
    d.kind = file.string_attribute("design_kind");
    d.seed = file.uint_attribute("design_seed");
    d.samples = file.uint_attribute("design_samples");
    d.levels = file.uint_attribute("design_levels");
    const auto keys = file.string_column("design/parameters", "key");
    const auto names = file.string_column("design/parameters", "distribution");
    const auto column = [&](const char* name) {
        return file.double_column("design/parameters", name);
    };
    const auto lower = column("lower"), upper = column("upper"), mode = column("mode"),
               mean = column("mean"), sd = column("sd"), alpha = column("alpha"),
               beta = column("beta");
    const auto integer = file.uint_column("design/parameters", "integer");
    std::vector<std::vector<double>> unit, values;
    for (std::size_t k = 0; k < keys.size(); ++k) {
        DesignParameter p;
        p.key = keys[k];
        p.distribution =
            Distribution{names[k], lower[k], upper[k], mode[k], mean[k], sd[k], alpha[k], beta[k]};
        p.integer = integer[k] != 0;
        d.parameters.push_back(std::move(p));
        unit.push_back(file.double_column("design/points", fmt::format("u{}", k)));
        values.push_back(file.double_column("design/points", keys[k]));
    }
    const std::size_t points = file.rows("design/points");
    d.unit.assign(points, std::vector<double>(keys.size()));
    d.values.assign(points, std::vector<double>(keys.size()));
    for (std::size_t i = 0; i < points; ++i)
        for (std::size_t k = 0; k < keys.size(); ++k) {
            d.unit[i][k] = unit[k][i];
            d.values[i][k] = values[k][i];
        }
    if (file.has_attribute("design_posterior")) {
        d.posterior_file = file.string_attribute("design_posterior");
        d.posterior_calibration = file.string_attribute("design_posterior_calibration");
        d.posterior_size = file.uint_attribute("design_posterior_rows");
        for (const auto row : file.uint_column("design/points", "posterior_row"))
            d.posterior_rows.push_back(static_cast<std::size_t>(row));
    }
    const auto level_of = file.uint_column("design/levels", "parameter");
    const auto level_values = file.double_column("design/levels", "value");
    for (std::size_t j = 0; j < level_of.size(); ++j)
        d.parameters.at(level_of[j]).levels.push_back(level_values[j]);
    return d;
}

void describe_summary(sim::RowTable<Ref<YearRow>>& table, const KeyWidths& w) {
    using R = Ref<YearRow>;
    table.attribute("description",
                    "One row per run and year. Disputes are grouped by the year of their onset and "
                    "followed to the end of the run: disputes = resolved + abandoned + "
                    "open_at_end (and the three shares add up to 1). Government cases "
                    "(complaints, grid referrals, timer escalations) are counted in the year "
                    "they were made; open_dispute_days in the year the disputes were open. "
                    "Times in days; NaN when undefined.");
    add_key_columns(table, w);
    table.column("year", [](const R& r) { return r.row->year; })
        .column("households", [](const R& r) { return r.row->households; })
        .column("dispute_rate_per_1000_households",
                [](const R& r) { return r.row->dispute_rate_per_1000_households; })
        .column("burden_per_1000_households",
                [](const R& r) { return r.row->burden_per_1000_households; });
    add_stats_columns(table);
    add_burden_columns(table);
    add_institution_columns(table);
    for (std::size_t k = 0; k < resource_count; ++k)
        table.column(std::string(resource_names[k]),
                     [k](const R& r) { return r.row->resources.amount[k]; });
    table.column("public_cost", [](const R& r) { return r.row->public_cost; })
        .column("fee_funded_cost", [](const R& r) { return r.row->fee_funded_cost; });
}

void describe_summary_by_category(sim::RowTable<Ref<CategoryYearRow>>& table, const KeyWidths& w) {
    using R = Ref<CategoryYearRow>;
    table.attribute("description",
                    "One row per run, year and dispute category; columns as in /summary, for the "
                    "disputes of one category.");
    add_key_columns(table, w);
    table.column("year", [](const R& r) { return r.row->year; })
        .string_column(
            "category",
            [](const R& r) {
                return name_of(category_names, index(r.row->category), "category", r.run->key);
            },
            sim::longest_name(category_names));
    add_stats_columns(table);
    add_burden_columns(table);
}

void describe_daily(sim::RowTable<Ref<DailyRow>>& table, const KeyWidths& w) {
    using R = Ref<DailyRow>;
    table.attribute("description",
                    "One row per run and day: the day's flows (onsets, detections, resolved, "
                    "abandoned, complaints) and end-of-day stocks (households, open disputes, "
                    "servers), and the work done at each handler level in server-days.");
    add_key_columns(table, w);
    table.column("day", [](const R& r) { return r.row->day; })
        .column("warmup", [](const R& r) { return static_cast<std::uint8_t>(r.row->warmup); })
        .column("households", [](const R& r) { return r.row->households; })
        .column("onsets", [](const R& r) { return r.row->onsets; })
        .column("detections", [](const R& r) { return r.row->detections; })
        .column("resolved", [](const R& r) { return r.row->resolved; })
        .column("abandoned", [](const R& r) { return r.row->abandoned; })
        .column("complaints", [](const R& r) { return r.row->complaints; })
        .column("grid_referrals", [](const R& r) { return r.row->grid_referrals; })
        .column("timer_escalations", [](const R& r) { return r.row->timer_escalations; })
        .column("open", [](const R& r) { return r.row->open; });
    for (std::size_t level = 0; level < level_count; ++level) {
        table.column(fmt::format("busy_server_days_{}", level_names[level]),
                     [level](const R& r) { return r.row->busy_server_days[level]; });
    }
    for (std::size_t level = 0; level < level_count; ++level) {
        table.column(fmt::format("servers_{}", level_names[level]),
                     [level](const R& r) { return r.row->servers[level]; });
    }
}

void describe_monthly(sim::RowTable<Ref<MonthlyRow>>& table, const KeyWidths& w) {
    using R = Ref<MonthlyRow>;
    table.attribute("description",
                    "One row per run and month (0-based, from the start of the run): state at the "
                    "end of the month, and the month's assemblies, tenders and abandonments.");
    add_key_columns(table, w);
    table.column("month", [](const R& r) { return r.row->month; })
        .column("warmup", [](const R& r) { return static_cast<std::uint8_t>(r.row->warmup); })
        .column("mean_satisfaction", [](const R& r) { return r.row->mean_satisfaction; })
        .column("mean_trust", [](const R& r) { return r.row->mean_trust; })
        .column("mean_owner_satisfaction",
                [](const R& r) { return r.row->mean_owner_satisfaction; })
        .column("fee_collection", [](const R& r) { return r.row->fee_collection; })
        .column("mean_staffing", [](const R& r) { return r.row->mean_staffing; })
        .column("managed_compounds", [](const R& r) { return r.row->managed_compounds; })
        .column("firm_managed", [](const R& r) { return r.row->firm_managed; })
        .column("interim_managed", [](const R& r) { return r.row->interim_managed; })
        .column("collective_managed", [](const R& r) { return r.row->collective_managed; })
        .column("self_governed", [](const R& r) { return r.row->self_governed; })
        .column("owners_committees", [](const R& r) { return r.row->owners_committees; })
        .column("functioning_committees", [](const R& r) { return r.row->functioning_committees; })
        .column("residents_committees", [](const R& r) { return r.row->residents_committees; })
        .column("firm_balance", [](const R& r) { return r.row->firm_balance; })
        .column("firms_in_deficit", [](const R& r) { return r.row->firms_in_deficit; });
    add_institution_columns(table);
}

/// A comparison row's estimates: replicates, mean and interval, the paired difference from the
/// baseline and the relative change, each with its interval.
void add_estimate_columns(sim::RowTable<ComparisonRow>& table) {
    using R = ComparisonRow;
    table.column("replicates", [](const R& r) { return static_cast<std::uint64_t>(r.replicates); })
        .column("mean", [](const R& r) { return r.mean; })
        .column("lower", [](const R& r) { return r.lower; })
        .column("upper", [](const R& r) { return r.upper; })
        .column("baseline", [](const R& r) -> const std::string& { return r.baseline; })
        .column("difference", [](const R& r) { return r.difference; })
        .column("difference_lower", [](const R& r) { return r.difference_lower; })
        .column("difference_upper", [](const R& r) { return r.difference_upper; })
        .column("relative", [](const R& r) { return r.relative; })
        .column("relative_lower", [](const R& r) { return r.relative_lower; })
        .column("relative_upper", [](const R& r) { return r.relative_upper; });
}

void write_comparison(sim::ResultsFile& file, const Comparison& comparison) {
    using R = ComparisonRow;
    sim::RowTable<R> table(comparison.rows);
    table.attribute("description",
                    "One row per town, model, metric and period (year 0: the evaluation period, "
                    "first_year to last_year, from the first whole year after the policy start; "
                    "else one calendar year): the metric's mean over replicates with its 95% "
                    "interval; the mean paired difference from the baseline model (same town, "
                    "same replicate) with its 95% interval; the difference relative to the "
                    "baseline's mean with a 95% paired-bootstrap interval; and, for evaluation "
                    "rows, the first year whose difference was significant (0: none).");
    table.column("town", [](const R& r) -> const std::string& { return r.town; })
        .column("model", [](const R& r) -> const std::string& { return r.model; })
        .string_column(
            "metric", [](const R& r) { return std::string(metric_names[index(r.metric)]); },
            sim::longest_name(metric_names))
        .column("year", [](const R& r) { return static_cast<std::int64_t>(r.year); })
        .column("first_year", [](const R& r) { return static_cast<std::int64_t>(r.first_year); })
        .column("last_year", [](const R& r) { return static_cast<std::int64_t>(r.last_year); });
    add_estimate_columns(table);
    table.column("first_significant_year",
                 [](const R& r) { return static_cast<std::int64_t>(r.first_significant_year); });
    file.write_table("comparison", table);

    using C = CostEffectRow;
    sim::RowTable<C> costs(comparison.costs);
    costs.attribute("description",
                    "One row per town and model other than the baseline, over the evaluation "
                    "period: the extra public cost (yuan a year), the extra disputes resolved "
                    "and the complaints avoided a year, each a mean paired difference with its "
                    "95% interval, and the cost per extra dispute resolved and per complaint "
                    "avoided with 95% paired-bootstrap intervals (NaN where the gain is not "
                    "significantly above 0, or without [costs]).");
    costs.column("town", [](const C& r) -> const std::string& { return r.town; })
        .column("model", [](const C& r) -> const std::string& { return r.model; })
        .column("baseline", [](const C& r) -> const std::string& { return r.baseline; })
        .column("replicates", [](const C& r) { return static_cast<std::uint64_t>(r.replicates); })
        .column("extra_cost", [](const C& r) { return r.extra_cost; })
        .column("extra_cost_lower", [](const C& r) { return r.extra_cost_lower; })
        .column("extra_cost_upper", [](const C& r) { return r.extra_cost_upper; })
        .column("extra_resolved", [](const C& r) { return r.extra_resolved; })
        .column("extra_resolved_lower", [](const C& r) { return r.extra_resolved_lower; })
        .column("extra_resolved_upper", [](const C& r) { return r.extra_resolved_upper; })
        .column("complaints_avoided", [](const C& r) { return r.complaints_avoided; })
        .column("complaints_avoided_lower", [](const C& r) { return r.complaints_avoided_lower; })
        .column("complaints_avoided_upper", [](const C& r) { return r.complaints_avoided_upper; })
        .column("cost_per_extra_resolved", [](const C& r) { return r.cost_per_extra_resolved; })
        .column("cost_per_extra_resolved_lower",
                [](const C& r) { return r.cost_per_extra_resolved_lower; })
        .column("cost_per_extra_resolved_upper",
                [](const C& r) { return r.cost_per_extra_resolved_upper; })
        .column("cost_per_complaint_avoided",
                [](const C& r) { return r.cost_per_complaint_avoided; })
        .column("cost_per_complaint_avoided_lower",
                [](const C& r) { return r.cost_per_complaint_avoided_lower; })
        .column("cost_per_complaint_avoided_upper",
                [](const C& r) { return r.cost_per_complaint_avoided_upper; });
    file.write_table("cost_effectiveness", costs);

    sim::RowTable<R> equity(comparison.equity);
    equity.attribute("description",
                     "One row per town, model, group of households (dimension and group, as in "
                     "/equity) and metric, over the evaluation period: the group's mean over "
                     "replicates with its 95% interval, and the mean paired difference from the "
                     "baseline with its 95% interval and its relative change.");
    equity.column("town", [](const R& r) -> const std::string& { return r.town; })
        .column("model", [](const R& r) -> const std::string& { return r.model; })
        .column("dimension", [](const R& r) -> const std::string& { return r.dimension; })
        .column("group", [](const R& r) -> const std::string& { return r.group; })
        .string_column(
            "metric", [](const R& r) { return std::string(metric_names[index(r.metric)]); },
            sim::longest_name(metric_names));
    add_estimate_columns(equity);
    file.write_table("equity_comparison", equity);
}

void describe_equity(sim::RowTable<Ref<EquityRow>>& table, const KeyWidths& w) {
    using R = Ref<EquityRow>;
    table.attribute("description",
                    "One row per run and group of households: the evaluation period's disputes "
                    "(onset from the first whole year after the policy start) of households by "
                    "the housing type of their compound, the kind of community, the party's "
                    "tenure and (owners only) the owner's origin; columns as in /summary, with "
                    "government cases counted by the dispute's onset.");
    add_key_columns(table, w);
    std::size_t widest = 0;
    for (std::size_t d = 0; d < equity_dimension_names.size(); ++d)
        for (std::uint8_t g = 0; g < 4; ++g)
            widest = std::max(widest, equity_group_name(static_cast<EquityDimension>(d), g).size());
    table
        .string_column(
            "dimension",
            [](const R& r) {
                return name_of(equity_dimension_names, static_cast<std::size_t>(r.row->dimension),
                               "equity dimension", r.run->key);
            },
            sim::longest_name(equity_dimension_names))
        .string_column(
            "group", [](const R& r) { return equity_group_name(r.row->dimension, r.row->group); },
            widest);
    add_stats_columns(table);
}

/// A vocabulary's names, for an enumeration column.
template <std::size_t N>
std::vector<std::string> enum_names(const std::array<std::string_view, N>& names) {
    return {names.begin(), names.end()};
}

/// /disputes' columns. The run is its index in /runs (which names its scenario, town, model and
/// replicate); categorical columns are enumerations. pack_disputes packs the same rows directly
/// (a test compares the two).
void describe_disputes(sim::RowTable<Ref<DisputeRecord>>& table, const KeyWidths& /*widths*/) {
    using R = Ref<DisputeRecord>;
    table.attribute("description",
                    "One row per dispute: its run (the index of its row in /runs), where it arose "
                    "and when each step happened, in days since 1 January of the first reported "
                    "year, negative in the warm-up (NaN when the step was not reached), and who "
                    "the dispute concerns. Categorical columns are enumerations (HDF5 enum types "
                    "naming their codes).");
    table.column("run", [](const R& r) { return r.run->key.index; })
        .column("community", [](const R& r) { return r.row->community; })
        .column("compound", [](const R& r) { return r.row->compound; })
        .column("household", [](const R& r) { return r.row->household; })
        .enum_column(
            "category",
            [](const R& r) { return static_cast<std::uint8_t>(index(r.row->category)); },
            enum_names(category_names))
        .column("onset", [](const R& r) { return r.row->onset; })
        .column("detected", [](const R& r) { return r.row->detected; })
        .column("government", [](const R& r) { return r.row->government; })
        .enum_column(
            "channel", [](const R& r) { return r.row->channel; },
            enum_names(government_channel_names))
        .column("closed", [](const R& r) { return r.row->closed; })
        .enum_column(
            "outcome", [](const R& r) { return r.row->outcome; }, enum_names(dispute_outcome_names))
        .enum_column(
            "last_level",
            [](const R& r) { return static_cast<std::uint8_t>(index(r.row->last_level)); },
            enum_names(level_names))
        .column("handoffs", [](const R& r) { return r.row->handoffs; })
        .enum_column(
            "party", [](const R& r) { return r.row->party; }, enum_names(dispute_party_names))
        .enum_column(
            "housing", [](const R& r) { return r.row->housing; }, enum_names(housing_type_names))
        .column("village_converted", [](const R& r) { return r.row->village; })
        .enum_column(
            "tenure", [](const R& r) { return r.row->tenure; }, enum_names(tenure_names))
        .column("owner_nonlocal", [](const R& r) { return r.row->nonlocal; });
}

/// Bytes in a packed /disputes row (describe_disputes' columns).
constexpr std::size_t dispute_row_size = 4 * 4 + 4 * 8 + 10;

/// Checks that `code` names a value of `names` (else the record is corrupt), and returns it.
template <std::size_t N>
std::uint8_t checked_code(std::size_t code, const std::array<std::string_view, N>& names,
                          std::string_view what, const RunKey& key) {
    (void)name_of(names, code, what, key);
    return static_cast<std::uint8_t>(code);
}

/// The records of the run of `key`, packed as describe_disputes lays them out into `out`
/// (records.size() × dispute_row_size bytes).
void pack_disputes(const RunKey& key, std::span<const DisputeRecord> records, std::byte* out) {
    static_assert(std::endian::native == std::endian::little,
                  "rows are packed in memory's byte order, and the file's is little-endian");
    const std::uint32_t run_index = key.index;
    for (const DisputeRecord& d : records) {
        const auto put = [&out](const auto& value) {
            std::memcpy(out, &value, sizeof value);
            out += sizeof value;
        };
        put(run_index);
        put(d.community);
        put(d.compound);
        put(d.household);
        put(checked_code(index(d.category), category_names, "category", key));
        put(d.onset);
        put(d.detected);
        put(d.government);
        put(checked_code(d.channel, government_channel_names, "government channel", key));
        put(d.closed);
        put(checked_code(d.outcome, dispute_outcome_names, "dispute outcome", key));
        put(checked_code(index(d.last_level), level_names, "handler level", key));
        put(d.handoffs);
        put(checked_code(d.party, dispute_party_names, "dispute party", key));
        put(checked_code(d.housing, housing_type_names, "housing type", key));
        put(d.village);
        put(checked_code(d.tenure, tenure_names, "tenure", key));
        put(d.nonlocal);
    }
}

/// The per-run tables of a results file, written run by run: every table is created at once
/// (empty, with its columns), and each run's rows are appended to each in turn. `runs` runs
/// will be added, the first of them `first` (null: none): a table's rows are expected to
/// number `runs` times the first run's, so that a small file's tables get chunks of their own
/// size instead of 256 KiB each (sim::ResultsFile::create_table).
class RunTables {
public:
    RunTables(sim::ResultsFile& file, const KeyWidths& widths, const Provenance& provenance,
              bool include_disputes, unsigned disputes_deflate, std::size_t runs,
              const StreamedRun* first)
        : widths_(widths), provenance_(provenance),
          runs_(create<const RunResult*>(file, "runs", describe_runs_of(), {}, runs)),
          summary_(create<Ref<YearRow>>(file, "summary", describe_summary, {},
                                        expected(runs, first, &RunResult::years))),
          by_category_(create<Ref<CategoryYearRow>>(
              file, "summary_by_category", describe_summary_by_category, {},
              expected(runs, first, &RunResult::category_years))),
          daily_(create<Ref<DailyRow>>(file, "daily", describe_daily, {},
                                       expected(runs, first, &RunResult::daily))),
          monthly_(create<Ref<MonthlyRow>>(file, "monthly", describe_monthly, {},
                                           expected(runs, first, &RunResult::monthly))),
          equity_(create<Ref<EquityRow>>(file, "equity", describe_equity, {},
                                         expected(runs, first, &RunResult::equity))) {
        if (include_disputes) {
            // The largest table by far: narrow rows (no strings), shuffled and deflated at the
            // fastest level by default, chunks compressed on the worker threads.
            disputes_.emplace(create<Ref<DisputeRecord>>(
                file, "disputes", describe_disputes, {disputes_deflate, disputes_deflate > 0, true},
                first == nullptr ? 0 : runs * static_cast<std::size_t>(first->records.count)));
            if (disputes_->row_size() != dispute_row_size)
                throw std::logic_error("/disputes: pack_disputes and describe_disputes differ");
        }
    }

    /// Writes what the tables still hold: call it after the last run.
    void finish() {
        if (disputes_)
            disputes_->finish();
    }

    /// Adds a run's rows, and its records to /disputes when it is written. The records are
    /// read here in any case: reading them completes the run's checks (a source that reads them
    /// from disk throws then if the run is damaged, and the file is not committed).
    void add(const StreamedRun& streamed) {
        const RunResult& run = streamed.run;
        const std::vector<const RunResult*> one{&run};
        append<const RunResult*>(runs_, one, describe_runs_of());
        append<Ref<YearRow>>(summary_, refs<YearRow>(run, &RunResult::years), describe_summary);
        append<Ref<CategoryYearRow>>(by_category_,
                                     refs<CategoryYearRow>(run, &RunResult::category_years),
                                     describe_summary_by_category);
        append<Ref<DailyRow>>(daily_, refs<DailyRow>(run, &RunResult::daily), describe_daily);
        append<Ref<MonthlyRow>>(monthly_, refs<MonthlyRow>(run, &RunResult::monthly),
                                describe_monthly);
        append<Ref<EquityRow>>(equity_, refs<EquityRow>(run, &RunResult::equity), describe_equity);
        if (!streamed.records.read)
            return;
        // A record with a code outside its vocabulary is reported once every record has been
        // read: if the run is damaged, that is what the read reports instead.
        std::exception_ptr bad_record;
        streamed.records.read([&](std::span<const DisputeRecord> piece) {
            if (!disputes_ || bad_record)
                return;
            try {
                disputes_->append_packed(piece.size(),
                                         [&](std::size_t first, std::size_t n, std::byte* out) {
                                             pack_disputes(run.key, piece.subspan(first, n), out);
                                         });
            } catch (const std::invalid_argument&) {
                bad_record = std::current_exception();
            }
        });
        if (bad_record)
            std::rethrow_exception(bad_record);
    }

private:
    [[nodiscard]] std::function<void(sim::RowTable<const RunResult*>&, const KeyWidths&)>
    describe_runs_of() const {
        return [this](sim::RowTable<const RunResult*>& table, const KeyWidths& w) {
            describe_runs(table, w, provenance_);
        };
    }
    /// The rows a table of `runs` runs is expected to hold, from the first run's (0: unknown).
    template <class Rows>
    [[nodiscard]] static std::size_t expected(std::size_t runs, const StreamedRun* first,
                                              Rows RunResult::*rows) {
        return first == nullptr ? 0 : runs * (first->run.*rows).size();
    }
    template <class R, class Describe>
    sim::ResultsFile::TableWriter
    create(sim::ResultsFile& file, const char* name, Describe describe,
           sim::ResultsFile::Compression compression = {}, std::size_t expected_rows = 0) {
        const std::vector<R> none;
        sim::RowTable<R> schema(none);
        describe(schema, widths_);
        return file.create_table(name, schema, compression, expected_rows);
    }
    template <class R, class Describe>
    void append(sim::ResultsFile::TableWriter& writer, const std::vector<R>& rows,
                Describe describe) {
        sim::RowTable<R> table(rows);
        describe(table, widths_);
        writer.append(table);
    }

    KeyWidths widths_;
    const Provenance& provenance_;
    sim::ResultsFile::TableWriter runs_, summary_, by_category_, daily_, monthly_, equity_;
    std::optional<sim::ResultsFile::TableWriter> disputes_;
};

} // namespace

std::vector<std::byte> packed_dispute_rows(const RunResult& run) {
    std::vector<std::byte> out(run.disputes.size() * dispute_row_size);
    pack_disputes(run.key, run.disputes, out.data());
    return out;
}

StreamedRun RunSource::load_streamed(std::size_t index) const {
    StreamedRun out;
    out.run = load(index);
    auto records = std::make_shared<const std::vector<DisputeRecord>>(std::move(out.run.disputes));
    out.run.disputes = {};
    out.records.count = records->size();
    out.records.read = [records](const auto& take) {
        take(std::span<const DisputeRecord>(*records));
    };
    return out;
}

std::vector<std::byte> described_dispute_rows(const RunResult& run) {
    const std::vector<Ref<DisputeRecord>> rows = refs<DisputeRecord>(run, &RunResult::disputes);
    sim::RowTable<Ref<DisputeRecord>> table(rows);
    describe_disputes(table, KeyWidths{});
    std::vector<std::byte> out(rows.size() * table.table().row_size());
    std::byte* at = out.data();
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (const sim::Table::Column& column : table.table().columns()) {
            column.pack(i, at);
            at += column.size;
        }
    return out;
}

void write_provenance(sim::ResultsFile& file, const Provenance& p) {
    file.set_attribute("format", results_format);
    file.set_attribute("format_version", results_format_version);
    file.set_attribute("scenario_path", p.scenario_path);
    file.set_attribute("scenario_text", p.scenario_text);
    file.set_attribute("scenario_name", p.scenario_name);
    file.set_attribute("start_year", static_cast<std::int64_t>(p.start_year));
    file.set_attribute("warmup_years", static_cast<std::int64_t>(p.warmup_years));
    file.set_attribute("command_line", p.command_line);
    file.set_attribute("working_directory", p.working_directory);
    file.set_attribute("version", p.version);
    file.set_attribute("git_commit", p.git_commit);
    file.set_attribute("git_dirty", std::uint64_t{p.git_dirty ? 1U : 0U});
    file.set_attribute("build_type", p.build_type);
    file.set_attribute("created_utc", p.created_utc);
    file.set_attribute("seed", p.seed);
    file.set_attribute("threads", p.threads);
    file.set_attribute("ranks", p.ranks);
    file.set_attribute("shards", p.shards);
    file.set_attribute("replicates", p.replicates);
    using F = sim::ConfigSource;
    sim::RowTable<F> files(p.files);
    files
        .attribute("description",
                   "One row per file that went into the scenario, once each, in the order first "
                   "used: its path as resolved (relative to the working_directory attribute "
                   "unless absolute) and its exact text, so that the scenario can be rebuilt and "
                   "rerun (govsim reproduce).")
        .column("path", [](const F& f) -> const std::string& { return f.file; })
        .column("text", [](const F& f) -> const std::string& { return f.text; });
    file.write_table("scenario_files", files);
    file.set_attribute("scenarios_per_point", p.scenarios_per_point);
    std::string overrides;
    for (const auto& o : p.overrides)
        overrides += o + "\n";
    file.set_attribute("overrides", overrides);
    if (!p.design.empty())
        write_design(file, p.design);
}

std::size_t design_point(const Provenance& p, std::size_t index) {
    const std::uint64_t per_point = p.scenarios_per_point * p.replicates;
    return p.design.empty() || per_point == 0 ? 0 : static_cast<std::size_t>(index / per_point);
}

Provenance read_provenance(const sim::ResultsReader& file) {
    Provenance p;
    p.scenario_path = file.string_attribute("scenario_path");
    p.scenario_text = file.string_attribute("scenario_text");
    p.scenario_name = file.string_attribute("scenario_name");
    if (file.has_attribute("start_year")) {
        p.start_year = static_cast<int>(file.int_attribute("start_year"));
        p.warmup_years = static_cast<int>(file.int_attribute("warmup_years"));
    }
    p.command_line = file.string_attribute("command_line");
    p.version = file.string_attribute("version");
    p.build_type = file.string_attribute("build_type");
    p.created_utc = file.string_attribute("created_utc");
    p.seed = file.uint_attribute("seed");
    p.threads = static_cast<std::uint32_t>(file.uint_attribute("threads"));
    p.ranks = static_cast<std::uint32_t>(file.uint_attribute("ranks"));
    p.replicates = static_cast<std::uint32_t>(file.uint_attribute("replicates"));
    if (file.has_attribute("working_directory")) {
        p.working_directory = file.string_attribute("working_directory");
        p.git_commit = file.string_attribute("git_commit");
        p.git_dirty = file.uint_attribute("git_dirty") != 0;
        p.shards = static_cast<std::uint32_t>(file.uint_attribute("shards"));
    }
    if (file.has_attribute("scenarios_per_point")) {
        p.scenarios_per_point = file.uint_attribute("scenarios_per_point");
        const std::string overrides = file.string_attribute("overrides");
        for (std::size_t at = 0; at < overrides.size();) {
            const std::size_t end = overrides.find('\n', at);
            p.overrides.push_back(overrides.substr(at, end - at));
            at = end == std::string::npos ? overrides.size() : end + 1;
        }
    }
    if (file.has_attribute("design_kind"))
        p.design = read_design(file);
    if (file.has_dataset("scenario_files")) {
        const auto paths = file.string_column("scenario_files", "path");
        const auto texts = file.string_column("scenario_files", "text");
        for (std::size_t i = 0; i < paths.size(); ++i) {
            p.files.push_back(sim::ConfigSource{paths[i], texts[i]});
        }
    }
    return p;
}

MemoryRuns::MemoryRuns(const std::vector<RunResult>& runs) : by_index_(runs.size(), nullptr) {
    for (const RunResult& run : runs) {
        if (run.key.index >= runs.size() || by_index_[run.key.index] != nullptr) {
            throw std::invalid_argument(
                fmt::format("runs to write must have the indices 0..{} once each; found run {} {}",
                            runs.size() - 1, run.key.index,
                            run.key.index >= runs.size() ? "out of range" : "twice"));
        }
        by_index_[run.key.index] = &run;
    }
}

RunResult summary_of(const RunResult& run) {
    RunResult s;
    s.key = run.key;
    s.communities = run.communities;
    s.compounds = run.compounds;
    s.units = run.units;
    s.years = run.years;
    s.total = run.total;
    s.evaluation = run.evaluation;
    s.evaluated_from = run.evaluated_from;
    s.evaluated_to = run.evaluated_to;
    s.equity = run.equity;
    s.wall_seconds = run.wall_seconds;
    return s;
}

namespace {

/// The analysis a design's runs get: sensitivity indices for a Sobol or Morris design, the
/// robustness of the model ranking for parameter draws, each point's means for a factorial
/// sweep (printed only).
enum class DesignAnalysis : std::uint8_t { None, Sobol, Morris, Robustness, Sweep };

DesignAnalysis analysis_of(const ExperimentDesign& d) {
    if (d.kind == "sobol")
        return DesignAnalysis::Sobol;
    if (d.kind == "morris")
        return DesignAnalysis::Morris;
    if (d.kind == "prior" || d.kind == "lhs")
        return DesignAnalysis::Robustness;
    if (d.kind == "factorial")
        return DesignAnalysis::Sweep;
    return DesignAnalysis::None;
}

DesignFindings analyse_design(const ExperimentDesign& d, DesignAnalysis kind,
                              const PointMeans& means) {
    DesignFindings out;
    std::vector<std::string> names;
    for (const DesignParameter& p : d.parameters)
        names.push_back(p.key);
    SensitivityOptions options;
    options.seed = d.seed;
    switch (kind) {
    case DesignAnalysis::Sobol: {
        analysis::SaltelliDesign design;
        design.base = d.samples;
        design.factors = d.parameters.size();
        design.points = d.unit;
        out.sensitivity = sobol_rows(means, design, names, options);
        break;
    }
    case DesignAnalysis::Morris: {
        analysis::MorrisDesign design;
        design.trajectories = d.samples;
        design.factors = d.parameters.size();
        design.levels = d.levels;
        design.points = d.unit;
        out.sensitivity = morris_rows(means, design, names, options);
        break;
    }
    case DesignAnalysis::Robustness:
        if (means.models().size() >= 2)
            out.robustness = robustness_rows(means, "baseline");
        break;
    case DesignAnalysis::Sweep:
        out.sweep = sweep_rows(means, d.values);
        out.parameters = names;
        out.replicates = means.replicates();
        break;
    case DesignAnalysis::None:
        break;
    }
    return out;
}

} // namespace

std::vector<RunResult> write_results(const std::string& path, const Provenance& provenance,
                                     const RunSource& source, bool include_disputes,
                                     DesignFindings* findings, unsigned disputes_deflate) {
    const bool designed = !provenance.design.empty();
    const DesignAnalysis analysis = analysis_of(provenance.design);
    std::optional<PointMeans> means;
    if (analysis != DesignAnalysis::None && source.runs() > 0)
        means.emplace(provenance.design.points(), provenance.replicates);
    std::vector<RunResult> summaries;
    if (!designed)
        summaries.reserve(source.runs());
    sim::ResultsFile file(path);
    write_provenance(file, provenance);
    {
        // The first run is loaded before the tables are made: its rows size their chunks. A
        // run's dispute records are read while they are written, a piece at a time.
        std::optional<StreamedRun> first;
        if (source.runs() > 0)
            first.emplace(source.load_streamed(0));
        RunTables tables(file, key_widths(source), provenance, include_disputes, disputes_deflate,
                         source.runs(), first ? &*first : nullptr);
        for (std::size_t i = 0; i < source.runs(); ++i) {
            const StreamedRun streamed = i == 0 ? std::move(*first) : source.load_streamed(i);
            const RunResult& run = streamed.run;
            tables.add(streamed);
            if (means)
                means->add(design_point(provenance, run.key.index), run);
            if (!designed)
                summaries.push_back(summary_of(run));
        }
        tables.finish();
    }
    if (!designed)
        write_comparison(file, compare_models(summaries));
    if (means) {
        DesignFindings found = analyse_design(provenance.design, analysis, *means);
        if (!found.sensitivity.empty())
            write_sensitivity(file, found.sensitivity);
        if (!found.robustness.empty())
            write_robustness(file, found.robustness);
        if (findings)
            *findings = std::move(found);
    }
    file.commit();
    return summaries;
}

void write_results(const std::string& path, const Provenance& provenance,
                   const std::vector<RunResult>& runs, bool include_disputes) {
    const MemoryRuns source(runs);
    (void)write_results(path, provenance, source, include_disputes);
}

} // namespace govsim::models
