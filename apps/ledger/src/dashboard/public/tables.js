// What every panel draws with: table cells and rows, and the box that shows an API error.
import { ApiError } from './api.js';

/** A cell holding text, or an element (a button, a badge). */
export function cell(content, className) {
  const td = document.createElement('td');
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  if (className) td.className = className;
  return td;
}

export function row(...cells) {
  const tr = document.createElement('tr');
  tr.append(...cells);
  return tr;
}

/** One cell across the table, saying why there is nothing to list. */
export function emptyRow(columns, text) {
  const td = cell(text, 'empty');
  td.colSpan = columns;
  return row(td);
}

/** Fills an error box with what went wrong: the API's status and message, or the page's own failure. */
export function showError(box, error) {
  const failure = error instanceof ApiError ? error : new ApiError(-1, String(error));
  box.dataset.status = String(failure.status);
  box.querySelector('.error-title').textContent = failure.status === -1 ? 'Something went wrong' : failure.title;
  box.querySelector('.error-detail').textContent = failure.detail;
  box.hidden = false;
}

export function hideError(box) {
  box.hidden = true;
  delete box.dataset.status;
}
