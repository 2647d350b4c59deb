/** A Postgres bigint (count or sum, which pg hands over as text) as a number, refusing any it cannot hold exactly. */
export function toSafeInteger(value: string | number, what: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`${what} ${String(value)} is not a safe integer`);
  return parsed;
}
