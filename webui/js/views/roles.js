// Roles: name, weight, quota (guarantees and limits) and what is allocated
// to each, from GET_ROLES, GET_QUOTA and GET_WEIGHTS (small answers) polled
// every few seconds while the page is open.
import { h, table, amount } from '../dom.js';
import { operatorCall } from '../api.js';
import { sum } from '../resources.js';
import { resourceText } from './common.js';

const POLL_MS = 3000;

function scalarMap(map) {
  const entries = Object.entries(map || {});
  if (!entries.length) return '';
  return entries.map(([name, s]) => `${name} ${amount(name, s.value)}`).join(', ');
}

export function rolesView() {
  const body = h('div', {}, h('p', { class: 'muted' }, 'loading…'));
  const el = h('section', { id: 'roles' }, h('h1', {}, 'Roles'), body);
  let timer = null;
  let stopped = false;

  async function refresh() {
    const [roles, quota, weights] = await Promise.all(
      ['GET_ROLES', 'GET_QUOTA', 'GET_WEIGHTS'].map((type) => operatorCall({ type })));
    const rows = new Map();
    const row = (name) => {
      if (!rows.has(name)) rows.set(name, { name, weight: 1, frameworks: 0, allocated: null, quota: null });
      return rows.get(name);
    };
    for (const r of roles.get_roles?.roles || []) {
      Object.assign(row(r.name), { weight: r.weight, frameworks: (r.frameworks || []).length, allocated: sum(r.resources) });
    }
    for (const w of weights.get_weights?.weight_infos || []) row(w.role).weight = w.weight;
    for (const q of quota.get_quota?.status?.configs || []) row(q.role).quota = q;
    const list = [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
    if (!list.length) return body.replaceChildren(h('p', { class: 'muted' }, 'No roles: none has frameworks, a weight or a quota.'));
    body.replaceChildren(table(['Role', '#Weight', 'Guarantees', 'Limits', '#Frameworks', 'Allocated'],
      list.map((r) => [r.name, r.weight, scalarMap(r.quota?.guarantees), scalarMap(r.quota?.limits), r.frameworks,
        r.allocated ? resourceText(r.allocated, true) : ''])));
  }

  async function loop() {
    while (!stopped) {
      try {
        await refresh();
      } catch (error) {
        if (!stopped) body.replaceChildren(h('p', { class: 'error' }, error.message));
      }
      await new Promise((resolve) => { timer = setTimeout(resolve, POLL_MS); });
    }
  }
  loop();
  return {
    el,
    update() {},  // polled, not from the event stream
    unmount() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
