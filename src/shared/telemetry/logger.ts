import { pino, type Logger as PinoLogger, type DestinationStream, type Level } from 'pino';

/** The structured logger every component takes as a dependency. */
export type Logger = PinoLogger;

/** Field paths whose values are never written to logs. */
const REDACT_PATHS = Object.freeze([
  'password',
  '*.password',
  'token',
  '*.token',
  'cookie',
  '*.cookie',
  'headers.cookie',
  'headers["x-csrftoken"]',
  'headers.authorization',
  '*.headers.cookie',
  '*.headers["x-csrftoken"]',
  '*.headers.authorization',
  'kubeconfig',
  '*.kubeconfig',
]);

export interface LoggerOptions {
  level?: Level | 'silent';
  name?: string;
  /** Where to write; defaults to stderr. */
  destination?: DestinationStream;
}

/** Builds a JSON logger with credentials redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const opts = {
    level: options.level ?? 'info',
    name: options.name ?? 'amko',
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  };
  return pino(opts, options.destination ?? pino.destination(2));
}

/** A logger that writes nothing, for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
