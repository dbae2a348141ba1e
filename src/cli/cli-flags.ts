/**
 * Command-line parsing shared by the kubectl-amko commands: the flags every command takes, the
 * output format, and durations such as `60s` or `1m30s`.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { OperatorError } from '../shared/errors.js';

/** Flags every command accepts. */
export const COMMON_OPTIONS = Object.freeze({
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig);

export const COMMON_HELP = `Flags for every command:
  --kubeconfig FILE   kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config)
  --context NAME      kubeconfig context of the cluster to act on (default: the current context)
  -h, --help          show help for the command`;

/** Flags every command has once parsed. */
export interface CommonFlags {
  kubeconfig?: string;
  context?: string;
  help: boolean;
}

/** A usage error: a bad flag or argument (exit code 2). */
export function usageError(message: string): OperatorError {
  return new OperatorError('CONFIG_INVALID', 'never', message);
}

/** Parsed flags: the common ones, and the command's own by name. */
export interface ParsedCommand {
  common: CommonFlags;
  /** The command's own flags: strings for value flags, booleans for switches. */
  flags: Readonly<Record<string, string | boolean | undefined>>;
}

/** Parses `argv` (the command name already removed) against the common and the command's flags. */
export function parseCommand(
  argv: readonly string[],
  options: ParseArgsOptionsConfig,
): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...COMMON_OPTIONS, ...options },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw usageError(err instanceof Error ? err.message : String(err));
  }
  if (parsed.positionals.length > 0) {
    throw usageError(`unexpected argument ${parsed.positionals[0] ?? ''}`);
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  const common: CommonFlags = { help: flags['help'] === true };
  if (typeof flags['kubeconfig'] === 'string') common.kubeconfig = flags['kubeconfig'];
  if (typeof flags['context'] === 'string') common.context = flags['context'];
  return { common, flags };
}

/** The value of a string flag, or undefined. */
export function stringFlag(p: ParsedCommand, name: string): string | undefined {
  const v = p.flags[name];
  return typeof v === 'string' ? v : undefined;
}

export type OutputFormat = 'text' | 'json' | 'yaml';

/** The `-o` flag: text (default), json or yaml. */
export function parseOutput(value: string | undefined): OutputFormat {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'json' || value === 'yaml') return value;
  throw usageError(`-o must be json or yaml, got ${value}`);
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = Object.freeze({
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
});

/** `60s`, `1m30s`, `500ms`, `2h` or a bare number of seconds, in milliseconds. */
export function parseDuration(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const parts = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(text)
    ? [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)]
    : [];
  if (parts.length === 0) {
    throw usageError(`not a duration: ${JSON.stringify(text)} (use e.g. 60s, 2m or 1m30s)`);
  }
  return Math.round(
    parts.reduce((sum, [, n, unit]) => sum + Number(n) * (DURATION_UNITS_MS[unit ?? 's'] ?? 0), 0),
  );
}

/** A duration for messages: `60s`, `1m30s`, `500ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  const s = Math.round(ms / 1000);
  return s % 60 === 0 ? `${s / 60}m` : `${Math.floor(s / 60)}m${s % 60}s`;
}
