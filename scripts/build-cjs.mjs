// The CommonJS copy of the package, made from the ESM that tsc wrote to dist/src: each module is
// transpiled on its own by TypeScript (the same compiler, so one copy of the code), written to
// dist/cjs beside a package.json that marks the folder as CommonJS, with its declarations.
//
// ESM-only syntax has one use in the library: `import.meta.url`, which locates the worker script
// beside its module. In CommonJS the module's own file is __filename, so that expression is
// replaced by its CommonJS equivalent. Any other `import.meta` stops the build rather than ship a
// module that would fail when loaded. The command-line tool is an ESM program and stays out.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const from = join(root, 'dist', 'src')
const to = join(root, 'dist', 'cjs')
const SKIP = new Set(['cli'])
const META_URL = "require('node:url').pathToFileURL(__filename).href"

function * walk (dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (!(dir === from && SKIP.has(entry.name))) yield * walk(path)
    } else {
      yield path
    }
  }
}

rmSync(to, { recursive: true, force: true })
let modules = 0
for (const path of walk(from)) {
  const rel = relative(from, path)
  const out = join(to, rel)
  if (path.endsWith('.d.ts')) {
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, readFileSync(path))
  } else if (path.endsWith('.js')) {
    const source = readFileSync(path, 'utf8').replaceAll('import.meta.url', META_URL)
    if (source.includes('import.meta')) throw new Error(`${rel}: import.meta has no CommonJS equivalent here`)
    const { outputText, diagnostics } = ts.transpileModule(source, {
      fileName: rel,
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true }
    })
    if (diagnostics !== undefined && diagnostics.length > 0) {
      throw new Error(`${rel}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n')}`)
    }
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, outputText)
    modules++
  }
}
writeFileSync(join(to, 'package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n')
console.log(`build-cjs: ${modules} modules in ${relative(root, to)}`)
