#!/usr/bin/python3
"""Export a fitted scikit-learn IsolationForest as a vitals-iforest model.

The model format (version 1) is described in models/README.md and in
lib/iforest.h.  iforest-score reproduces the forest's score_samples to
about 1e-16 (as s = -score_samples) and its predict() decisions exactly.

As a module:

    from export_sklearn import export, dumps, write
    write(fitted_forest, "model.json", feature_names=["hr", "spo2"],
          provenance={"data": "..."})

As a script, fit on a CSV (header line required) and export:

    /usr/bin/python3 models/export_sklearn.py --csv data.csv \
        --label-column label --contamination 0.05 -o model.json

Any max_samples, max_features, bootstrap and contamination are supported.
Thresholds are written with Python's repr, which reads back as the same
double.  The output has no timestamp: the same fit gives the same bytes.
"""

import argparse
import csv
import hashlib
import json
import math
import os
import sys

FORMAT = "vitals-iforest"
VERSION = 1
# What lib/iforest can hold (lib/iforest.h): 16-bit node offsets.
MAX_SAMPLES = 16384
MAX_FEATURES = 1024
MAX_TREES = 100000


def average_path_length(n):
    """c(n) exactly as scikit-learn computes it (same numpy calls)."""
    import numpy as np
    try:
        from sklearn.ensemble._iforest import _average_path_length
        return float(_average_path_length([n])[0])
    except ImportError:
        a = np.array([[float(n)]])
        if n <= 1:
            return 0.0
        if n == 2:
            return 1.0
        return float((2.0 * (np.log(a - 1.0) + np.euler_gamma)
                      - 2.0 * (a - 1.0) / a)[0, 0])


def _tree(estimator, features):
    t = estimator.tree_
    left = t.children_left.tolist()
    right = t.children_right.tolist()
    out = {}
    if features is not None:
        out["features"] = [int(f) for f in features]
    leaf = [lc == -1 for lc in left]
    out["feature"] = [-1 if leaf[i] else int(f)
                      for i, f in enumerate(t.feature.tolist())]
    out["threshold"] = [None if leaf[i] else float(v)
                        for i, v in enumerate(t.threshold.tolist())]
    out["left"] = [-1 if leaf[i] else int(v) for i, v in enumerate(left)]
    out["right"] = [-1 if leaf[i] else int(v) for i, v in enumerate(right)]
    out["n_node_samples"] = [int(v) for v in t.n_node_samples.tolist()]
    for i in range(len(left)):
        if not leaf[i] and not (left[i] > i and right[i] > i):
            raise ValueError("tree nodes are not in depth-first order")
    return out


def export(model, feature_names=None, provenance=None):
    """The model file as a dict, from a fitted IsolationForest."""
    if not hasattr(model, "estimators_"):
        raise ValueError("the IsolationForest is not fitted")
    d = int(model.n_features_in_)
    if feature_names is None:
        feature_names = getattr(model, "feature_names_in_", None)
    if feature_names is None:
        feature_names = ["v%d" % (j + 1) for j in range(d)]
    feature_names = [str(n) for n in feature_names]
    if len(feature_names) != d or len(set(feature_names)) != d:
        raise ValueError("need %d distinct feature names" % d)
    if not all(feature_names):
        raise ValueError("feature names must not be empty")
    if (d > MAX_FEATURES or model.max_samples_ > MAX_SAMPLES
            or len(model.estimators_) > MAX_TREES):
        raise ValueError("lib/iforest takes at most %d features, "
                         "max_samples %d and %d trees"
                         % (MAX_FEATURES, MAX_SAMPLES, MAX_TREES))
    # scikit-learn gives each tree the columns estimators_features_ only
    # when max_features is below n_features; otherwise it passes X whole.
    subset = model._max_features != d
    trees = [_tree(est, feats if subset else None)
             for est, feats in zip(model.estimators_,
                                   model.estimators_features_)]
    psi = int(model.max_samples_)
    if provenance is None:
        provenance = default_provenance(model)
    return {
        "format": FORMAT,
        "version": VERSION,
        "features": feature_names,
        "n_estimators": len(trees),
        "max_samples": psi,
        "c_max_samples": average_path_length(psi),
        # predict() says outlier when score_samples - offset_ < 0, that
        # is when s = -score_samples > -offset_.
        "threshold": -float(model.offset_),
        "provenance": provenance,
        "trees": trees,
    }


