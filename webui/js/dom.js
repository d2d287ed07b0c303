// DOM and formatting helpers shared by the views. h() builds elements;
// text children are always text nodes (never parsed as HTML), so data from
// the cluster needs no escaping.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  appendAll(el, children);
  return el;
}

function appendAll(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) appendAll(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

// A table from column heads and rows of cells; a head starting with '#' is
// right-aligned (numbers) and shown without the '#'.
export function table(heads, rows) {
  const cls = (head) => (head.startsWith('#') ? 'num' : null);
  return h('table', {},
    h('thead', {}, h('tr', {}, heads.map((head) => h('th', { class: cls(head) }, head.replace(/^#/, ''))))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, i) => h('td', { class: cls(heads[i]) }, cell))))));
}

// Key-value table for a detail page: [[label, value], ...].
export function details(pairs) {
  return h('table', { class: 'kv' }, pairs.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v ?? ''))));
}

// '#/tasks/a b' style links with every part URL-encoded.
export function href(...parts) {
  return '#/' + parts.map(encodeURIComponent).join('/');
}

export function link(text, ...parts) {
  return h('a', { href: href(...parts) }, text);
}

export function stateTag(state) {
  return h('span', { class: 'state ' + (state || '') }, state || '?');
}

// Seconds since the epoch to local time.
export function time(seconds) {
  if (!seconds) return '';
  return new Date(seconds * 1000).toLocaleString();
}

// Megabytes to a short human string.
export function mb(value) {
  if (value >= 1024 * 1024) return (value / 1024 / 1024).toFixed(1) + ' TB';
  if (value >= 1024) return (value / 1024).toFixed(1) + ' GB';
  return Math.round(value) + ' MB';
}

export function bytes(value) {
  if (value >= 1 << 20) return (value / (1 << 20)).toFixed(1) + ' MiB';
  if (value >= 1 << 10) return (value / (1 << 10)).toFixed(1) + ' KiB';
  return value + ' B';
}

export function cpus(value) {
  return (Math.round(value * 100) / 100).toString();
}

// A scalar resource's amount, by its name: megabytes for mem and disk.
export function amount(name, value) {
  return name === 'mem' || name === 'disk' ? mb(value) : cpus(value);
}
