import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { VERSION } from './version.js';

const root = (p: string): string => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

describe('VERSION', () => {
  it('is the version of package.json and the chart’s appVersion', () => {
    const pkg = JSON.parse(readFileSync(root('package.json'), 'utf8')) as { version: string };
    assert.equal(pkg.version, VERSION);
    const chart = readFileSync(root('charts/amko/Chart.yaml'), 'utf8');
    assert.match(chart, new RegExp(`^appVersion: ${VERSION.replace(/\./g, '\\.')}$`, 'm'));
  });
});
