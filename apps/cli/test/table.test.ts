import { describe, expect, it } from 'vitest';
import { formatTable } from '../src/table.ts';

describe('formatTable', () => {
  it('pads every column to its widest cell and trims line ends', () => {
    expect(
      formatTable(
        ['id', 'verdict'],
        [
          ['1264132', 'ok'],
          ['7', 'FRAUD'],
        ],
      ),
    ).toBe(['id       verdict', '1264132  ok', '7        FRAUD'].join('\n'));
  });

  it('prints the header alone when there are no rows', () => {
    expect(formatTable(['a', 'bb'], [])).toBe('a  bb');
  });
});
