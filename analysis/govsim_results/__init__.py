"""Read govsim results files into tidy pandas frames, draw their figures, write a report.

    from govsim_results import load
    r = load("results/pilot-comparison.h5")
    r.comparison            # one row per town, model and metric; text as str, ordered categories
    r.monthly               # with the calendar date of each month
    r.tables                # every table of the file, by name

Run with Debian's /usr/bin/python3 (python3-h5py, python3-pandas, python3-matplotlib).
"""
from .reader import Results, ResultsError, load

__all__ = ["Results", "ResultsError", "load"]
