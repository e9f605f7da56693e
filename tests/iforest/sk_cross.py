#!/usr/bin/python3
"""scikit-learn side of tests/cli/iforest_sklearn.sh.

  sk_cross.py prepare DIR   fit IsolationForests on several data shapes and
                            parameter sets, export each with
                            models/export_sklearn.py, and write for case C:
                            C.json (model), C.csv (rows to score) and C.exp
                            (-score_samples and predict() == -1 per row)
  sk_cross.py compare DIR   read C.got ("s flag" per row, from
                            iforest_check score) and check it against C.exp:
                            max |difference| <= 1e-12, no decision differs
  sk_cross.py threshold SCORES THRESHOLD CONTAMINATION
                            check that our trainer's threshold is what
                            scikit-learn's offset_ rule gives for our scores

Rows are written with repr(), which reads back as the same double.
"""

import os
import sys

import numpy as np

sys.dont_write_bytecode = True     # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "models"))
import export_sklearn  # noqa: E402

CONFIGS = {
    "default": {},
    "contamination": {"contamination": 0.05},
    "max_features": {"max_features": 0.5},
    "bootstrap": {"bootstrap": True, "max_samples": 512},
    "psi2": {"max_samples": 2},
    "psi1": {"max_samples": 1},
}
TOLERANCE = 1e-12


def vitals(rng, n):
    """Integer-valued vitals with many ties and exact duplicate rows."""
    hr = np.round(rng.normal(75, 12, n))
    spo2 = np.minimum(100, np.round(rng.normal(97, 1.5, n)))
    rr = np.round(rng.normal(16, 2.5, n))
    sbp = np.round(rng.normal(122, 15, n))
    dbp = np.round(0.6 * (sbp - 122) + rng.normal(71, 7, n))
    temp = np.round(rng.normal(36.8, 0.35, n), 1)
    X = np.column_stack([hr, spo2, rr, sbp, dbp, temp])
    X[n // 2:n // 2 + n // 10] = X[:n // 10]          # duplicates
    X[-5:] = [[180, 80, 40, 70, 40, 40.5], [30, 99, 8, 220, 130, 34.0],
              [75, 97, 16, 122, 71, 36.8], [0, 0, 0, 0, 0, 0],
              [300, 100, 60, 300, 200, 45]]
    return X


def wild(rng, n):
    """Values across many magnitudes and both signs, +0 and -0, float32
    denormals, and columns with few distinct values."""
    mag = np.exp(rng.uniform(-40, 40, (n, 5)))
    sign = np.where(rng.random((n, 5)) < 0.5, -1.0, 1.0)
    X = mag * sign
    X[:, 2] = rng.integers(0, 3, n).astype(float)
    X[:, 3] = np.where(rng.random(n) < 0.3, 0.0, X[:, 3])
    X[rng.random(n) < 0.2, 3] = -0.0
    X[rng.random(n) < 0.1, 4] = 1e-40                  # float32 denormal
    X[rng.random(n) < 0.05, 1] = 3.0e38                # near FLT_MAX
    return X


def near_thresholds(model, base, rng, limit):
    """Rows that sit on, 1 double ulp and 1 float32 ulp either side of
    split thresholds: where skipping the float32 rounding goes wrong."""
    rows = []
    d = base.shape[1]
    subset = model._max_features != d
    for est, feats in zip(model.estimators_, model.estimators_features_):
        t = est.tree_
        for node in np.flatnonzero(t.children_left != -1):
            f = int(t.feature[node])
            j = int(feats[f]) if subset else f
            thr = float(t.threshold[node])
            f32 = np.float32(thr)
            for v in (thr, np.nextafter(thr, np.inf),
                      np.nextafter(thr, -np.inf),
                      float(np.nextafter(f32, np.float32(np.inf))),
                      float(np.nextafter(f32, np.float32(-np.inf))),
                      float(f32)):
                r = base[rng.integers(0, len(base))].copy()
                r[j] = v
                rows.append(r)
    rows = np.array(rows).reshape(-1, d)
    if len(rows) > limit:
        rows = rows[rng.choice(len(rows), limit, replace=False)]
    return rows


def write_csv(path, names, X):
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        for r in X:
            f.write(",".join(repr(float(v)) for v in r) + "\n")


def prepare(out):
    from sklearn.ensemble import IsolationForest
    rng = np.random.default_rng(20240604)
    shapes = {"vitals": vitals, "wild": wild}
    for shape, gen in shapes.items():
        X = gen(rng, 2000)
        names = ["v%d" % (j + 1) for j in range(X.shape[1])]
        for cname, params in CONFIGS.items():
            case = "%s-%s" % (shape, cname)
            m = IsolationForest(random_state=7, **params).fit(X)
            export_sklearn.write(m, os.path.join(out, case + ".json"), names)
            test = np.vstack([X[:1000], gen(rng, 1000),
                              near_thresholds(m, X, rng, 1000)])
            write_csv(os.path.join(out, case + ".csv"), names, test)
            s = -m.score_samples(test)
            outlier = m.predict(test) == -1
            np.savetxt(os.path.join(out, case + ".exp"),
                       np.column_stack([s, outlier]), fmt="%.17g")
            print(case, len(test), "rows")


def compare(out):
    bad = 0
    print("%-22s %6s %12s %10s" % ("case", "rows", "max |ds|",
                                   "decisions"))
    for case in sorted(f[:-4] for f in os.listdir(out) if f.endswith(".exp")):
        exp = np.loadtxt(os.path.join(out, case + ".exp"), ndmin=2)
        got = np.loadtxt(os.path.join(out, case + ".got"), ndmin=2)
        if exp.shape != got.shape:
            print(case, "row count differs:", exp.shape, got.shape)
            bad += 1
            continue
        diff = np.abs(exp[:, 0] - got[:, 0]).max()
        flips = int((exp[:, 1] != got[:, 1]).sum())
        ok = diff <= TOLERANCE and flips == 0
        bad += not ok
        print("%-22s %6d %12.3g %10s%s" % (case, len(exp), diff,
              "%d differ" % flips, "" if ok else "   FAIL"))
    if bad:
        sys.exit("%d cases differ from scikit-learn" % bad)


def threshold(scores_path, thr, contamination):
    s = np.loadtxt(scores_path, ndmin=2)[:, 0]
    want = -np.percentile(-s, 100.0 * contamination)
    print("our threshold %.17g, numpy percentile of our scores %.17g"
          % (thr, want))
    if thr != want:
        sys.exit("threshold differs from scikit-learn's offset_ rule")
    share = float((s > thr).mean())
    print("share of training rows above it: %.4f (contamination %g)"
          % (share, contamination))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "prepare":
        prepare(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "compare":
        compare(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "threshold":
        threshold(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit(__doc__)
