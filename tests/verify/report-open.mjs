#!/usr/bin/env node
// report-open: how a big vitals-report page fares in headless Chromium
// (lib/chromium.mjs), for bench/report.sh: the seconds from navigation
// until the page has drawn, the page's JavaScript heap then, the seconds
// to draw another patient's trends and another ward's hospital page (null
// when the page did not redraw), and any script error.  Figures, not
// checks: it prints one JSON object and exits 0 unless the page never
// drew or logged an error.
//
//   node report-open.mjs --url URL

import { openChromium, sleep } from './lib/chromium.mjs'

const args = process.argv.slice(2)
const opt = {}
for (let i = 0; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = args[i + 1]
if (!opt.url) {
  console.error('usage: report-open.mjs --url URL')
  process.exit(2)
}

const chrome = await openChromium({ timeoutMs: 300000 })
const { js, until, errors, quit, page } = chrome
const secs = (t0) => Number(((Date.now() - t0) / 1000).toFixed(2))
// A user's change of a select, timed to the render it causes.
async function timedChoice (id, pickIndex) {
  const r0 = await js('vlReport.renders')
  const t0 = Date.now()
  await js(`(() => { const s = document.getElementById(${JSON.stringify(id)});
    s.value = s.options[Math.min(${pickIndex}, s.options.length - 1)].value;
    s.dispatchEvent(new Event('change', { bubbles: true })) })()`)
  // null, not a time, when no redraw came.
  return await until(`vlReport.renders > ${r0}`, 60000) ? secs(t0) : null
}

const t0 = Date.now()
await chrome.navigate(opt.url)
const drawn = await until('window.vlReport && window.vlReport.ready === true', 240000)
const out = { drawn, ready_s: secs(t0) }
if (drawn) {
  await page('Performance.enable')
  const { metrics } = await page('Performance.getMetrics')
  const heap = metrics.find(m => m.name === 'JSHeapUsedSize')
  out.heap_mb = heap ? Number((heap.value / 1e6).toFixed(1)) : null
  await js('document.querySelector(\'button[data-page="patient"]\').click()')
  out.patient_s = await timedChoice('p-pick', 7)
  await js('document.querySelector(\'button[data-page="hospital"]\').click()')
  out.ward_s = await timedChoice('f-ward', 2)
}
await sleep(200)
out.errors = errors
chrome.done()
console.log(JSON.stringify(out))
quit(drawn && errors.length === 0 ? 0 : 1)
