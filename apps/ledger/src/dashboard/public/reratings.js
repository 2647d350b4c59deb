// The rerating runs panel: lists the runs and shows one run's impact, with the admin key typed above.
import { getJson } from './api.js';
import { formatCount, formatInstant, formatPence, longDate } from './format.js';
import { cell, emptyRow, row, showError as showErrorIn } from './tables.js';

const byId = (id) => document.getElementById(id);

const ui = {
  form: byId('reratings-form'),
  list: byId('list-runs'),
  status: byId('reratings-status'),
  error: byId('reratings-error'),
  runs: byId('runs-table'),
  impact: byId('run-impact'),
  impactTitle: byId('run-impact-title'),
  days: byId('run-days-table'),
  changes: byId('run-changes-table'),
  changesNote: byId('run-changes-note'),
};

function showError(error) {
  showErrorIn(ui.error, error);
  document.body.dataset.reratingsState = 'error';
}

/** "CHARGED 4 units", "CHARGED £0.35", "REJECTED NO_MMS_INTERCONNECT", "RECORDED". */
export function describeOutcome({ status, reason, units, pence }) {
  if (status === 'REJECTED') return `REJECTED ${reason}`;
  if (status === 'RECORDED') return 'RECORDED';
  return pence > 0 ? `CHARGED ${formatPence(pence)}` : `CHARGED ${formatCount(units)} units`;
}

function renderRuns(runs, key) {
  ui.runs.tBodies[0].replaceChildren(
    ...(runs.length === 0
      ? [emptyRow(9, 'No rerating runs yet.')]
      : runs.map((run) => {
          const open = document.createElement('button');
          open.type = 'button';
          open.className = 'link';
          open.textContent = run.runId.slice(0, 8);
          open.title = run.runId;
          open.dataset.runId = run.runId;
          open.addEventListener('click', () => showRun(run.runId, key).catch(showError));
          return row(
            cell(open),
            cell(run.status),
            cell(formatInstant(run.from)),
            cell(run.reason),
            cell(String(run.tariffVersion), 'number'),
            cell(formatCount(run.messagesExamined), 'number'),
            cell(formatCount(run.messagesChanged), 'number'),
            cell(formatPence(run.penceDelta), 'number'),
            cell(formatCount(run.unitsDelta), 'number'),
          );
        })),
  );
  ui.runs.hidden = false;
}

async function showRun(runId, key) {
  document.body.dataset.reratingsState = 'loading';
  const run = await getJson(`/v1/rerating-runs/${encodeURIComponent(runId)}`, key);
  ui.impactTitle.textContent = `${run.runId} (${run.status}, tariff version ${run.tariffVersion})`;
  ui.days.tBodies[0].replaceChildren(
    ...(run.days.length === 0
      ? [emptyRow(3, 'No day’s figures move.')]
      : run.days.map((day) =>
          row(
            cell(longDate(day.date)),
            cell(formatPence(day.paygPenceDelta), 'number'),
            cell(formatPence(day.recognisedBoltOnPenceDelta), 'number'),
          ),
        )),
  );
  ui.changes.tBodies[0].replaceChildren(
    ...(run.changes.length === 0
      ? [emptyRow(3, 'Nothing changes.')]
      : run.changes.map((change) =>
          row(cell(change.messageId), cell(describeOutcome(change.before)), cell(describeOutcome(change.after))),
        )),
  );
  ui.changesNote.textContent =
    run.changes.length < run.messagesChanged
      ? `(the first ${formatCount(run.changes.length)} of ${formatCount(run.messagesChanged)})`
      : `(${formatCount(run.messagesChanged)})`;
  ui.impact.hidden = false;
  ui.error.hidden = true;
  document.body.dataset.reratingsState = 'ready';
}

async function listRuns(key) {
  document.body.dataset.reratingsState = 'loading';
  ui.list.disabled = true;
  try {
    const { items } = await getJson('/v1/rerating-runs', key);
    renderRuns(items, key);
    ui.error.hidden = true;
    ui.status.textContent = `${items.length} run${items.length === 1 ? '' : 's'}, newest first.`;
    document.body.dataset.reratingsState = 'ready';
  } finally {
    ui.list.disabled = false;
  }
}

/** Wires the panel; `currentKey` reads the key field the rest of the page uses. */
export function wireReratings(currentKey) {
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    listRuns(currentKey()).catch(showError);
  });
}
