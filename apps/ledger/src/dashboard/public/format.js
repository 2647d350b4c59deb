// Formatting for display. Money arrives as integer pence and is never turned into a float.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** 123456 -> "£1,234.56"; -5 -> "-£0.05". */
export function formatPence(pence) {
  const magnitude = Math.abs(pence);
  const pounds = Math.trunc(magnitude / 100).toLocaleString('en-GB');
  const rest = String(magnitude % 100).padStart(2, '0');
  return `${pence < 0 ? '-' : ''}£${pounds}.${rest}`;
}

/** An axis label: whole pounds when the step allows it. */
export function formatPenceTick(pence, step) {
  return step % 100 === 0 ? `£${(pence / 100).toLocaleString('en-GB')}` : formatPence(pence);
}

export function formatCount(count) {
  return count.toLocaleString('en-GB');
}

/** "2003-04-01" -> "1 Apr". */
export function shortDate(date) {
  const [, month, day] = date.split('-').map(Number);
  return `${day} ${MONTHS[month - 1]}`;
}

/** "2003-04-01" -> "1 Apr 2003". */
export function longDate(date) {
  return `${shortDate(date)} ${date.slice(0, 4)}`;
}

/** "2003-04-03T10:00:00.000Z" -> "2003-04-03 10:00:00". */
export function formatInstant(instant) {
  return instant.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
}
