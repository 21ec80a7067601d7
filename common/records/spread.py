"""How much a result moves when only the seed changes, and whether two groups of runs differ.

NumPy alone: the mean and sample standard deviation of a group, and for two groups the
difference of their means with a 95% confidence interval by Welch's t (which does not assume
the two spreads are equal).
"""
import math

import numpy as np


def spread(values):
    """mean, std (sample, ddof=1), min, max and n of a group's values."""
    values = np.asarray(values, dtype=float)
    return {"mean": float(values.mean()), "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
            "min": float(values.min()), "max": float(values.max()), "n": len(values)}


def t_quantile(probability, df):
    """The `probability` quantile (> 0.5) of Student's t with `df` degrees of freedom, by integrating
    its density: the value t with P(T <= t) = probability."""
    x = np.linspace(0.0, 200.0, 400_001)
    log_density = (math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
                   - (df + 1) / 2 * np.log1p(x * x / df))
    density = np.exp(log_density)
    mass_from_zero = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(x))])
    return float(np.interp(probability - 0.5, mass_from_zero, x))


def welch_interval(a, b, confidence=0.95):
    """mean(a) - mean(b), its confidence interval (low, high) and Welch's degrees of freedom."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("each group needs at least two runs for a spread")
    variance_a, variance_b = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    difference, standard_error = a.mean() - b.mean(), math.sqrt(variance_a + variance_b)
    if standard_error == 0:
        return float(difference), (float(difference), float(difference)), math.inf
    df = (variance_a + variance_b) ** 2 / (variance_a ** 2 / (len(a) - 1) + variance_b ** 2 / (len(b) - 1))
    half_width = t_quantile(1 - (1 - confidence) / 2, df) * standard_error
    return float(difference), (float(difference - half_width), float(difference + half_width)), float(df)
