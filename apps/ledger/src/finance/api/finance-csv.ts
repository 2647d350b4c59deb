import type { Request, Response } from 'express';
import type { Charge } from '@ledger/app/charges/read-model/charge.js';
import type { InterconnectTraffic } from '../application/get-interconnect.query.js';
import type { Revenue } from '../application/get-revenue.query.js';
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
 * One row per day, then a `total` row. deferredPence is a balance, not a flow, so it is a column that shows it as
 * at the end of each row's day; on the total row, as at the end of the range (the JSON deferredPence), not a sum.
 */
export function revenueCsv(revenue: Revenue): string {
  const { totals } = revenue;
  return toCsv([
    ['date', 'boltOnSalesPence', 'paygPence', 'recognisedBoltOnPence', 'deferredPence'],
    ...revenue.days.map((day) => [
      day.date,
      day.boltOnSalesPence,
      day.paygPence,
      day.recognisedBoltOnPence,
      day.deferredPence,
    ]),
    ['total', totals.boltOnSalesPence, totals.paygPence, totals.recognisedBoltOnPence, revenue.deferredPence],
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
