"""Command line: python3 -m govsim_results report RESULTS.h5 -o report.html [--lang zh] [--figures DIR]

`govsim report` runs this. Exit status 0 on success, 2 for bad input (a missing or unreadable
file, a file that is not a govsim results file, a missing Python module or CJK font, an output
folder that does not exist), 1 for anything unexpected.
"""
import argparse
import os
import sys

EXIT_BAD_INPUT = 2


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="govsim report",
        description="Write one self-contained HTML page for a govsim results file: provenance, "
                    "comparison tables, figures and caveats.")
    parser.add_argument("command", choices=["report"], help=argparse.SUPPRESS)
    parser.add_argument("results", metavar="RESULTS.h5", help="results file written by govsim run")
    parser.add_argument("-o", "--output", required=True, help="HTML file to write")
    parser.add_argument("--lang", choices=["en", "zh"], default="en",
                        help="language of labels and text (zh: simplified Chinese)")
    parser.add_argument("--figures", metavar="DIR",
                        help="also write each figure as PNG and SVG into DIR")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 0 if e.code == 0 else EXIT_BAD_INPUT

    try:
        import h5py  # noqa: F401
        import matplotlib  # noqa: F401
        import pandas  # noqa: F401
    except ImportError as e:
        print(f"govsim report: Python module {e.name!r} is missing ({sys.executable}); install "
              "Debian's python3-h5py, python3-pandas and python3-matplotlib "
              "(scripts/install-deps.sh)", file=sys.stderr)
        return EXIT_BAD_INPUT

    from govsim_results import ResultsError, load
    from govsim_results import report

    output_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(output_dir):
        print(f"govsim report: {args.output}: folder {output_dir} does not exist", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.figures is not None and os.path.exists(args.figures) and not os.path.isdir(args.figures):
        print(f"govsim report: --figures {args.figures}: not a folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        results = load(args.results, skip=["disputes"])  # the report does not use them
    except ResultsError as e:
        print(f"govsim report: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        report.write(results, args.output, lang=args.lang, figures_dir=args.figures)
    except RuntimeError as e:  # e.g. no CJK font for --lang zh
        print(f"govsim report: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as e:
        print(f"govsim report: {e.filename or args.output}: {e.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
