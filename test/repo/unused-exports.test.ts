// Every export of a module under src/ is imported by some other file of the repository (src,
// test, bench or scripts), or is part of the package's public entry points. An export nothing
// imports is either dead code or an internal that should not be exported; both make the code
// harder to change. The check reads import and export declarations syntactically with
// TypeScript's parser: named imports mark one name used, namespace imports, `export *` and
// dynamic imports mark a whole module used.

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const FOLDERS = ['src', 'harness', 'test', 'bench', 'scripts']
/** Modules whose exports are the package's API or that run as programs. */
const ENTRY_POINTS = new Set(['src/index.ts', 'src/browser.ts', 'src/browser-worker.ts', 'src/sstable.ts', 'src/log.ts', 'src/testing.ts', 'src/cli/main.ts', 'src/db/job-worker.ts'])
// Modules that bundlers for browsers load in place of others (package.json's `browser` field):
// nothing imports them by name, they stand in for the module they replace.
const BROWSER_FIELD = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { browser?: Record<string, string> }).browser ?? {}
for (const replacement of Object.values(BROWSER_FIELD)) {
  if (replacement.startsWith('./dist/src/')) ENTRY_POINTS.add(replacement.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts'))
}
const WHOLE = '*'

function * sources (dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield * sources(path)
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path
  }
}

/** What other modules import, per module: imported names, or WHOLE. */
export function collectUses (files: ReadonlyMap<string, string>): Map<string, Set<string>> {
  const uses = new Map<string, Set<string>>()
  const use = (from: string, specifier: string, name: string): void => {
    if (!specifier.startsWith('.')) return
    const target = relative(ROOT, resolve(dirname(join(ROOT, from)), specifier)).replace(/\.js$/, '.ts')
    let names = uses.get(target)
    if (names === undefined) uses.set(target, names = new Set())
    names.add(name)
  }
  for (const [file, text] of files) {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true)
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        const spec = node.moduleSpecifier.text
        const clause = node.importClause
        if (clause === undefined) use(file, spec, WHOLE)
        else {
          if (clause.name !== undefined) use(file, spec, 'default')
          const bindings = clause.namedBindings
          if (bindings !== undefined && ts.isNamespaceImport(bindings)) use(file, spec, WHOLE)
          if (bindings !== undefined && ts.isNamedImports(bindings)) {
            for (const el of bindings.elements) use(file, spec, (el.propertyName ?? el.name).text)
          }
        }
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
        const spec = node.moduleSpecifier.text
        if (node.exportClause === undefined || ts.isNamespaceExport(node.exportClause)) use(file, spec, WHOLE)
        else for (const el of node.exportClause.elements) use(file, spec, (el.propertyName ?? el.name).text)
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const arg = node.arguments[0]
        if (arg !== undefined && ts.isStringLiteralLike(arg)) use(file, arg.text, WHOLE)
      } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL') {
        // new URL('./worker.js', import.meta.url): a module started as a program.
        const arg = node.arguments?.[0]
        if (arg !== undefined && ts.isStringLiteralLike(arg) && arg.text.endsWith('.js')) use(file, arg.text, WHOLE)
      }
      ts.forEachChild(node, visit)
    }
    visit(source)
  }
  return uses
}

/** The names a module exports by declaration or by a local `export { … }`. */
export function exportedNames (file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true)
  const names: string[] = []
  for (const node of source.statements) {
    const modifiers = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined
    const exported = modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) === true
    const isDefault = modifiers?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword) === true
    if (exported && isDefault) names.push('default')
    else if (exported && ts.isVariableStatement(node)) {
      for (const d of node.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text)
    } else if (exported && (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node) ||
      ts.isTypeAliasDeclaration(node) || ts.isEnumDeclaration(node)) && node.name !== undefined) {
      names.push(node.name.text)
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier === undefined && node.exportClause !== undefined && ts.isNamedExports(node.exportClause)) {
      for (const el of node.exportClause.elements) names.push(el.name.text)
    } else if (ts.isExportAssignment(node)) {
      names.push('default')
    }
  }
  return names
}

test('every export under src/ is imported somewhere, or is public API', () => {
  const files = new Map<string, string>()
  for (const folder of FOLDERS) {
    for (const path of sources(join(ROOT, folder))) files.set(relative(ROOT, path), readFileSync(path, 'utf8'))
  }
  const uses = collectUses(files)
  const unused: string[] = []
  for (const [file, text] of files) {
    if (!file.startsWith('src/') || ENTRY_POINTS.has(file)) continue
    const used = uses.get(file)
    if (used?.has(WHOLE) === true) continue
    for (const name of exportedNames(file, text)) {
      if (used?.has(name) !== true) unused.push(`${file}: ${name}`)
    }
  }
  assert.deepEqual(unused, [], 'exports that nothing imports: remove the export, or the code')
})

test('the checker sees named, namespace, re-exported and dynamic uses', () => {
  const files = new Map([
    ['src/a.ts', "import { x, y as z } from './b.js'\nimport * as all from './c.js'\nexport { w } from './d.js'\nawait import('./e.js')\n"],
    ['src/b.ts', 'export const x = 1\nexport function y () {}\nexport interface Unused {}\n']
  ])
  const uses = collectUses(files)
  assert.deepEqual([...uses.get('src/b.ts')!].sort(), ['x', 'y'])
  assert.deepEqual([...uses.get('src/c.ts')!], [WHOLE])
  assert.deepEqual([...uses.get('src/d.ts')!], ['w'])
  assert.deepEqual([...uses.get('src/e.ts')!], [WHOLE])
  assert.deepEqual(exportedNames('src/b.ts', files.get('src/b.ts')!), ['x', 'y', 'Unused'])
})
