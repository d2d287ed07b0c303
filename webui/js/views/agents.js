// Agents: the list (resources used/total, attributes, state) and one
// agent's page with the tasks on it.
import { h, link, time } from '../dom.js';
import { SCALARS } from '../resources.js';
import { PagedTable } from '../paged_table.js';
import { attributes, entryPage, usedOf } from './common.js';

function agentState(entry) {
  if (entry.agent.deactivated) return 'deactivated';
  return entry.agent.active ? 'active' : 'disconnected';
}

export function agentsView({ model }) {
  const el = h('section', { id: 'agents' });
  const rows = new PagedTable(['ID', 'Host', 'State', ...SCALARS.map((s) => '#' + s), '#Tasks', 'Attributes'],
    ([id, entry]) => [
      link(id, 'agents', id), entry.agent.agent_info.hostname, agentState(entry),
      ...SCALARS.map((s) => usedOf(s, entry.used, entry.total)),
      entry.tasks.size, attributes(entry.agent.agent_info.attributes)]);
  el.append(h('h1', {}, 'Agents'), rows.el);
  return { el, update: () => rows.render([...model.agents]) };
}

export function agentView({ model }, id) {
  return entryPage(model, {
    section: 'agent', title: 'Agent', id, missing: 'This agent is not (or no longer) registered.',
    lookup: (agentId) => model.agents.get(agentId),
    describe: (entry) => {
      const a = entry.agent;
      return [
        ['Host', `${a.agent_info.hostname}:${a.agent_info.port || ''}`],
        ['State', agentState(entry)],
        ['Version', a.version],
        ['Registered', time(a.registered_time?.nanoseconds / 1e9)],
        ['Re-registered', time(a.reregistered_time?.nanoseconds / 1e9)],
        ...SCALARS.map((s) => [s + ' used / total', usedOf(s, entry.used, entry.total)]),
        ['Attributes', attributes(a.agent_info.attributes)],
      ];
    },
  });
}
