#include "models/checkpoint.hpp"

#include "sim/results_file.hpp"

#include <fmt/core.h>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <type_traits>
#include <unistd.h>

namespace govsim::models {
namespace {

constexpr char magic[8] = {'G', 'O', 'V', 'S', 'I', 'M', 'C', '3'};

class Writer {
public:
    explicit Writer(std::ofstream& out) : out_(out) {}
    template <class T>
    void pod(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        out_.write(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void str(const std::string& s) {
        pod(static_cast<std::uint64_t>(s.size()));
        out_.write(s.data(), static_cast<std::streamsize>(s.size()));
    }
    template <class T>
    void vec(const std::vector<T>& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        pod(static_cast<std::uint64_t>(v.size()));
        out_.write(reinterpret_cast<const char*>(v.data()),
                   static_cast<std::streamsize>(v.size() * sizeof(T)));
    }

private:
    std::ofstream& out_;
};

class Reader {
public:
    Reader(std::ifstream& in, std::filesystem::path path) : in_(in), path_(std::move(path)) {}
    template <class T>
    T pod() {
        T v{};
        read(reinterpret_cast<char*>(&v), sizeof v);
        return v;
    }
    std::string str() {
        std::string s(size(1 << 20), '\0');
        read(s.data(), s.size());
        return s;
    }
    template <class T>
    std::vector<T> vec() {
        std::vector<T> v(size((std::size_t{1} << 34) / sizeof(T)));
        read(reinterpret_cast<char*>(v.data()), v.size() * sizeof(T));
        return v;
    }

private:
    std::size_t size(std::size_t limit) {
        const auto n = pod<std::uint64_t>();
        if (n > limit)
            throw sim::OutputError(
                fmt::format("{}: corrupt checkpoint (length {})", path_.string(), n));
        return static_cast<std::size_t>(n);
    }
    void read(char* p, std::size_t n) {
        in_.read(p, static_cast<std::streamsize>(n));
        if (!in_)
            throw sim::OutputError(fmt::format("{}: truncated checkpoint", path_.string()));
    }
    std::ifstream& in_;
    std::filesystem::path path_;
};

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

Checkpoint::Checkpoint(std::filesystem::path folder, std::string fingerprint)
    : folder_(std::move(folder)) {
    namespace fs = std::filesystem;
    const fs::path stamp = folder_ / "fingerprint";
    std::error_code ec;
    if (fs::exists(folder_)) {
        if (read_all(stamp) != fingerprint)
            throw sim::OutputError(fmt::format(
                "{}: holds finished runs of a different scenario, seed, options or program "
                "version; delete it to start afresh, or choose another results file",
                folder_.string()));
        return;
    }
    fs::create_directories(folder_, ec);
    if (ec)
        throw sim::OutputError(
            fmt::format("{}: cannot create checkpoint folder: {}", folder_.string(), ec.message()));
    std::ofstream(stamp, std::ios::binary) << fingerprint;
}

std::filesystem::path Checkpoint::folder_for(const std::filesystem::path& results_path) {
    return std::filesystem::path(results_path.string() + ".partial");
}

std::filesystem::path Checkpoint::run_path(std::size_t index) const {
    return folder_ / fmt::format("run-{:06d}.bin", index);
}

void Checkpoint::save(const RunResult& r) const {
    const auto final_path = run_path(r.key.index);
    const auto tmp =
        std::filesystem::path(final_path.string() + ".tmp-" + std::to_string(getpid()));
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        Writer w(out);
        out.write(magic, sizeof magic);
        w.pod(r.key.index);
        w.str(r.key.scenario);
        w.str(r.key.town);
        w.str(r.key.model);
        w.pod(r.key.replicate);
        w.pod(r.communities);
        w.pod(r.compounds);
        w.pod(r.units);
        w.vec(r.years);
        w.pod(r.total);
        w.vec(r.category_years);
        w.vec(r.daily);
        w.vec(r.monthly);
        w.vec(r.disputes);
        w.pod(r.wall_seconds);
        out.flush();
        if (!out)
            throw sim::OutputError(fmt::format("{}: cannot write checkpoint", tmp.string()));
    }
    std::filesystem::rename(tmp, final_path);
}

std::optional<RunResult> Checkpoint::load(std::size_t index) const {
    const auto path = run_path(index);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    char head[sizeof magic];
    in.read(head, sizeof head);
    if (!in || !std::equal(head, head + sizeof head, magic))
        throw sim::OutputError(fmt::format("{}: not a govsim checkpoint", path.string()));
    Reader rd(in, path);
    RunResult r;
    r.key.index = rd.pod<std::uint32_t>();
    r.key.scenario = rd.str();
    r.key.town = rd.str();
    r.key.model = rd.str();
    r.key.replicate = rd.pod<std::uint32_t>();
    r.communities = rd.pod<std::uint32_t>();
    r.compounds = rd.pod<std::uint32_t>();
    r.units = rd.pod<std::uint32_t>();
    r.years = rd.vec<YearRow>();
    r.total = rd.pod<YearRow>();
    r.category_years = rd.vec<CategoryYearRow>();
    r.daily = rd.vec<DailyRow>();
    r.monthly = rd.vec<MonthlyRow>();
    r.disputes = rd.vec<DisputeRecord>();
    r.wall_seconds = rd.pod<double>();
    if (r.key.index != index)
        throw sim::OutputError(
            fmt::format("{}: holds run {}, not {}", path.string(), r.key.index, index));
    return r;
}

std::size_t Checkpoint::saved() const {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(folder_))
        n += e.path().extension() == ".bin" ? 1U : 0U;
    return n;
}

void Checkpoint::remove() const {
    std::filesystem::remove_all(folder_);
}

} // namespace govsim::models
