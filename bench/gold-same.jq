# Are two Gold outputs the same job's?  The same rows in the same order,
# every column equal but means, which may differ by 0.001 where jq's
# floating-point sum rounds the other way (vitals-agg's sums are exact).
#   jq -n --slurpfile a A.ndjson --slurpfile b B.ndjson -f gold-same.jq
# prints true or false.
($a | length) == ($b | length) and
([range($a | length) as $i | $a[$i] as $x | $b[$i] as $y |
  (($x | keys) == ($y | keys)) and
  all($x | keys[]; $x[.] == $y[.] or
      (endswith("_mean") and $x[.] != null and $y[.] != null and
       ($x[.] - $y[.] | fabs) < 0.0011))] | all)