def default_provenance(model):
    import sklearn
    params = {k: v for k, v in model.get_params().items()
              if isinstance(v, (int, float, str, bool, type(None)))}
    return {
        "trainer": "scikit-learn %s IsolationForest" % sklearn.__version__,
        "params": params,
        "max_samples_": int(model.max_samples_),
        "offset_": float(model.offset_),
    }


def dumps(doc):
    """The file text: keys in the documented order, one tree per line."""
    def enc(v):
        return json.dumps(v, separators=(",", ":"), allow_nan=False)
    lines = ["{"]
    for k in ("format", "version", "features", "n_estimators",
              "max_samples", "c_max_samples", "threshold", "provenance"):
        lines.append('  "%s": %s,' % (k, enc(doc[k])))
    lines.append('  "trees": [')
    trees = doc["trees"]
    for i, t in enumerate(trees):
        lines.append("    " + enc(t) + ("," if i + 1 < len(trees) else ""))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write(model, path, feature_names=None, provenance=None):
    text = dumps(export(model, feature_names, provenance))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


POSITIVE = {"1", "anomaly", "outlier", "true", "yes"}


def read_csv(path, label_column=None, columns=None):
    """Features (list of rows), their names, and labels (or None).
    Rows with an empty or non-numeric feature are dropped and counted."""
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        if label_column is not None and label_column not in header:
            sys.exit("%s: no column '%s'" % (path, label_column))
        names = columns or [h for h in header if h != label_column]
        idx = [header.index(n) for n in names]
        li = header.index(label_column) if label_column else None
        X, y, dropped = [], [], 0
        for row in r:
            if not row:
                continue
            try:
                x = [float(row[i]) for i in idx]
            except (ValueError, IndexError):
                dropped += 1
                continue
            if not all(math.isfinite(v) for v in x):
                dropped += 1
                continue
            X.append(x)
            if li is not None:
                y.append(row[li].strip().lower() in POSITIVE)
    return X, names, (y if li is not None else None), dropped


def number_or(s, word):
    if s == word:
        return s
    v = float(s)
    return int(v) if v.is_integer() and "." not in s else v


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--csv", required=True, help="training data, with a "
                    "header line")
    ap.add_argument("--label-column", help="ground truth column (not a "
                    "feature): 1/anomaly/outlier/true are positive; gives "
                    "ROC-AUC and AP on the training rows in the provenance")
    ap.add_argument("--columns", help="comma-separated feature columns "
                    "(default: all but the label)")
    ap.add_argument("--n-estimators", type=int, default=100)
    ap.add_argument("--max-samples", default="auto", help="auto, a count "
                    "or a fraction")
    ap.add_argument("--contamination", default="auto")
    ap.add_argument("--max-features", type=float, default=1.0)
    ap.add_argument("--bootstrap", action="store_true")
    ap.add_argument("--seed", type=int, default=0, help="random_state")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)

    import numpy as np
    import sklearn
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import average_precision_score, roc_auc_score

    cols = a.columns.split(",") if a.columns else None
    X, names, y, dropped = read_csv(a.csv, a.label_column, cols)
    if dropped:
        print("export_sklearn: %d rows with a missing or non-numeric "
              "feature dropped" % dropped, file=sys.stderr)
    X = np.asarray(X, dtype=np.float64)
    model = IsolationForest(
        n_estimators=a.n_estimators,
        max_samples=number_or(a.max_samples, "auto"),
        contamination=number_or(a.contamination, "auto"),
        max_features=a.max_features, bootstrap=a.bootstrap,
        random_state=a.seed).fit(X)
    with open(a.csv, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    prov = default_provenance(model)
    prov["data"] = {"file": os.path.basename(a.csv), "sha256": digest,
                    "rows": int(X.shape[0]), "rows_dropped": dropped}
    if y is not None and 0 < sum(y) < len(y):
        s = -model.score_samples(X)
        prov["evaluation"] = {
            "on": "training rows",
            "prevalence": sum(y) / len(y),
            "roc_auc": float(roc_auc_score(y, s)),
            "average_precision": float(average_precision_score(y, s)),
        }
    write(model, a.output, names, prov)


if __name__ == "__main__":
    main()
