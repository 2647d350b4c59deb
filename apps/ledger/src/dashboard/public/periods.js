// The accounting periods panel: every month with its status and totals, and a close button for admins.
import { ApiError, getJson, postJson } from './api.js';
import { formatInstant, formatPence } from './format.js';

const byId = (id) => document.getElementById(id);

const ui = {
  form: byId('periods-form'),
  list: byId('list-periods'),
  status: byId('periods-status'),
  error: byId('periods-error'),
  table: byId('periods-table'),
};

function cell(content, className) {
  const td = document.createElement('td');
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  if (className) td.className = className;
  return td;
}

function showError(error) {
  const failure = error instanceof ApiError ? error : new ApiError(-1, String(error));
  ui.error.dataset.status = String(failure.status);
  ui.error.querySelector('.error-title').textContent = failure.status === -1 ? 'Something went wrong' : failure.title;
  ui.error.querySelector('.error-detail').textContent = failure.detail;
  ui.error.hidden = false;
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
      const tr = document.createElement('tr');
      tr.dataset.period = period;
      tr.dataset.status = status;
      tr.append(
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
