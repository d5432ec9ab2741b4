#pragma once
// The processes of a job that share an experiment's runs: the ranks of an MPI job started by
// `mpirun -np N govsim ...`, or this process alone. Generic: it knows nothing of what the runs
// are. Each rank runs its share of the indices (sim::indices_of) and saves what it finishes;
// the ranks agree on success or failure at a few points through the collective operations
// below. Only the thread that created the Ranks calls them, and every rank calls the same ones
// in the same order.
//
// MPI is joined only when the process was started by an MPI launcher (Open MPI's mpirun, or a
// PMI/PMIx launcher such as srun), so `govsim run` on its own never initialises MPI. A build
// without MPI (GOVSIM_MPI=OFF, or no MPI found) refuses to run under a launcher.
#include <cstdint>
#include <string>

namespace govsim::sim {

class Ranks {
public:
    /// Joins the MPI job if the process was started by an MPI launcher (with MPI initialised
    /// for a single calling thread, and finalised by the destructor); otherwise a job of one
    /// rank. Throws std::runtime_error under a launcher when built without MPI.
    Ranks(int& argc, char**& argv);
    ~Ranks();
    Ranks(const Ranks&) = delete;
    Ranks& operator=(const Ranks&) = delete;

    [[nodiscard]] int rank() const { return rank_; }
    [[nodiscard]] int size() const { return size_; }
    [[nodiscard]] bool root() const { return rank_ == 0; }
    /// Whether this process takes part in an MPI job (of any size).
    [[nodiscard]] bool mpi() const { return mpi_; }

    /// The largest and the sum of every rank's value.
    [[nodiscard]] std::uint64_t max(std::uint64_t value) const;
    [[nodiscard]] std::uint64_t sum(std::uint64_t value) const;
    /// The lowest rank whose `flag` is true, or size() if none is.
    [[nodiscard]] int first(bool flag) const;
    /// `text` of rank `from`, on every rank.
    [[nodiscard]] std::string broadcast(const std::string& text, int from = 0) const;

    /// Whether this build can join MPI jobs.
    [[nodiscard]] static bool built_with_mpi();
    /// Whether the process was started by an MPI launcher (from the launcher's environment).
    [[nodiscard]] static bool launched_by_mpi();

private:
    int rank_ = 0;
    int size_ = 1;
    bool mpi_ = false;
};

} // namespace govsim::sim
