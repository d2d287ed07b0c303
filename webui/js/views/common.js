// Pieces several views share: a task's row, names of agents and frameworks,
// resource cells, attributes, the sandbox path of a task.
import { h, link, details, stateTag, time, mb, cpus, amount } from '../dom.js';
import { SCALARS } from '../resources.js';
import { PagedTable } from '../paged_table.js';

export function agentName(model, agentId) {
  return model.agents.get(agentId)?.agent.agent_info.hostname || agentId || '';
}

export function frameworkName(model, frameworkId) {
  return model.frameworks.get(frameworkId)?.framework.framework_info.name || frameworkId;
}

// "used / total" of one scalar, formatted.
export function usedOf(name, used, total) {
  return `${amount(name, used[name])} / ${amount(name, total[name])}`;
}

// "cpus 1, mem 128 MB, ..." of scalar sums; zeros left out if `skipZero`.
export function resourceText(amounts, skipZero = false) {
  return SCALARS.filter((s) => !skipZero || amounts[s] > 0).map((s) => `${s} ${amount(s, amounts[s])}`).join(', ');
}

function attributeValue(a) {
  if (a.text) return a.text.value;
  if (a.scalar) return String(a.scalar.value);
  if (a.ranges) return '[' + (a.ranges.range || []).map((r) => `${r.begin}-${r.end}`).join(',') + ']';
  if (a.set) return '{' + (a.set.item || []).join(',') + '}';
  return '';
}

export function attributes(list) {
  return (list || []).map((a) => h('span', { class: 'tag' }, `${a.name}:${attributeValue(a)}`));
}

// When the task last changed: its newest status's time.
export function lastUpdate(task) {
  const statuses = task.statuses || [];
  return statuses.length ? statuses[statuses.length - 1].timestamp : undefined;
}

export const TASK_HEADS = ['ID', 'Name', 'State', 'Framework', 'Agent', '#CPUs', '#Mem', 'Updated'];

export function taskRow(model) {
  return (task) => {
    const fw = task.framework_id.value;
    const agent = task.agent_id?.value;
    return [
      link(task.task_id.value, 'tasks', fw, task.task_id.value),
      task.name || '',
      stateTag(task.state),
      link(frameworkName(model, fw), 'frameworks', fw),
      agent ? link(agentName(model, agent), 'agents', agent) : '',
      cpus(task._resources.cpus),
      mb(task._resources.mem),
      time(lastUpdate(task)),
    ];
  };
}

// Tasks whose keys are in `keys`, newest first.
export function tasksOf(model, keys) {
  const list = [];
  for (const key of keys) {
    const task = model.tasks.get(key);
    if (task) list.push(task);
  }
  return list.reverse();
}

// The sandbox route of a task: its executor's latest run on its agent (a
// command task's executor id is its task id).
export function sandboxParts(task) {
  const executor = task.executor_id?.value || task.task_id.value;
  return ['sandbox', task.agent_id?.value || '', task.framework_id.value, executor];
}

// The page of one agent or one framework: its details and its tasks.
// lookup(id) gives the model's entry (or nothing), describe(entry) the
// details' [label, value] pairs.
export function entryPage(model, { section, title, id, missing, lookup, describe }) {
  const info = h('div');
  const tasks = new PagedTable(TASK_HEADS, taskRow(model));
  const el = h('section', { id: section }, h('h1', {}, title, ' ', id), info, h('h2', {}, 'Tasks'), tasks.el);
  function update() {
    const entry = lookup(id);
    if (!entry) {
      info.replaceChildren(h('p', { class: 'error' }, missing));
      tasks.render([]);
      return;
    }
    info.replaceChildren(details(describe(entry)));
    tasks.render(tasksOf(model, entry.tasks));
  }
  return { el, update };
}
