"""The combined alert of iforest-score, computed again from what Silver
says, independently of lib/alert: the rule as vitals-eval(1) and
iforest-score(1) state it.

usage: check.py SCORED.ndjson [PERSISTENCE_S NEWS2_PERSISTENCE_S GATE]

Reads the scored stream, and for each patient in the stream's order:
  - a reading covers the time since the patient's previous reading (the
    patient's first covers none), flagged or not;
  - the forest alerts when the flagged (is_anomaly) readings in a row
    cover PERSISTENCE_S;
  - the gated NEWS2 rule holds when readings in a row with NEWS2 >= 5 or a
    parameter at 3, and anomaly_score above GATE, cover
    NEWS2_PERSISTENCE_S;
  - alert is the forest's alert or the gated rule's.
Checks each record's alert against it, and alert_reason: null exactly
when alert is false; "iforest: ..." exactly when the forest alerted,
naming one to three distinct vitals; "news2 N: ..." exactly when the
gated rule held, with N the record's news2_score and the parameters
named those whose points are 3, then 2, with their points.
Prints "readings N alerts A episodes E detected D unsure U" (episodes
with an alert at one of their labelled readings; patients left out from
the reading whose score is too near the gate for its six printed
decimals to tell), or the first mismatches and exits 1.
"""
import json
import re
import sys

VITALS = ["heart_rate", "respiration_rate", "spo2", "temperature",
          "bp_systolic", "bp_diastolic"]
POINTS = {"respiration_rate": "news2_respiration", "spo2": "news2_spo2",
          "bp_systolic": "news2_systolic", "heart_rate": "news2_heart_rate",
          "temperature": "news2_temperature"}


def ts(s):
    # event_time is RFC 3339 UTC with optional fraction; microseconds.
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?Z$", s)
    import calendar
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    frac = m.group(7) or ".0"
    return (calendar.timegm((y, mo, d, h, mi, se)) * 1000000
            + round(float(frac) * 1e6))


def news2_part(rec):
    want = []
    for p in (3, 2):
        for v in VITALS:
            if v in POINTS and rec.get(POINTS[v]) == p:
                want.append("%s %d" % (v, p))
    return "news2 %d: %s" % (rec["news2_score"], ", ".join(want))


def main():
    path = sys.argv[1]
    per, n2per, gate = (float(x) for x in sys.argv[2:5]) if len(
        sys.argv) > 2 else (20.0, 300.0, 0.55)
    per, n2per = per * 1e6, n2per * 1e6
    state = {}
    unsure = set()
    bad = []
    n = alerts = 0
    episodes, detected = set(), set()
    for line in open(path):
        rec = json.loads(line)
        pid, t = rec["patient_id"], ts(rec["event_time"])
        if pid in unsure:
            continue
        last, cf, cg = state.get(pid, (None, -1, -1))
        dt = 0 if last is None else t - last
        red = any(rec.get(f) == 3 for f in POINTS.values())
        urgent = (rec.get("news2_score") or 0) >= 5 or red
        cf = max(cf, 0) + dt if rec["is_anomaly"] else -1
        if urgent and abs(rec["anomaly_score"] - gate) <= 5e-7:
            # The gate is compared on the unrounded score, which the
            # six decimals printed may not tell: this patient's runs
            # are no longer known.
            unsure.add(pid)
            continue
        g = urgent and rec["anomaly_score"] > gate
        cg = max(cg, 0) + dt if g else -1
        state[pid] = (t, cf, cg)
        forest, gated = cf >= per, cg >= n2per
        want = forest or gated
        n += 1
        alerts += want
        truth = rec.get("truth") or {}
        if isinstance(truth.get("episode_id"), int):
            episodes.add(truth["episode_id"])
            if rec["alert"]:
                detected.add(truth["episode_id"])
        why = None
        reason = rec["alert_reason"]
        if rec["alert"] is not want:
            why = "alert is %s, the rule says %s" % (rec["alert"], want)
        elif not want and reason is not None:
            why = "a reason without an alert"
        elif want:
            parts = reason.split("; ")
            fp = [p for p in parts if p.startswith("iforest: ")]
            np_ = [p for p in parts if p.startswith("news2 ")]
            if len(fp) != forest or len(np_) != gated or \
                    len(parts) != forest + gated:
                why = "reason %r for forest=%s gated=%s" % (reason, forest,
                                                             gated)
            elif fp:
                named = [x.rsplit(" ", 1) for x in fp[0][9:].split(", ")]
                if not 1 <= len(named) <= 3 or \
                        len({v for v, _ in named}) != len(named) or \
                        any(v not in VITALS or d not in
                            ("high", "low", "rising", "falling")
                            for v, d in named):
                    why = "forest reason %r" % fp[0]
            if why is None and np_ and np_[0] != news2_part(rec):
                why = "news2 reason %r, the record says %r" % (
                    np_[0], news2_part(rec))
        if why and len(bad) < 5:
            bad.append("%s %s: %s" % (pid, rec["event_time"], why))
    if bad:
        print("\n".join(bad))
        sys.exit(1)
    print("readings %d alerts %d episodes %d detected %d unsure %d" %
          (n, alerts, len(episodes), len(detected), len(unsure)))


main()
