// Frameworks: the list (roles, resources, task counts) and one framework's
// page with its tasks.
import { h, link, time, cpus, mb } from '../dom.js';
import { usesResources } from '../resources.js';
import { PagedTable } from '../paged_table.js';
import { entryPage, resourceText } from './common.js';

function roles(info) {
  return (info.roles && info.roles.length ? info.roles : [info.role || '*']).join(', ');
}

function frameworkState(entry) {
  if (entry.removed) return 'removed';
  if (!entry.framework.connected) return 'disconnected';
  return entry.framework.active ? 'active' : 'inactive';
}

function activeTasks(model, keys) {
  let n = 0;
  for (const key of keys) if (usesResources(model.tasks.get(key)?.state)) n++;
  return n;
}

export function frameworksView({ model }) {
  const el = h('section', { id: 'frameworks' });
  const rows = new PagedTable(['ID', 'Name', 'Roles', 'User', 'State', '#Active tasks', '#Tasks', '#CPUs', '#Mem', '#Disk', '#GPUs'],
    ([id, entry]) => {
      const info = entry.framework.framework_info;
      return [link(id, 'frameworks', id), info.name, roles(info), info.user, frameworkState(entry),
        activeTasks(model, entry.tasks), entry.tasks.size,
        cpus(entry.used.cpus), mb(entry.used.mem), mb(entry.used.disk), cpus(entry.used.gpus)];
    });
  el.append(h('h1', {}, 'Frameworks'), rows.el);
  return { el, update: () => rows.render([...model.frameworks].reverse()) };
}

export function frameworkView({ model }, id) {
  return entryPage(model, {
    section: 'framework', title: 'Framework', id, missing: 'No framework with this id is known.',
    lookup: (frameworkId) => model.frameworks.get(frameworkId),
    describe: (entry) => {
      const f = entry.framework;
      const i = f.framework_info;
      return [
        ['Name', i.name], ['Roles', roles(i)], ['User', i.user], ['Principal', i.principal],
        ['Hostname', i.hostname], ['Web UI', i.webui_url ? h('a', { href: i.webui_url }, i.webui_url) : ''],
        ['State', frameworkState(entry)],
        ['Registered', time(f.registered_time?.nanoseconds / 1e9)],
        ['Failover timeout', i.failover_timeout != null ? `${i.failover_timeout} s` : ''],
        ['Used', resourceText(entry.used)],
        ['Active tasks', activeTasks(model, entry.tasks)],
      ];
    },
  });
}
