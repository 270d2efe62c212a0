// Reads tape's TAP output: the counts of its summary and every failure. Plain code with no Node
// module, so that a browser bundle (test/browser/suite-run.ts) reads the suite's output as
// abstract-suite-tap.ts reads a child process's.

export interface TapCounts {
  tests: number
  pass: number
  /** 0 when tape printed no `# fail` line (it prints none when nothing failed). */
  fail: number
  /** Each failure with the test name above it and the first lines of its YAML block. */
  failures: string[]
}

export function tapCounts (lines: string[]): TapCounts {
  const count = (label: string): number => {
    const line = lines.find((l) => l.startsWith(`# ${label} `))
    return line === undefined ? -1 : Number(line.slice(label.length + 2).trim())
  }
  const failures: string[] = []
  let currentTest = ''
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.startsWith('# ')) currentTest = line
    if (line.startsWith('not ok')) failures.push([currentTest, ...lines.slice(i, i + 8)].join('\n'))
  }
  return { tests: count('tests'), pass: count('pass'), fail: lines.some((l) => l.startsWith('# fail ')) ? count('fail') : 0, failures }
}
