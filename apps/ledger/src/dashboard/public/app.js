// The finance dashboard: reads the /v1 API with the user's key and draws what it answers.
import { ApiError, getJson } from './api.js';
import { clearChart, groupedBarChart, lineChart } from './charts.js';
import { formatCount, formatInstant, formatPence, formatPenceTick, longDate, shortDate } from './format.js';
import { cell, emptyRow, hideError, row, showError } from './tables.js';
import { wirePeriods } from './periods.js';
import { wireReratings } from './reratings.js';

const KEY_STORAGE = 'message-ledger.api-key';

const REVENUE_SERIES = [
  { key: 'boltOnSalesPence', label: 'Bolt-on sales', className: 'series-sales' },
  { key: 'paygPence', label: 'Pay-as-you-go', className: 'series-payg' },
  { key: 'recognisedBoltOnPence', label: 'Recognised bolt-on revenue', className: 'series-recognised' },
  { key: 'breakagePence', label: 'Breakage', className: 'series-breakage' },
];
const DEFERRED_SERIE = { key: 'deferredPence', label: 'Deferred', className: 'series-deferred' };
const TRAFFIC_SERIES = [
  { key: 'outboundSms', label: 'Outbound SMS', className: 'series-out-sms' },
  { key: 'outboundMms', label: 'Outbound MMS', className: 'series-out-mms' },
  { key: 'inboundSms', label: 'Inbound SMS', className: 'series-in-sms' },
  { key: 'inboundMms', label: 'Inbound MMS', className: 'series-in-mms' },
];

const byId = (id) => document.getElementById(id);

const ui = {
  key: byId('api-key'),
  forgetKey: byId('forget-key'),
  financeForm: byId('finance-form'),
  from: byId('from'),
  to: byId('to'),
  load: byId('load'),
  financeStatus: byId('finance-status'),
  financeError: byId('finance-error'),
  totals: {
    boltOnSalesPence: byId('total-bolt-on-sales'),
    paygPence: byId('total-payg'),
    recognisedBoltOnPence: byId('total-recognised'),
    breakagePence: byId('total-breakage'),
  },
  deferred: byId('deferred'),
  deferredLabel: byId('deferred-label'),
  revenueChart: byId('revenue-chart'),
  deferredChart: byId('deferred-chart'),
  interconnectChart: byId('interconnect-chart'),
  interconnectRows: byId('interconnect-table').tBodies[0],
  subscriberForm: byId('subscriber-form'),
  msisdn: byId('msisdn'),
  lookUp: byId('look-up'),
  subscriberStatus: byId('subscriber-status'),
  subscriberError: byId('subscriber-error'),
  subscriberResult: byId('subscriber-result'),
  unitsAvailable: byId('units-available'),
  balanceRows: byId('balance-table').tBodies[0],
  chargesRows: byId('charges-table').tBodies[0],
  chargesNote: byId('charges-note'),
};

// sessionStorage: the key lasts as long as the tab, and is refused quietly where storage is not allowed.
function storedKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

function storeKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage refused: the key stays in the field only
  }
}

function currentKey() {
  const key = ui.key.value.trim();
  storeKey(key);
  return key;
}

function showPence(element, pence) {
  element.textContent = formatPence(pence);
  element.dataset.pence = String(pence);
}

function clearPence(element) {
  element.textContent = '—';
  element.dataset.pence = '';
}

/** Deferred revenue at the end of each day, worked back from the balance at the end of the range. */
function deferredByDay(revenue) {
  const deferred = new Array(revenue.days.length);
  let balance = revenue.deferredPence;
  for (let index = revenue.days.length - 1; index >= 0; index -= 1) {
    deferred[index] = balance;
    const day = revenue.days[index];
    balance -= day.boltOnSalesPence - day.recognisedBoltOnPence - day.breakagePence;
  }
  return deferred;
}

function renderRevenue(revenue, to) {
  for (const [field, element] of Object.entries(ui.totals)) showPence(element, revenue.totals[field]);
  showPence(ui.deferred, revenue.deferredPence);
  ui.deferredLabel.textContent = `Deferred bolt-on revenue at the end of ${longDate(to)}`;
  const categories = revenue.days.map((day) => ({
    key: day.date,
    label: shortDate(day.date),
    title: longDate(day.date),
  }));
  groupedBarChart(ui.revenueChart, {
    categories,
    series: REVENUE_SERIES,
    value: (index, serie) => revenue.days[index][REVENUE_SERIES[serie].key],
    formatValue: formatPence,
    formatTick: formatPenceTick,
    floor: 100,
    maxLabels: 13,
  });
  lineChart(ui.deferredChart, {
    categories,
    values: deferredByDay(revenue),
    serie: DEFERRED_SERIE,
    formatValue: formatPence,
    formatTick: formatPenceTick,
    floor: 100,
    maxLabels: 13,
  });
}

function clearRevenue() {
  for (const element of Object.values(ui.totals)) clearPence(element);
  clearPence(ui.deferred);
  clearChart(ui.revenueChart);
  clearChart(ui.deferredChart);
}

function renderInterconnect({ networks }) {
  groupedBarChart(ui.interconnectChart, {
    categories: networks.map(({ network }) => ({ key: network, label: network, title: network })),
    series: TRAFFIC_SERIES,
    value: (index, serie) => networks[index][TRAFFIC_SERIES[serie].key],
    formatValue: formatCount,
    formatTick: (count) => formatCount(count),
    floor: 1,
    integer: true,
    maxLabels: 12,
    valueLabels: true,
  });
  ui.interconnectRows.replaceChildren(
    ...networks.map((traffic) =>
      row(cell(traffic.network), ...TRAFFIC_SERIES.map(({ key }) => cell(formatCount(traffic[key])))),
    ),
  );
}

