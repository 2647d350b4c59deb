import { toCsv } from './csv.js';

describe('toCsv', () => {
  it('ends every record, the header included, with CRLF', () => {
    expect(
      toCsv([
        ['date', 'paygPence'],
        ['2003-04-01', 35],
      ]),
    ).toBe('date,paygPence\r\n2003-04-01,35\r\n');
  });

  it('writes nothing for no records', () => {
    expect(toCsv([])).toBe('');
  });

  it('writes null as an empty field', () => {
    expect(toCsv([['a', null, 'c']])).toBe('a,,c\r\n');
  });

  it('quotes a field holding a comma, a line break or a quote, and doubles its quotes', () => {
    expect(toCsv([['one, two', 'line\nbreak', 'cr\rlf', 'say "hi"', 'plain']])).toBe(
      '"one, two","line\nbreak","cr\rlf","say ""hi""",plain\r\n',
    );
  });

  it('keeps leading and trailing spaces, unquoted', () => {
    expect(toCsv([[' padded ']])).toBe(' padded \r\n');
  });

  it('keeps a spreadsheet from running text as a formula', () => {
    expect(toCsv([['=HYPERLINK("x")', '+1', '-1', '@SUM(A1)', 'MSG-1']])).toBe(
      `"'=HYPERLINK(""x"")",'+1,'-1,'@SUM(A1),MSG-1\r\n`,
    );
  });

  it('writes numbers as they are, negative ones included', () => {
    expect(toCsv([[0, 1600, -5]])).toBe('0,1600,-5\r\n');
  });
});
