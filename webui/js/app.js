// The web UI's entry point: the model fed by the event stream (feed.js),
// hash routing to one view at a time, and throttled rendering: events only
// change the model; the current view re-renders at most every RENDER_MS,
// on an animation frame, and only if the model changed. Figures for checking
// speed (time to first render, render costs) are kept in window.tepuiStats.
import { Model } from './model.js';
import { startFeed } from './feed.js';
import { parseHash } from './router.js';
import { h } from './dom.js';
import { dashboardView } from './views/dashboard.js';
import { agentsView, agentView } from './views/agents.js';
import { frameworksView, frameworkView } from './views/frameworks.js';
import { tasksView } from './views/tasks.js';
import { taskView } from './views/task.js';
import { sandboxView } from './views/sandbox.js';
import { rolesView } from './views/roles.js';

const RENDER_MS = 250;

const model = new Model();
const ctx = { model };
// firstRenderMs: from the page's navigation start to the first render of a
// loaded model; render costs are of view updates; events and applyMs count
// the events applied to the model and the time that took (parsing included).
const stats = {
  firstRenderMs: null, renders: 0, lastRenderMs: 0, maxRenderMs: 0, totalRenderMs: 0, events: 0, applyMs: 0,
  agents: 0, tasks: 0,
};
window.tepuiStats = stats;

// Route -> view; parts after the first are the view's ids.
function viewFor(route) {
  const [page, ...ids] = route.parts;
  switch (page || '') {
    case '': return dashboardView(ctx, route);
    case 'agents': return ids.length ? agentView(ctx, ids[0]) : agentsView(ctx, route);
    case 'frameworks': return ids.length ? frameworkView(ctx, ids[0]) : frameworksView(ctx, route);
    case 'tasks': return ids.length >= 2 ? taskView(ctx, ids[0], ids[1]) : tasksView(ctx, route);
    case 'sandbox': if (ids.length === 3) return sandboxView(ctx, route, ...ids); break;
    case 'roles': return rolesView(ctx, route);
    default: break;
  }
  return { el: h('p', { class: 'error' }, 'No such page: ', location.hash), update() {} };
}

let current = null;
let renderedVersion = -1;

function render() {
  if (!current || !model.loaded) return;
  const start = performance.now();
  current.update();
  const took = performance.now() - start;
  renderedVersion = model.version;
  stats.renders++;
  stats.lastRenderMs = took;
  stats.totalRenderMs += took;
  stats.maxRenderMs = Math.max(stats.maxRenderMs, took);
  if (stats.firstRenderMs === null) stats.firstRenderMs = performance.now();
  document.body.dataset.version = String(model.version);
}

function route() {
  current?.unmount?.();
  const parsed = parseHash(location.hash);
  current = viewFor(parsed);
  document.getElementById('view').replaceChildren(current.el);
  for (const a of document.querySelectorAll('header nav a')) {
    a.classList.toggle('active', a.dataset.route === (parsed.parts[0] || ''));
  }
  render();
}

// At most one render per RENDER_MS, on an animation frame.
let scheduled = false;
let lastRender = 0;
function changed(events, ms) {
  stats.events += events;
  stats.applyMs += ms;
  stats.agents = model.agents.size;
  stats.tasks = model.tasks.size;
  if (scheduled) return;
  scheduled = true;
  const wait = Math.max(0, lastRender + RENDER_MS - performance.now());
  setTimeout(() => requestAnimationFrame(() => {
    scheduled = false;
    lastRender = performance.now();
    if (model.version !== renderedVersion) render();
  }), wait);
}

function showConnection(state, text) {
  const el = document.getElementById('connection');
  el.dataset.state = state;
  el.textContent = text;
  if (state === 'down') offerLeader(el);
}

// A master that does not lead answers the operator API with a redirect to
// the leader, which the page cannot follow (another origin): it offers the
// leader's UI instead, through /master/redirect.
async function offerLeader(el) {
  try {
    const metrics = await (await fetch('/metrics/snapshot')).json();
    if (metrics['master/elected'] !== 0 || el.dataset.state !== 'down') return;
    el.replaceChildren('this master does not lead: ', h('a', { href: '/master/redirect', class: 'leader' }, 'open the leader'));
  } catch {
    // This master is down too: the status says why already.
  }
}

window.addEventListener('hashchange', route);
route();
startFeed(model, changed, showConnection);
