#!/usr/bin/env node
/**
 * `amko-avi-sim`: runs the Avi Controller simulator until SIGINT/SIGTERM and prints
 * `listening on http(s)://HOST:PORT` once it accepts connections.
 */
import { readFileSync } from 'node:fs';
import { createLogger } from '../../shared/telemetry/logger.js';
import { CliError, type CliOptions, parseArgs, USAGE } from './cli.js';
import { seededRandom } from './seeded-random.js';
import { readSeedFile } from './seed.js';
import { AviSimulator, type AviSimulatorOptions } from './server.js';

function simulatorOptions(cli: CliOptions): AviSimulatorOptions {
  const options: AviSimulatorOptions = {
    host: cli.host,
    port: cli.port,
    username: cli.username,
    password: cli.password,
    tls:
      cli.tlsCertFile !== undefined && cli.tlsKeyFile !== undefined
        ? { cert: readFileSync(cli.tlsCertFile, 'utf8'), key: readFileSync(cli.tlsKeyFile, 'utf8') }
        : cli.tls,
    strictVersion: cli.strictVersion,
    allowBasicAuth: cli.allowBasicAuth,
    autoCreateTenants: cli.autoCreateTenants,
    shareAdminProfiles: cli.shareAdminProfiles,
    expiredSessionStatus: cli.expiredSessionStatus,
    logger: createLogger({ level: cli.logLevel, name: 'amko-avi-sim' }),
  };
  if (cli.token !== undefined) options.token = cli.token;
  if (cli.statePath !== undefined) options.statePath = cli.statePath;
  if (cli.seedFile !== undefined) options.seed = readSeedFile(cli.seedFile);
  if (cli.version !== undefined) options.version = cli.version;
  if (cli.sessionIdleMs !== undefined) options.sessionIdleMs = cli.sessionIdleMs;
  if (cli.faultSeed !== undefined) options.random = seededRandom(cli.faultSeed);
  return options;
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const sim = new AviSimulator(simulatorOptions(parsed.options));
  const url = await sim.start();
  process.stdout.write(`listening on ${url}\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => {
      resolve('SIGINT');
    });
    process.once('SIGTERM', () => {
      resolve('SIGTERM');
    });
  });
  process.once(signal, () => {
    process.exit(1);
  });
  await sim.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const text = err instanceof CliError ? `${err.message}\n\n${USAGE}` : String(err);
    process.stderr.write(`amko-avi-sim: ${text}\n`);
    process.exitCode = 2;
  },
);
