// Scalar resource sums (cpus, mem, disk, gpus) of Resource lists in their
// JSON form ({name, type: 'SCALAR', scalar: {value}}), and task-state facts.

export const SCALARS = ['cpus', 'mem', 'disk', 'gpus'];

export function zero() {
  return { cpus: 0, mem: 0, disk: 0, gpus: 0 };
}

// The sums of `resources` (reservations and all) by scalar name.
export function sum(resources) {
  const total = zero();
  for (const r of resources || []) {
    if (r.name in total && r.scalar) total[r.name] += r.scalar.value || 0;
  }
  return total;
}

// into += sign * amount, for each scalar.
export function add(into, amount, sign = 1) {
  for (const name of SCALARS) into[name] += sign * amount[name];
}

export const TASK_STATES = [
  'TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_FINISHED', 'TASK_FAILED',
  'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_UNREACHABLE', 'TASK_GONE',
  'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN',
];

const TERMINAL = new Set(['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED', 'TASK_ERROR', 'TASK_LOST',
  'TASK_DROPPED', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR']);

export function isTerminal(state) {
  return TERMINAL.has(state);
}

// Whether a task in `state` holds its resources on a reachable agent.
export function usesResources(state) {
  return !TERMINAL.has(state) && state !== 'TASK_UNREACHABLE' && state !== 'TASK_UNKNOWN';
}
