#!/usr/bin/python3
"""scikit-learn side of tests/cli/iforest_odds.sh.

  odds.py list                 data set names and how many seeds our side
                               runs, one "name count" per line
  odds.py prepare ODDS DIR     write DIR/NAME.csv (header v1..vd,label with
                               label 0/1) for each data set, and
                               DIR/NAME.sk: ROC-AUC and AP of scikit-learn's
                               IsolationForest (defaults, fit and score on
                               all rows) for its seeds, one "auc ap" a line
  odds.py report DIR           read DIR/NAME.c (iforest_check seeds output)
                               and DIR/NAME.scores (our first seed's scores)
                               and print both sides; fail if a mean ROC-AUC
                               differs from scikit-learn's by more than 0.01,
                               or if sklearn.metrics disagrees with our
                               metrics on our scores

Seeds.  The two sides use different random generators, so only their
means can be compared, and a data set whose AUC varies a lot from seed to
seed needs many seeds for the difference of two means to be well inside
0.01.  With the per-seed spread s measured by scikit-learn (notes, section
11), the standard error of the difference is s * sqrt(1/k_sk + 1/k_c);
the counts below keep it at or below about 0.004 (so 0.01 is 2.5 of them)
while scikit-learn's side, the slow one, stays near 30 s in all.  Our side
is cheap and runs more seeds.  Every data set is used in full.
"""

import csv
import math
import os
import sys

import numpy as np

# name: (file, per-seed spread from the notes, sklearn seeds, our seeds)
SETS = {
    "cardio": ("meta_cardio.csv", 0.009, 16, 50),
    "thyroid": ("meta_thyroid.csv", 0.004, 5, 20),
    "annthyroid": ("meta_annthyroid.csv", 0.016, 20, 100),
    "mammography": ("meta_mammography.csv", 0.007, 6, 30),
    "breastw": ("meta_breastw.csv", 0.001, 3, 10),
    "shuttle_12345": ("meta_shuttle.csv", 0.001, 3, 10),
    "shuttle": ("shuttle_49097.csv", 0.001, 3, 10),
    "smtp": ("smtp.csv", 0.006, 5, 20),
}
TARGET = 0.01
OUR_FIRST_SEED = 1000


def load(odds, name):
    path = os.path.join(odds, SETS[name][0])
    if name == "smtp":
        X = np.loadtxt(path, delimiter=",")
        y = np.loadtxt(os.path.join(odds, "smtp_labels.csv"))
    elif name == "shuttle":
        d = np.loadtxt(path, delimiter=",")
        X, y = d[:, :-1], d[:, -1]
    else:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))[1:]
        y = np.array([r[0] == "anomaly" for r in rows], dtype=float)
        X = np.array([[float(v) for v in r[1:]] for r in rows])
    return X, y.astype(int)


def prepare(odds, out):
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import average_precision_score, roc_auc_score
    for name, (_, _, k_sk, _) in SETS.items():
        X, y = load(odds, name)
        with open(os.path.join(out, name + ".csv"), "w") as f:
            f.write(",".join("v%d" % (j + 1) for j in range(X.shape[1])))
            f.write(",label\n")
            for r, lab in zip(X, y):
                f.write(",".join(repr(float(v)) for v in r))
                f.write(",%d\n" % lab)
        with open(os.path.join(out, name + ".sk"), "w") as f:
            for seed in range(k_sk):
                s = -IsolationForest(random_state=seed).fit(X).score_samples(X)
                f.write("%.17g %.17g\n" % (roc_auc_score(y, s),
                                           average_precision_score(y, s)))
        print("%s: %d rows, %d features, %d seeds" % (name, len(y),
                                                      X.shape[1], k_sk))


def mean_sd(v):
    v = np.asarray(v, dtype=float)
    return v.mean(), (v.std(ddof=1) if len(v) > 1 else 0.0)


def report(out):
    from sklearn.metrics import average_precision_score, roc_auc_score
    bad = []
    print("%-14s %6s %3s %-15s %3s %-15s %7s %6s %6s %6s" % (
        "data set", "rows", "k", "sklearn AUC", "k", "ours AUC", "diff",
        "z", "AP sk", "AP us"))
    for name in SETS:
        sk = np.loadtxt(os.path.join(out, name + ".sk"), ndmin=2)
        ours, first = [], None
        with open(os.path.join(out, name + ".c")) as f:
            for line in f:
                w = line.split()
                if w[0] == "seed":
                    ours.append((float(w[3]), float(w[5])))
        ours = np.array(ours)
        # Our metrics against sklearn.metrics on our own scores.
        sc = np.loadtxt(os.path.join(out, name + ".scores"), delimiter=",",
                        ndmin=2)
        first = ours[0]
        want = (roc_auc_score(sc[:, 1], sc[:, 0]),
                average_precision_score(sc[:, 1], sc[:, 0]))
        if abs(first[0] - want[0]) > 1e-12 or abs(first[1] - want[1]) > 1e-12:
            bad.append("%s: our metrics %r, sklearn.metrics %r"
                       % (name, tuple(first), want))
        m_sk, s_sk = mean_sd(sk[:, 0])
        m_us, s_us = mean_sd(ours[:, 0])
        diff = m_us - m_sk
        se = math.sqrt(s_sk ** 2 / len(sk) + s_us ** 2 / len(ours))
        z = diff / se if se > 0 else 0.0
        print("%-14s %6d %3d %.4f ± %.4f %3d %.4f ± %.4f %+7.4f %+6.1f "
              "%6.3f %6.3f%s" % (name, len(sc), len(sk), m_sk, s_sk,
                                 len(ours), m_us, s_us, diff, z,
                                 sk[:, 1].mean(), ours[:, 1].mean(),
                                 "" if abs(diff) <= TARGET else "  FAIL"))
        if abs(diff) > TARGET:
            bad.append("%s: mean ROC-AUC %.4f against scikit-learn's %.4f"
                       % (name, m_us, m_sk))
    print("(± is the spread of one seed; diff = ours - sklearn, z = diff "
          "over its standard error; target |diff| <= %g)" % TARGET)
    if bad:
        sys.exit("\n".join(bad))


if __name__ == "__main__":
    a = sys.argv[1:]
    if a == ["list"]:
        for name, (_, _, _, k_c) in SETS.items():
            print(name, k_c)
    elif len(a) == 3 and a[0] == "prepare":
        prepare(a[1], a[2])
    elif len(a) == 2 and a[0] == "report":
        report(a[1])
    else:
        sys.exit(__doc__)
