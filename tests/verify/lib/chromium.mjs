// chromium: headless Chromium driven with the DevTools protocol over
// --remote-debugging-pipe (JSON messages ended by a NUL on file
// descriptors 3 and 4), so no WebSocket client and no port are needed.
//
//   const c = await openChromium({ width, height, timeoutMs })
//   await c.navigate(url); await c.until('window.ready'); await c.js('1 + 1')
//   await c.shot(file); c.errors   (exceptions, console errors, failed loads)
//   await c.quit(code)             (exits the process with code)
//
// One page (target) a browser; timeoutMs bounds the whole session: past
// it the browser's last words are printed and the process exits 1.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))

export async function openChromium ({ width = 1366, height = 860, timeoutMs = 120000 } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vl-chromium-'))
  const chrome = spawn('chromium', ['--headless=new', '--no-sandbox', '--disable-gpu',
    '--remote-debugging-pipe', `--user-data-dir=${profile}`, '--no-first-run',
    '--no-default-browser-check', '--disable-extensions', '--disable-background-networking',
    '--hide-scrollbars', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] })
  let chromeErr = ''
  chrome.stderr.on('data', d => { chromeErr += d })
  const toChrome = chrome.stdio[3]; const fromChrome = chrome.stdio[4]
  let nextId = 1; const waiting = new Map(); const listeners = []
  let buf = Buffer.alloc(0)
  fromChrome.on('data', (d) => {
    buf = Buffer.concat([buf, d])
    let end
    while ((end = buf.indexOf(0)) >= 0) {
      const msg = JSON.parse(buf.subarray(0, end).toString('utf8'))
      buf = buf.subarray(end + 1)
      if (msg.id && waiting.has(msg.id)) {
        const { resolve, reject } = waiting.get(msg.id)
        waiting.delete(msg.id)
        if (msg.error) reject(new Error(`${msg.error.message} (${msg.error.code})`)); else resolve(msg.result)
      } else for (const l of listeners) l(msg)
    }
  })
  function send (method, params = {}, sessionId) {
    const id = nextId++
    toChrome.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0')
    return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }))
  }
  async function quit (code) {
    // Chromium writes its profile until it has exited.
    const exited = new Promise(resolve => chrome.once('exit', resolve))
    send('Browser.close').catch(() => {})
    await Promise.race([exited, sleep(5000)])
    if (chrome.exitCode === null) chrome.kill('SIGKILL')
    await Promise.race([exited, sleep(2000)])
    try { fs.rmSync(profile, { recursive: true, force: true }) } catch {}
    process.exit(code)
  }
  const deadline = setTimeout(() => { console.error('chromium: timed out\n' + chromeErr.slice(-2000)); quit(1) }, timeoutMs)

  const errors = []
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' })
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true })
  const page = (method, params) => send(method, params, sessionId)
  listeners.push((m) => {
    if (m.sessionId !== sessionId) return
    if (m.method === 'Runtime.exceptionThrown') errors.push('exception: ' + (m.params.exceptionDetails.exception?.description || m.params.exceptionDetails.text))
    if (m.method === 'Runtime.consoleAPICalled' && ['error', 'assert'].includes(m.params.type)) errors.push('console: ' + m.params.args.map(a => a.value ?? a.description).join(' '))
    if (m.method === 'Log.entryAdded' && m.params.entry.level === 'error') errors.push('log: ' + m.params.entry.text + (m.params.entry.url ? ` (${m.params.entry.url})` : ''))
  })
  await page('Runtime.enable'); await page('Log.enable'); await page('Page.enable')
  await page('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false })

  async function js (expression) {
    const r = await page('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })
    if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description || r.exceptionDetails.text}`)
    return r.result.value
  }
  async function until (expression, ms = 15000) {
    const t0 = Date.now()
    while (Date.now() - t0 < ms) {
      if (await js(expression)) return true
      await sleep(100)
    }
    return false
  }
  async function shot (file) {
    const { data } = await page('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true })
    fs.writeFileSync(file, Buffer.from(data, 'base64'))
  }
  const navigate = (url) => page('Page.navigate', { url })
  const done = () => clearTimeout(deadline)
  return { page, js, until, shot, navigate, errors, quit, done }
}
