// Every repository path that README.md and doc/*.md name must exist, so that a reader who follows
// one never lands nowhere. A path counts when it is a Markdown link target or sits in backticks
// and starts with one of the repository's top folders (or is one of its top files). Paths under
// dist/ name build output: a compiled module must have its source (dist/src/x.js -> src/x.ts,
// dist/cjs/x.js -> src/x.ts); other dist/ paths are folders a run writes (benchmark results).

import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const TOP = /^(src|harness|test|bench|scripts|doc|dist|\.ci)\/|^(README\.md|package\.json|LICENSE|tsconfig\.json)$/

/** The repository path a build-output path comes from; undefined for what a run writes under dist/. */
function sourceOf (path: string): string | undefined {
  const cjs = /^dist\/cjs\/(.*)\.(js|d\.ts)$/.exec(path)
  if (cjs !== null) return `src/${cjs[1]!}.ts`
  const built = /^dist\/((?:src|harness|test|bench|scripts)\/.*)\.(js|d\.ts)$/.exec(path)
  if (built !== null) return `${built[1]!}.ts`
  return path.startsWith('dist/') ? undefined : path
}

/** Whether a path, possibly with a `*` in its last part, names something in the repository. */
function exists (path: string): boolean {
  const clean = path.replace(/[/.]+$/, '').replace(/:\d+(-\d+)?$/, '')
  if (!clean.includes('*')) return existsSync(join(ROOT, clean))
  const dir = dirname(clean)
  const pattern = new RegExp('^' + clean.slice(dir.length + 1).split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$')
  return existsSync(join(ROOT, dir)) && readdirSync(join(ROOT, dir)).some((name) => pattern.test(name))
}

/** The repository paths a Markdown file names, relative to the repository root. */
export function namedPaths (file: string, text: string): string[] {
  const found = new Set<string>()
  const base = dirname(relative(ROOT, file))
  for (const m of text.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)) {
    const target = m[1]!
    if (/^[a-z]+:/.test(target)) continue
    found.add(normalize(join(base, target)))
  }
  for (const m of text.matchAll(/`([^`\s]+)`/g)) {
    const token = m[1]!
    if (TOP.test(token) && !/[<>{}]/.test(token)) found.add(token)
  }
  return [...found].filter((p) => TOP.test(p))
}

test('every repository path README.md and doc/ name exists', () => {
  const files = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'doc')).filter((n) => n.endsWith('.md')).map((n) => join(ROOT, 'doc', n))]
  const missing: string[] = []
  let checked = 0
  for (const file of files) {
    for (const path of namedPaths(file, readFileSync(file, 'utf8'))) {
      const source = sourceOf(path)
      if (source === undefined) continue
      checked++
      if (!exists(source)) missing.push(`${relative(ROOT, file)}: ${path}`)
    }
  }
  assert.deepEqual(missing, [], 'paths named in the documentation that do not exist')
  assert.ok(checked > 100, `the documentation names many paths (${checked} checked)`)
})

test('the path finder sees links and backticked paths, and not other code', () => {
  const doc = join(ROOT, 'doc', 'x.md')
  const paths = namedPaths(doc, 'See [t](table.md#blocks), `src/db/db.ts`, `db.put(k)`, [web](https://example.org), `dist/src/cli/main.js`.')
  assert.deepEqual(paths.sort(), ['dist/src/cli/main.js', 'doc/table.md', 'src/db/db.ts'])
  assert.equal(sourceOf('dist/src/cli/main.js'), 'src/cli/main.ts')
  assert.equal(sourceOf('dist/cjs/db/db.js'), 'src/db/db.ts')
  assert.equal(sourceOf('dist/bench-results'), undefined)
  assert.equal(exists('src/cli/main.ts'), true)
  assert.equal(exists('bench/results/*.svg'), true)
  assert.equal(exists('src/db/no-such-file.ts'), false)
})
