/** A run of 8 to 15 digits starting with a non-zero digit: an international MSISDN, or close enough to one. */
const MSISDN = /(?<!\d)[1-9]\d{7,14}(?!\d)/g;
/** A credential presented in an Authorization header that made its way into a message. */
const BEARER = /\b(Bearer\s+)\S+/gi;
/** Deep enough for any log record the service writes; stops a cycle from looping forever. */
const MAX_DEPTH = 8;

/** `447700900123` becomes `4477*****123`: the first 4 and last 3 digits stay, enough to tell numbers apart. */
export function maskMsisdns(text: string): string {
  return text.replace(MSISDN, (digits) => `${digits.slice(0, 4)}${'*'.repeat(digits.length - 7)}${digits.slice(-3)}`);
}

/** Masks MSISDNs (personal data) and bearer tokens in a string. */
export function maskText(text: string): string {
  return maskMsisdns(text).replace(BEARER, '$1[redacted]');
}

/**
 * Masks every string in a log argument: the message and the string fields of plain objects and
 * arrays, at any depth. Other objects (errors, requests, responses) are left to their serializers.
 */
export function maskPersonalData<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return maskText(value) as T;
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => maskPersonalData(item, depth + 1)) as T;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  const masked: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) masked[key] = maskPersonalData(field, depth + 1);
  return masked as T;
}
