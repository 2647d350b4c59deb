import { parseReplayArguments, ReplayUsageError } from './replay-feed.js';

describe('the arguments of replay-feed', () => {
  it('replays from a global position to the end when no --to is given', () => {
    expect(parseReplayArguments(['--from-position', '42'])).toEqual({ fromPosition: 42n });
  });

  it('takes a UTC day as from its midnight to the end of the --to day', () => {
    expect(parseReplayArguments(['--from-date', '2026-11-30', '--to', '2026-12-01'])).toEqual({
      fromInstant: new Date('2026-11-30T00:00:00Z'),
      toInstant: new Date('2026-12-02T00:00:00Z'),
    });
  });

  it('reads --to as a position when it is a number, whatever the start', () => {
    expect(parseReplayArguments(['--from-date', '2026-11-30', '--to', '900'])).toEqual({
      fromInstant: new Date('2026-11-30T00:00:00Z'),
      toPosition: 900n,
    });
  });

  it.each([
    [[], 'give exactly one of --from-position N or --from-date YYYY-MM-DD'],
    [['--from-position', '1', '--from-date', '2026-11-30'], 'give exactly one of'],
    [['--from-position', '0'], '--from-position must be a global position (1 or more), not 0'],
    [['--from-position', '-3'], '--from-position must be a global position (1 or more), not -3'],
    [['--from-date', '2026-02-30'], '--from-date must be a day YYYY-MM-DD, not 2026-02-30'],
    [['--from-date', '30/11/2026'], '--from-date must be a day YYYY-MM-DD'],
    [['--from-position', '10', '--to', '9'], '--to 9 is before --from-position 10'],
    [['--from-date', '2026-11-30', '--to', '2026-11-29'], '--to 2026-11-29 is before --from-date 2026-11-30'],
    [['--from-position', '10', '--to', 'soon'], '--to must be a global position or a day YYYY-MM-DD, not soon'],
    [['--from', '10'], 'unknown argument --from'],
    [['--from-position'], '--from-position needs a value'],
    [['--from-position', '1', '--from-position', '2'], '--from-position is given twice'],
  ])('refuses %j, saying why', (args, message) => {
    expect(() => parseReplayArguments(args)).toThrow(ReplayUsageError);
    expect(() => parseReplayArguments(args)).toThrow(message);
  });
});
