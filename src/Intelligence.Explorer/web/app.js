// Shared page code: API access, number formatting, the header, live updates (server-sent events) and the
// sortable, searchable table used by the metagraph and other lists.
'use strict';

const App = (() => {
  const U16 = 65535;

  async function api(path) {
    const response = await fetch(path, { headers: { accept: 'application/json' } });
    const body = await response.json();
    if (!response.ok) {
      const error = new Error(body.error || `${response.status} ${response.statusText}`);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  // Amounts are decimal strings of base units (18 decimals).
  function tokens(amount, digits) {
    const d = digits ?? 4;
    const v = BigInt(amount);
    const scale = 10n ** BigInt(18 - d);
    const whole = v / scale;
    const n = Number(whole) / Math.pow(10, d);
    return n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  }

  function tokenNumber(amount) { return Number(BigInt(amount) / 10n ** 12n) / 1e6; }

  function fraction(u16) { return (u16 / U16).toFixed(4); }

  function percent(x) { return (x * 100).toFixed(2) + '%'; }

  function short(address) { return address ? address.slice(0, 8) + '…' + address.slice(-6) : '—'; }

  function h(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function link(href, label, attrs) { return h('a', Object.assign({ href }, attrs || {}), label); }

  function card(label, value, testid) {
    return h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: 'value', 'data-testid': testid }, value));
  }

  function header(network) {
    const head = network ? `chain ${network.chainId} · block ${network.head.number}` : '';
    document.getElementById('chain').textContent = head;
  }

  function fail(error) {
    const main = document.querySelector('main');
    main.replaceChildren(h('h1', {}, error.status === 404 ? 'Not found' : 'Unavailable'), h('p', { class: 'error', 'data-testid': 'error' }, error.message));
  }

  // Live updates: the server pushes "head", "epoch" and "reorg" events; onChange runs at most once per 300 ms.
  function live(onChange) {
    const badge = document.getElementById('live');
    let timer = null, pending = [];
    const source = new EventSource('/api/events');
    const fire = (type, e) => {
      if (type === 'head' && e && e.data) document.getElementById('chain').textContent = `block ${JSON.parse(e.data).block}`;
      pending.push(Object.assign({ type }, e && e.data ? JSON.parse(e.data) : {}));
      if (timer) return;
      timer = setTimeout(async () => {
        const batch = pending; pending = []; timer = null;
        try { await onChange(batch); } catch (err) { console.warn('refresh failed', err); }
      }, 300);
    };
    source.onopen = () => { badge.classList.add('on'); badge.lastChild.textContent = 'live'; };
    source.onerror = () => { badge.classList.remove('on'); badge.lastChild.textContent = 'reconnecting'; };
    for (const type of ['head', 'epoch', 'reorg']) source.addEventListener(type, e => fire(type, e));
    window.addEventListener('beforeunload', () => source.close());
    return source;
  }

  /**
   * A table with clickable, sortable headers and an optional search box. columns: [{key, label, value(row) -> sort key,
   * render(row) -> Node|string, num?}]. Returns { update(rows) } to refresh in place, keeping sort and search.
   */
  function table(container, columns, options) {
    options = options || {};
    let rows = [], sortKey = options.sortKey || null, sortDir = options.sortDir || 1, query = '';
    const tbody = h('tbody');
    const heads = columns.map(c => {
      const th = h('th', { class: 'sortable' + (c.num ? ' num' : ''), 'data-key': c.key }, c.label);
      th.addEventListener('click', () => {
        sortDir = sortKey === c.key ? -sortDir : (c.num ? -1 : 1);
        sortKey = c.key;
        draw();
      });
      return th;
    });
    const search = options.search ? h('input', { type: 'search', placeholder: options.search, 'data-testid': options.testid ? options.testid + '-search' : null }) : null;
    if (search) search.addEventListener('input', () => { query = search.value.trim().toLowerCase(); draw(); });
    const count = h('span', { class: 'muted' });
    container.replaceChildren(
      ...(search ? [h('div', { class: 'toolbar' }, search, count)] : []),
      h('div', { class: 'panel' }, h('table', { 'data-testid': options.testid }, h('thead', {}, h('tr', {}, heads)), tbody)));

    function draw() {
      for (const th of heads) {
        th.classList.toggle('sorted-asc', th.dataset.key === sortKey && sortDir > 0);
        th.classList.toggle('sorted-desc', th.dataset.key === sortKey && sortDir < 0);
      }
      let shown = rows;
      if (query) shown = rows.filter(r => (options.text ? options.text(r) : JSON.stringify(r)).toLowerCase().includes(query));
      if (sortKey) {
        const col = columns.find(c => c.key === sortKey);
        shown = [...shown].sort((a, b) => {
          const x = col.value(a), y = col.value(b);
          return (x < y ? -1 : x > y ? 1 : 0) * sortDir;
        });
      }
      tbody.replaceChildren(...shown.map(r => h('tr', { 'data-key': options.rowKey ? options.rowKey(r) : null },
        columns.map(c => h('td', { class: c.num ? 'num' : null, 'data-col': c.key }, c.render ? c.render(r) : String(c.value(r)))))));
      if (search) count.textContent = `${shown.length} of ${rows.length}`;
    }

    return { update(newRows) { rows = newRows; draw(); } };
  }

  return { api, tokens, tokenNumber, fraction, percent, short, h, link, card, header, fail, live, table, U16 };
})();
