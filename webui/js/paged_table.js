// A paginated table: of a possibly long list (10,000 tasks), only the rows
// of the page shown are built. The page survives re-renders and is kept in
// range as the list shrinks.
import { h, table } from './dom.js';

export class PagedTable {
  // heads: column heads (see dom.table); row(item) -> cells.
  constructor(heads, row, pageSize = 50) {
    this.heads = heads;
    this.row = row;
    this.pageSize = pageSize;
    this.page = 0;
    this.items = [];
    this.el = h('div', { class: 'paged' });
  }

  render(items) {
    this.items = items;
    const pages = Math.max(1, Math.ceil(items.length / this.pageSize));
    this.page = Math.min(this.page, pages - 1);
    const first = this.page * this.pageSize;
    const shown = items.slice(first, first + this.pageSize);
    const go = (page) => () => {
      this.page = page;
      this.render(this.items);
    };
    const pager = h('div', { class: 'pager' },
      h('button', { onclick: go(this.page - 1), disabled: this.page === 0 }, '‹ previous'),
      items.length ? `${first + 1}–${first + shown.length} of ${items.length}` : 'none',
      h('button', { onclick: go(this.page + 1), disabled: this.page >= pages - 1 }, 'next ›'));
    this.el.replaceChildren(pager, table(this.heads, shown.map(this.row)));
  }
}
