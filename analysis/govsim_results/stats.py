"""Means over replicates with 95% Student-t intervals, as the comparison computes them
(analysis/statistics.hpp, `mean_ci`), without depending on SciPy."""
import math

import numpy as np
import pandas as pd

_Z975 = 1.959963984540054  # standard normal 0.975 quantile
# t quantiles (0.975) for few degrees of freedom, where the expansion below is least accurate.
_TABLE = {3: 3.182446305, 4: 2.776445105, 5: 2.570581836, 6: 2.446911851, 7: 2.364624252,
          8: 2.306004135, 9: 2.262157163}


def t975(df: int) -> float:
    """The 0.975 quantile of Student's t with `df` degrees of freedom.

    Closed forms for df = 1 and 2, the published table values for df = 3 to 9, and for df >= 10
    the Cornish-Fisher expansion in 1/df to the fourth order (Abramowitz & Stegun 26.7.5), which
    is within 1e-5 of the exact value there.
    """
    if df < 1:
        return math.nan
    if df in _TABLE:
        return _TABLE[df]
    if df == 1:
        return math.tan(math.pi * 0.475)
    if df == 2:
        p = 0.975
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = _Z975
    n = float(df)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / n + g2 / n**2 + g3 / n**3 + g4 / n**4


def mean_interval(frame: pd.DataFrame, by: list, value: str) -> pd.DataFrame:
    """Per group of `by`: `mean`, `lower`, `upper` (95% t interval of the mean) and `n` of
    column `value` over rows (replicates); NaN bounds with fewer than two values."""
    grouped = frame.groupby(by, observed=True, sort=True)[value]
    out = grouped.agg(["mean", "std", "count"]).reset_index()
    half = np.array([t975(int(n) - 1) if n >= 2 else math.nan for n in out["count"]])
    half = half * out["std"].to_numpy() / np.sqrt(out["count"].to_numpy())
    out["lower"] = out["mean"] - half
    out["upper"] = out["mean"] + half
    return out.rename(columns={"count": "n"}).drop(columns="std")
