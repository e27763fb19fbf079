import { describe, expect, it } from 'vitest';
import { csvCell, csvRecord } from '../../src/api/csv';

describe('CSV cells (OWASP CSV injection, RFC 4180)', () => {
  it.each([
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    // Spreadsheets skip a leading tab or carriage return and read the formula after it.
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', `"'\r=1+1"`],
  ])('given a cell starting a formula (%j), should make it text', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('should leave ordinary cells alone and quote separators, quotes and line breaks', () => {
    expect(csvCell('12345678.jpg')).toBe('12345678.jpg');
    expect(csvCell('a, b')).toBe('"a, b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('')).toBe('');
    expect(csvRecord(['x.jpg', '', 'skipped', '=cmd'])).toBe("x.jpg,,skipped,'=cmd");
  });
});
