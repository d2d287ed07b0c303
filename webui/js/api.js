// The master's HTTP endpoints the UI uses: the operator API (POST /api/v1,
// JSON) and the sandbox files (/files/browse, /files/read, which the master
// forwards to the agent holding the sandbox). Errors carry the master's
// message and the HTTP status (error.status).

async function check(response) {
  if (response.ok) return response;
  const text = (await response.text()).trim();
  const error = new Error(`${response.status} ${response.statusText}${text ? ': ' + text : ''}`);
  error.status = response.status;
  throw error;
}

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

// One operator call: call({type: 'GET_ROLES'}) -> the Response as JSON.
export async function operatorCall(body, signal) {
  const response = await fetch('/api/v1', { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body), signal });
  return (await check(response)).json();
}

// The SUBSCRIBE stream's Response (its body is RecordIO of Events).
export async function subscribe(signal) {
  const response = await fetch('/api/v1', {
    method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ type: 'SUBSCRIBE' }), signal,
  });
  return check(response);
}

// [{path, size, mode, mtime, ...}] of a sandbox directory.
export async function browse(path) {
  const response = await fetch('/files/browse?path=' + encodeURIComponent(path));
  return (await check(response)).json();
}

// {data, offset} of a file; offset -1 asks only for its size (as offset).
export async function readFile(path, offset, length) {
  const query = new URLSearchParams({ path, offset: String(offset) });
  if (length != null) query.set('length', String(length));
  const response = await fetch('/files/read?' + query);
  return (await check(response)).json();
}
