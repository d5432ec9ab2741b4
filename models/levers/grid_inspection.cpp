// Grid inspection (Lishui, 网格化): compound governance folded into the social-governance grid.
// Property firms' staff act as grid inspectors (网格巡查员): they patrol the grid cells of the
// compounds their firm manages (never where no firm is), and the patrols take their own staff
// time; residents'-committee staff act as grid administrators (网格管理员) who dispatch what a
// patrol finds straight to a handler that can resolve it.
#include "models/levers/fields.hpp"
#include "models/run_state.hpp"
#include "models/streams.hpp"
#include "sim/config.hpp"

#include <cmath>
#include <limits>
#include <vector>

namespace govsim::models {
namespace {

class GridInspection final : public Lever {
public:
    // Parameters ([levers.grid_inspection]).
    double inspection_interval_days = 7;   ///< days between patrols of a cell
    double households_per_grid = 300;      ///< units per cell (cells are fixed from units)
    double detection_probability = 0.8;    ///< a patrol passing an undetected dispute finds it
    double administrators_per_grid = 0.5;  ///< RC servers added per cell (grid administrators)
    double inspector_staff_per_cell = 0.1; ///< firm staff-equivalents a cell's patrols take

    [[nodiscard]] std::string_view name() const override { return "grid_inspection"; }
    [[nodiscard]] std::unique_ptr<Lever> clone() const override {
        return std::make_unique<GridInspection>(*this);
    }
    /// The parameters of [levers.grid_inspection], in order (models/levers/fields.hpp).
    template <class Self, class Visit>
    static void fields(Self& l, Visit&& visit) {
        visit("inspection_interval_days", l.inspection_interval_days, limits::interval_days());
        visit("households_per_grid", l.households_per_grid,
              limits::positive_up_to(limits::max_units_per_compound));
        visit("detection_probability", l.detection_probability, sim::NumberRange::probability());
        visit("administrators_per_grid", l.administrators_per_grid,
              limits::non_negative_up_to(limits::max_administrators_per_grid));
        visit("inspector_staff_per_cell", l.inspector_staff_per_cell,
              limits::non_negative_up_to(limits::max_administrators_per_grid));
    }
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters() const override {
        return list_fields(*this);
    }

    /// Cells: ceil(units / households_per_grid) per compound (at least one), each of
    /// consecutive units, with a patrol phase drawn from the compound's own stream.
    void start(RunState& run) override {
        const Compounds& cp = run.world.compounds;
        const auto n = cp.size();
        first_cell_.assign(n + 1, 0);
        for (std::size_t c = 0; c < n; ++c) {
            const auto cells = static_cast<std::uint32_t>(
                std::ceil(cp.units[c] / std::max(households_per_grid, 1.0)));
            first_cell_[c + 1] = first_cell_[c] + std::max(cells, 1U);
        }
        phase_.resize(first_cell_.back());
        for (std::size_t c = 0; c < n; ++c) {
            sim::Stream rng(run.seed, run.replicate, stream_entity::synthesis_compound(c),
                            purpose::grid_phases);
            for (std::uint32_t k = first_cell_[c]; k < first_cell_[c + 1]; ++k)
                phase_[k] = rng.uniform() * inspection_interval_days;
        }
        patrol_.clear();
        for (std::size_t m = 0; m < run.world.communities.size(); ++m)
            patrol_.emplace_back(run.seed, run.replicate, stream_entity::community(m),
                                 purpose::patrol);
    }

    /// The first successful patrol of the party's cell after onset t, where the compound's
    /// manager patrols: patrols pass every interval from the cell's phase, each finding the
    /// dispute with probability p, so the number of failed patrols is geometric, drawn at once.
    double detection_time(RunState& run, std::uint32_t m, Dispute& x, double report) override {
        const Compounds& cp = run.world.compounds;
        const std::uint32_t c = x.record.compound;
        if (!patrolled(cp, c) || detection_probability <= 0.0)
            return report;
        const double t = x.record.onset;
        const double interval = inspection_interval_days;
        const double phase = phase_[cell_of(cp, c, x.record.household)];
        double patrol =
            t < phase ? phase : phase + (std::floor((t - phase) / interval) + 1.0) * interval;
        if (patrol <= t) // rounding
            patrol += interval;
        if (detection_probability < 1.0)
            patrol +=
                std::floor(std::log1p(-patrol_[m].uniform()) / std::log1p(-detection_probability)) *
                interval;
        if (patrol < report) {
            x.dispatched = true;
            return patrol;
        }
        return report;
    }

    [[nodiscard]] double committee_extra_capacity(const RunState& run,
                                                  std::uint32_t rc) const override {
        const ResidentsCommittees& rcs = run.world.residents_committees;
        std::uint32_t cells = 0;
        for (std::uint32_t c = rcs.first_compound[rc]; c < rcs.end_compound[rc]; ++c)
            cells += first_cell_[c + 1] - first_cell_[c];
        return cells * administrators_per_grid;
    }

    /// Grid administrators (the residents' committees' extra capacity); the firms' patrol time
    /// is counted as firm staff not on disputes, so it is not added here.
    void add_resources(const RunState& run, Resources& r, double years) override {
        double admins = 0;
        for (std::uint32_t rc = 0; rc < run.world.residents_committees.size(); ++rc)
            admins += committee_extra_capacity(run, rc);
        r[Resource::GridStaff] += admins * years;
    }

    [[nodiscard]] double manager_staff_reserved(const RunState& run,
                                                std::uint32_t c) const override {
        if (!patrolled(run.world.compounds, c))
            return 0;
        return (first_cell_[c + 1] - first_cell_[c]) * inspector_staff_per_cell;
    }

private:
    /// Firms (and the interim manager, a public-benefit firm) patrol the compounds they manage.
    static bool patrolled(const Compounds& cp, std::uint32_t c) {
        return cp.manager[c] == Manager::Firm || cp.manager[c] == Manager::Interim;
    }
    /// The cell of a unit of compound c: unit j of n is in cell floor(j * cells / n).
    [[nodiscard]] std::uint32_t cell_of(const Compounds& cp, std::uint32_t c,
                                        std::uint32_t unit) const {
        const std::uint64_t local = unit - cp.first_unit[c];
        const std::uint32_t cells = first_cell_[c + 1] - first_cell_[c];
        return first_cell_[c] + static_cast<std::uint32_t>(local * cells / cp.units[c]);
    }

    std::vector<std::uint32_t> first_cell_; ///< per compound, and one past the last
    std::vector<double> phase_;             ///< per cell: first patrol, in [0, interval)
    std::vector<sim::Stream> patrol_;       ///< per community: failed patrols
};

} // namespace

std::unique_ptr<Lever> read_grid_inspection(sim::ConfigTable& t) {
    return read_fields<GridInspection>(t);
}

} // namespace govsim::models
