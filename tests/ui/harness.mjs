// What the web UI's browser tests share: the command line (--tepui, --out),
// a real `tepui local` cluster on free ports, Debian's Chromium, polling
// with a deadline, and `tepui run` tasks.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { chromium } from 'playwright-core';

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
export const tepui = path.resolve(option('--tepui', process.env.TEPUI || 'build/src/tepui'));
export const out = path.resolve(option('--out', 'ui-screenshots'));
export const TIMEOUT_MS = 20000;

export function check(condition, what) {
  if (!condition) throw new Error('check failed: ' + what);
}

// Polls `predicate` (async) until it returns something truthy or the
// deadline passes.
export async function waitFor(predicate, what, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The master that leads, as its /master/redirect names it ("host:port").
async function leaderOf(masters) {
  for (const master of masters) {
    const response = await fetch(`http://${master}/master/redirect`, { redirect: 'manual' }).catch(() => null);
    if (response?.status === 307) return response.headers.get('location').replace(/^\/\//, '');
  }
  return null;
}

// `tepui local` with `agents` agents and `masters` masters (more than one
// elect a leader through a ZooKeeper it starts); resolves to {proc,
// masters, leader, workDir} once the leader has every agent.
export async function startCluster({ agents = 2, masters = 1 } = {}) {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tepui-ui-'));
  fs.chmodSync(workDir, 0o755);
  const log = fs.openSync(path.join(workDir, 'local.log'), 'w');
  const proc = spawn(tepui, ['local', '--port', '0', '--agents', String(agents), '--masters', String(masters),
    '--work_dir', workDir, '--resources', 'cpus:4;mem:2048;disk:2048;ports:[31000-32000]'],
  { stdio: ['ignore', 'pipe', log] });
  const lines = readline.createInterface({ input: proc.stdout });
  const addresses = await new Promise((resolve, reject) => {
    proc.on('exit', (code) => reject(new Error(`tepui local exited (${code}); see ${workDir}/local.log`)));
    lines.on('line', (line) => {
      const m = line.match(/masters?:((?:\s+http:\/\/[\d.]+:\d+)+)/);
      if (m) resolve([...m[1].matchAll(/http:\/\/([\d.]+:\d+)/g)].map((a) => a[1]));
    });
  });
  const leader = await waitFor(() => leaderOf(addresses), 'a master to lead', 60000);
  await waitFor(async () => {
    const state = await (await fetch(`http://${leader}/master/state`)).json();
    return state.slaves.length === agents;
  }, 'the agents to register');
  return { proc, masters: addresses, leader, workDir };
}

// Stops the cluster; keeps its directory (logs, sandboxes) if `keep`.
export async function stopCluster(cluster, keep) {
  const exited = cluster.proc.exitCode === null ? once(cluster.proc, 'exit') : Promise.resolve();
  cluster.proc.kill('SIGINT');
  const timer = setTimeout(() => cluster.proc.kill('SIGKILL'), 30000);
  await exited;
  clearTimeout(timer);
  if (keep) console.error(`kept ${cluster.workDir} (local.log, sandboxes)`);
  else fs.rmSync(cluster.workDir, { recursive: true, force: true });
}

export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
}

// `tepui run` of `command` as a task called `name`, in the background.
export function run(master, name, command) {
  return spawn(tepui, ['run', '--master', master, '--name', name, '--', command], { stdio: 'ignore' });
}

// Every file called `name` under `dir` (links not followed).
export function findFiles(dir, name, found = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.name === name) found.push(full);
    else if (entry.isDirectory()) findFiles(full, name, found);
  }
  return found;
}

// Runs `body` with a cluster and a browser, and reports: exit code 0 when
// it passed, 1 (and the cluster's directory kept) when it failed.
export async function runTest(name, clusterOptions, body) {
  fs.mkdirSync(out, { recursive: true });
  let cluster = null;
  let browser = null;
  let passed = false;
  try {
    cluster = await startCluster(clusterOptions);
    browser = await launchBrowser();
    await body(cluster, browser);
    passed = true;
    console.log(`ok: ${name} passed; screenshots in ${out}`);
  } catch (error) {
    console.error(`FAILED: ${name}:`, error);
  } finally {
    await browser?.close();
    if (cluster) await stopCluster(cluster, !passed);
  }
  process.exit(passed ? 0 : 1);
}
