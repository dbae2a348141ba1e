#!/usr/bin/env node
/**
 * `kubectl-amko`, the kubectl plugin for amko: `kubectl amko status | promote | demote | diff |
 * kubeconfig | certs | cleanup`. The entry file only wires the process (arguments, streams,
 * clock, terminal) to the commands.
 */
import { createInterface } from 'node:readline/promises';
import { systemClock } from '../shared/clock.js';
import { runCli } from './cli.js';

/** One answer read from the terminal; the question goes to stderr so stdout stays data. */
async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  clock: systemClock,
  ...(process.stdin.isTTY ? { ask } : {}),
});
