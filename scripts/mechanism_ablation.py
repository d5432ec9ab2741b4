#!/usr/bin/python3
"""What each feedback mechanism carries: tables from a results file of
scenarios/ablation/mechanisms.toml (the baseline of each town with one [mechanisms] switch off).

    build/govsim run scenarios/ablation/mechanisms.toml -o results/ablation.h5
    /usr/bin/python3 scripts/mechanism_ablation.py results/ablation.h5

Prints Markdown: the baseline's institutional events per town and year, and for every variant
its mean complaints, disputes and outcomes per year with the paired difference from the
baseline (replicate k of every variant shares its town and random streams) and a 95% interval.
"""
import sys

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


def main(path):
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
        ref = per_run[(per_run.town == town) & (per_run.model == "baseline")].set_index(
            "replicate")
        for model in models:
            run = per_run[(per_run.town == town) & (per_run.model == model)].set_index(
                "replicate")
            cells = []
            for column, _, scale in metrics:
                mean = run[column].mean() * scale
                if model == "baseline":
                    cells.append(f"{mean:.1f}")
                    continue
                diff, half = interval((run[column] - ref.loc[run.index, column]) * scale)
                cells.append(f"{mean:.1f} ({diff:+.1f} ± {half:.1f})")
            print(f"| {town} | {model} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
