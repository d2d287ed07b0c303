// The dashboard: counts of agents, frameworks and tasks; cpus, mem, disk
// and gpus used versus total; tasks by state.
import { h, table, amount } from '../dom.js';
import { SCALARS, TASK_STATES, usesResources } from '../resources.js';
import { makeHash } from '../router.js';

function card(label, value, detail) {
  return h('div', { class: 'card' }, h('div', { class: 'value' }, value), h('div', { class: 'label' }, label), detail);
}

function resourceCard(name, used, total) {
  const share = total > 0 ? Math.min(100, (100 * used) / total) : 0;
  return card(`${name} used of ${amount(name, total)}`, amount(name, used),
    h('div', { class: 'bar', title: `${share.toFixed(1)}%` }, h('div', { style: `width:${share}%` })));
}

export function dashboardView({ model }) {
  const el = h('section', { id: 'dashboard' });
  function update() {
    let activeFrameworks = 0;
    for (const f of model.frameworks.values()) if (!f.removed) activeFrameworks++;
    let activeTasks = 0;
    for (const [state, count] of model.byState) if (usesResources(state)) activeTasks += count;
    const total = model.total();
    const states = TASK_STATES.filter((s) => model.byState.get(s) > 0);
    el.replaceChildren(
      h('h1', {}, 'Cluster'),
      h('div', { class: 'cards' },
        card('agents', model.agents.size),
        card('frameworks', activeFrameworks),
        card('active tasks', activeTasks, h('div', { class: 'muted' }, `${model.tasks.size} known`))),
      h('h2', {}, 'Resources'),
      h('div', { class: 'cards' }, SCALARS.map((name) => resourceCard(name, model.used[name], total[name]))),
      h('h2', {}, 'Tasks by state'),
      states.length
        ? table(['State', '#Tasks'], states.map((s) => [
          h('a', { href: makeHash(['tasks'], { state: s }) }, s), model.byState.get(s)]))
        : h('p', { class: 'muted' }, 'No tasks yet.'));
  }
  return { el, update };
}
