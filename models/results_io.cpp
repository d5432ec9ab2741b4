// Writing an experiment's results file (see results_io.hpp and docs/results.md).
#include "models/results_io.hpp"

#include "models/comparison.hpp"
#include "sim/results_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace govsim::models {

namespace {

/// One row of a nested series, flattened: the run it belongs to and the row itself.
template <class Row>
struct Ref {
    const RunResult* run;
    const Row* row;
};

template <class Row, class Rows>
std::vector<Ref<Row>> flatten(const std::vector<const RunResult*>& runs, Rows RunResult::*rows) {
    std::size_t count = 0;
    for (const RunResult* run : runs) {
        count += (run->*rows).size();
    }
    std::vector<Ref<Row>> refs;
    refs.reserve(count);
    for (const RunResult* run : runs) {
        for (const Row& row : run->*rows) {
            refs.push_back(Ref<Row>{run, &row});
        }
    }
    return refs;
}

template <std::size_t N>
constexpr std::size_t longest(const std::array<std::string_view, N>& names) {
    std::size_t width = 0;
    for (std::string_view name : names) {
        width = std::max(width, name.size());
    }
    return width;
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
void add_key_columns(sim::RowTable<Ref<Row>>& table) {
    table.column("scenario",
                 [](const Ref<Row>& r) -> const std::string& { return r.run->key.scenario; });
    table.column("town", [](const Ref<Row>& r) -> const std::string& { return r.run->key.town; });
    table.column("model", [](const Ref<Row>& r) -> const std::string& { return r.run->key.model; });
    table.column("replicate", [](const Ref<Row>& r) { return r.run->key.replicate; });
}

/// The DisputeStats columns, for rows that hold them in `stats`.
template <class Row>
void add_stats_columns(sim::RowTable<Ref<Row>>& table) {
    using R = Ref<Row>;
    table.column("disputes", [](const R& r) { return r.row->stats.disputes; })
        .column("complaints", [](const R& r) { return r.row->stats.complaints; })
        .column("resolved", [](const R& r) { return r.row->stats.resolved; })
        .column("abandoned", [](const R& r) { return r.row->stats.abandoned; })
        .column("open_at_end", [](const R& r) { return r.row->stats.open_at_end; })
        .column("mean_resolution_days",
                [](const R& r) { return r.row->stats.mean_resolution_days; })
        .column("median_resolution_days",
                [](const R& r) { return r.row->stats.median_resolution_days; })
        .column("p90_resolution_days", [](const R& r) { return r.row->stats.p90_resolution_days; })
        .column("mean_detection_days", [](const R& r) { return r.row->stats.mean_detection_days; })
        .column("share_resolved_within_30_days",
                [](const R& r) { return r.row->stats.share_resolved_within_30_days; });
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

void write_provenance(sim::ResultsFile& file, const Provenance& p) {
    file.set_attribute("format", results_format);
    file.set_attribute("format_version", results_format_version);
    file.set_attribute("scenario_path", p.scenario_path);
    file.set_attribute("scenario_text", p.scenario_text);
    file.set_attribute("scenario_name", p.scenario_name);
    file.set_attribute("start_year", static_cast<std::int64_t>(p.start_year));
    file.set_attribute("warmup_years", static_cast<std::int64_t>(p.warmup_years));
    file.set_attribute("command_line", p.command_line);
    file.set_attribute("version", p.version);
    file.set_attribute("build_type", p.build_type);
    file.set_attribute("created_utc", p.created_utc);
    file.set_attribute("seed", p.seed);
    file.set_attribute("threads", p.threads);
    file.set_attribute("ranks", p.ranks);
    file.set_attribute("replicates", p.replicates);
}

void write_runs(sim::ResultsFile& file, const std::vector<const RunResult*>& runs) {
    sim::RowTable<const RunResult*> table(runs);
    using R = const RunResult*;
    table.attribute("description", "One row per run (scenario x town x replicate), in index order.")
        .column("index", [](R r) { return r->key.index; })
        .column("scenario", [](R r) -> const std::string& { return r->key.scenario; })
        .column("town", [](R r) -> const std::string& { return r->key.town; })
        .column("model", [](R r) -> const std::string& { return r->key.model; })
        .column("replicate", [](R r) { return r->key.replicate; })
        .column("communities", [](R r) { return r->communities; })
        .column("compounds", [](R r) { return r->compounds; })
        .column("units", [](R r) { return r->units; })
        .column("wall_seconds", [](R r) { return r->wall_seconds; });
    file.write_table("runs", table);
}

void write_summary(sim::ResultsFile& file, const std::vector<const RunResult*>& runs) {
    using R = Ref<YearRow>;
    const auto rows = flatten<YearRow>(runs, &RunResult::years);
    sim::RowTable<R> table(rows);
    table.attribute("description",
                    "One row per run and year. Disputes are grouped by the year of their onset and "
                    "followed to the end of the run: disputes = resolved + abandoned + "
                    "open_at_end. complaints counts complaints made in the year. Times in days; "
                    "NaN when undefined.");
    add_key_columns(table);
    table.column("year", [](const R& r) { return r.row->year; })
        .column("households", [](const R& r) { return r.row->households; })
        .column("dispute_rate_per_1000_households",
                [](const R& r) { return r.row->dispute_rate_per_1000_households; });
    add_stats_columns(table);
    add_institution_columns(table);
    file.write_table("summary", table);
}

void write_summary_by_category(sim::ResultsFile& file, const std::vector<const RunResult*>& runs) {
    using R = Ref<CategoryYearRow>;
    const auto rows = flatten<CategoryYearRow>(runs, &RunResult::category_years);
    sim::RowTable<R> table(rows);
    table.attribute("description",
                    "One row per run, year and dispute category; columns as in /summary, for the "
                    "disputes of one category.");
    add_key_columns(table);
    table.column("year", [](const R& r) { return r.row->year; })
        .string_column(
            "category",
            [](const R& r) {
                return name_of(category_names, index(r.row->category), "category", r.run->key);
            },
            longest(category_names));
    add_stats_columns(table);
    file.write_table("summary_by_category", table);
}

void write_daily(sim::ResultsFile& file, const std::vector<const RunResult*>& runs) {
    using R = Ref<DailyRow>;
    const auto rows = flatten<DailyRow>(runs, &RunResult::daily);
    sim::RowTable<R> table(rows);
    table.attribute("description",
                    "One row per run and day: the day's flows (onsets, detections, resolved, "
                    "abandoned, complaints) and end-of-day stocks (households, open disputes, "
                    "servers), and the work done at each handler level in server-days.");
    add_key_columns(table);
    table.column("day", [](const R& r) { return r.row->day; })
        .column("warmup", [](const R& r) { return static_cast<std::uint8_t>(r.row->warmup); })
        .column("households", [](const R& r) { return r.row->households; })
        .column("onsets", [](const R& r) { return r.row->onsets; })
        .column("detections", [](const R& r) { return r.row->detections; })
        .column("resolved", [](const R& r) { return r.row->resolved; })
        .column("abandoned", [](const R& r) { return r.row->abandoned; })
        .column("complaints", [](const R& r) { return r.row->complaints; })
        .column("open", [](const R& r) { return r.row->open; });
    for (std::size_t level = 0; level < level_count; ++level) {
        table.column(fmt::format("busy_server_days_{}", level_names[level]),
                     [level](const R& r) { return r.row->busy_server_days[level]; });
    }
    for (std::size_t level = 0; level < level_count; ++level) {
        table.column(fmt::format("servers_{}", level_names[level]),
                     [level](const R& r) { return r.row->servers[level]; });
    }
    file.write_table("daily", table);
}

void write_monthly(sim::ResultsFile& file, const std::vector<const RunResult*>& runs) {
    using R = Ref<MonthlyRow>;
    const auto rows = flatten<MonthlyRow>(runs, &RunResult::monthly);
    sim::RowTable<R> table(rows);
    table.attribute("description",
                    "One row per run and month (0-based, from the start of the run): state at the "
                    "end of the month, and the month's assemblies, tenders and abandonments.");
    add_key_columns(table);
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
    file.write_table("monthly", table);
}

void write_comparison(sim::ResultsFile& file, const std::vector<ComparisonRow>& rows) {
    using R = ComparisonRow;
    sim::RowTable<R> table(rows);
    table.attribute("description",
                    "One row per town, model and metric: the metric's mean over replicates with "
                    "its 95% interval, and the mean paired difference from the baseline model "
                    "(same town, same replicate) with its 95% interval.");
    table.column("town", [](const R& r) -> const std::string& { return r.town; })
        .column("model", [](const R& r) -> const std::string& { return r.model; })
        .string_column(
            "metric", [](const R& r) { return std::string(metric_names[index(r.metric)]); },
            longest(metric_names))
        .column("replicates", [](const R& r) { return static_cast<std::uint64_t>(r.replicates); })
        .column("mean", [](const R& r) { return r.mean; })
        .column("lower", [](const R& r) { return r.lower; })
        .column("upper", [](const R& r) { return r.upper; })
        .column("baseline", [](const R& r) -> const std::string& { return r.baseline; })
        .column("difference", [](const R& r) { return r.difference; })
        .column("difference_lower", [](const R& r) { return r.difference_lower; })
        .column("difference_upper", [](const R& r) { return r.difference_upper; });
    file.write_table("comparison", table);
}

void write_disputes(sim::ResultsFile& file, const std::vector<const RunResult*>& runs) {
    using R = Ref<DisputeRecord>;
    const auto rows = flatten<DisputeRecord>(runs, &RunResult::disputes);
    sim::RowTable<R> table(rows);
    table.attribute("description",
                    "One row per dispute: where it arose and when each step happened, in days "
                    "since the start of the run (NaN when the step was not reached).");
    add_key_columns(table);
    table.column("community", [](const R& r) { return r.row->community; })
        .column("compound", [](const R& r) { return r.row->compound; })
        .column("household", [](const R& r) { return r.row->household; })
        .string_column(
            "category",
            [](const R& r) {
                return name_of(category_names, index(r.row->category), "category", r.run->key);
            },
            longest(category_names))
        .column("onset", [](const R& r) { return r.row->onset; })
        .column("detected", [](const R& r) { return r.row->detected; })
        .column("complaint", [](const R& r) { return r.row->complaint; })
        .column("closed", [](const R& r) { return r.row->closed; })
        .string_column(
            "outcome",
            [](const R& r) {
                return name_of(dispute_outcome_names, r.row->outcome, "dispute outcome",
                               r.run->key);
            },
            longest(dispute_outcome_names))
        .string_column(
            "last_level",
            [](const R& r) {
                return name_of(level_names, index(r.row->last_level), "handler level", r.run->key);
            },
            longest(level_names))
        .column("handoffs", [](const R& r) { return r.row->handoffs; })
        .string_column(
            "party",
            [](const R& r) {
                return name_of(dispute_party_names, r.row->party, "dispute party", r.run->key);
            },
            longest(dispute_party_names));
    file.write_table("disputes", table);
}

} // namespace

void write_results(const std::string& path, const Provenance& provenance,
                   const std::vector<RunResult>& runs, bool include_disputes) {
    std::vector<const RunResult*> ordered;
    ordered.reserve(runs.size());
    for (const RunResult& run : runs) {
        ordered.push_back(&run);
    }
    std::stable_sort(ordered.begin(), ordered.end(), [](const RunResult* a, const RunResult* b) {
        return a->key.index < b->key.index;
    });

    sim::ResultsFile file(path);
    write_provenance(file, provenance);
    write_runs(file, ordered);
    write_summary(file, ordered);
    write_summary_by_category(file, ordered);
    write_daily(file, ordered);
    write_monthly(file, ordered);
    write_comparison(file, compare_models(runs));
    if (include_disputes) {
        write_disputes(file, ordered);
    }
    file.commit();
}

} // namespace govsim::models
