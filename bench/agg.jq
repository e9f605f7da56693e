# Run with `jq -n -c -f agg.jq` over Silver NDJSON (bench/agg.sh, bench/system.sh).
# vitals-agg's job in jq: 1-minute tumbling windows per patient closed by
# a watermark 2 minutes behind the highest event time, late readings
# dropped, rows in (window_end, patient_id) order, the Gold columns (the
# Kafka position ones null: this job reads no Kafka).
def usec: (.[0:19] + "Z" | fromdateiso8601) * 1000000 + (.[20:26] | tonumber);
def iso: (. / 1000000 | todate | .[0:19]) + ".000000Z";
def measures: ["heart_rate", "temperature", "spo2", "respiration_rate",
    "bp_systolic", "bp_diastolic", "mean_arterial_pressure", "shock_index",
    "anomaly_score"];
def alerts: ["tachycardia", "bradycardia", "fever", "hypothermia",
    "hypoxia", "hypotension", "hypertension", "tachypnoea"];
def bands: ["low", "low-medium", "medium", "high"];
def W: 60000000;
def L: 120000000;
def fold($r; $t):
  .readings += 1
  | reduce (measures[] | select($r[.] != null)) as $m (.;
      .m[$m] |= (if . == null then {n: 1, sum: $r[$m], min: $r[$m], max: $r[$m]}
                 else .n += 1 | .sum += $r[$m]
                   | .min = ([.min, $r[$m]] | min) | .max = ([.max, $r[$m]] | max) end))
  | if $r.ward != null and (.ward == null or $t >= .ward_t)
    then .ward = $r.ward | .ward_t = $t else . end
  | if $r.news2_score != null then .news2 = ([.news2 // -1, $r.news2_score] | max) else . end
  | if $r.news2_band != null
    then .band = ([.band // -1, (bands | index($r.news2_band))] | max) else . end
  | .alerts = [range(8) as $i | (.alerts[$i] // 0) +
      (if $r["alert_" + alerts[$i]] == true then 1 else 0 end)]
  | .anomalous += (if $r.is_anomaly == true then 1 else 0 end);
def mean: if . == null then null else (.sum / .n * 1000 | round) / 1000 end;
def row:
  .value as $a
  | {patient_id: $a.id, ward: $a.ward, window_start: ($a.start | iso),
     window_end: ($a.start + W | iso), event_date: ($a.start | iso | .[0:10]),
     readings: $a.readings}
  + reduce measures[] as $m ({};
      if $m == "mean_arterial_pressure" then .[$m + "_mean"] = ($a.m[$m] | mean)
      elif $m == "shock_index" then .[$m + "_max"] = $a.m[$m].max
      elif $m == "anomaly_score" then
        .[$m + "_max"] = $a.m[$m].max | .[$m + "_mean"] = ($a.m[$m] | mean)
      else .[$m + "_mean"] = ($a.m[$m] | mean) | .[$m + "_min"] = $a.m[$m].min
        | .[$m + "_max"] = $a.m[$m].max end)
  + {news2_score_max: $a.news2,
     news2_band: (if $a.band != null then bands[$a.band] else null end)}
  + reduce range(8) as $i ({}; .["alert_" + alerts[$i] + "_count"] = $a.alerts[$i])
  + {anomalous_readings: $a.anomalous, is_anomaly: ($a.anomalous > 0),
     topic: null, partition: null, through_offset: null};
def close($limit):
  (.wins | to_entries | map(select(.value.start + W <= $limit))
    | sort_by(.value.start, .value.id)) as $done
  | .out = [$done[] | row]
  | .wins |= with_entries(select(.value.start + W > $limit));
foreach (inputs, null) as $r ({max: null, wins: {}, closed: null};
  if $r == null then close(infinite)
  else
    ($r.event_time | usec) as $t | ($t / W | floor * W) as $start
    | .out = []
    | .max = (if .max == null or $t > .max then $t else .max end)
    | if $start + W <= .max - L then .
      else .wins["\($r.patient_id) \($start)"] |=
        ((. // {id: $r.patient_id, start: $start, readings: 0, m: {}, anomalous: 0})
         | fold($r; $t)) end
    | ((.max - L) / W | floor * W) as $upto
    | if .closed == null or $upto > .closed then .closed = $upto | close($upto) else . end
  end;
  .out[])
