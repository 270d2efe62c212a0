// Command-line arguments: a small parser and the help text, both driven by one description of each
// subcommand, so that what --help says and what the parser accepts cannot drift apart. Node's own
// util.parseArgs would do most of this; a hand-written one keeps control of the messages, of
// values that look like options (a key such as "-1") and of typed values.

type OptionType = 'boolean' | 'string' | 'integer'

export interface OptionSpec {
  /** Long name without dashes, e.g. 'key-encoding'. */
  name: string
  /** One-letter alias without the dash. */
  short?: string
  type: OptionType
  /** Placeholder shown in help for valued options, e.g. 'K'. */
  valueName?: string
  /** For string options: the only values accepted. */
  choices?: readonly string[]
  description: string
}

interface PositionalSpec {
  name: string
  required: boolean
  description: string
}

export interface CommandSpec {
  name: string
  /** One line for the command list. */
  summary: string
  positionals: readonly PositionalSpec[]
  options: readonly OptionSpec[]
  /** Paragraphs shown after the usage line. */
  description?: string
  examples?: readonly string[]
  /** Everything after the command name is kept as is, unparsed, --help too (for `shale bench`). */
  passThrough?: boolean
}

type OptionValue = string | number | boolean

export interface ParsedArgs {
  positionals: string[]
  options: Map<string, OptionValue>
  /** Arguments left unparsed (passThrough commands). */
  rest: string[]
}

/** A mistake in how the command was called: exit code 2, with a pointer to --help. */
export class UsageError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Options every command accepts. */
const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', type: 'boolean', description: 'show this help' }

/**
 * Parses `argv` (the arguments after the command name) against `spec`. `--name value`,
 * `--name=value`, `-x value`, `--flag` and `--no-flag` (booleans) are understood; `--` ends the
 * options. Throws UsageError for an unknown option, a missing or malformed value, or a wrong
 * number of positionals. A `--help` anywhere wins: the result then holds only it.
 */
export function parseArgs (spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const options = new Map<string, OptionValue>()
  const positionals: string[] = []
  // A pass-through command sees every argument, --help included, and answers it itself.
  if (spec.passThrough === true) return { positionals, options, rest: [...argv] }
  if (argv.includes('--help') || argv.includes('-h')) {
    options.set('help', true)
    return { positionals, options, rest: [] }
  }

  const all = [...spec.options, HELP_OPTION]
  const byLong = new Map(all.map((o) => [o.name, o]))
  const byShort = new Map(all.filter((o) => o.short !== undefined).map((o) => [o.short!, o]))

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    let option: OptionSpec | undefined
    let inline: string | undefined
    let negated = false
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=')
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq)
      inline = eq < 0 ? undefined : arg.slice(eq + 1)
      option = byLong.get(name)
      if (option === undefined && name.startsWith('no-')) {
        const positive = byLong.get(name.slice(3))
        if (positive?.type === 'boolean') {
          option = positive
          negated = true
        }
      }
      if (option === undefined) throw new UsageError(`unknown option --${name}`)
    } else if (arg.startsWith('-') && arg.length === 2 && !/[0-9]/.test(arg[1]!)) {
      option = byShort.get(arg[1]!)
      if (option === undefined) throw new UsageError(`unknown option ${arg}`)
    } else {
      positionals.push(arg)
      continue
    }

    if (option.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`option --${option.name} takes no value`)
      options.set(option.name, !negated)
      continue
    }
    let raw = inline
    if (raw === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`option --${option.name} needs a value`)
      raw = argv[++i]!
    }
    options.set(option.name, convert(option, raw))
  }

  const required = spec.positionals.filter((p) => p.required).length
  if (positionals.length < required) {
    const missing = spec.positionals.slice(positionals.length).filter((p) => p.required).map((p) => `<${p.name}>`)
    throw new UsageError(`missing ${missing.join(' ')}`)
  }
  if (positionals.length > spec.positionals.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[spec.positionals.length])}`)
  }
  return { positionals, options, rest: [] }
}

function convert (option: OptionSpec, raw: string): OptionValue {
  if (option.type === 'integer') {
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
      throw new UsageError(`option --${option.name} needs an integer, got ${JSON.stringify(raw)}`)
    }
    return Number(raw)
  }
  if (option.choices !== undefined && !option.choices.includes(raw)) {
    throw new UsageError(`option --${option.name} must be one of ${option.choices.join(', ')}; got ${JSON.stringify(raw)}`)
  }
  return raw
}

/** Typed reads of parsed options (the parser already checked the types). */
export function stringOption (args: ParsedArgs, name: string): string | undefined {
  const v = args.options.get(name)
  return typeof v === 'string' ? v : undefined
}

export function integerOption (args: ParsedArgs, name: string): number | undefined {
  const v = args.options.get(name)
  return typeof v === 'number' ? v : undefined
}

export function flag (args: ParsedArgs, name: string): boolean {
  return args.options.get(name) === true
}

/** The help text of one command. */
export function formatHelp (spec: CommandSpec): string {
  const lines: string[] = []
  const usage = spec.positionals.map((p) => p.required ? `<${p.name}>` : `[${p.name}]`).join(' ')
  lines.push(`Usage: shale ${spec.name}${usage === '' ? '' : ' ' + usage} [options]`, '', spec.summary)
  if (spec.description !== undefined) lines.push('', spec.description)
  if (spec.positionals.length > 0) {
    lines.push('', 'Arguments:')
    const width = Math.max(...spec.positionals.map((p) => p.name.length + 2))
    for (const p of spec.positionals) lines.push(`  ${`<${p.name}>`.padEnd(width)}  ${p.description}`)
  }
  lines.push('', 'Options:')
  const labels = [...spec.options, HELP_OPTION].map((o) => {
    const value = o.type === 'boolean' ? '' : ` <${o.valueName ?? (o.choices !== undefined ? o.choices.join('|') : 'value')}>`
    const short = o.short !== undefined ? `-${o.short}, ` : '    '
    return { label: `${short}--${o.name}${value}`, description: o.description }
  })
  const width = Math.max(...labels.map((l) => l.label.length))
  for (const l of labels) lines.push(`  ${l.label.padEnd(width)}  ${l.description}`)
  if (spec.examples !== undefined && spec.examples.length > 0) {
    lines.push('', 'Examples:')
    for (const e of spec.examples) lines.push(`  ${e}`)
  }
  return lines.join('\n') + '\n'
}
