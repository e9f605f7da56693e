/*
 * vitals-report's page: the three dashboards drawn from the data block
 * (the JSON script element #vl-data) that lib/report_html.c writes; this
 * file must never hold an HTML comment opener or the end tag of a script,
 * as it is inlined in one.  The data's layout (lib/report.c):
 *   meta                 {generator, generated, version, rows, live}
 *   patient_risk_scores  {columns, rows}: the view, one row a patient
 *   ward_alert_counts    {columns, rows}: the view, one row a ward-hour
 *   trends               {columns, series}: each series is
 *                        [patient_id, [window_start...], [column...]...],
 *                        one array a column, in time order; each
 *                        window_start after the first is the step from
 *                        the one before
 *   alerts               {columns, rows}: the windows that alerted (Gold's
 *                        alert: the combined detector held)
 * Times are seconds since the epoch, shown in UTC.  Strings from the data
 * reach the page as text only (textContent, never markup).  When live,
 * /events sends objects of the same layout: the views whole, the windows
 * new since the last.  window.vlReport is for the browser tests.
 */
(function () {
  'use strict'

  const NONE = '\u0000none' // the ward filter's value for a null ward
  const ALERTS = ['tachycardia', 'bradycardia', 'fever', 'hypothermia', 'hypoxia',
    'hypotension', 'hypertension', 'tachypnoea']
  const BANDS = ['low', 'low-medium', 'medium', 'high', null]
  const BAND_COLOURS = { low: '#2e7d32', 'low-medium': '#9e9d24', medium: '#e08a00', high: '#c62828' }
  const PALETTE = ['#1f6feb', '#d1495b', '#2a9d8f', '#e08a00', '#6f42c1', '#8d6e63',
    '#00838f', '#c2185b', '#558b2f', '#37474f']
  const VITALS = [
    { key: 'hr', title: 'Heart rate', unit: 'bpm', cols: [['heart_rate_mean', 'Heart rate']], digits: 1 },
    { key: 'spo2', title: 'SpO\u2082', unit: '%', cols: [['spo2_mean', 'SpO\u2082']], digits: 1 },
    { key: 'rr', title: 'Respiration rate', unit: '/min', cols: [['respiration_rate_mean', 'Respiration']], digits: 1 },
    { key: 'temp', title: 'Temperature', unit: '\u00b0C', cols: [['temperature_mean', 'Temperature']], digits: 2 },
    { key: 'bp', title: 'Blood pressure', unit: 'mmHg', digits: 0,
      cols: [['bp_systolic_mean', 'Systolic'], ['bp_diastolic_mean', 'Diastolic'], ['mean_arterial_pressure_mean', 'MAP']] },
    { key: 'news2', title: 'NEWS2 score (highest in the window)', unit: 'score', cols: [['news2_score_max', 'NEWS2']], digits: 0 },
    { key: 'anomaly', title: 'Anomaly score (highest in the window)', unit: 'score', cols: [['anomaly_score_max', 'Anomaly score']], digits: 3 },
  ]

  const api = window.vlReport = { ready: false, renders: 0, version: null, charts: {}, events: 0 }
  const state = { page: 'hospital', ward: '', hours: 0, from: null, to: null, patient: null, metric: 'alerts' }
  api.state = state
  let risk = []; let wardRows = []; let alerts = []; const series = new Map()
  let meta = {}

  const $ = (id) => document.getElementById(id)
  function el (tag, props, ...kids) {
    const e = document.createElement(tag)
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') e.className = v
      else if (k === 'text') e.textContent = v
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v)
      else e.setAttribute(k, v)
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k)
    return e
  }
  const rowsOf = (v) => v.rows.map(r => Object.fromEntries(v.columns.map((c, i) => [c, r[i]])))
  const wardKey = (w) => w === null || w === undefined ? NONE : w
  const wardLabel = (w) => w === null || w === undefined ? '(no ward)' : w
  const pad = (n) => String(n).padStart(2, '0')
  function fmtTime (t, seconds) {
    if (t === null || t === undefined) return '\u2013'
    const d = new Date(t * 1000)
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds ? ':' + pad(d.getUTCSeconds()) : ''}`
  }
  const fmtNum = (v, digits) => v === null || v === undefined ? '\u2013' : Number(v).toFixed(digits)
  const toInput = (t) => fmtTime(t).replace(' ', 'T')
  const fromInput = (s) => s ? Date.parse(s + ':00Z') / 1000 : null

  // ---------------------------------------------------------------- data

  function addTrends (tr) {
    for (const s of tr.series) {
      const cols = {}
      tr.columns.forEach((c, i) => { cols[c] = s[i + 1] })
      const t = cols.window_start
      for (let i = 1; i < t.length; i++) t[i] += t[i - 1]
      const cur = series.get(s[0])
      if (!cur) { series.set(s[0], cols); continue }
      const all = {}
      for (const c of tr.columns) all[c] = cur[c].concat(cols[c])
      const order = all.window_start.map((_, i) => i).sort((a, b) => all.window_start[a] - all.window_start[b])
      for (const c of tr.columns) cur[c] = order.map(i => all[c][i])
    }
  }

  function take (d, whole) {
    meta = d.meta
    api.version = meta.version
    risk = rowsOf(d.patient_risk_scores)
    wardRows = rowsOf(d.ward_alert_counts)
    if (whole) { series.clear(); alerts = [] }
    addTrends(d.trends)
    alerts = alerts.concat(rowsOf(d.alerts))
  }

  // The data's time extent and the window length (the most common step).
  function extent () {
    let lo = Infinity; let hi = -Infinity; const steps = new Map()
    for (const s of series.values()) {
      const t = s.window_start
      if (!t.length) continue
      lo = Math.min(lo, t[0]); hi = Math.max(hi, t[t.length - 1])
      for (let i = 1; i < Math.min(t.length, 50); i++) steps.set(t[i] - t[i - 1], (steps.get(t[i] - t[i - 1]) || 0) + 1)
    }
    let win = 60; let best = 0
    for (const [k, n] of steps) if (k > 0 && n > best) { win = k; best = n }
    if (lo === Infinity) { lo = 0; hi = 0 }
    return { lo, hi: hi + win, win }
  }

  // The range the filters select: [from, to) in seconds.
  function range () {
    const x = extent()
    if (state.hours > 0) return { from: x.hi - state.hours * 3600, to: x.hi, win: x.win }
    if (state.hours < 0) return { from: state.from ?? x.lo, to: state.to ?? x.hi, win: x.win }
    return { from: x.lo, to: x.hi, win: x.win }
  }
  const wardOk = (w) => state.ward === '' || wardKey(w) === state.ward

  // ---------------------------------------------------------------- charts

  function chartWidth (node) { return Math.max(320, node.clientWidth || node.parentNode.clientWidth - 24) }

  function makeChart (name, node, opts, data) {
    if (api.charts[name]) api.charts[name].destroy()
    node.textContent = ''
    const u = new uPlot(Object.assign({
      width: chartWidth(node),
      tzDate: ts => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      scales: { x: { time: true } },
    }, opts), data, node)
    api.charts[name] = u
    return u
  }

  const timeSeries = { label: 'Time (UTC)', value: (u, v) => fmtTime(v) }
  // The time axis in 24-hour UTC, the date under the first tick and
  // under midnight.
  const timeAxis = {
    values: (u, splits) => splits.map((v, i) => {
      const s = fmtTime(v)
      return i === 0 || s.endsWith('00:00') ? `${s.slice(11)}\n${s.slice(0, 10)}` : s.slice(11)
    }),
  }

  // x: the hours; one series a ward, null where a ward has no windows.
  function wardHours (value) {
    const r = range()
    const rows = wardRows.filter(w => wardOk(w.ward) && w.hour < r.to && w.hour + 3600 > r.from)
    const hours = [...new Set(rows.map(w => w.hour))].sort((a, b) => a - b)
    const wards = [...new Set(rows.map(w => wardKey(w.ward)))].sort()
    const at = new Map(hours.map((h, i) => [h, i]))
    const ys = wards.map(() => hours.map(() => null))
    for (const w of rows) ys[wards.indexOf(wardKey(w.ward))][at.get(w.hour)] = value(w)
    return { hours, wards, ys, rows }
  }

  function wardChart (name, node, value, unit, height) {
    const { hours, wards, ys } = wardHours(value)
    return makeChart(name, node, {
      height,
      series: [timeSeries].concat(wards.map((w, i) => ({
        label: wardLabel(w === NONE ? null : w),
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        points: { show: true, size: 5 },
        value: (u, v) => v === null ? '\u2013' : `${v} ${unit}`,
      }))),
      axes: [timeAxis, { label: unit, size: 56 }],
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max) * 1.1] } },
    }, [hours].concat(ys))
  }

  const METRICS = [['alerts', 'all threshold alerts', w => ALERTS.reduce((n, a) => n + w[a], 0)]]
    .concat(ALERTS.map(a => [a, a, w => w[a]]))
    .concat([['alert_windows', 'alerting windows', w => w.alert_windows],
      ['news2_high_windows', 'windows with NEWS2 high', w => w.news2_high_windows],
      ['anomalous_windows', 'anomalous windows', w => w.anomalous_windows]])

  function renderHospital () {
    const r = range()
    const metric = METRICS.find(m => m[0] === state.metric) || METRICS[0]
    const { rows } = wardHours(() => 0)
    const patients = risk.filter(p => wardOk(p.ward) && p.last_window_end > r.from && p.last_window_end - r.win < r.to)
    const sum = (k) => rows.reduce((n, w) => n + (w[k] || 0), 0)
    const tiles = [
      ['patients', 'patients', patients.length],
      ['windows', 'windows', sum('windows')],
      ['alerts', 'threshold alerts', rows.reduce((n, w) => n + METRICS[0][2](w), 0)],
      ['alert_windows', 'alerting windows', sum('alert_windows'), true],
      ['alerting_now', 'patients alerting now', patients.filter(p => p.alert).length, true],
      ['anomalous_windows', 'anomalous windows', sum('anomalous_windows'), true],
      ['anomalous_readings', 'anomalous readings', sum('anomalous_readings'), true],
      ['flagged_now', 'patients anomalous now', patients.filter(p => p.is_anomaly).length, true],
      ['high_now', 'patients NEWS2 high now', patients.filter(p => p.news2_band === 'high').length, true],
    ]
    const tnode = $('tiles')
    tnode.textContent = ''
    api.tiles = {}
    for (const [k, label, v, bad] of tiles) {
      api.tiles[k] = v
      tnode.append(el('div', { class: 'tile' + (bad && v > 0 ? ' bad' : ''), 'data-tile': k },
        el('div', { class: 'v', text: v.toLocaleString('en') }), el('div', { class: 'k', text: label })))
    }
    wardChart('wardAlerts', $('c-ward-alerts'), metric[2], metric[1], 300)
    wardChart('anomalies', $('c-anomalies'), w => w.anomalous_windows, 'anomalous windows', 240)

    const bars = $('c-bands')
    bars.textContent = ''
    const n = BANDS.map(b => patients.filter(p => (p.news2_band ?? null) === b).length)
    const top = Math.max(1, ...n)
    api.bands = {}
    BANDS.forEach((b, i) => {
      api.bands[b ?? 'none'] = n[i]
      bars.append(el('div', { class: 'bar', title: `${n[i]} patients: NEWS2 ${b ?? 'not scored'}` },
        el('span', { text: b ?? 'not scored' }),
        el('div', { class: 'track' }, el('div', {
          class: 'fill', style: `width:${(100 * n[i] / top).toFixed(1)}%;background:${BAND_COLOURS[b] || '#90a4ae'}`,
        })),
        el('span', { class: 'n', text: String(n[i]) })))
    })
  }

  function patientsInWard () {
    return risk.filter(p => wardOk(p.ward) && series.has(p.patient_id)).sort((a, b) =>
      (b.news2_score ?? -1) - (a.news2_score ?? -1) || (b.anomaly_score ?? -1) - (a.anomaly_score ?? -1) ||
      (a.patient_id < b.patient_id ? -1 : a.patient_id > b.patient_id ? 1 : 0))
  }

  function renderPicker () {
    const list = patientsInWard()
    if (!list.some(p => p.patient_id === state.patient)) state.patient = list.length ? list[0].patient_id : null
    const pick = $('p-pick')
    pick.textContent = ''
    for (const p of list) {
      const o = el('option', { text: `${p.patient_id} \u00b7 ${wardLabel(p.ward)} \u00b7 NEWS2 ${p.news2_score ?? '\u2013'}${p.is_anomaly ? ' \u00b7 anomalous' : ''}` })
      o.value = p.patient_id
      pick.append(o)
    }
    pick.value = state.patient ?? ''
  }

  // Shades the anomalous windows of a patient's chart.
  function shade (t, flag, win) {
    return (u) => {
      const ctx = u.ctx; const top = u.bbox.top; const h = u.bbox.height
      ctx.save()
      ctx.fillStyle = 'rgba(198, 40, 40, 0.16)'
      for (let i = 0; i < t.length; i++) {
        if (flag[i] !== 1) continue
        const x0 = u.valToPos(t[i], 'x', true); const x1 = u.valToPos(t[i] + win, 'x', true)
        ctx.fillRect(x0, top, Math.max(2, x1 - x0), h)
      }
      ctx.restore()
    }
  }

  function renderPatient () {
    renderPicker()
    const box = $('p-charts')
    for (const k of Object.keys(api.charts)) if (k.startsWith('p-')) { api.charts[k].destroy(); delete api.charts[k] }
    box.textContent = ''
    const s = series.get(state.patient)
    const p = risk.find(x => x.patient_id === state.patient)
    $('p-summary').textContent = p
      ? `ward ${wardLabel(p.ward)} \u00b7 latest NEWS2 ${p.news2_score ?? '\u2013'} (${p.news2_band ?? 'not scored'}) \u00b7 ` +
        `${p.anomalous_windows} anomalous of ${p.windows} windows \u00b7 last window ${fmtTime(p.last_window_end)}`
      : 'no patient in this selection'
    if (!s) return
    const r = range()
    const idx = []
    for (let i = 0; i < s.window_start.length; i++) if (s.window_start[i] >= r.from && s.window_start[i] < r.to) idx.push(i)
    const col = (c) => idx.map(i => s[c][i])
    const t = col('window_start'); const flag = col('is_anomaly')
    api.patientPoints = t.length
    for (const v of VITALS) {
      const node = el('div', { class: 'chart' })
      box.append(el('div', { class: 'pchart' }, el('h3', { text: `${v.title} (${v.unit})` }), node))
      makeChart('p-' + v.key, node, {
        height: v.key === 'bp' ? 200 : 150,
        cursor: { sync: { key: 'patient' } },
        series: [timeSeries].concat(v.cols.map(([c, label], i) => ({
          label, stroke: PALETTE[i], width: 1.5,
          value: (u, x) => x === null || x === undefined ? '\u2013' : `${fmtNum(x, v.digits)} ${v.unit}`,
        }))),
        axes: [timeAxis, { label: v.unit, size: 56 }],
        hooks: { drawClear: [shade(t, flag, r.win)] },
      }, [t].concat(v.cols.map(([c]) => col(c))))
    }
  }

  // NEWS2 sub-scores (Royal College of Physicians, 2017), scale 1 SpO2.
  const NEWS2 = {
    respiration_rate: v => v <= 8 ? 3 : v <= 11 ? 1 : v <= 20 ? 0 : v <= 24 ? 2 : 3,
    spo2: v => v <= 91 ? 3 : v <= 93 ? 2 : v <= 95 ? 1 : 0,
    temperature: v => v <= 35 ? 3 : v <= 36 ? 1 : v <= 38 ? 0 : v <= 39 ? 1 : 2,
    bp_systolic: v => v <= 90 ? 3 : v <= 100 ? 2 : v <= 110 ? 1 : v <= 219 ? 0 : 3,
    heart_rate: v => v <= 40 ? 3 : v <= 50 ? 1 : v <= 90 ? 0 : v <= 110 ? 1 : v <= 130 ? 2 : 3,
  }
  const NAMES = { respiration_rate: ['RR', '/min', 0], spo2: ['SpO\u2082', '%', 0], temperature: ['Temp', '\u00b0C', 1],
    bp_systolic: ['SBP', 'mmHg', 0], heart_rate: ['HR', 'bpm', 0] }

  // The vitals that drove a window: those with a NEWS2 sub-score, worst
  // first, each at its worst extreme in the window.
  function drivers (a) {
    const out = []
    for (const [v, score] of Object.entries(NEWS2)) {
      let best = null
      for (const x of [a[v + '_min'], a[v + '_max']]) {
        if (x === null || x === undefined) continue
        const s = score(x)
        if (s > 0 && (best === null || s > best.s)) best = { s, x }
      }
      if (best) out.push({ v, ...best })
    }
    return out.sort((p, q) => q.s - p.s)
  }

  function renderAlerts () {
    const r = range()
    const list = alerts.filter(a => wardOk(a.ward) && a.window_start >= r.from && a.window_start < r.to)
      .sort((a, b) => (b.anomaly_score_max ?? -1) - (a.anomaly_score_max ?? -1) ||
        (b.news2_score_max ?? -1) - (a.news2_score_max ?? -1) || b.window_start - a.window_start)
    const shown = list.slice(0, 100)
    api.alertRows = shown.length
    $('a-note').textContent = `${list.length} alerting windows in this selection` +
      (list.length > shown.length ? `; the ${shown.length} of highest anomaly score are shown.` : '.')
    const body = $('a-table').tBodies[0]
    body.textContent = ''
    for (const a of shown) {
      const d = drivers(a)
      const fired = ALERTS.filter(k => a[`alert_${k}_count`] > 0)
      body.append(el('tr', {},
        el('td', { text: `${fmtTime(a.window_start)} \u2013 ${fmtTime(a.window_end).slice(11)}` }),
        el('td', {}, el('button', {
          class: 'link', title: a.patient_id, text: a.patient_id,
          onclick: () => { state.patient = a.patient_id; show('patient') },
        })),
        el('td', { text: wardLabel(a.ward) }),
        el('td', { text: fmtNum(a.anomaly_score_max, 3) }),
        el('td', {}, el('span', { class: 'band-' + (a.news2_band || ''), text: `${a.news2_score_max ?? '\u2013'} ${a.news2_band ?? ''}` })),
        el('td', { class: 'reason', text: a.alert_reason ?? '' }),
        el('td', {}, ...(d.length ? d.map(x => el('span', {
          class: 'chip s' + x.s, title: `NEWS2 sub-score ${x.s}`,
          text: `${NAMES[x.v][0]} ${fmtNum(x.x, NAMES[x.v][2])} ${NAMES[x.v][1]}`,
        })) : [el('span', { class: 'note', text: 'none out of range: the pattern, not a threshold' })])),
        el('td', {}, ...fired.map(k => el('span', { class: 'chip', text: `${k} \u00d7${a[`alert_${k}_count`]}` })))))
    }
  }

  // ---------------------------------------------------------------- wiring

  function renderFilters () {
    const sel = $('f-ward')
    const wards = [...new Set(risk.map(p => wardKey(p.ward)).concat(wardRows.map(w => wardKey(w.ward))))].sort()
    const keep = state.ward
    while (sel.options.length > 1) sel.remove(1)
    for (const w of wards) {
      const o = el('option', { text: wardLabel(w === NONE ? null : w) })
      o.value = w
      sel.append(o)
    }
    sel.value = wards.includes(keep) ? keep : ''
    state.ward = sel.value
    const r = range()
    $('f-from').value = toInput(r.from)
    $('f-to').value = toInput(r.to)
    for (const b of $('presets').children) b.setAttribute('aria-pressed', String(Number(b.dataset.hours) === state.hours))
    const m = $('h-metric')
    if (!m.options.length) for (const [k, label] of METRICS) { const o = el('option', { text: label }); o.value = k; m.append(o) }
    m.value = state.metric
  }

  function render () {
    renderFilters()
    for (const b of $('tabs').children) b.setAttribute('aria-selected', String(b.dataset.page === state.page))
    for (const p of ['hospital', 'patient', 'alerts']) $('page-' + p).hidden = p !== state.page
    if (state.page === 'hospital') renderHospital()
    else if (state.page === 'patient') renderPatient()
    else renderAlerts()
    $('footer').textContent = `${meta.generator}: ${meta.rows.toLocaleString('en')} Gold windows` +
      (meta.version !== null ? ` of table version ${meta.version}` : ' from NDJSON') +
      `, page made ${meta.generated.slice(0, 19).replace('T', ' ')} UTC. ` +
      'Charts by uPlot 1.6.32 (MIT licence, in the page source).'
    api.renders++
  }

  function show (page) { state.page = page; render() }

  $('tabs').addEventListener('click', e => { if (e.target.dataset.page) show(e.target.dataset.page) })
  $('f-ward').addEventListener('change', e => { state.ward = e.target.value; render() })
  $('h-metric').addEventListener('change', e => { state.metric = e.target.value; render() })
  $('p-pick').addEventListener('change', e => { state.patient = e.target.value; render() })
  $('presets').addEventListener('click', e => {
    if (e.target.dataset.hours === undefined) return
    state.hours = Number(e.target.dataset.hours); render()
  })
  for (const id of ['f-from', 'f-to']) {
    $(id).addEventListener('change', () => {
      state.hours = -1
      state.from = fromInput($('f-from').value); state.to = fromInput($('f-to').value)
      render()
    })
  }
  let resizing = null
  window.addEventListener('resize', () => { clearTimeout(resizing); resizing = setTimeout(render, 150) })

  take(JSON.parse($('vl-data').textContent), true)
  render()
  api.ready = true

  if (meta.live) {
    const status = $('status')
    status.textContent = `live \u00b7 version ${meta.version}`
    status.className = 'live'
    const es = new EventSource('events?since=' + encodeURIComponent(meta.version))
    es.onmessage = (e) => {
      take(JSON.parse(e.data), false)
      api.events++
      status.textContent = `live \u00b7 version ${meta.version} \u00b7 updated ${fmtTime(Date.now() / 1000, true)} UTC`
      status.className = 'live'
      render()
    }
    // The server no longer holds the versions since ours: start again.
    es.addEventListener('reload', () => location.reload())
    es.onerror = () => { status.textContent = 'live \u00b7 reconnecting\u2026'; status.className = '' }
  }
})()
