import { DETAIL_CHARS, keepableDetail } from './rejections.repository.js';

describe('the detail a rejection keeps', () => {
  it('writes U+0000 and lone surrogates as escapes, which Postgres text and jsonb can hold', () => {
    expect(keepableDetail('Unexpected token \u0000 in "\ud800"')).toBe('Unexpected token \\u0000 in "\\ud800"');
  });

  it('keeps a surrogate pair (an emoji) as it is', () => {
    expect(keepableDetail('sent \u{1F600}')).toBe('sent \u{1F600}');
  });

  it('cuts a long detail, saying so with an ellipsis', () => {
    const kept = keepableDetail('x'.repeat(5000));
    expect(kept).toHaveLength(DETAIL_CHARS);
    expect(kept.endsWith('…')).toBe(true);
  });
});
