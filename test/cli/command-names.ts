// The subcommands the issue asks for: every one must exist and answer --help.
export const COMMAND_NAMES = ['info', 'manifest', 'sst', 'wal', 'get', 'put', 'del', 'scan', 'verify', 'compact', 'repair', 'destroy', 'backup', 'restore', 'bench', 'map']
