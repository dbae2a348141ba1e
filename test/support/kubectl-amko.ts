/** Runs the built kubectl-amko plugin as a separate process, as a user would. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './tools.js';

export const KUBECTL_AMKO = path.join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts kubectl-amko with `args` (no standard input); resolves when it exits. */
export function kubectlAmko(args: readonly string[]): Promise<Run> {
  const child = spawn(process.execPath, [KUBECTL_AMKO, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, ...out });
    });
  });
}
