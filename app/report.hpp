#pragma once
// `govsim report`: the HTML report and figures of a results file are made by the Python package
// govsim_results (analysis/govsim_results, run with Debian's python3 + h5py, pandas,
// matplotlib). This side only finds the interpreter and the package and hands the arguments
// over; see docs/report.md.
#include <string>

namespace govsim::app {

struct ReportRequest {
    std::string results;     ///< results file (HDF5) written by `govsim run`
    std::string output;      ///< HTML file to write
    std::string lang = "en"; ///< "en" or "zh"
    std::string figures_dir; ///< also write each figure as PNG and SVG here ("" for none)
};

/// Runs `PYTHON -m govsim_results report ...` in place of this process (exec); returns only on
/// failure, with exit status 2 and one line on stderr when the interpreter or the package cannot
/// be found. The interpreter is $GOVSIM_PYTHON or /usr/bin/python3; the package is looked for in
/// $GOVSIM_PYTHONPATH, then <prefix>/share/govsim/python beside an installed binary, then the
/// source tree the binary was built from.
[[nodiscard]] int run_report(const ReportRequest& request);

} // namespace govsim::app
