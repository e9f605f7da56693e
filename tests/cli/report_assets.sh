# The charting library committed in report/ is exactly the file of the
# package that report/package-lock.json pins: npm ci checks the
# package's SHA-512 against the lock's integrity, and the committed files
# must equal the ones it installs.  The inlined scripts can never end
# their script element early.
for f in uPlot.iife.min.js page.js; do
	grep -Eiq '</script|<!--' "$TOP/report/$f" && fail "report/$f holds </script or <!--"
done
command -v npm > /dev/null || skip "needs npm to check report/ against its lock"
cp "$TOP/report/package.json" "$TOP/report/package-lock.json" "$TOP/report/.npmrc" .
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error > npm.log 2>&1 ||
    { cat npm.log; skip "npm ci could not install report/'s lock (no registry?)"; }
for f in uPlot.iife.min.js uPlot.min.css; do
	cmp "node_modules/uplot/dist/$f" "$TOP/report/$f" || fail "report/$f is not the locked package's"
done
cmp node_modules/uplot/LICENSE "$TOP/report/uPlot.LICENSE" || fail "report/uPlot.LICENSE is not the package's"
expect_eq "the locked version" "$(sed -n 's/.*"version": "\(.*\)".*/\1/p' node_modules/uplot/package.json | head -n 1)" \
    "$(head -c 60 "$TOP/report/uPlot.iife.min.js" | sed -n 's/.*(v\([0-9.]*\)).*/\1/p')"
