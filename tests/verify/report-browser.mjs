#!/usr/bin/env node
// report-browser: opens vitals-report's page in headless Chromium
// (lib/chromium.mjs) and checks it the way a user would see it.
//
//   node report-browser.mjs --url URL --gold GOLD.ndjson --shots DIR
//       [--then CMD --then-rows N] [--hostile TEXT]
//
// The expectations come from GOLD.ndjson (the rows the page was made
// from), not from the page's own data:
//   - no exception, console error or failed request (a request at all
//     would break the page's Content-Security-Policy and log one);
//   - the hospital charts hold one point per hour of the data and one
//     series per ward, the tiles count every window, the NEWS2 bars
//     every patient; filtering a ward counts that ward's windows only;
//   - the trend charts hold the picked patient's windows; picking
//     another patient changes them; the last-hour filter keeps the
//     windows of the last hour;
//   - the alert list holds the windows that alerted (at most 100),
//     highest anomaly score first, each with its alert_reason;
//   - with --then: CMD (which commits N more Gold rows) runs once the
//     page is open, and the new version reaches the page by itself
//     within 15 s, its windows counted;
//   - with --hostile: TEXT (a ward name full of markup) appears as text
//     in the ward filter, and no element came from it.
// Screenshots of each tab go to DIR.  Exits 1 on a failed check.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { openChromium, sleep } from './lib/chromium.mjs'

const args = process.argv.slice(2)
const opt = {}
for (let i = 0; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1]
if (!opt.url || !opt.gold || !opt.shots) {
  console.error('usage: report-browser.mjs --url URL --gold GOLD.ndjson --shots DIR [--then CMD --then-rows N] [--hostile TEXT]')
  process.exit(2)
}
fs.mkdirSync(opt.shots, { recursive: true })

const problems = []
const check = (ok, msg) => { if (!ok) problems.push(msg); else console.log(`ok: ${msg}`) }

// ---- the expectations, from the Gold rows
const gold = fs.readFileSync(opt.gold, 'utf8').split('\n').filter(l => l.trim()).map(l => JSON.parse(l))
const sec = (iso) => Date.parse(iso) / 1000
const hours = new Set(gold.map(g => Math.floor(sec(g.window_start) / 3600)))
const wards = new Set(gold.map(g => g.ward ?? null))
const patients = new Set(gold.map(g => g.patient_id))
const windowsOf = (p) => gold.filter(g => g.patient_id === p)
const anomalous = gold.filter(g => g.is_anomaly)
const lastEnd = Math.max(...gold.map(g => sec(g.window_end)))

// ---- Chromium, on a laptop screen
const chrome = await openChromium({ width: 1366, height: 860, timeoutMs: 120000 })
const { js, until, errors, quit } = chrome
const shot = (name) => chrome.shot(path.join(opt.shots, name))
// A user's change of a select: its value, then the change event.
const choose = (id, value) => js(`(() => { const s = document.getElementById(${JSON.stringify(id)});
  s.value = ${JSON.stringify(value)}; s.dispatchEvent(new Event('change', { bubbles: true })); return s.value })()`)
const click = (selector) => js(`document.querySelector(${JSON.stringify(selector)}).click()`)

await chrome.navigate(opt.url)
check(await until('window.vlReport && window.vlReport.ready === true'), 'the page renders')

// ---- hospital
const wardChart = await js('[vlReport.charts.wardAlerts.data[0].length, vlReport.charts.wardAlerts.series.length - 1, vlReport.charts.anomalies.data[0].length]')
check(wardChart[0] === hours.size, `alerts per ward: ${wardChart[0]} points for ${hours.size} hours`)
check(wardChart[1] === wards.size, `alerts per ward: ${wardChart[1]} series for ${wards.size} wards`)
check(wardChart[2] === hours.size, `anomalous windows: ${wardChart[2]} points for ${hours.size} hours`)
const tiles = await js('vlReport.tiles')
check(tiles.windows === gold.length, `windows tile ${tiles.windows} = ${gold.length} Gold rows`)
check(tiles.patients === patients.size, `patients tile ${tiles.patients} = ${patients.size}`)
check(tiles.anomalous_windows === anomalous.length, `anomalous windows tile ${tiles.anomalous_windows} = ${anomalous.length}`)
const alertingRows = gold.filter(g => g.alert).length
check(tiles.alert_windows === alertingRows, `alerting windows tile ${tiles.alert_windows} = ${alertingRows}`)
const bands = await js('vlReport.bands')
check(Object.values(bands).reduce((a, b) => a + b, 0) === patients.size, 'the NEWS2 bars count every patient')
await shot('hospital.png')

const someWard = [...wards].filter(w => w !== null).sort()[0]
await choose('f-ward', someWard)
const wardTiles = await js('vlReport.tiles')
const inWard = gold.filter(g => g.ward === someWard).length
check(wardTiles.windows === inWard && inWard < gold.length, `ward ${someWard}: windows tile ${wardTiles.windows} = ${inWard}`)
await shot('hospital-ward.png')
await choose('f-ward', '')

