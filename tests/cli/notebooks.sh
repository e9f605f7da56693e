# The notebooks of examples/notebooks, executed as a user would run them
# (jupyter nbconvert --execute) with Debian's Jupyter and Python against
# the tools in $BIN: every cell must run, and so every assert in them must
# hold.  They are committed without outputs, write nothing beside
# themselves and leave no lake behind; the executed walkthrough has its
# counts line, adding up, and the insights notebook its figures.  Jupyter's
# and matplotlib's own directories and the kernel are made in $T, so
# nothing outside the scratch directory is used or changed: the kernel
# runs /usr/bin/python3 whatever python3 comes first on PATH.
case $BIN in
*build-asan*) skip "the notebooks run the tools as a user does; under ASan that only adds minutes (the tools' own tests run there)" ;;
esac
PY=/usr/bin/python3
JUPYTER=/usr/bin/jupyter
{ [ -x "$JUPYTER" ] && "$JUPYTER" nbconvert --version && "$JUPYTER" kernelspec --version; } > /dev/null 2>&1 ||
	skip "needs Debian's Jupyter (apt-get install jupyter-nbconvert jupyter-client)"
"$PY" -c 'import ipykernel, pandas, matplotlib' 2> /dev/null ||
	skip "needs /usr/bin/python3 with ipykernel, pandas and matplotlib (apt-get install python3-ipykernel python3-pandas python3-matplotlib)"

nb=$TOP/examples/notebooks
names="pipeline_walkthrough visualization_insights"
for n in $names; do [ -f "$nb/$n.ipynb" ] || fail "no $nb/$n.ipynb"; done

export JUPYTER_CONFIG_DIR="$T/jupyter/config" JUPYTER_DATA_DIR="$T/jupyter/data" \
    JUPYTER_RUNTIME_DIR="$T/jupyter/runtime" JUPYTER_PATH="$T/jupyter/path" \
    IPYTHONDIR="$T/ipython" MPLCONFIGDIR="$T/matplotlib" TMPDIR="$T/tmp" \
    PYDEVD_DISABLE_FILE_VALIDATION=1	# ipykernel's debugger: no warning about frozen modules
mkdir -p "$JUPYTER_PATH/kernels/vl-debian-python3" "$TMPDIR"
cat > "$JUPYTER_PATH/kernels/vl-debian-python3/kernel.json" <<EOF
{"argv": ["$PY", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "Debian python3", "language": "python"}
EOF
"$JUPYTER" kernelspec list > kernels
expect_grep "vl-debian-python3  *$JUPYTER_PATH/kernels/vl-debian-python3" kernels

# Committed without outputs: clearing them (and a run's metadata) changes nothing.
for n in $names; do
	"$JUPYTER" nbconvert --clear-output --ClearMetadataPreprocessor.enabled=True \
	    --to notebook --stdout "$nb/$n.ipynb" > "cleared-$n.ipynb" 2> /dev/null ||
		fail "cannot read $n.ipynb"
	cmp -s "cleared-$n.ipynb" "$nb/$n.ipynb" ||
		fail "$n.ipynb is committed with outputs or run metadata (clear them as examples/notebooks/README.md says)"
done

before=$(ls -A "$nb")
for n in $names; do
	start=$(date +%s)
	VL_BIN=$BIN "$JUPYTER" nbconvert --to notebook --execute \
	    --ExecutePreprocessor.kernel_name=vl-debian-python3 \
	    --ExecutePreprocessor.timeout=120 --output-dir "$T" "$nb/$n.ipynb" > "$n.log" 2>&1 ||
		{ grep -v '^0\.00s - ' "$n.log" | tail -n 40; fail "$n.ipynb: a cell failed"; }
	echo "$n: executed in $(( $(date +%s) - start ))s"
	[ -s "$T/$n.ipynb" ] || fail "no executed $n.ipynb"
done
expect_eq "files beside the notebooks" "$(ls -A "$nb")" "$before"
expect_eq "lakes left in TMPDIR" "$(ls -A "$TMPDIR")" ""

# What the executed notebooks hold: their text output, and their images.
"$PY" - "$T" $names > outputs <<'EOF'
import base64, json, sys
out, signature = sys.argv[1], b"\x89PNG\r\n\x1a\n"
for name in sys.argv[2:]:
    nb = json.load(open(f"{out}/{name}.ipynb"))
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            if o["output_type"] == "error":
                print(f"{name} error {o['ename']}")
            elif o["output_type"] == "stream":
                for line in "".join(o["text"]).splitlines():
                    print(f"{name} {o['name']} {line}")
            elif "image/png" in o.get("data", {}):
                png = base64.b64decode(o["data"]["image/png"])
                print(f"{name} png {len(png)} {png.startswith(signature)}")
EOF
expect_eq "errors" "$(grep -c '^[a-z_]* error' outputs || :)" 0
for n in $names; do
	expect_grep "^$n stdout python  $PY " outputs
done
expect_eq "figures of the insights" "$(grep -c '^visualization_insights png [0-9]* True$' outputs || :)" 8
expect_eq "figures of the walkthrough" "$(grep -c '^pipeline_walkthrough png' outputs || :)" 0
expect_grep '^visualization_insights stdout 8 figures' outputs
expect_grep '^visualization_insights stdout \$ delta-cat -q silver_patient_vitals | vitals-eval --json$' outputs

# The walkthrough's counts line, and that it adds up.
counts=$(sed -n 's/^pipeline_walkthrough stdout counts: //p' outputs)
echo "walkthrough: $counts"
[ -n "$counts" ] || fail "the walkthrough printed no counts line"
field() { echo " $counts" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
for f in lines kafka bronze silver rejected duplicates late gold_rows gold_readings; do
	[ -n "$(field $f)" ] || fail "counts line without $f="
done
expect_eq "Bronze is what Kafka took" "$(field bronze)" "$(field kafka)"
expect_eq "Silver + rejected + duplicates = Bronze" \
    "$(( $(field silver) + $(field rejected) + $(field duplicates) ))" "$(field bronze)"
expect_eq "Gold's readings = Silver - late" "$(field gold_readings)" "$(( $(field silver) - $(field late) ))"
expect_eq "Gold: 40 patients x 180 minutes" "$(field gold_rows)" 7200
for stage in vitals-gen kafka-cat-out kafka-cat-in vitals-clean iforest-score vitals-agg delta-commit; do
	expect_grep "^pipeline_walkthrough stdout $stage: in=[0-9]* out=[0-9]*\|^pipeline_walkthrough stdout $stage: patients=" outputs
done
