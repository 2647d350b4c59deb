// The ledger's /v1 API, called with the key the user typed.

export class ApiError extends Error {
  /** status 0: the ledger could not be reached at all. */
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }

  get title() {
    switch (this.status) {
      case 0:
        return 'The ledger could not be reached';
      case 400:
        return 'The ledger refused the request (400 Bad Request)';
      case 401:
        return 'Not authorised (401): enter a valid API key';
      case 403:
        return "Forbidden (403): this key's role may not see this";
      case 404:
        return 'Not found (404)';
      default:
        return `The ledger answered ${this.status}`;
    }
  }
}

/** GETs a path and answers its JSON body; any answer but 2xx becomes an ApiError with the server's message. */
export function getJson(path, key) {
  return callJson('GET', path, key);
}

/** POSTs an empty JSON body to a path and answers its JSON body, as getJson does. */
export function postJson(path, key) {
  return callJson('POST', path, key);
}

async function callJson(method, path, key) {
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (method === 'POST') headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, cache: 'no-store', body: method === 'POST' ? '{}' : undefined });
  } catch (error) {
    throw new ApiError(0, error instanceof Error ? error.message : String(error));
  }
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the text itself is the message
  }
  if (!response.ok) throw new ApiError(response.status, serverMessage(body, text, response.statusText));
  return body;
}

function serverMessage(body, text, statusText) {
  const message = body && typeof body === 'object' ? body.message : undefined;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string' && message) return message;
  return text.trim().slice(0, 300) || statusText;
}
