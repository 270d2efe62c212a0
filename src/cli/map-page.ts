// The page `shale map` writes: one self-contained HTML file (inline style and script, nothing
// fetched) showing the LSM tree as rows of file boxes — one row per level, each box placed by the
// key range its file covers and as tall as its share of the largest file's bytes — and the
// MANIFEST's VersionEdits as a timeline. Hovering shows details; clicking an edit shows the tree
// as it was right after it, with the files that edit added outlined and those it removed dashed.
//
// The current tree is rendered here, so that the page reads (and can be checked) without running
// its script; every stint of the history is in the page too, hidden, for the script to show.
// Boxes carry data attributes (level, number, size, from, until, key ranks) that both the script
// and the structure test read.

import { NUM_LEVELS } from '../version/version-edit.js'
import { L0_COMPACTION_TRIGGER, maxBytesForLevel } from '../version/policy.js'
import type { MapModel, MapStint } from './map-model.js'
import { formatSize } from './output.js'

/** Height of one lane of boxes, in pixels; boxes are at most LANE - 4 tall. */
const LANE = 26
/** Chips listed per timeline entry before "+N more" (a snapshot edit can add thousands of files). */
const MAX_CHIPS = 12

function esc (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

/** Lanes for one level's boxes: sorted by first key, each into the first lane free before it. */
function packLanes (stints: readonly MapStint[]): Map<MapStint, number> {
  const lanes = new Map<MapStint, number>()
  const ends: number[] = []
  for (const s of [...stints].sort((a, b) => a.lo - b.lo)) {
    let lane = ends.findIndex((end) => end < s.lo)
    if (lane < 0) {
      lane = ends.length
      ends.push(s.hi)
    } else {
      ends[lane] = s.hi
    }
    lanes.set(s, lane)
  }
  return lanes
}

function levelLimit (level: number): string {
  return level === 0 ? `compacted at ${L0_COMPACTION_TRIGGER} files` : `target ${formatSize(maxBytesForLevel(level))}`
}

export function renderMapPage (model: MapModel, generatedAt: Date): string {
  const maxSize = Math.max(1, ...model.stints.map((s) => s.size))
  const live = model.stints.filter((s) => s.until === undefined)
  const liveBytes = live.reduce((sum, s) => sum + s.size, 0)
  const lastEdit = model.totalEdits - 1

  const box = (s: MapStint, lane: number | undefined): string => {
    const left = s.x0 * 100
    const width = (s.x1 - s.x0) * 100
    // Square root: a file a hundredth of the largest still gets a tenth of its height, and stays visible.
    const height = 5 + Math.round((LANE - 9) * Math.sqrt(s.size / maxSize))
    const top = lane === undefined ? 0 : lane * LANE + LANE - 2 - height
    const tip = `#${s.number} at level ${s.level}, ${formatSize(s.size)} (${s.size} bytes)\n` +
      `smallest ${s.smallest}\nlargest  ${s.largest}\n` +
      `added by edit ${s.from}${s.until === undefined ? '' : `, removed by edit ${s.until}`}`
    return `<div class="${s.until === undefined ? 'file' : 'file past'}" data-level="${s.level}" data-number="${s.number}" ` +
      `data-size="${s.size}" data-from="${s.from}" data-until="${s.until ?? ''}" data-lo="${s.lo}" data-hi="${s.hi}" ` +
      `style="left:${left.toFixed(3)}%;width:${width.toFixed(3)}%;top:${top}px;height:${height}px"` +
      `${s.until === undefined ? '' : ' hidden'} data-tip="${esc(tip)}"><span>${s.number}</span></div>`
  }

  const rows: string[] = []
  for (let level = 0; level < NUM_LEVELS; level++) {
    const all = model.stints.filter((s) => s.level === level).sort((a, b) => a.lo - b.lo || a.number - b.number)
    const liveHere = all.filter((s) => s.until === undefined)
    const lanes = packLanes(liveHere)
    const laneCount = Math.max(1, ...[...lanes.values()].map((l) => l + 1))
    const bytes = liveHere.reduce((sum, s) => sum + s.size, 0)
    rows.push(
      `<div class="level" data-level="${level}" data-files="${liveHere.length}" data-bytes="${bytes}">` +
      `<div class="level-label"><b>L${level}</b> <span class="count">${liveHere.length} ${liveHere.length === 1 ? 'file' : 'files'}</span>` +
      `<span class="bytes">${formatSize(bytes)}</span><span class="limit">${levelLimit(level)}</span></div>` +
      `<div class="lanes" style="height:${laneCount * LANE}px">${all.map((s) => box(s, lanes.get(s))).join('')}</div></div>`
    )
  }

  const ticks = model.axis.map((t) =>
    `<span class="tick" style="left:${(t.x * 100).toFixed(3)}%">${esc(t.text)}</span>`).join('')

  const timeline = model.edits.map((e) => {
    const chips = e.chips.slice(0, MAX_CHIPS).map((c) => {
      const cls = c.startsWith('+') ? 'add' : c.startsWith('-') ? 'del' : 'move'
      return `<span class="chip ${cls}">${esc(c)}</span>`
    }).join('') + (e.chips.length > MAX_CHIPS ? `<span class="more">+${e.chips.length - MAX_CHIPS} more</span>` : '')
    const added = e.chips.filter((c) => c.startsWith('+')).length
    const removed = e.chips.filter((c) => c.startsWith('-')).length
    const moved = e.chips.length - added - removed
    const tip = `edit ${e.index} (${e.kind}) at offset ${e.offset}\n${e.lines.join('\n')}`
    return `<li class="edit" data-edit="${e.index}" data-kind="${e.kind}" data-added="${added}" data-removed="${removed}" ` +
      `data-moved="${moved}" data-tip="${esc(tip)}" tabindex="0"><span class="idx">${e.index}</span>` +
      `<span class="kind ${e.kind}">${e.kind}</span><span class="chips">${chips}</span></li>`
  }).join('\n')

  const folded = model.firstEdit > 0 ? `<p class="note">The first ${model.firstEdit} edits are folded into the starting state (--max-edits).</p>` : ''
  const notes = model.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')
  const problems = model.problems.length === 0
    ? ''
    : `<div class="problems"><b>Problems found reading the MANIFEST:</b><ul>${model.problems.map((p) => `<li>${esc(p)}</li>`).join('')}</ul></div>`

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>shale map: ${esc(model.dir)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>LSM tree of <code>${esc(model.dir)}</code></h1>
<p class="summary">${esc(model.manifest)} · ${model.totalEdits} edits · ${live.length} live files · ${formatSize(liveBytes)}` +
` · last sequence ${model.lastSequence ?? '?'} · drawn ${esc(generatedAt.toISOString())}</p>
<p class="legend">Each row is a level; each box a table file, placed over the keys it covers${model.axisMode === 'rank' ? ' (keys evenly spaced by rank)' : ''},
its height growing with its bytes (square root of its share of the largest file). Level-0 files may overlap and are stacked. Hover for details; click an edit to see the tree after it
(<span class="swatch added"></span> added by it, <span class="swatch ghost"></span> removed by it); Esc returns to the current tree.
Level targets are the engine's fixed budgets (LevelDB 1.20's), which no option changes.</p>
${notes}
${problems}
</header>
<section class="tree" id="tree" data-key-positions="${model.keyPositions}" data-axis="${model.axisMode}" data-last-edit="${lastEdit}">
<div class="state"><span id="state-label">the current tree (after edit ${lastEdit})</span> <button id="live" type="button" hidden>show the current tree</button></div>
${rows.join('\n')}
<div class="axis"><div class="level-label">keys</div><div class="ticks">${ticks}</div></div>
</section>
<section class="timeline">
<h2>VersionEdits <small>(${model.totalEdits}, oldest first)</small></h2>
${folded}
<ol id="timeline">
${timeline}
</ol>
</section>
<div id="tip" class="tip" hidden></div>
<script>${SCRIPT.replace('LANE_HEIGHT', String(LANE))}</script>
</body>
</html>
`
}

const STYLE = `
:root { --lane: ${LANE}px; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #f6f7f9; }
body { margin: 0; padding: 16px 24px; }
h1 { font-size: 20px; margin: 0 0 4px; } h1 code { font-size: 18px; }
h2 { font-size: 16px; margin: 20px 0 8px; } h2 small { font-weight: normal; color: #667; }
.summary { margin: 0 0 6px; color: #445; } .legend, .note { color: #667; font-size: 12px; margin: 0 0 8px; max-width: 1100px; }
.problems { background: #fdecea; border: 1px solid #e0a39c; padding: 6px 10px; font-size: 13px; }
.swatch { display: inline-block; width: 12px; height: 10px; vertical-align: middle; border-radius: 2px; }
.swatch.added { border: 2px solid #1a9850; } .swatch.ghost { border: 2px dashed #d73027; }
.tree { background: #fff; border: 1px solid #d8dbe2; border-radius: 6px; padding: 8px 12px 4px; }
.state { font-size: 13px; color: #334; margin-bottom: 6px; } .state button { margin-left: 8px; font-size: 12px; }
.level, .axis { display: flex; border-top: 1px solid #eceef2; }
.level-label { flex: 0 0 170px; font-size: 12px; padding: 4px 8px 4px 0; display: flex; flex-wrap: wrap; gap: 2px 8px; align-content: flex-start; }
.level-label b { font-size: 14px; width: 100%; } .limit { color: #889; }
.lanes, .ticks { position: relative; flex: 1 1 auto; margin: 0 8px; }
.lanes { min-height: var(--lane); }
.file { position: absolute; min-width: 3px; box-sizing: border-box; border-radius: 2px; border: 1px solid rgba(0,0,0,.35);
  overflow: hidden; font-size: 9px; line-height: 1; color: rgba(0,0,0,.65); cursor: default; }
.file span { padding: 1px 2px; white-space: nowrap; }
.file:hover { outline: 2px solid #1d2330; z-index: 2; }
.file.added { outline: 2px solid #1a9850; outline-offset: 1px; z-index: 1; }
.file.ghost { background: transparent !important; border: 1px dashed #d73027; }
.level[data-level="0"] .file { background: #fdd49e; } .level[data-level="1"] .file { background: #c6dbef; }
.level[data-level="2"] .file { background: #9ecae1; } .level[data-level="3"] .file { background: #a1d99b; }
.level[data-level="4"] .file { background: #c7e9c0; } .level[data-level="5"] .file { background: #dadaeb; }
.level[data-level="6"] .file { background: #bcbddc; }
.ticks { height: 30px; } .tick { position: absolute; top: 2px; font-size: 10px; color: #556; white-space: nowrap; transform: translateX(-50%); }
.tick::before { content: ""; position: absolute; left: 50%; top: -4px; height: 4px; border-left: 1px solid #99a; }
.tick:first-child { transform: none; } .tick:last-child { transform: translateX(-100%); }
.timeline ol { position: relative; list-style: none; margin: 0; padding: 0; max-height: 420px; overflow-y: auto; background: #fff;
  border: 1px solid #d8dbe2; border-radius: 6px; }
.edit { display: flex; gap: 8px; align-items: baseline; padding: 3px 8px; border-bottom: 1px solid #f0f1f4; font-size: 12px; cursor: pointer; }
.edit:hover { background: #f2f6fc; } .edit.selected { background: #e3edfb; }
.idx { flex: 0 0 40px; color: #889; text-align: right; font-variant-numeric: tabular-nums; }
.kind { flex: 0 0 80px; font-weight: 600; } .kind.flush { color: #b35806; } .kind.compaction { color: #2166ac; }
.kind.move { color: #762a83; } .kind.snapshot { color: #1b7837; } .kind.counters { color: #889; font-weight: normal; }
.chips { display: flex; flex-wrap: wrap; gap: 3px; }
.chip { padding: 0 4px; border-radius: 3px; font-family: ui-monospace, monospace; font-size: 11px; }
.chip.add { background: #e5f5e0; } .chip.del { background: #fde0dd; } .chip.move { background: #efedf5; }
.more { color: #889; }
.tip { position: fixed; z-index: 10; max-width: 720px; background: #1d2330; color: #fff; font: 12px/1.4 ui-monospace, monospace;
  padding: 6px 8px; border-radius: 4px; white-space: pre-wrap; pointer-events: none; }
`

// Runs in the page. Plain ES2017, no modules: the file must work opened from disk.
const SCRIPT = `
(function () {
  var LANE = LANE_HEIGHT;
  var boxes = Array.prototype.slice.call(document.querySelectorAll('.file'));
  var edits = Array.prototype.slice.call(document.querySelectorAll('.edit'));
  var tree = document.getElementById('tree');
  var lastEdit = Number(tree.dataset.lastEdit);
  var label = document.getElementById('state-label');
  var liveButton = document.getElementById('live');
  var tip = document.getElementById('tip');
  var selected = null;

  function size(n) {
    if (n < 1024) return n + ' B';
    var units = ['KiB', 'MiB', 'GiB', 'TiB'], v = n / 1024, u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return v.toFixed(v < 10 ? 1 : 0) + ' ' + units[u];
  }

  // Shows the tree after edit i (null: the current tree), repacking each level's lanes.
  function show(i) {
    selected = i;
    var byLevel = {};
    boxes.forEach(function (b) {
      var from = Number(b.dataset.from);
      var until = b.dataset.until === '' ? Infinity : Number(b.dataset.until);
      var visible = i === null ? until === Infinity : from <= i && i < until;
      var ghost = i !== null && until === i;
      b.hidden = !(visible || ghost);
      b.classList.toggle('added', i !== null && from === i);
      b.classList.toggle('ghost', ghost);
      if (!b.hidden) (byLevel[b.dataset.level] = byLevel[b.dataset.level] || []).push(b);
    });
    Array.prototype.forEach.call(document.querySelectorAll('.level'), function (row) {
      var list = (byLevel[row.dataset.level] || []).slice().sort(function (a, b) { return a.dataset.lo - b.dataset.lo; });
      var ends = [], files = 0, bytes = 0;
      list.forEach(function (b) {
        var lo = Number(b.dataset.lo), hi = Number(b.dataset.hi);
        var lane = ends.findIndex(function (e) { return e < lo; });
        if (lane < 0) { lane = ends.length; ends.push(hi); } else { ends[lane] = hi; }
        b.style.top = (lane * LANE + LANE - 2 - parseInt(b.style.height, 10)) + 'px';
        if (!b.classList.contains('ghost')) { files++; bytes += Number(b.dataset.size); }
      });
      row.querySelector('.lanes').style.height = Math.max(1, ends.length) * LANE + 'px';
      row.querySelector('.count').textContent = files + (files === 1 ? ' file' : ' files');
      row.querySelector('.bytes').textContent = size(bytes);
    });
    edits.forEach(function (e) { e.classList.toggle('selected', i !== null && Number(e.dataset.edit) === i); });
    if (history.replaceState) history.replaceState(null, '', i === null ? location.pathname + location.search : '#edit=' + i);
    label.textContent = i === null ? 'the current tree (after edit ' + lastEdit + ')' : 'the tree right after edit ' + i;
    liveButton.hidden = i === null;
  }

  edits.forEach(function (e) {
    e.addEventListener('click', function () {
      var i = Number(e.dataset.edit);
      show(selected === i ? null : i);
    });
  });
  liveButton.addEventListener('click', function () { show(null); });
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') show(null);
    if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
    var first = edits.length ? Number(edits[0].dataset.edit) : 0;
    var next = selected === null ? lastEdit : selected + (ev.key === 'ArrowDown' ? 1 : -1);
    if (next < first || next > lastEdit) return;
    ev.preventDefault();
    show(next);
    reveal(next);
  });

  // Scrolls the timeline (only the timeline, not the page) to show edit i.
  function reveal(i) {
    var first = edits.length ? Number(edits[0].dataset.edit) : 0;
    var li = edits[i - first];
    if (!li) return;
    var list = li.parentNode;
    if (li.offsetTop < list.scrollTop || li.offsetTop + li.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = li.offsetTop - list.clientHeight / 2;
    }
  }

  // The newest edits are the likeliest to matter: start the timeline scrolled to its end, and honour
  // #edit=N in the address, so that a view of one edit can be linked to (and rendered headless).
  var timeline = document.getElementById('timeline');
  timeline.scrollTop = timeline.scrollHeight;
  var wanted = /^#edit=(\\d+)$/.exec(location.hash);
  if (wanted && Number(wanted[1]) <= lastEdit) {
    show(Number(wanted[1]));
    reveal(Number(wanted[1]));
  }

  document.addEventListener('mouseover', function (ev) {
    var t = ev.target.closest ? ev.target.closest('[data-tip]') : null;
    if (!t) { tip.hidden = true; return; }
    tip.textContent = t.dataset.tip;
    tip.hidden = false;
  });
  document.addEventListener('mousemove', function (ev) {
    if (tip.hidden) return;
    var x = ev.clientX + 14, y = ev.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth) x = Math.max(0, ev.clientX - tip.offsetWidth - 14);
    if (y + tip.offsetHeight > window.innerHeight) y = Math.max(0, ev.clientY - tip.offsetHeight - 14);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  });
})();
`
