// Runs bench/browser/opfs-write-micro.ts in a dedicated worker of headless Chromium and prints
// its lines: `node dist/bench/browser/opfs-write-bench.js writes|turns|puts [--n N] [--rounds R]
// [--mode both|written|nowrite] [--profile]`. With --profile, the worker's CPU profile (Chromium's
// sampling profiler over the protocol) is summarised as the functions with the most self time.

import { fileURLToPath } from 'node:url'
import type { CDPSession, Protocol } from 'puppeteer-core'
import { bundleWorker, runCase, withChromium } from '../../test/browser/harness.js'

function summarise (profile: Protocol.Profiler.Profile, top: number): string[] {
  const self = new Map<string, number>()
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const deltas = profile.timeDeltas ?? []
  const samples = profile.samples ?? []
  let total = 0
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]!)!
    const f = node.callFrame
    const name = `${f.functionName === '' ? '(anonymous)' : f.functionName} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}`
    const dt = deltas[i + 1] ?? 0
    self.set(name, (self.get(name) ?? 0) + dt)
    total += dt
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${(100 * us / total).toFixed(1).padStart(5)}%  ${name}`)
}

async function main (): Promise<void> {
  const args = process.argv.slice(2)
  const opt = (name: string, dflt: string): string => { const i = args.indexOf(name); return i < 0 ? dflt : args[i + 1]! }
  const c = args[0] ?? 'writes'
  const bundle = await bundleWorker(fileURLToPath(new URL('./opfs-write-micro.js', import.meta.url)))
  await withChromium(bundle, {}, async (browser, url) => {
    const page = await browser.newPage()
    let session: CDPSession | undefined
    if (args.includes('--profile')) {
      page.once('workercreated', (worker) => {
        session = worker.client
        void (async () => {
          await worker.client.send('Profiler.enable')
          await worker.client.send('Profiler.setSamplingInterval', { interval: 50 })
          await worker.client.send('Profiler.start')
        })()
      })
    }
    const result = await runCase(page, url, { case: c, n: opt('--n', '20000'), rounds: opt('--rounds', '3'), mode: opt('--mode', 'both') }, 600_000)
    console.log(result.lines.join('\n'))
    if (session !== undefined) {
      const { profile } = await session.send('Profiler.stop')
      console.log(summarise(profile, Number(opt('--top', '40'))).join('\n'))
    }
    if (!result.ok) throw new Error(result.error)
  })
}

main().catch((err) => { console.error(err); process.exitCode = 1 })
