import { RatingInvariantError } from '../rating.errors.js';
import { recognisedPence } from './revenue-recognition.js';

describe('recognisedPence', () => {
  it.each([
    [700, 150, 0, 0],
    [700, 150, 1, 4],
    [700, 150, 2, 9],
    [700, 150, 3, 14],
    [700, 150, 4, 18],
    [700, 150, 150, 700],
    [300, 50, 1, 6],
    [500, 100, 1, 5],
    [900, 200, 1, 4],
    [900, 200, 2, 9],
    [1600, 400, 1, 4],
    [1600, 400, 399, 1596],
    [0, 50, 10, 0],
  ])('recognises floor(P x c / U) for P=%ip, U=%i, c=%i: %ip', (pricePence, units, usedUnits, expected) => {
    expect(recognisedPence(pricePence, units, usedUnits)).toBe(expected);
  });

  it('stays exact where a float product would round up', () => {
    // (2^53 - 1) * 2 / 3 = 6004799503160660.67; Math.floor of the float quotient gives ...661
    expect(recognisedPence(Number.MAX_SAFE_INTEGER, 3, 2)).toBe(6004799503160660);
    expect(recognisedPence(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER - 2)).toBe(
      Number.MAX_SAFE_INTEGER - 2,
    );
  });

  it.each([
    [-1, 50, 1],
    [300.5, 50, 1],
    [300, 0, 0],
    [300, 50, 51],
    [300, 50, -1],
    [300, 50, 1.5],
    [Number.MAX_SAFE_INTEGER + 1, 50, 1],
  ])('refuses P=%p, U=%p, c=%p with a typed error', (pricePence, units, usedUnits) => {
    expect(() => recognisedPence(pricePence, units, usedUnits)).toThrow(RatingInvariantError);
  });
});
