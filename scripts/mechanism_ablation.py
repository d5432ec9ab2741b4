#!/usr/bin/python3
"""What each feedback mechanism carries: tables from a results file of
scenarios/ablation/mechanisms.toml (the baseline of each town with one [mechanisms] switch off).

    build/govsim run scenarios/ablation/mechanisms.toml -o results/ablation.h5
    /usr/bin/python3 scripts/mechanism_ablation.py results/ablation.h5 [--figure FIGURE.png]

Prints Markdown: the baseline's institutional events per town and year, and for every variant
its mean complaints, disputes and outcomes per year with the paired difference from the
baseline (replicate k of every variant shares its town and random streams) and a 95% interval.
With --figure, also draws those paired differences (complaints, firms' exits and the shares
resolved and abandoned, per town) as a forest plot: the figure in docs/ODD.md section 7.14.
"""
import argparse

import h5py
import numpy as np
import pandas as pd
from scipy import stats


def text(frame):
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(
                lambda v: v.decode() if isinstance(v, bytes) else v)
    return frame


def interval(values):
    values = np.asarray(values, dtype=float)
    n = len(values)
    mean = values.mean()
    if n < 2:
        return mean, float("nan")
    half = stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return mean, half


TITLES = {
    "complaints": "complaints per year",
    "resolved_share": "resolved (percentage points)",
    "abandoned_share": "abandoned (percentage points)",
    "firm_exits": "firms' exits per year",
}

LABELS = {
    "baseline": "none (the baseline)",
    "no-closure-feedback": "closure feedback",
    "no-satisfaction-drift": "satisfaction drift toward service",
    "no-firm-staffing": "firms' staffing from collections",
    "no-firm-exit": "firms' exit",
    "no-assemblies": "owners' assemblies",
    "no-committee-turnover": "committees' turnover",
    "no-tenders": "tenders",
    "no-feedback": "all of them",
}


def paired(per_run, town, model, column, scale):
    """A variant's mean of `column` in `town`, and its paired difference from the baseline
    (replicate by replicate) with the 95% interval's half-width, all times `scale`."""
    ref = per_run[(per_run.town == town) & (per_run.model == "baseline")].set_index("replicate")
    run = per_run[(per_run.town == town) & (per_run.model == model)].set_index("replicate")
    diff, half = interval((run[column] - ref.loc[run.index, column]) * scale)
    return run[column].mean() * scale, diff, half


def figure(per_run, towns, models, metrics, out):
    """Paired differences from the baseline with 95% intervals: a row per town, a column per
    metric, a line per mechanism switched off."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    variants = [m for m in models if m != "baseline"]
    fig, axes = plt.subplots(len(towns), len(metrics), figsize=(3.1 * len(metrics) + 2.2,
                                                                0.32 * len(variants) * len(towns) + 1.4),
                             sharey=True, squeeze=False)
    ys = np.arange(len(variants))[::-1]
    for r, town in enumerate(towns):
        for c, (column, _, scale) in enumerate(metrics):
            ax = axes[r][c]
            label = TITLES.get(column, column)
            for y, model in zip(ys, variants):
                _, diff, half = paired(per_run, town, model, column, scale)
                clear = np.isfinite(half) and abs(diff) > half
                colour = "#b2182b" if clear and diff < 0 else "#2166ac" if clear else "#777777"
                ax.errorbar(diff, y, xerr=half if np.isfinite(half) else None, fmt="o",
                            color=colour, ms=4, capsize=2, lw=1)
            ax.axvline(0, color="black", lw=0.8)
            ax.grid(axis="x", color="#dddddd", lw=0.6)
            if r == 0:
                ax.set_title(label, fontsize=9)
            if r == len(towns) - 1:
                ax.set_xlabel("difference from the baseline", fontsize=8)
            if c == 0:
                ax.set_yticks(ys)
                ax.set_yticklabels([LABELS.get(m, m) for m in variants], fontsize=8)
                ax.set_ylabel(town, fontweight="bold", fontsize=9)
            ax.tick_params(axis="x", labelsize=8)
    fig.suptitle("Each feedback mechanism switched off: paired difference from the baseline "
                 "(mean and 95% interval over replicates)", fontsize=10)
    fig.text(0.01, 0.005, "Red: clearly lower without the mechanism (the mechanism raises it); "
             "blue: clearly higher; grey: within replicate noise.", fontsize=7.5)
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    fig.savefig(out, dpi=150)
    print(f"\n(figure written to {out})")


def main(path, figure_path=None):
    with h5py.File(path, "r") as f:
        summary = text(pd.DataFrame(f["summary"][:]))
        monthly = text(pd.DataFrame(f["monthly"][:]))
    towns = list(dict.fromkeys(summary.town))
    models = list(dict.fromkeys(summary.model))
    years = sorted(summary.year.unique())

    print("## Institutions in the baseline (mean per year over replicates)\n")
    print("| town | year | assemblies | committees elected | dismissal votes | firms dismissed "
          "| tenders | firms hired | abandonments | committees at year end | functioning |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    base = summary[summary.model == "baseline"]
    for town in towns:
        for year in years:
            rows = base[(base.town == town) & (base.year == year)]
            month = (year - years[0]) * 12 + 11
            end = monthly[(monthly.town == town) & (monthly.model == "baseline") &
                          (monthly.month == month)]
            print(f"| {town} | {year} | {rows.assemblies.mean():.1f} "
                  f"| {rows.committees_elected.mean():.2f} | {rows.dismissal_votes.mean():.2f} "
                  f"| {rows.dismissals.mean():.2f} | {rows.tenders.mean():.2f} "
                  f"| {rows.firms_hired.mean():.2f} | {rows.abandonments.mean():.2f} "
                  f"| {end.owners_committees.mean():.1f} | {end.functioning_committees.mean():.1f} |")

    # Per run: the whole period's totals per year.
    per_run = summary.groupby(["town", "model", "replicate"]).agg(
        complaints=("complaints", "sum"), disputes=("disputes", "sum"),
        resolved=("resolved", "sum"), abandoned=("abandoned", "sum"),
        firm_exits=("abandonments", "sum"), committees=("committees_elected", "sum")
    ).reset_index()
    span = len(years)
    per_run["complaints"] /= span
    per_run["firm_exits"] /= span
    per_run["resolved_share"] = per_run.resolved / per_run.disputes
    per_run["abandoned_share"] = per_run.abandoned / per_run.disputes

    print("\n## Each mechanism switched off: mean, and paired difference from the baseline "
          "(95% interval)\n")
    metrics = [("complaints", "complaints/yr", 1), ("resolved_share", "resolved (%)", 100),
               ("abandoned_share", "abandoned (%)", 100), ("firm_exits", "firm exits/yr", 1)]
    print("| town | variant | " + " | ".join(label for _, label, _ in metrics) + " |")
    print("|---|---|" + "---|" * len(metrics))
    for town in towns:
        for model in models:
            cells = []
            for column, _, scale in metrics:
                mean, diff, half = paired(per_run, town, model, column, scale)
                cells.append(f"{mean:.1f}" if model == "baseline"
                             else f"{mean:.1f} ({diff:+.1f} ± {half:.1f})")
            print(f"| {town} | {model} | " + " | ".join(cells) + " |")
    if figure_path:
        figure(per_run, towns, models, metrics, figure_path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", help="results file of scenarios/ablation/mechanisms.toml")
    parser.add_argument("--figure", help="also draw the paired differences to this file (.png, .svg)")
    args = parser.parse_args()
    main(args.results, args.figure)
