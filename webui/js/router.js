// Hash routing: '#/tasks/<fw>/<task>?state=TASK_RUNNING' -> {parts: ['tasks',
// '<fw>', '<task>'], query: URLSearchParams}; every part is URL-decoded.

export function parseHash(hash) {
  const text = hash.replace(/^#\/?/, '');
  const [path, search] = text.split('?', 2);
  // A malformed escape is kept as it is (the page then names what is unknown).
  const decode = (p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  };
  const parts = path.split('/').filter((p) => p !== '').map(decode);
  return { parts, query: new URLSearchParams(search || '') };
}

// The hash for `parts` and a query object (empty values left out).
export function makeHash(parts, query = {}) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) search.set(k, v);
  const text = search.toString();
  return '#/' + parts.map(encodeURIComponent).join('/') + (text ? '?' + text : '');
}
