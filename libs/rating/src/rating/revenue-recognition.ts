import { RatingInvariantError } from '../rating.errors.js';

/** Revenue recognised by a bolt-on of `pricePence` and `units` once `usedUnits` are used: floor(P * c / U), exactly (docs/CONTRACT.md section 4). */
export function recognisedPence(pricePence: number, units: number, usedUnits: number): number {
  const valid =
    [pricePence, units, usedUnits].every((value) => Number.isSafeInteger(value) && value >= 0) &&
    units > 0 &&
    usedUnits <= units;
  if (!valid) {
    throw new RatingInvariantError(
      'INVALID_RECOGNITION',
      `cannot recognise ${usedUnits} used units of a bolt-on of ${units} units at ${pricePence}p: whole numbers, 0 <= used <= units, units > 0`,
    );
  }
  // BigInt: P * c can pass 2^53 where a float product would round.
  return Number((BigInt(pricePence) * BigInt(usedUnits)) / BigInt(units));
}
