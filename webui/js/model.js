// The UI's copy of the cluster, kept from the operator event stream
// (SUBSCRIBE): agents, frameworks and tasks indexed by id, and what the
// views need without scanning everything: each agent's and framework's
// tasks and the resources they use, task counts by state, and the cluster's
// used resources, all kept up to date per event. `version` grows with every
// change; views re-render only when it moved. Of the tasks that ended, the
// newest MAX_ENDED are kept (a long-open page would otherwise grow without
// bound; the master itself keeps only a bounded history).
import * as res from './resources.js';

export const MAX_ENDED = 20000;

// Task ids are unique within a framework only.
export function taskKey(frameworkId, taskId) {
  return frameworkId + '\u0000' + taskId;
}

export class Model {
  constructor() {
    this.version = 0;
    this.loaded = false;
    this.clear();
  }

  clear() {
    this.agents = new Map();      // id -> {agent: GetAgents.Agent, total, used, tasks: Set<key>}
    this.frameworks = new Map();  // id -> {framework: GetFrameworks.Framework, removed, used, tasks: Set<key>}
    this.tasks = new Map();       // taskKey -> Task (JSON), in arrival order
    this.byState = new Map();     // state -> count
    this.ended = new Set();       // keys of terminal tasks, oldest first
    this.used = res.zero();
    this.version++;
  }

  // The full state (Response.GetState), as SUBSCRIBED carries it.
  load(state) {
    this.clear();
    for (const agent of state.get_agents?.agents || []) this.putAgent(agent);
    for (const framework of state.get_frameworks?.frameworks || []) this.putFramework(framework, false);
    for (const framework of state.get_frameworks?.completed_frameworks || []) this.putFramework(framework, true);
    const tasks = state.get_tasks || {};
    for (const list of [tasks.completed_tasks, tasks.unreachable_tasks, tasks.pending_tasks, tasks.tasks]) {
      for (const task of list || []) this.putTask(task);
    }
    this.loaded = true;
  }

  // One Event (see the Event message in proto/tepui/v1/master.proto).
  apply(event) {
    switch (event.type) {
      case 'SUBSCRIBED': return this.load(event.subscribed.get_state);
      case 'TASK_ADDED': return this.putTask(event.task_added.task);
      case 'TASK_UPDATED': return this.updateTask(event.task_updated);
      case 'AGENT_ADDED': return this.putAgent(event.agent_added.agent);
      case 'AGENT_REMOVED': return this.removeAgent(event.agent_removed.agent_id.value);
      case 'FRAMEWORK_ADDED': return this.putFramework(event.framework_added.framework, false);
      case 'FRAMEWORK_UPDATED': return this.putFramework(event.framework_updated.framework, false);
      case 'FRAMEWORK_REMOVED': return this.removeFramework(event.framework_removed.framework_info.id.value);
      default: return undefined;  // HEARTBEAT, and types this UI does not know
    }
  }

  putAgent(agent) {
    const id = agent.agent_info.id.value;
    const entry = this.agents.get(id) || { used: res.zero(), tasks: new Set() };
    entry.agent = agent;
    entry.total = res.sum(agent.total_resources);
    this.agents.set(id, entry);
    // Tasks that arrived before their agent (or that outlived it) count again.
    if (entry.tasks.size === 0) this.adoptTasks(entry, (task) => task.agent_id?.value === id);
    this.version++;
  }

  removeAgent(id) {
    this.agents.delete(id);
    this.version++;
  }

  putFramework(framework, removed) {
    const id = framework.framework_info.id.value;
    const entry = this.frameworks.get(id) || { used: res.zero(), tasks: new Set() };
    entry.framework = framework;
    entry.removed = removed;
    this.frameworks.set(id, entry);
    if (entry.tasks.size === 0) this.adoptTasks(entry, (task) => task.framework_id.value === id);
    this.version++;
  }

  removeFramework(id) {
    const entry = this.frameworks.get(id);
    if (entry) {
      entry.removed = true;
      entry.framework = { ...entry.framework, active: false, connected: false };
    }
    this.version++;
  }

  // Only when an agent or framework is (re)added with no tasks indexed yet.
  adoptTasks(entry, belongs) {
    for (const [key, task] of this.tasks) {
      if (!belongs(task)) continue;
      entry.tasks.add(key);
      if (res.usesResources(task.state)) res.add(entry.used, task._resources);
    }
  }

  putTask(task) {
    const key = taskKey(task.framework_id.value, task.task_id.value);
    const old = this.tasks.get(key);
    if (old) {
      this.account(old, -1);
      this.ended.delete(key);
    }
    task._resources = res.sum(task.resources);
    this.tasks.set(key, task);
    this.agents.get(task.agent_id?.value)?.tasks.add(key);
    this.frameworks.get(task.framework_id.value)?.tasks.add(key);
    this.account(task, 1);
    this.noteEnded(key, task);
    this.version++;
  }

  updateTask({ framework_id: frameworkId, status, state }) {
    const task = this.tasks.get(taskKey(frameworkId.value, status.task_id.value));
    if (!task) return;  // not known (yet): the next SUBSCRIBED has it
    this.account(task, -1);
    task.state = state;
    task.status_update_state = status.state;
    task.statuses = [...(task.statuses || []), status].slice(-32);
    this.account(task, 1);
    this.noteEnded(taskKey(frameworkId.value, status.task_id.value), task);
    this.version++;
  }

  // Records a task that ended, and forgets the oldest ended ones past
  // MAX_ENDED.
  noteEnded(key, task) {
    if (!res.isTerminal(task.state) || this.ended.has(key)) return;
    this.ended.add(key);
    if (this.ended.size <= MAX_ENDED) return;
    const oldest = this.ended.values().next().value;
    this.ended.delete(oldest);
    const gone = this.tasks.get(oldest);
    this.account(gone, -1);
    this.tasks.delete(oldest);
    this.agents.get(gone.agent_id?.value)?.tasks.delete(oldest);
    this.frameworks.get(gone.framework_id.value)?.tasks.delete(oldest);
  }

  // Adds (sign 1) or takes out (sign -1) a task's share of the counts and
  // the used resources of its agent, its framework and the cluster.
  account(task, sign) {
    this.byState.set(task.state, (this.byState.get(task.state) || 0) + sign);
    if (!res.usesResources(task.state)) return;
    res.add(this.used, task._resources, sign);
    const agent = this.agents.get(task.agent_id?.value);
    if (agent) res.add(agent.used, task._resources, sign);
    const framework = this.frameworks.get(task.framework_id.value);
    if (framework) res.add(framework.used, task._resources, sign);
  }

  // Sum of every agent's total resources.
  total() {
    const total = res.zero();
    for (const entry of this.agents.values()) res.add(total, entry.total);
    return total;
  }
}
