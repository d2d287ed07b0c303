// Unit tests of the web UI's event feed (webui/js/feed.js) under Node, with
// fake master calls: it subscribes again with backoff when a stream ends
// or goes silent, a new SUBSCRIBED replaces the model, and a master without
// SUBSCRIBE (501) is polled with GET_STATE.
//   node --test tests/ui/feed_test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFeed } from '../../webui/js/feed.js';
import { Model } from '../../webui/js/model.js';

const encoder = new TextEncoder();
const record = (event) => {
  const bytes = encoder.encode(JSON.stringify(event));
  return encoder.encode(`${bytes.length}\n${new TextDecoder().decode(bytes)}`);
};
const agent = (id) => ({ agent_info: { id: { value: id }, hostname: id }, active: true });
const subscribed = (agents, heartbeat = 15) => ({
  type: 'SUBSCRIBED',
  subscribed: { get_state: { get_agents: { agents: agents.map(agent) } }, heartbeat_interval_seconds: heartbeat },
});

// A fake SUBSCRIBE answer: sends `events`, then ends the stream if `end`
// (else stays open, silent, until aborted).
function streamOf(events, end, signal) {
  const body = new ReadableStream({
    start(controller) {
      for (const event of events) controller.enqueue(record(event));
      if (end) controller.close();
      signal.addEventListener('abort', () => controller.error(signal.reason));
    },
  });
  return new Response(body, { status: 200 });
}

async function until(predicate, what) {
  const deadline = Date.now() + 10000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('a stream that ends is opened again, and its SUBSCRIBED replaces the model', async () => {
  const model = new Model();
  const statuses = [];
  let calls = 0;
  const api = {
    subscribe: async (signal) => {
      calls++;
      if (calls === 1) return streamOf([subscribed(['a1', 'a2']), { type: 'AGENT_ADDED', agent_added: { agent: agent('a3') } }], true, signal);
      return streamOf([subscribed(['b1'])], false, signal);
    },
  };
  const stop = startFeed(model, () => {}, (state) => statuses.push(state), api);
  try {
    await until(() => calls === 2 && model.agents.has('b1'), 'the second subscription');
    assert.deepEqual([...model.agents.keys()], ['b1']);
    assert.deepEqual(statuses, ['connecting', 'live', 'down', 'connecting', 'live']);
  } finally {
    stop();
  }
});

test('a stream silent for three heartbeats is dropped and opened again', async () => {
  let calls = 0;
  const model = new Model();
  const stop = startFeed(model, () => {}, () => {}, {
    subscribe: async (signal) => {
      calls++;
      return streamOf([subscribed(['a' + calls], 0.05)], false, signal);
    },
  });
  try {
    await until(() => calls >= 2, 'a second subscription');
    await until(() => model.agents.has('a2'), 'the second state');
  } finally {
    stop();
  }
});

test('a master without SUBSCRIBE is polled with GET_STATE', async () => {
  const model = new Model();
  const statuses = [];
  const refused = Object.assign(new Error('501 Not Implemented'), { status: 501 });
  const stop = startFeed(model, () => {}, (state) => statuses.push(state), {
    subscribe: async () => { throw refused; },
    operatorCall: async (call) => {
      assert.equal(call.type, 'GET_STATE');
      return { get_state: { get_agents: { agents: [agent('p1')] } } };
    },
  });
  try {
    await until(() => model.agents.has('p1'), 'the polled state');
    assert.ok(statuses.includes('polling'));
    assert.ok(!statuses.includes('live'));
  } finally {
    stop();
  }
});