// ---- patient trends
await click('button[data-page="patient"]')
const first = await js('vlReport.state.patient')
const firstPoints = await js('vlReport.charts["p-hr"].data[0].length')
check(firstPoints === windowsOf(first).length, `trends of the first patient: ${firstPoints} points = ${windowsOf(first).length} windows`)
const nCharts = await js('Object.keys(vlReport.charts).filter(k => k.startsWith("p-")).length')
check(nCharts === 7, `${nCharts} trend charts`)
const hrFirst = await js('JSON.stringify(vlReport.charts["p-hr"].data[1])')
await shot('patient.png')
const other = [...patients].find(p => p !== first)
check(await choose('p-pick', other) === other, 'the picker offers another patient')
const otherPoints = await js('vlReport.charts["p-hr"].data[0].length')
check(otherPoints === windowsOf(other).length, `trends of another patient: ${otherPoints} points = ${windowsOf(other).length} windows`)
check(await js('JSON.stringify(vlReport.charts["p-hr"].data[1])') !== hrFirst, 'picking another patient changes the trends')
// To the 0.1 bpm the page shows and keeps.
const hrWant = windowsOf(other).sort((a, b) => sec(a.window_start) - sec(b.window_start))
  .map(g => g.heart_rate_mean == null ? null : Math.round(g.heart_rate_mean * 10) / 10)
check(await js('JSON.stringify(vlReport.charts["p-hr"].data[1])') === JSON.stringify(hrWant), "the heart-rate trend is the patient's window means")
const tWant = windowsOf(other).map(g => sec(g.window_start)).sort((a, b) => a - b)
check(await js('JSON.stringify(vlReport.charts["p-hr"].data[0])') === JSON.stringify(tWant), "the trend's times are the patient's windows")
await click('button[data-hours="1"]')
const lastHour = windowsOf(other).filter(g => sec(g.window_start) >= lastEnd - 3600).length
check(await js('vlReport.charts["p-hr"].data[0].length') === lastHour, `last hour: ${lastHour} windows`)
await shot('patient-last-hour.png')
await click('button[data-hours="0"]')

// ---- anomaly alerts
await click('button[data-page="alerts"]')
const alerting = gold.filter(g => g.alert)
// The hostile page holds two patients only, who need not have alerted.
if (!opt.hostile) check(alerting.length > 0, 'the data has alerting windows')
const want = Math.min(100, alerting.length)
check(await js('document.querySelectorAll("#a-table tbody tr").length') === want, `the alert list shows ${want} windows`)
const scores = await js('[...document.querySelectorAll("#a-table tbody tr td:nth-child(4)")].map(td => Number(td.textContent))')
check(scores.every((s, i) => i === 0 || scores[i - 1] >= s), 'alerts come highest anomaly score first')
if (alerting.length) {
  const top = Math.max(...alerting.map(g => g.anomaly_score_max))
  check(Math.abs(scores[0] - top) < 0.0006, `the first alert has the highest score (${top})`)
  const reasons = new Set(alerting.map(g => g.alert_reason))
  const shown = await js('[...document.querySelectorAll("#a-table tbody tr td.reason")].map(td => td.textContent)')
  check(shown.length === want && shown.every(r => reasons.has(r)), 'each alert shows its window\'s alert_reason')
}
await shot('alerts.png')

if (opt.hostile) {
  const texts = await js('[...document.querySelectorAll("#f-ward option")].map(o => o.textContent)')
  check(texts.includes(opt.hostile), 'the hostile ward name is shown as text')
  check(await js('document.querySelectorAll("img, b, iframe").length') === 0, 'no element came from the data')
}

// ---- live
if (opt.then) {
  await click('button[data-page="hospital"]')
  const v0 = await js('vlReport.version')
  const w0 = await js('vlReport.tiles.windows')
  const r = spawnSync('sh', ['-c', opt.then], { stdio: 'inherit' })
  check(r.status === 0, `ran: ${opt.then}`)
  const t0 = Date.now()
  check(await until(`vlReport.version > ${v0}`, 15000), `a new version reached the open page (after ${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  await until(`vlReport.tiles.windows === ${w0 + Number(opt['then-rows'] || 0)}`, 3000)
  const w1 = await js('vlReport.tiles.windows')
  check(w1 === w0 + Number(opt['then-rows'] || 0), `the windows tile went from ${w0} to ${w1} without a reload`)
  await shot('live.png')
}

await sleep(200)
check(errors.length === 0, `no script errors in the console${errors.length ? ': ' + errors.join('; ') : ''}`)
chrome.done()
if (problems.length) {
  for (const p of problems) console.error(`report-browser: FAILED: ${p}`)
  quit(1)
}
console.log('report-browser: all checks passed')
quit(0)
