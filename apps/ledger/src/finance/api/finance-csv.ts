import type { Request, Response } from 'express';
import type { Charge } from '@ledger/app/charges/read-model/charge.js';
import type { InterconnectTraffic } from '../application/get-interconnect.query.js';
import type { Revenue } from '../application/get-revenue.query.js';
import type { PeriodView } from '../application/periods.js';
import { toCsv } from '../csv.js';

export type ResponseFormat = 'json' | 'csv';

/** ?format wins; otherwise the Accept header decides, JSON when it names neither. */
export function wantsCsv(request: Request, format: ResponseFormat | undefined): boolean {
  if (format) return format === 'csv';
  return request.accepts(['application/json', 'text/csv']) === 'text/csv';
}

/** Sends CSV text as a download named `filename`; the text is the handler's return value. */
export function csvReply(response: Response, filename: string, csv: string): string {
  response.setHeader('Content-Type', 'text/csv; charset=utf-8');
  response.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  return csv;
}

/**
 * One row per day, each followed by one `adjustment` row per closed month adjusted on it (already in the day's
 * figures), then a `total` row. deferredPence is a balance, not a flow, so it is a column that shows it as at the end
 * of each day; on the total row, as at the end of the range (the JSON deferredPence), not a sum; empty on adjustments.
 */
export function revenueCsv(revenue: Revenue): string {
  const { totals } = revenue;
  return toCsv([
    [
      'date',
      'row',
      'period',
      'boltOnSalesPence',
      'paygPence',
      'recognisedBoltOnPence',
      'breakagePence',
      'deferredPence',
    ],
    ...revenue.days.flatMap((day) => [
      [
        day.date,
        'day',
        day.date.slice(0, 7),
        day.boltOnSalesPence,
        day.paygPence,
        day.recognisedBoltOnPence,
        day.breakagePence,
        day.deferredPence,
      ],
      ...day.adjustments.map((adjustment) => [
        day.date,
        'adjustment',
        adjustment.period,
        adjustment.boltOnSalesPence,
        adjustment.paygPence,
        adjustment.recognisedBoltOnPence,
        adjustment.breakagePence,
        null,
      ]),
    ]),
    [
      'total',
      'total',
      null,
      totals.boltOnSalesPence,
      totals.paygPence,
      totals.recognisedBoltOnPence,
      totals.breakagePence,
      revenue.deferredPence,
    ],
  ]);
}

/** One row per accounting period, oldest first, with its status and totals (docs/CONTRACT.md section 9). */
export function periodsCsv(periods: readonly PeriodView[]): string {
  return toCsv([
    [
      'period',
      'status',
      'closedAt',
      'boltOnSalesPence',
      'paygPence',
      'recognisedBoltOnPence',
      'breakagePence',
      'deferredPence',
    ],
    ...periods.map(({ period, status, closedAt, totals }) => [
      period,
      status,
      closedAt,
      totals.boltOnSalesPence,
      totals.paygPence,
      totals.recognisedBoltOnPence,
      totals.breakagePence,
      totals.deferredPence,
    ]),
  ]);
}

export function interconnectCsv(networks: readonly InterconnectTraffic[]): string {
  return toCsv([
    ['network', 'outboundSms', 'outboundMms', 'inboundSms', 'inboundMms'],
    ...networks.map((traffic) => [
      traffic.network,
      traffic.outboundSms,
      traffic.outboundMms,
      traffic.inboundSms,
      traffic.inboundMms,
    ]),
  ]);
}

/** One row per message; the next page's cursor travels in the X-Next-Cursor header. */
export function interconnectMessagesCsv(charges: readonly Charge[]): string {
  return toCsv([
    [
      'messageId',
      'sentAt',
      'direction',
      'kind',
      'senderMsisdn',
      'senderNetwork',
      'recipientMsisdn',
      'recipientNetwork',
      'roamingCountry',
      'status',
      'units',
      'pence',
    ],
    ...charges.map((charge) => [
      charge.messageId,
      charge.sentAt,
      charge.status === 'CHARGED' ? 'outbound' : 'inbound',
      charge.kind,
      charge.sender.msisdn,
      charge.sender.network,
      charge.recipient.msisdn,
      charge.recipient.network,
      charge.roamingCountry,
      charge.status,
      charge.units,
      charge.pence,
    ]),
  ]);
}
