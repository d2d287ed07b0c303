// One task: its details, why it failed (the reason and message of its
// latest status), its status history (Task.statuses) and a link to its
// sandbox.
import { h, link, details, table, stateTag, time } from '../dom.js';
import { isTerminal } from '../resources.js';
import { taskKey } from '../model.js';
import { agentName, frameworkName, resourceText, sandboxParts } from './common.js';

// A task's role is that of its resources' allocation (Task has no role of
// its own).
function roleOf(task) {
  for (const r of task.resources || []) {
    if (r.allocation_info?.role) return r.allocation_info.role;
  }
  return '';
}

export function taskView({ model }, frameworkId, taskId) {
  const el = h('section', { id: 'task' });
  function update() {
    const task = model.tasks.get(taskKey(frameworkId, taskId));
    if (!task) {
      el.replaceChildren(h('h1', {}, 'Task ', taskId), h('p', { class: 'error' }, 'No such task is known.'));
      return;
    }
    const statuses = task.statuses || [];
    const latest = statuses[statuses.length - 1];
    const failed = isTerminal(task.state) && task.state !== 'TASK_FINISHED';
    const agent = task.agent_id?.value;
    el.replaceChildren(
      h('h1', {}, 'Task ', taskId, ' ', stateTag(task.state)),
      // Why it failed: the reason and message of its latest status.
      h('div', {}, failed && latest && h('p', { class: 'error failure' },
        [latest.reason, latest.message].filter(Boolean).join(': ') || 'No reason given')),
      details([
        ['Name', task.name],
        ['Framework', link(frameworkName(model, frameworkId), 'frameworks', frameworkId)],
        ['Agent', agent ? link(agentName(model, agent), 'agents', agent) : ''],
        ['Executor', task.executor_id?.value || '(command executor)'],
        ['Resources', resourceText(task._resources)],
        ['Role', roleOf(task)],
        ['User', task.user],
        ['Sandbox', agent ? link('browse the sandbox', ...sandboxParts(task)) : 'not placed on an agent'],
      ]),
      h('h2', {}, 'Status history'),
      table(['Time', 'State', 'Source', 'Reason', 'Message', 'Healthy'],
        [...statuses].reverse().map((s) => [
          time(s.timestamp), stateTag(s.state), (s.source || '').replace(/^SOURCE_/, ''), s.reason || '',
          s.message || '', s.healthy == null ? '' : String(s.healthy)])));
  }
  return { el, update };
}
