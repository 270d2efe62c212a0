// A bar chart of ratios (Shale's figure over a peer's), as a standalone SVG written by hand: no
// chart library enters the dependency tree for one picture.
//
// Ratios run on a log2 axis centred on 1, so 2x and 1/2x are the same distance from "equal". Each
// row is one metric; each series (say ShaleLevel against classic-level, ShaleLevel against the
// best peer) is one bar in it, drawn from 1 to the ratio. Whether a ratio above 1 is good depends
// on the metric (throughput: higher is better; size, memory, delay: lower is better), so each row
// shades the side of 1 where Shale is ahead, and its label says which way is better.

export interface ChartRow {
  label: string
  better: 'higher' | 'lower'
  /** One ratio per series; undefined where it cannot be computed. */
  ratios: Array<number | undefined>
}

export interface ChartInput {
  title: string
  subtitle?: string
  series: string[]
  rows: ChartRow[]
}

const PALETTE = ['#1f6feb', '#f08c00', '#6e40c9', '#2da44e', '#cf222e', '#57606a']
const WIDTH = 960
const LABEL_W = 250
const PLOT_W = 560
const BAR_H = 11
const BAR_GAP = 2
const ROW_PAD = 8
const HEAD_H = 78
const AXIS_H = 34
/** The axis never goes beyond 2^±MAX_EXP; bars past it end in an arrow. */
const MAX_EXP = 10

export function escapeXml (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}

/** "2.35x", "0.41x", ">1024x". */
export function formatRatio (r: number): string {
  if (!Number.isFinite(r)) return r > 0 ? '∞' : '—'
  return r >= 100 ? `${r.toFixed(0)}×` : r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`
}

function usable (r: number | undefined): r is number {
  return r !== undefined && Number.isFinite(r) && r > 0
}

/** The axis range in powers of two: always at least 1/4..4, widened to fit the data. */
export function axisExponents (rows: ChartRow[]): [number, number] {
  let lo = -2
  let hi = 2
  for (const row of rows) {
    for (const r of row.ratios) {
      if (!usable(r)) continue
      const e = Math.log2(r)
      lo = Math.min(lo, Math.floor(e))
      hi = Math.max(hi, Math.ceil(e))
    }
  }
  return [Math.max(lo, -MAX_EXP), Math.min(hi, MAX_EXP)]
}

export function renderRatioChart (input: ChartInput): string {
  const [lo, hi] = axisExponents(input.rows)
  const x = (r: number): number => {
    const e = Math.min(hi, Math.max(lo, Math.log2(r)))
    return LABEL_W + ((e - lo) / (hi - lo)) * PLOT_W
  }
  const x1 = x(1)
  const nSeries = Math.max(1, input.series.length)
  const rowH = nSeries * (BAR_H + BAR_GAP) - BAR_GAP + 2 * ROW_PAD
  const plotTop = HEAD_H
  const plotH = input.rows.length * rowH
  const height = plotTop + plotH + AXIS_H + 10
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`)
  out.push(`<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`)
  out.push(`<text x="12" y="22" font-size="16" font-weight="bold">${escapeXml(input.title)}</text>`)
  if (input.subtitle !== undefined) out.push(`<text x="12" y="40" fill="#57606a">${escapeXml(input.subtitle)}</text>`)

  // Legend.
  let lx = 12
  input.series.forEach((name, i) => {
    out.push(`<rect x="${lx}" y="52" width="12" height="12" fill="${PALETTE[i % PALETTE.length]!}"/>`)
    out.push(`<text x="${lx + 16}" y="62">${escapeXml(name)}</text>`)
    lx += 28 + Math.ceil(name.length * 6.2)
  })
  out.push(`<rect x="${lx}" y="52" width="12" height="12" fill="#dafbe1"/>`)
  out.push(`<text x="${lx + 16}" y="62" fill="#57606a">side where Shale is ahead</text>`)

  input.rows.forEach((row, ri) => {
    const top = plotTop + ri * rowH
    // Shade the better side of 1.
    const bx = row.better === 'higher' ? x1 : LABEL_W
    const bw = row.better === 'higher' ? LABEL_W + PLOT_W - x1 : x1 - LABEL_W
    out.push(`<rect x="${bx.toFixed(1)}" y="${top + 1}" width="${bw.toFixed(1)}" height="${rowH - 2}" fill="#dafbe1"/>`)
    const arrow = row.better === 'higher' ? '↑' : '↓'
    out.push(`<text x="${LABEL_W - 8}" y="${top + rowH / 2 + 4}" text-anchor="end">${escapeXml(row.label)} ${arrow}</text>`)
    row.ratios.forEach((r, si) => {
      const y = top + ROW_PAD + si * (BAR_H + BAR_GAP)
      const color = PALETTE[si % PALETTE.length]!
      if (!usable(r)) {
        out.push(`<text x="${x1 + 4}" y="${y + BAR_H - 1}" fill="#8c959f" font-size="10">n/a</text>`)
        return
      }
      const xr = x(r)
      const left = Math.min(x1, xr)
      const w = Math.max(1, Math.abs(xr - x1))
      out.push(`<rect class="bar" x="${left.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color}"><title>${escapeXml(`${row.label}, ${input.series[si] ?? ''}: ${formatRatio(r)}`)}</title></rect>`)
      const clipped = Math.log2(r) > hi || Math.log2(r) < lo
      const text = (clipped ? (r > 1 ? '> ' : '< ') : '') + formatRatio(r)
      const tx = r >= 1 ? xr + 4 : xr - 4
      out.push(`<text x="${tx.toFixed(1)}" y="${y + BAR_H - 1}" font-size="10" text-anchor="${r >= 1 ? 'start' : 'end'}">${escapeXml(text)}</text>`)
    })
    out.push(`<line x1="${LABEL_W}" y1="${top + rowH}" x2="${LABEL_W + PLOT_W}" y2="${top + rowH}" stroke="#eaeef2"/>`)
  })

  // Axis: a tick per power of two, and the line at 1.
  const axisY = plotTop + plotH
  out.push(`<line x1="${LABEL_W}" y1="${axisY}" x2="${LABEL_W + PLOT_W}" y2="${axisY}" stroke="#57606a"/>`)
  const step = hi - lo > 12 ? 2 : 1
  for (let e = lo; e <= hi; e += step) {
    const tx = x(2 ** e)
    const label = e >= 0 ? `${2 ** e}×` : `1/${2 ** -e}`
    out.push(`<line x1="${tx.toFixed(1)}" y1="${plotTop}" x2="${tx.toFixed(1)}" y2="${axisY + 4}" stroke="#d0d7de" stroke-dasharray="2,3"/>`)
    out.push(`<text x="${tx.toFixed(1)}" y="${axisY + 16}" text-anchor="middle" fill="#57606a">${label}</text>`)
  }
  out.push(`<line x1="${x1.toFixed(1)}" y1="${plotTop}" x2="${x1.toFixed(1)}" y2="${axisY}" stroke="#24292f" stroke-width="1.5"/>`)
  out.push(`<text x="${(LABEL_W + PLOT_W / 2).toFixed(1)}" y="${axisY + 30}" text-anchor="middle" fill="#57606a">Shale ÷ peer (log scale)</text>`)
  out.push('</svg>')
  return out.join('\n') + '\n'
}
