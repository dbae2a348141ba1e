import assert from 'node:assert/strict';
import { cell, formatTable } from './table.js';

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () => {
    const text = formatTable(
      ['A', 'LONG HEADER', 'C'],
      [
        ['xyz', 'b', 'last'],
        ['1', '2', ''],
      ],
    );
    assert.equal(text, 'A    LONG HEADER  C\nxyz  b            last\n1    2');
  });

  it('writes - for missing values', () => {
    assert.equal(cell(undefined), '-');
    assert.equal(cell(''), '-');
    assert.equal(cell(0), '0');
    assert.equal(cell(false), 'false');
  });
});
