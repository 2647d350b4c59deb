import { z } from 'zod';
import { HOME_NETWORK, LedgerError, MESSAGE_KINDS, NETWORKS, describeIssues, instantSchema } from '@ledger/contracts';
import type { TariffErrorCode } from '@ledger/contracts';
import type { EffectivePeriod, Tariff } from './tariff.model.js';

/** The tariff data (INVALID_TARIFF) or its file (UNREADABLE_TARIFF_FILE) is unusable; the message names each bad field path and why. */
export class TariffError extends LedgerError {
  declare readonly code: TariffErrorCode;

  constructor(code: TariffErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

const pence = z.number().int('must be a whole number of pence').min(0, 'must not be negative');
const positiveUnits = z.number().int('must be a whole number of units').min(1, 'must be at least 1');
const period = {
  effectiveFrom: instantSchema,
  effectiveUntil: instantSchema.nullish().transform((value) => value ?? null),
};

const tariffSchema = z
  .strictObject({
    version: z.string().min(1, 'must not be empty'),
    notes: z.union([z.string(), z.array(z.string())]).optional(),
    boltOns: z.array(
      z.strictObject({
        code: z.string().min(1).max(32),
        pricePence: pence,
        units: positiveUnits,
        validityDays: z
          .number()
          .int('must be a whole number of days')
          .min(1, 'must be at least 1')
          .max(36500, 'must be at most 36500 (100 years)')
          .optional(),
        ...period,
      }),
    ),
    unitsPerMessage: z.strictObject({ SMS: positiveUnits, MMS: positiveUnits }),
    paygPrices: z.array(z.strictObject({ kind: z.enum(MESSAGE_KINDS), pricePence: pence, ...period })),
    mmsInterconnects: z.array(
      z.strictObject({
        network: z
          .enum(NETWORKS)
          .refine(
            (network) => network !== HOME_NETWORK,
            `${HOME_NETWORK} always interconnects with itself: do not list it`,
          ),
        ...period,
      }),
    ),
    mmsRoamingCountries: z.array(
      z.strictObject({ country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'), ...period }),
    ),
  })
  .superRefine((tariff, ctx) => {
    const report = (path: (string | number)[], message: string): void =>
      ctx.addIssue({ code: 'custom', path, message });
    checkPeriods('boltOns', tariff.boltOns, (offer) => offer.code, report);
    checkPeriods('paygPrices', tariff.paygPrices, (price) => price.kind, report);
    checkPeriods('mmsInterconnects', tariff.mmsInterconnects, (agreement) => agreement.network, report);
    checkPeriods('mmsRoamingCountries', tariff.mmsRoamingCountries, (entry) => entry.country, report);
    checkPaygContinuity(tariff.paygPrices, report);
  });

/** Validates tariff JSON: shape, whole pence, positive units, sane and non-overlapping periods, PAYG prices without gaps. */
export function parseTariff(json: unknown): Tariff {
  const parsed = tariffSchema.safeParse(json);
  if (!parsed.success) throw new TariffError('INVALID_TARIFF', `invalid tariff: ${describeIssues(parsed.error)}`);
  const { version, boltOns, unitsPerMessage, paygPrices, mmsInterconnects, mmsRoamingCountries } = parsed.data;
  return {
    version,
    // An absent validityDays stays absent, so that a catalogue without it keeps its old shape.
    boltOns: boltOns.map(({ validityDays, ...offer }) =>
      validityDays === undefined ? offer : { ...offer, validityDays },
    ),
    unitsPerMessage,
    paygPrices,
    mmsInterconnects,
    mmsRoamingCountries,
  };
}

type Report = (path: (string | number)[], message: string) => void;
type Indexed<T> = { entry: T; index: number };

const ms = (instant: string): number => Date.parse(instant);
const endMs = (entry: EffectivePeriod): number => (entry.effectiveUntil === null ? Infinity : ms(entry.effectiveUntil));

/** Entries of one key, oldest first, remembering where they sit in the list. */
function byKey<T extends EffectivePeriod>(
  entries: readonly T[],
  keyOf: (entry: T) => string,
): Map<string, Indexed<T>[]> {
  const groups = new Map<string, Indexed<T>[]>();
  entries.forEach((entry, index) => {
    const group = groups.get(keyOf(entry)) ?? [];
    group.push({ entry, index });
    groups.set(keyOf(entry), group);
  });
  for (const group of groups.values()) group.sort((a, b) => ms(a.entry.effectiveFrom) - ms(b.entry.effectiveFrom));
  return groups;
}

function checkPeriods<T extends EffectivePeriod>(
  list: string,
  entries: readonly T[],
  keyOf: (entry: T) => string,
  report: Report,
): void {
  entries.forEach((entry, index) => {
    if (endMs(entry) <= ms(entry.effectiveFrom)) report([list, index, 'effectiveUntil'], 'must be after effectiveFrom');
  });
  for (const [key, group] of byKey(entries, keyOf)) {
    for (let i = 1; i < group.length; i++) {
      if (endMs(group[i - 1].entry) > ms(group[i].entry.effectiveFrom)) {
        report(
          [list, group[i].index, 'effectiveFrom'],
          `overlaps ${list}.${group[i - 1].index} for the same key "${key}"`,
        );
      }
    }
  }
}

/** Each kind needs a price from its first effectiveFrom on, with no gap and an open-ended last entry. */
function checkPaygContinuity(prices: readonly (EffectivePeriod & { kind: string })[], report: Report): void {
  const groups = byKey(prices, (price) => price.kind);
  for (const kind of MESSAGE_KINDS) {
    const group = groups.get(kind) ?? [];
    if (group.length === 0) report(['paygPrices'], `has no ${kind} price`);
    for (let i = 1; i < group.length; i++) {
      if (endMs(group[i - 1].entry) < ms(group[i].entry.effectiveFrom)) {
        report(
          ['paygPrices', group[i].index, 'effectiveFrom'],
          `leaves ${kind} without a price since paygPrices.${group[i - 1].index} ended`,
        );
      }
    }
    const last = group.at(-1);
    if (last && last.entry.effectiveUntil !== null) {
      report(
        ['paygPrices', last.index, 'effectiveUntil'],
        `leaves ${kind} without a price afterwards: the last ${kind} price must be open-ended (null)`,
      );
    }
  }
}
