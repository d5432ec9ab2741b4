"""Read govsim results files into tidy pandas frames, draw their figures, write a report.

    from govsim_results import load
    r = load("results/pilot-comparison.h5")
    r.comparison            # one row per town, model and metric; text as str, ordered categories
    r.monthly               # with the calendar date of each month
    r.tables                # every table of the file, by name

Run with Debian's /usr/bin/python3 (python3-h5py, python3-pandas, python3-matplotlib).
"""
__all__ = ["Results", "ResultsError", "load"]


def __getattr__(name):
    # Imported on first use, so that `python3 -m govsim_results` can report a missing h5py,
    # pandas or matplotlib in one line instead of a traceback.
    if name in __all__:
        from . import reader

        return getattr(reader, name)
    raise AttributeError(f"module 'govsim_results' has no attribute {name!r}")
