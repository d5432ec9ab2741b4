// The ranks of a job (see ranks.hpp): Open MPI when built with it (GOVSIM_HAVE_MPI), a single
// process otherwise.
#include "sim/ranks.hpp"

#include <cstdlib>
#include <stdexcept>
#include <vector>

#ifdef GOVSIM_HAVE_MPI
#include <mpi.h>
#endif

namespace govsim::sim {

bool Ranks::built_with_mpi() {
#ifdef GOVSIM_HAVE_MPI
    return true;
#else
    return false;
#endif
}

bool Ranks::launched_by_mpi() {
    // Open MPI's mpirun, and PMI / PMIx launchers (srun, Hydra) set these in every process.
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
        if (std::getenv(name) != nullptr)
            return true;
    return false;
}

#ifdef GOVSIM_HAVE_MPI

namespace {
void check(int code, const char* what) {
    if (code != MPI_SUCCESS)
        throw std::runtime_error(std::string("MPI failed: ") + what);
}
} // namespace

Ranks::Ranks(int& argc, char**& argv) {
    if (!launched_by_mpi())
        return;
    int provided = 0;
    check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    mpi_ = true;
    check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
}

Ranks::~Ranks() {
    if (mpi_)
        MPI_Finalize();
}

std::uint64_t Ranks::max(std::uint64_t value) const {
    if (!mpi_)
        return value;
    unsigned long long in = value, out = 0;
    check(MPI_Allreduce(&in, &out, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD),
          "MPI_Allreduce");
    return out;
}

std::uint64_t Ranks::sum(std::uint64_t value) const {
    if (!mpi_)
        return value;
    unsigned long long in = value, out = 0;
    check(MPI_Allreduce(&in, &out, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
    return out;
}

int Ranks::first(bool flag) const {
    if (!mpi_)
        return flag ? 0 : 1;
    int in = flag ? rank_ : size_, out = size_;
    check(MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
    return out;
}

std::string Ranks::broadcast(const std::string& text, int from) const {
    if (!mpi_)
        return text;
    unsigned long long size = text.size();
    check(MPI_Bcast(&size, 1, MPI_UNSIGNED_LONG_LONG, from, MPI_COMM_WORLD), "MPI_Bcast");
    std::string out = rank_ == from ? text : std::string(static_cast<std::size_t>(size), '\0');
    if (size > 0)
        check(MPI_Bcast(out.data(), static_cast<int>(size), MPI_CHAR, from, MPI_COMM_WORLD),
              "MPI_Bcast");
    return out;
}

#else

Ranks::Ranks(int& /*argc*/, char**& /*argv*/) {
    if (launched_by_mpi())
        throw std::runtime_error("this govsim was built without MPI, but started by an MPI "
                                 "launcher: run it on its own, or split the runs with --shard");
}

Ranks::~Ranks() = default;

std::uint64_t Ranks::max(std::uint64_t value) const {
    return value;
}
std::uint64_t Ranks::sum(std::uint64_t value) const {
    return value;
}
int Ranks::first(bool flag) const {
    return flag ? 0 : 1;
}
std::string Ranks::broadcast(const std::string& text, int /*from*/) const {
    return text;
}

#endif

} // namespace govsim::sim
