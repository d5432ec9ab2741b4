#pragma once
// Turns a run's disputes and daily series into its yearly, per-category and equity rows (the
// definitions of MODEL.md §7 and docs/results.md). Disputes are counted one at a time as they
// close (DisputeTally), so a run holds no record per dispute for its summary.
#include "models/summary.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace govsim::models {

/// Statistics of a group of disputes, followed to the end of the run. `complaints` is left
/// 0: complaints are counted by the year they were made, not by onset (see build_summary).
/// (The record-by-record definition; build_summary gets the same numbers from a DisputeTally.)
[[nodiscard]] DisputeStats dispute_stats(std::span<const DisputeRecord* const> group);

struct CostSpec;

/// What build_summary needs beside the run's rows.
struct SummaryInputs {
    int start_year = 0;     ///< the first reported calendar year
    int evaluated_from = 0; ///< the first calendar year of RunResult::evaluation
    /// resources used in each reported year (null: none counted)
    const std::vector<Resources>* resources = nullptr;
    const CostSpec* costs = nullptr; ///< unit costs (null: money costs are NaN)
};

/// What a run's summary needs of its disputes, accumulated one dispute at a time: per group of
/// disputes (year of onset x category x the household's housing type, community kind, tenure
/// and owner's origin) their counts and sums, and the time to resolution of each resolved one
/// (8 bytes a dispute), from which the medians and 90th percentiles are exact; per year (and
/// category) the government cases made and the dispute-days open and unresolved. Memory grows
/// by 8 bytes per resolved dispute (and up to a quarter more of spare capacity), not by a
/// record. Adding the same disputes in another order gives the same counts and quantiles, and
/// sums that differ at most in rounding (the order they were added in); the day loop adds them
/// in an order that does not depend on the thread count.
class DisputeTally {
public:
    /// For a run of `reported_days` days from day 0 (reported_days(daily) of its daily rows).
    explicit DisputeTally(std::size_t reported_days = 0);

    /// Adds one dispute, its record as it stands at the end of its life (or of the run: an
    /// open dispute has `closed` NaN and outcome 0), its times in days since 1 January of the
    /// first reported year (negative in the warm-up) and its equity fields filled.
    void add(const DisputeRecord& r);

    [[nodiscard]] std::size_t reported_days() const { return reported_days_; }
    /// Disputes added, the warm-up's included.
    [[nodiscard]] std::uint64_t added() const { return added_; }
    /// Resolution times held (one per resolved dispute of a reported year).
    [[nodiscard]] std::uint64_t times_held() const;

private:
    friend void build_summary(DisputeTally& tally, const std::vector<DailyRow>& daily,
                              const std::vector<MonthlyRow>& monthly, const SummaryInputs& in,
                              RunResult& result);
    /// Disputes of one (year of onset, category, household group).
    struct Leaf {
        std::uint64_t disputes = 0, resolved = 0, abandoned = 0, open = 0;
        std::uint64_t within_30 = 0, detected = 0;
        /// of these disputes, those that entered a government channel, by GovernmentChannel
        std::array<std::uint64_t, 4> channel{};
        double detection_sum = 0, detection_comp = 0; ///< compensated sum of detection delays
        std::vector<double> resolution;               ///< days to resolution, sorted at the end
    };
    /// Household groups: housing type x community kind x tenure x owner's origin.
    static constexpr std::size_t household_groups = housing_type_count * 2 * 3 * 2;
    [[nodiscard]] std::size_t leaf_index(std::size_t year, std::size_t category,
                                         std::size_t group) const {
        return (year * category_count + category) * household_groups + group;
    }
    using Cases = std::array<std::uint64_t, 4>;
    std::size_t reported_days_ = 0;
    int years_ = 0;
    std::uint64_t added_ = 0;
    std::vector<Leaf> leaves_;
    /// per reported year (and category): government cases made in it, by channel
    std::vector<Cases> cases_;
    std::vector<std::array<Cases, category_count>> cat_cases_;
    /// per reported year (and category): dispute-days open and unresolved
    std::vector<double> open_days_, unresolved_days_;
    std::vector<std::array<double, category_count>> cat_open_days_, cat_unresolved_days_;
};

/// The days of a run's daily rows from day 0 on (the warm-up's are not reported).
[[nodiscard]] std::size_t reported_days(const std::vector<DailyRow>& daily);

/// Fills `result.years`, `result.category_years`, `result.total`, `result.evaluation` and
/// `result.equity` from the tally (which must be for reported_days(daily) days; its resolution
/// times are sorted in place), the daily and monthly rows (months add up into years 12 at a
/// time).
void build_summary(DisputeTally& tally, const std::vector<DailyRow>& daily,
                   const std::vector<MonthlyRow>& monthly, const SummaryInputs& in,
                   RunResult& result);

/// The same from every record of the run (added to a tally in their order).
void build_summary(const std::vector<DisputeRecord>& records, const std::vector<DailyRow>& daily,
                   const std::vector<MonthlyRow>& monthly, const SummaryInputs& in,
                   RunResult& result);

} // namespace govsim::models