function clearInterconnect() {
  clearChart(ui.interconnectChart);
  ui.interconnectRows.replaceChildren();
}

let financeRequest = 0;

async function loadFinance() {
  const request = (financeRequest += 1);
  const key = currentKey();
  const from = ui.from.value;
  const to = ui.to.value;
  document.body.dataset.financeState = 'loading';
  ui.load.disabled = true;
  ui.financeStatus.textContent = 'Loading…';
  const range = new URLSearchParams({ from, to });
  const [revenue, interconnect] = await Promise.allSettled([
    getJson(`/v1/finance/revenue?${range}`, key),
    getJson(`/v1/finance/interconnect?${range}`, key),
  ]);
  // A newer Load has started: its answers, not these, belong on the page.
  if (request !== financeRequest) return;
  ui.load.disabled = false;
  if (revenue.status === 'fulfilled') renderRevenue(revenue.value, to);
  else clearRevenue();
  if (interconnect.status === 'fulfilled') renderInterconnect(interconnect.value);
  else clearInterconnect();
  const failure = [revenue, interconnect].find((outcome) => outcome.status === 'rejected');
  if (failure) {
    showError(ui.financeError, failure.reason);
    ui.financeStatus.textContent = 'The figures could not be loaded.';
    document.body.dataset.financeState = 'error';
    return;
  }
  hideError(ui.financeError);
  const days = revenue.value.days.length;
  ui.financeStatus.textContent = `Showing ${longDate(from)} to ${longDate(to)}: ${days} day${days === 1 ? '' : 's'}, UTC.`;
  document.body.dataset.financeState = 'ready';
}

function renderSubscriber(balance, charges) {
  ui.unitsAvailable.textContent = formatCount(balance.unitsAvailable);
  ui.unitsAvailable.dataset.units = String(balance.unitsAvailable);
  ui.balanceRows.replaceChildren(
    ...(balance.boltOns.length === 0
      ? [emptyRow(6, 'No bolt-ons: every message is pay-as-you-go.')]
      : balance.boltOns.map((boltOn) =>
          row(
            cell(boltOn.purchaseId),
            cell(boltOn.boltOn),
            cell(formatInstant(boltOn.purchasedAt)),
            cell(formatPence(boltOn.pricePence), 'number'),
            cell(formatCount(boltOn.units), 'number'),
            cell(formatCount(boltOn.unitsRemaining), 'number'),
          ),
        )),
  );
  ui.chargesRows.replaceChildren(
    ...(charges.items.length === 0
      ? [emptyRow(9, 'No messages sent.')]
      : charges.items.map((charge) => {
          const status = document.createElement('span');
          status.className = `badge status-${charge.status.toLowerCase()}`;
          status.textContent = charge.status;
          return row(
            cell(formatInstant(charge.sentAt)),
            cell(charge.messageId),
            cell(charge.kind),
            cell(`${charge.recipient.msisdn} (${charge.recipient.network})`),
            cell(charge.roamingCountry ?? '—'),
            cell(status),
            cell(charge.reason ?? '—'),
            cell(formatCount(charge.units), 'number'),
            cell(formatPence(charge.pence), 'number'),
          );
        })),
  );
  const count = charges.items.length;
  ui.chargesNote.textContent = charges.nextCursor
    ? `(the first ${count}, oldest first; there are more)`
    : `(${count}, oldest first)`;
  ui.subscriberResult.hidden = false;
}

let subscriberRequest = 0;

async function lookUp() {
  const request = (subscriberRequest += 1);
  const key = currentKey();
  const msisdn = ui.msisdn.value.trim();
  if (!msisdn) {
    showError(ui.subscriberError, new ApiError(-1, "Enter the subscriber's MSISDN, e.g. 447700900123."));
    return;
  }
  document.body.dataset.subscriberState = 'loading';
  ui.lookUp.disabled = true;
  ui.subscriberStatus.textContent = 'Looking up…';
  const path = `/v1/subscribers/${encodeURIComponent(msisdn)}`;
  const [balance, charges] = await Promise.allSettled([
    getJson(`${path}/balance`, key),
    getJson(`${path}/charges?limit=20`, key),
  ]);
  if (request !== subscriberRequest) return;
  ui.lookUp.disabled = false;
  const failure = [balance, charges].find((outcome) => outcome.status === 'rejected');
  if (failure) {
    ui.subscriberResult.hidden = true;
    showError(ui.subscriberError, failure.reason);
    ui.subscriberStatus.textContent = '';
    document.body.dataset.subscriberState = 'error';
    return;
  }
  hideError(ui.subscriberError);
  renderSubscriber(balance.value, charges.value);
  ui.subscriberStatus.textContent = `Subscriber ${balance.value.msisdn}, as it stands now.`;
  document.body.dataset.subscriberState = 'ready';
}

ui.key.value = storedKey();
ui.key.addEventListener('change', () => storeKey(ui.key.value.trim()));
ui.forgetKey.addEventListener('click', () => {
  ui.key.value = '';
  storeKey('');
  ui.key.focus();
});

/** Runs a load; a failure of the page's own code is shown like an API error, never swallowed. */
function run(load, box, stateName, button) {
  load().catch((error) => {
    showError(box, error);
    document.body.dataset[stateName] = 'error';
    button.disabled = false;
  });
}

const loadFigures = () => run(loadFinance, ui.financeError, 'financeState', ui.load);
ui.financeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  loadFigures();
});
ui.subscriberForm.addEventListener('submit', (event) => {
  event.preventDefault();
  run(lookUp, ui.subscriberError, 'subscriberState', ui.lookUp);
});
wireReratings(currentKey);
wirePeriods(currentKey);
if (ui.key.value) loadFigures();
