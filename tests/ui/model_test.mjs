// Unit tests of the web UI's pure parts under Node (no browser): the
// RecordIO decoder, hash routes and the model's bookkeeping of events.
//   node --test tests/ui/model_test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordIODecoder } from '../../webui/js/recordio.js';
import { Model, MAX_ENDED } from '../../webui/js/model.js';
import { makeHash, parseHash } from '../../webui/js/router.js';

test('RecordIO records split anywhere, lengths in bytes', () => {
  const bytes = new TextEncoder().encode('6\nhé ll3\nabc0\n');
  const decoder = new RecordIODecoder();
  const records = [];
  for (let i = 0; i < bytes.length; i++) records.push(...decoder.push(bytes.subarray(i, i + 1)));
  assert.deepEqual(records, ['hé ll', 'abc', '']);
});

test('RecordIO refuses a malformed length', () => {
  assert.throws(() => new RecordIODecoder().push(new TextEncoder().encode('x1\na')), /bad RecordIO length/);
});

test('hash routes: ids with slashes round-trip, a malformed escape is kept', () => {
  const hash = makeHash(['tasks', 'fw/1', 'task 1'], { state: 'TASK_RUNNING', name: '' });
  assert.equal(hash, '#/tasks/fw%2F1/task%201?state=TASK_RUNNING');
  const route = parseHash(hash);
  assert.deepEqual(route.parts, ['tasks', 'fw/1', 'task 1']);
  assert.equal(route.query.get('state'), 'TASK_RUNNING');
  assert.deepEqual(parseHash('#/agents/%E0%A4%A').parts, ['agents', '%E0%A4%A']);
  assert.deepEqual(parseHash('').parts, []);
});

const cpus = (value) => [{ name: 'cpus', type: 'SCALAR', scalar: { value } }];
const agent = (id) => ({ agent_info: { id: { value: id }, hostname: id + '.host' }, active: true, total_resources: cpus(8) });
const framework = (id) => ({ framework_info: { id: { value: id }, name: id }, active: true, connected: true });
const task = (id, state, agentId = 'a1', frameworkId = 'f1') =>
  ({ task_id: { value: id }, framework_id: { value: frameworkId }, agent_id: { value: agentId }, state, resources: cpus(1) });
const updated = (id, state, frameworkId = 'f1') => ({
  type: 'TASK_UPDATED',
  task_updated: { framework_id: { value: frameworkId }, status: { task_id: { value: id }, state, timestamp: 1 }, state },
});

function subscribed() {
  const model = new Model();
  model.apply({
    type: 'SUBSCRIBED',
    subscribed: {
      get_state: {
        get_agents: { agents: [agent('a1'), agent('a2')] },
        get_frameworks: { frameworks: [framework('f1')] },
        get_tasks: { tasks: [task('t1', 'TASK_RUNNING')], completed_tasks: [task('t0', 'TASK_FINISHED')] },
      },
      heartbeat_interval_seconds: 15,
    },
  });
  return model;
}

test('SUBSCRIBED builds the model with used resources and counts', () => {
  const model = subscribed();
  assert.equal(model.agents.size, 2);
  assert.equal(model.tasks.size, 2);
  assert.equal(model.used.cpus, 1);
  assert.equal(model.total().cpus, 16);
  assert.equal(model.agents.get('a1').used.cpus, 1);
  assert.equal(model.frameworks.get('f1').used.cpus, 1);
  assert.equal(model.byState.get('TASK_RUNNING'), 1);
  assert.equal(model.byState.get('TASK_FINISHED'), 1);
});

test('task events move counts and resources, and keep the status history', () => {
  const model = subscribed();
  const before = model.version;
  model.apply({ type: 'TASK_ADDED', task_added: { task: task('t2', 'TASK_STAGING', 'a2') } });
  assert.equal(model.used.cpus, 2);
  assert.equal(model.agents.get('a2').tasks.size, 1);
  model.apply(updated('t2', 'TASK_RUNNING'));
  model.apply(updated('t2', 'TASK_FAILED'));
  const t2 = [...model.tasks.values()].find((t) => t.task_id.value === 't2');
  assert.equal(t2.state, 'TASK_FAILED');
  assert.deepEqual(t2.statuses.map((s) => s.state), ['TASK_RUNNING', 'TASK_FAILED']);
  assert.equal(model.used.cpus, 1);
  assert.equal(model.agents.get('a2').used.cpus, 0);
  assert.equal(model.byState.get('TASK_FAILED'), 1);
  assert.equal(model.byState.get('TASK_STAGING'), 0);
  assert.ok(model.version > before);
  model.apply(updated('unknown', 'TASK_RUNNING'));  // ignored, not a crash
});

test('agents and frameworks come and go', () => {
  const model = subscribed();
  model.apply({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: 'a2' } } });
  assert.equal(model.agents.size, 1);
  model.apply({ type: 'AGENT_ADDED', agent_added: { agent: agent('a3') } });
  assert.equal(model.total().cpus, 16);
  model.apply({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: framework('f1').framework_info } });
  assert.equal(model.frameworks.get('f1').removed, true);
  model.apply({ type: 'FRAMEWORK_ADDED', framework_added: { framework: framework('f2') } });
  assert.equal(model.frameworks.get('f2').removed, false);
  model.apply({ type: 'HEARTBEAT' });
});

test('a new SUBSCRIBED replaces everything', () => {
  const model = subscribed();
  model.apply({ type: 'TASK_ADDED', task_added: { task: task('t9', 'TASK_RUNNING') } });
  model.apply({ type: 'SUBSCRIBED', subscribed: { get_state: { get_agents: { agents: [agent('b1')] } } } });
  assert.deepEqual([...model.agents.keys()], ['b1']);
  assert.equal(model.tasks.size, 0);
  assert.equal(model.used.cpus, 0);
});

test('only the newest MAX_ENDED ended tasks are kept', () => {
  const model = subscribed();
  for (let i = 0; i < MAX_ENDED + 10; i++) {
    model.apply({ type: 'TASK_ADDED', task_added: { task: task('x' + i, 'TASK_STAGING') } });
    model.apply(updated('x' + i, 'TASK_FINISHED'));
  }
  assert.equal(model.ended.size, MAX_ENDED);
  assert.equal(model.tasks.size, MAX_ENDED + 1);  // and t1, still running
  assert.equal(model.agents.get('a1').tasks.size, MAX_ENDED + 1);
  assert.equal(model.byState.get('TASK_FINISHED'), MAX_ENDED);
  assert.equal(model.used.cpus, 1);
});
