// The accounting periods panel: every month with its status and totals, and a close button for admins.
import { getJson, postJson } from './api.js';
import { formatInstant, formatPence } from './format.js';
import { cell, row, showError as showErrorIn } from './tables.js';

const byId = (id) => document.getElementById(id);

const ui = {
  form: byId('periods-form'),
  list: byId('list-periods'),
  status: byId('periods-status'),
  error: byId('periods-error'),
  table: byId('periods-table'),
};

function showError(error) {
  showErrorIn(ui.error, error);
  document.body.dataset.periodsState = 'error';
}

// Only a month that has ended can be closed (docs/CONTRACT.md section 9).
const hasEnded = (period) => {
  const [year, month] = period.split('-').map(Number);
  return Date.UTC(year, month, 1) <= Date.now();
};

function closeButton(period, currentKey) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'close-period';
  button.dataset.period = period;
  button.textContent = `Close ${period}`;
  button.title = 'Closes this month and every earlier open one; final. Needs an admin key.';
  button.addEventListener('click', () => {
    if (!window.confirm(`Close ${period} and every earlier open month? A closed month is final.`)) return;
    button.disabled = true;
    postJson(`/v1/finance/periods/${period}/close`, currentKey())
      .then(() => listPeriods(currentKey()))
      .catch((error) => {
        button.disabled = false;
        showError(error);
      });
  });
  return button;
}

function render(periods, currentKey) {
  ui.table.tBodies[0].replaceChildren(
    ...periods.map(({ period, status, closedAt, totals }) => {
      const tr = row(
        cell(period),
        cell(status),
        cell(closedAt ? formatInstant(closedAt) : '—'),
        cell(formatPence(totals.boltOnSalesPence), 'number'),
        cell(formatPence(totals.paygPence), 'number'),
        cell(formatPence(totals.recognisedBoltOnPence), 'number'),
        cell(formatPence(totals.breakagePence), 'number'),
        cell(formatPence(totals.deferredPence), 'number'),
        cell(status === 'OPEN' && hasEnded(period) ? closeButton(period, currentKey) : ''),
      );
      tr.dataset.period = period;
      tr.dataset.status = status;
      return tr;
    }),
  );
  ui.table.hidden = false;
}

async function listPeriods(key, currentKey = () => key) {
  document.body.dataset.periodsState = 'loading';
  ui.list.disabled = true;
  try {
    const { periods } = await getJson('/v1/finance/periods', key);
    ui.error.hidden = true;
    render(periods, currentKey);
    const closed = periods.filter((period) => period.status === 'CLOSED').length;
    ui.status.textContent = `${periods.length} month${periods.length === 1 ? '' : 's'} with activity, ${closed} closed.`;
    document.body.dataset.periodsState = 'ready';
  } finally {
    ui.list.disabled = false;
  }
}

/** Wires the panel; `currentKey` reads the key field the rest of the page uses. */
export function wirePeriods(currentKey) {
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    listPeriods(currentKey(), currentKey).catch(showError);
  });
}
