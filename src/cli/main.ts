#!/usr/bin/env node
/**
 * `kubectl-amko`, the kubectl plugin for amko: `kubectl amko status | promote | demote | diff`.
 * The entry file only wires the process (arguments, streams, clock) to the commands.
 */
import { systemClock } from '../shared/clock.js';
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  clock: systemClock,
});
