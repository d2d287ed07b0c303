// Tasks: the table, filtered by state, framework, agent and name (kept in
// the URL's query), newest first, one page of rows built at a time.
import { h } from '../dom.js';
import { TASK_STATES, usesResources } from '../resources.js';
import { makeHash } from '../router.js';
import { PagedTable } from '../paged_table.js';
import { agentName, frameworkName, taskRow, TASK_HEADS } from './common.js';

function matcher(model, filter) {
  const name = filter.name.toLowerCase();
  const agent = filter.agent.toLowerCase();
  return (task) => {
    if (filter.state === 'active' ? !usesResources(task.state) : filter.state && task.state !== filter.state) return false;
    if (filter.framework && task.framework_id.value !== filter.framework) return false;
    if (name && !(task.name || '').toLowerCase().includes(name) && !task.task_id.value.toLowerCase().includes(name)) {
      return false;
    }
    if (agent) {
      const id = task.agent_id?.value || '';
      if (!id.toLowerCase().includes(agent) && !agentName(model, id).toLowerCase().includes(agent)) return false;
    }
    return true;
  };
}

export function tasksView({ model }, route) {
  const filter = {
    state: route.query.get('state') || '',
    framework: route.query.get('framework') || '',
    agent: route.query.get('agent') || '',
    name: route.query.get('name') || '',
  };
  const rows = new PagedTable(TASK_HEADS, taskRow(model));
  const frameworkSelect = h('select', { name: 'framework' });
  let frameworksShown = -1;

  function changed(key) {
    return (event) => {
      filter[key] = event.target.value;
      rows.page = 0;
      // The URL keeps the filter (for links and reloads) without re-routing.
      history.replaceState(null, '', makeHash(['tasks'], filter));
      update();
    };
  }
  const option = (value, text, selected) => h('option', { value, selected: value === selected }, text);
  const stateSelect = h('select', { name: 'state', onchange: changed('state') },
    option('', 'all', filter.state), option('active', 'active', filter.state),
    TASK_STATES.map((s) => option(s, s, filter.state)));
  frameworkSelect.addEventListener('change', changed('framework'));
  const text = (key, placeholder) =>
    h('input', { name: key, type: 'search', value: filter[key], placeholder, oninput: changed(key) });
  const count = h('span', { class: 'muted' });

  const el = h('section', { id: 'tasks' },
    h('h1', {}, 'Tasks ', count),
    h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() },
      h('label', {}, 'State', stateSelect),
      h('label', {}, 'Framework', frameworkSelect),
      h('label', {}, 'Agent', text('agent', 'id or host')),
      h('label', {}, 'Name', text('name', 'name or id'))),
    rows.el);

  function update() {
    // The framework choices change rarely: rebuilt only when their number does.
    if (frameworksShown !== model.frameworks.size) {
      frameworksShown = model.frameworks.size;
      frameworkSelect.replaceChildren(option('', 'all', filter.framework),
        ...[...model.frameworks.keys()].map((id) => option(id, `${frameworkName(model, id)} (${id})`, filter.framework)));
    }
    const keep = matcher(model, filter);
    const shown = [];
    for (const task of model.tasks.values()) if (keep(task)) shown.push(task);
    shown.reverse();
    count.textContent = `(${shown.length} of ${model.tasks.size})`;
    rows.render(shown);
  }
  return { el, update };
}
