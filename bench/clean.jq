# vitals-clean's Silver transform written in jq, for the benchmark: the
# same coercions, units, time normalisation, plausibility checks, derived
# values, NEWS2 and alert flags, giving the same records on valid input.
# Run with `jq -c -R -f clean.jq`: -R reads raw lines, so a malformed line
# is rejected like vitals-clean does instead of stopping jq.
# Missing values are written as null where vitals-clean leaves the field
# out; readers treat the two alike, and dropping nulls doubles jq's time.
# Not done: de-duplication (it needs bounded state across records, which
# jq does not have) and the roster; both make vitals-clean's job bigger.

def reject($reason): {reject: $reason};

def num:
  if type == "number" then .
  elif type == "string" and test("^[-+0-9.eE]+$") then tonumber
  elif . == null then null
  else error("bad_type") end;

def int:
  num | if . == null then null elif . == floor then . else error("bad_type") end;

def round1: (. * 10 | round) / 10;

# "2026-01-01T08:00:05.5+01:00" -> "2026-01-01T07:00:05.500000Z"
def utc_micro:
  capture("^(?<d>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ](?<t>[0-9]{2}:[0-9]{2}:[0-9]{2})(?:[.,](?<f>[0-9]+))?(?<z>[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?$")
  | (((.f // "") + "000000")[0:6]) as $frac
  | if (.z == null or .z == "Z" or .z == "z") then "\(.d)T\(.t).\($frac)Z"
    else (.z | capture("(?<s>[+-])(?<h>[0-9]{2}):?(?<m>[0-9]{2})?")) as $o
      | ((($o.h | tonumber) * 3600 + (($o.m // "0") | tonumber) * 60)
         * (if $o.s == "-" then -1 else 1 end)) as $off
      | ("\(.d)T\(.t)Z" | fromdateiso8601) - $off | todate
      | "\(.[0:19]).\($frac)Z"
    end;

def news2_rr: if . <= 8 then 3 elif . <= 11 then 1 elif . <= 20 then 0 elif . <= 24 then 2 else 3 end;
def news2_spo2: round | if . <= 91 then 3 elif . <= 93 then 2 elif . <= 95 then 1 else 0 end;
def news2_sbp: if . <= 90 then 3 elif . <= 100 then 2 elif . <= 110 then 1 elif . <= 219 then 0 else 3 end;
def news2_hr: if . <= 40 then 3 elif . <= 50 then 1 elif . <= 90 then 0 elif . <= 110 then 1 elif . <= 130 then 2 else 3 end;
def news2_temp: (. * 10 | round) | if . <= 350 then 3 elif . <= 360 then 1 elif . <= 380 then 0 elif . <= 390 then 1 else 2 end;
def opt(f): if . == null then null else f end;

def clean:
  . as $r
  | if ($r.patient_id | type) != "string" or $r.patient_id == "" then error("bad_patient_id") else . end
  | if ($r.timestamp | type) != "string" then error("bad_type") else . end
  | ($r.timestamp | (try utc_micro catch error("bad_timestamp"))) as $t
  | if $t < "2000-01-01" then error("implausible_timestamp") else . end
  | ($r.heart_rate | int) as $hr0
  | ($r.respiration_rate | int) as $rr
  | ($r.spo2 | num) as $sp0
  | ($r.temperature | num) as $t0
  | ($r.blood_pressure
     | if . == null then [null, null]
       elif type == "string" then (capture("^ *(?<s>[0-9]{1,4}) */ *(?<d>[0-9]{1,4}) *$")
            // error("bad_type")) | [(.s | tonumber), (.d | tonumber)]
       elif type == "object" then [.systolic, .diastolic]
       else error("bad_type") end) as [$sbp, $dbp]
  | (if $t0 != null and $t0 >= 86 and $t0 <= 113 then (($t0 - 32) * 5 / 9 | round1) else $t0 end) as $temp
  | [ (if $t0 != null and $t0 >= 86 and $t0 <= 113 then "temperature_fahrenheit" else empty end),
      (if $hr0 == 0 then "heart_rate_zero" else empty end),
      (if $sp0 == 0 then "spo2_lead_off" else empty end) ] as $flags
  | (if $hr0 == 0 then null else $hr0 end) as $hr
  | (if $sp0 == 0 then null else $sp0 end) as $sp
  | if ($hr != null and ($hr < 20 or $hr > 300)) or ($sp != null and ($sp < 50 or $sp > 100))
       or ($temp != null and ($temp < 25 or $temp > 45)) or ($rr != null and ($rr < 0 or $rr > 70))
       or ($sbp != null and ($sbp < 40 or $sbp > 300)) or ($dbp != null and ($dbp < 20 or $dbp > 200))
       or ($sbp != null and $dbp != null and $sbp <= $dbp)
    then error("implausible_value") else . end
  | [ ($rr | opt(news2_rr)), ($sp | opt(news2_spo2)), ($sbp | opt(news2_sbp)),
      ($hr | opt(news2_hr)), ($temp | opt(news2_temp)) ] as $pts
  | ([$pts[] | select(. != null)]) as $scored
  | (if ($scored | length) == 0 then null else ($scored | add) end) as $total
  | ($scored | any(. == 3)) as $red
  | {patient_id: $r.patient_id, device_id: $r.device_id, ward: $r.ward,
     event_time: $t, event_date: $t[0:10],
     heart_rate: $hr, temperature: $temp, spo2: $sp, respiration_rate: $rr,
     bp_systolic: $sbp, bp_diastolic: $dbp,
     mean_arterial_pressure: (if $sbp != null then (($sbp + 2 * $dbp) / 3 | round1) else null end),
     pulse_pressure: (if $sbp != null then $sbp - $dbp else null end),
     shock_index: (if $sbp != null and $hr != null then (($hr / $sbp * 1000 | round) / 1000) else null end),
     news2_score: $total,
     news2_band: (if $total == null then null elif $total >= 7 then "high" elif $total >= 5 then "medium"
                  elif $red then "low-medium" else "low" end),
     news2_respiration: $pts[0], news2_spo2: $pts[1],
     news2_spo2_scale: (if $pts[1] != null then 1 else null end), news2_systolic: $pts[2],
     news2_heart_rate: $pts[3], news2_temperature: $pts[4], news2_partial: true,
     alert_tachycardia: ($hr != null and $hr > 100),
     alert_bradycardia: ($hr != null and $hr < 50),
     alert_fever: ($temp != null and $temp >= 38.0),
     alert_hypothermia: ($temp != null and $temp < 35.0),
     alert_hypoxia: ($sp != null and $sp < 92),
     alert_hypotension: ($sbp != null and $sbp < 90),
     alert_hypertension: (($sbp != null and $sbp >= 180) or ($dbp != null and $dbp >= 120)),
     alert_tachypnoea: ($rr != null and $rr > 20),
     quality_flags: (if ($flags | length) > 0 then ($flags | join(",")) else null end),
     truth: $r.truth};

. as $line
| (try fromjson catch null) as $r
| if ($r | type) != "object" then reject("bad_json")
  else ($r | try clean catch reject(.)) end
