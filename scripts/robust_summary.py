#!/usr/bin/python3
"""Prints the figures of README's "How sure is the ranking?" from a run of
scenarios/pilot-robustness.toml: per town, each model's complaints a year (mean over draws),
how often it beats the baseline on complaints, government cases and the burden, its extra public
cost, and the spreads the README's bullets quote.

Usage: /usr/bin/python3 scripts/robust_summary.py results/robust.h5

A draw's value for a model is its mean over the draw's replicates (as /robustness computes it);
"beats" is strictly better on that draw. Uses Debian's h5py, numpy and pandas."""
import sys

import h5py
import numpy as np
import pandas as pd

MODELS = ["baseline", "lishui", "denghu", "shenzhen", "nanhai-opinions"]
BURDEN = "burden_per_1000_households_per_year"


def decoded(table):
    frame = pd.DataFrame(table[:])
    for column in frame.columns:
        if frame[column].dtype.kind in "SO":
            frame[column] = frame[column].str.decode("utf-8")
    return frame


def main(path):
    with h5py.File(path, "r") as f:
        runs = decoded(f["runs"])
        robust = decoded(f["robustness"])
    metrics = ["complaints_per_year", "government_cases_per_year", BURDEN, "public_cost_per_year",
               "resolved_share"]
    draws = runs.groupby(["town", "model", "point"])[metrics].mean().reset_index()
    towns = list(dict.fromkeys(runs["town"]))
    print(f"{runs['point'].nunique()} draws, {len(runs)} runs")
    print("| town | complaints a year: baseline -> Lishui / Denghu / Shenzhen / all levers (mean over "
          "draws) | P(beats baseline) on complaints | on government cases | on the burden | "
          "extra public cost a year |")
    print("|---|---|---|---|---|---|")
    for town in towns:
        wide = {m: draws[(draws.town == town) & (draws.model == m)].set_index("point")
                for m in MODELS}
        base = wide["baseline"]
        complaints = " / ".join(f"{wide[m]['complaints_per_year'].mean():.0f}" for m in MODELS[1:])

        def beats(metric):
            return " / ".join(f"{(wide[m][metric] < base[metric]).mean():.2f}" for m in MODELS[1:])

        cost = " / ".join(
            f"{(wide[m]['public_cost_per_year'] - base['public_cost_per_year']).mean() / 1e6:+.1f}"
            for m in MODELS[1:])
        print(f"| {town} | {base['complaints_per_year'].mean():.0f} -> {complaints} | "
              f"{beats('complaints_per_year')} | {beats('government_cases_per_year')} | "
              f"{beats(BURDEN)} | {cost} M yuan |")
    print()
    for town in towns:
        wide = {m: draws[(draws.town == town) & (draws.model == m)].set_index("point")
                for m in MODELS}
        base = wide["baseline"]
        print(f"{town}:")
        for m in MODELS[1:]:
            x = wide[m]
            cost = x["public_cost_per_year"] / base["public_cost_per_year"] - 1
            comp = x["complaints_per_year"] / base["complaints_per_year"] - 1
            burden = x[BURDEN] / base[BURDEN] - 1
            print(f"  {m:16s} complaints {comp.mean():+.1%} (draws {comp.min():+.0%}..{comp.max():+.0%})"
                  f"  cost {cost.mean():+.1%} (draws {cost.min():+.0%}..{cost.max():+.0%})"
                  f"  burden {burden.mean():+.1%}, lower on {(burden < 0).mean():.2f} of draws")
        for m in MODELS:
            c = wide[m]["complaints_per_year"]
            p05, p95 = np.percentile(c, [5, 95])
            print(f"  {m:16s} complaints over draws: 90% in [{p05:.0f}, {p95:.0f}], "
                  f"a factor {p95 / p05:.1f}")
        r = robust[(robust.town == town) & (robust.metric == "resolved_share")]
        print("  P(rank 1) on the resolved share: " +
              ", ".join(f"{row.model} {row.rank_1:.2f}" for row in r.itertuples()))
        r = robust[(robust.town == town) & (robust.metric == "complaints_per_year")]
        print("  P(rank 1) on complaints: " +
              ", ".join(f"{row.model} {row.rank_1:.2f}" for row in r.itertuples()))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
