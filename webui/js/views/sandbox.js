// The sandbox browser: a directory of an executor's latest run (listed by
// the master's /files/browse, which asks the agent), and a file in it read
// with a live tail: /files/read polled every second from the last offset,
// so stdout and stderr show output as the task writes it.
import { h, table, bytes, time } from '../dom.js';
import { browse, readFile } from '../api.js';
import { makeHash } from '../router.js';

const TAIL_POLL_MS = 1000;
const FIRST_READ_BYTES = 64 * 1024;   // what is shown of a long file at first
const KEEP_CHARS = 1024 * 1024;       // what the page keeps of a growing one

export function sandboxView(ctx, route, agentId, frameworkId, executorId) {
  const root = `/slaves/${agentId}/frameworks/${frameworkId}/executors/${executorId}/runs/latest`;
  const dir = (route.query.get('path') || '').replace(/^\/+|\/+$/g, '');
  const file = route.query.get('file') || '';
  const parts = ['sandbox', agentId, frameworkId, executorId];
  const to = (query) => makeHash(parts, query);

  const crumbs = [h('a', { href: to({}) }, 'sandbox')];
  let walked = '';
  for (const part of (file || dir).split('/').filter(Boolean)) {
    walked = walked ? `${walked}/${part}` : part;
    crumbs.push(' / ', h('a', { href: to({ path: walked }) }, part));
  }
  const body = h('div');
  const el = h('section', { id: 'sandbox' },
    h('h1', {}, 'Sandbox of ', executorId),
    h('p', { class: 'muted' }, `agent ${agentId}, framework ${frameworkId}`),
    h('div', { class: 'tabs' },
      ['stdout', 'stderr'].map((name) => h('a', { href: to({ file: name }), class: file === name ? 'active' : null }, name)),
      h('a', { href: to({}), class: file ? null : 'active' }, 'files')),
    h('p', {}, crumbs), body);

  let stopped = false;
  let timer = null;
  const sleep = () => new Promise((resolve) => { timer = setTimeout(resolve, TAIL_POLL_MS); });
  const fail = (error) => body.replaceChildren(h('p', { class: 'error' }, error.message));

  async function list() {
    const entries = await browse(dir ? `${root}/${dir}` : root);
    body.replaceChildren(table(['Name', 'Mode', '#Size', 'Modified'], entries.map((e) => {
      const name = e.path.slice(e.path.lastIndexOf('/') + 1);
      const rel = dir ? `${dir}/${name}` : name;
      const target = e.mode.startsWith('d') ? to({ path: rel }) : to({ file: rel });
      return [h('a', { href: target }, name), e.mode, bytes(e.size), time(e.mtime)];
    })));
  }

  async function tail() {
    const path = `${root}/${file}`;
    const pre = h('pre', { class: 'log', 'data-file': file });
    const status = h('p', { class: 'muted' });
    body.replaceChildren(status, pre);
    let size;
    for (;;) {  // a task not started yet has no stdout: wait for it
      try {
        size = (await readFile(path, -1)).offset;
        break;
      } catch (error) {
        if (error.status !== 404 || stopped) throw error;
        status.textContent = `waiting for ${file} to appear… (${error.message})`;
        await sleep();
      }
    }
    status.textContent = '';
    let offset = Math.max(0, size - FIRST_READ_BYTES);
    if (offset > 0) status.textContent = `(the first ${bytes(offset)} are not shown)`;
    for (;;) {
      if (stopped) return;
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      const chunk = await readFile(path, offset);
      if (stopped) return;
      if (chunk.data.length) {
        pre.append(chunk.data);
        offset += new TextEncoder().encode(chunk.data).length;
        if (pre.textContent.length > KEEP_CHARS) pre.textContent = pre.textContent.slice(-KEEP_CHARS / 2);
        if (atBottom) pre.scrollTop = pre.scrollHeight;
        continue;  // more may be waiting: read again at once
      }
      await sleep();
    }
  }

  (file ? tail() : list()).catch((error) => { if (!stopped) fail(error); });
  return {
    el,
    update() {},  // the sandbox is read from the agent, not from the model
    unmount() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
