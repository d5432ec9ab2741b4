#pragma once
// Engineering limits on a scenario's counts and rates (docs/scenarios.md, "Engineering limits"),
// and the ranges that carry them, for the scenario loader and for each lever's fields
// (models/levers/): a new key takes one of these ranges, or a new named limit here.
#include "sim/config.hpp"

#include <cstddef>
#include <cstdint>

namespace govsim::models {

/// Largest number of households (dwelling units at full occupancy) a scenario may ask for. An
/// engineering limit, not a behavioural number: at about 40 bytes of state per household plus
/// dispute records, 50 million households need a few GB per replicate in memory
/// (docs/scenarios.md, "Memory limit").
inline constexpr std::uint64_t max_households_in_memory = 50'000'000;

/// Engineering limits on a scenario's counts and rates: not behavioural numbers, but bounds
/// that keep every quantity the model computes from them finite and within its integer type
/// (server counts are 32-bit; a rate times a population must not overflow a Poisson draw), and
/// an experiment within memory. Each is far above any town the model is meant for, so what they
/// catch is a typo or a hostile file, with a located error instead of a crash, a wrapped count
/// or exhausted memory. Every count and rate key is read against one of them; a new key
/// follows the same pattern (docs/scenarios.md, "Engineering limits"):
///     t.count("servers", 1, limits::max_servers, limits::hint)
///     t.number("delay_days", limits::days())
///     visit("interval_days", l.interval_days, limits::interval_days());   // a lever's field
namespace limits {
/// The hint given with a value above a limit.
inline constexpr const char* hint = "that is beyond govsim's engineering limit (see 'Engineering "
                                    "limits' in docs/scenarios.md)";
/// runs of an experiment: towns x models x replicates (each run's summary stays in memory)
inline constexpr std::uint64_t max_runs = 10'000'000;
/// scenarios of an experiment: design points x towns x models (each is composed and held in
/// memory, about 4 KB: the files' text is kept once, by the experiment; 100,000 load in about
/// 20 s and 400 MB)
inline constexpr std::uint64_t max_scenarios = 100'000;
/// replicates of a scenario (`run.replicates`, `--replicates`)
inline constexpr std::uint32_t max_replicates = 100'000;
/// communities of a town (each has its own state, queues and random streams, about 20 KB)
inline constexpr std::uint32_t max_communities = 10'000;
/// property firms of a town
inline constexpr std::uint32_t max_firms = 1'000'000;
/// units of one compound (`compound_units_mean`, `compound_units_min`)
inline constexpr double max_units_per_compound = 1'000'000;
/// households per committee, group or cell (an upper bound only to keep it finite)
inline constexpr double max_households_per_group = 1e12;
/// floor area of a unit, in square metres
inline constexpr double max_floor_area_m2 = 10'000;
/// coefficient of variation of compound sizes and floor areas
inline constexpr double max_cv = 10;
/// residents per household
inline constexpr double max_residents_per_household = 100;
/// cars per household (stored in 8 bits, at most 255) and parking spaces per unit
inline constexpr double max_cars_per_household = 50;
inline constexpr double max_parking_spaces_per_unit = 50;
/// staff or volunteers per 1,000 units or households: at most one per unit, which keeps
/// summed server counts within 32 bits
inline constexpr double max_staff_per_1000 = 1000;
/// Unit costs in [costs], yuan per unit (a billion yuan per staff-year is far beyond any
/// payroll; the bound keeps products of costs and resources finite).
inline constexpr double max_unit_cost = 1e9;
/// servers of one department or of coordination, and departments of a town
inline constexpr std::uint32_t max_servers = 100'000;
inline constexpr std::size_t max_departments = 100;
/// owners'-committee members handling disputes in one compound
inline constexpr std::uint32_t max_committee_servers = 50;
/// onsets per 1,000 households per year at reference conditions (100 per household a year)
inline constexpr double max_rate_per_1000_per_year = 100'000;
/// magnitude of a feature effect on an onset rate, and of an elasticity or weight
inline constexpr double max_effect = 100;
/// any duration in days (delays, service times, patience, deadlines, intervals): a billion
/// days stands for "never" (a deadline that should not fire); products with elasticities and
/// multipliers stay finite
inline constexpr double max_days = 1e9;
/// the shortest interval between scheduled events (meetings, patrols, sessions): a quarter of
/// an hour, so that a run's events stay countable
inline constexpr double min_interval_days = 0.01;
/// a lever's multiplier of a rate, delay or probability, and of staff or servers
inline constexpr double max_multiplier = 100;
inline constexpr double max_server_multiplier = 10;
/// a standard deviation of a household or firm attribute in [0, 1]
inline constexpr double max_sd = 10;
/// money per unit per month, in fee units
inline constexpr double max_money_per_unit_month = 1e6;
/// consecutive loss-making months before a firm abandons a compound (100 years)
inline constexpr std::uint32_t max_months = 1'200;
/// disputes taken up by one joint meeting
inline constexpr std::uint32_t max_cases_per_meeting = 1'000'000;
/// grid administrators per grid cell
inline constexpr double max_administrators_per_grid = 10;
/// the disputes of one run, as estimated from above by expected_disputes_upper_estimate
/// (typically several times the disputes a run has): a dispute holds about 100 bytes while it is
/// open and 8 once closed (`govsim run --disputes` keeps its record on disk, in the checkpoint
/// store); the limit keeps a run's disputes to a few GB
inline constexpr double max_disputes_per_run = 100'000'000;

// Ranges with these limits, their messages naming the limit.
/// [0, max]; [lo, max] for a count
[[nodiscard]] sim::NumberRange non_negative_up_to(double max);
/// (0, max]
[[nodiscard]] sim::NumberRange positive_up_to(double max);
/// a duration in days, [0, max_days]
[[nodiscard]] sim::NumberRange days();
/// an interval between scheduled events, [min_interval_days, max_days]
[[nodiscard]] sim::NumberRange interval_days();
/// a multiplier of a rate, delay or probability, [0, max_multiplier]
[[nodiscard]] sim::NumberRange multiplier();
/// a multiplier of staff or servers, [0, max_server_multiplier]
[[nodiscard]] sim::NumberRange server_multiplier();
/// staff or volunteers per 1,000 units or households, (0, max_staff_per_1000]
[[nodiscard]] sim::NumberRange staff_per_1000();
/// a feature effect, elasticity or weight, [-max_effect, max_effect]
[[nodiscard]] sim::NumberRange effect();
/// a weight or elasticity that cannot be negative, [0, max_effect]
[[nodiscard]] sim::NumberRange weight();
/// households (or units) per committee, group or cell, [1, max_households_per_group]: at
/// least one each, so that their number never exceeds the households (a number above any
/// town's stands for "never split")
[[nodiscard]] sim::NumberRange households_per_unit_range();
/// money per unit (or per member of staff) per month, [0, max_money_per_unit_month]
[[nodiscard]] sim::NumberRange money();
} // namespace limits

} // namespace govsim::models
