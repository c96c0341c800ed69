// Neuron page: a hotkey's registrations and axon, live health, its history of incentive, dividends, emission,
// stake and validator trust, and the weights it gave and received in the last epoch.
'use strict';

(() => {
  const { api, h, link, card, tokens, tokenNumber, fraction, short } = App;
  const hotkey = location.pathname.split('/')[2];
  const main = document.querySelector('main');

  function layout() {
    main.replaceChildren(
      h('h1', {}, 'Neuron ', h('span', { class: 'mono', 'data-testid': 'hotkey' }, hotkey)),
      h('div', { class: 'cards', id: 'cards' }),
      h('h2', {}, 'Registrations and axon'),
      h('div', { class: 'panel' }, h('table', { 'data-testid': 'registrations' },
        h('thead', {}, h('tr', {}, ['subnet', 'uid', 'coldkey', 'stake', 'permit', 'axon', 'live health'].map(x => h('th', {}, x)))),
        h('tbody', { id: 'registrations' }))),
      h('h2', {}, 'History'),
      h('div', { class: 'grid2' },
        h('div', { class: 'panel' }, h('h3', {}, 'Incentive, dividends and validator trust'), h('div', { id: 'chart-fractions', 'data-testid': 'chart-fractions' })),
        h('div', { class: 'panel' }, h('h3', {}, 'Emission per epoch'), h('div', { id: 'chart-emission', 'data-testid': 'chart-emission' })),
        h('div', { class: 'panel' }, h('h3', {}, 'Stake'), h('div', { id: 'chart-stake', 'data-testid': 'chart-stake' }))),
      h('h2', {}, 'Weights in the last epoch'),
      h('div', { class: 'grid2' },
        h('div', { class: 'panel' }, h('h3', {}, 'Given'), h('div', { id: 'given' })),
        h('div', { class: 'panel' }, h('h3', {}, 'Received'), h('div', { id: 'received' }))),
      h('h2', {}, 'Per epoch'),
      h('div', { id: 'history' }));
  }

  let health = {};
  async function probe() {
    try {
      const r = await api(`/api/neurons/${hotkey}/health`);
      health = Object.fromEntries(r.probes.map(p => [p.netuid, p]));
    } catch (e) {
      health = {};
    }
    for (const [netuid, p] of Object.entries(health)) {
      const cell = document.querySelector(`[data-health="${netuid}"]`);
      if (cell) cell.replaceChildren(healthBadge(p));
    }
  }

  function healthBadge(p) {
    if (!p) return h('span', { class: 'muted' }, '…');
    if (p.reachable) return h('span', { class: 'badge good' }, `reachable, ${p.latencyMs} ms`);
    return h('span', { class: 'badge ' + (p.endpoint ? 'bad' : 'warn') }, p.error || 'unreachable');
  }

  function weightsTable(container, rows, netuid) {
    const total = rows.reduce((s, r) => s + r.weight, 0) || 1;
    container.replaceChildren(rows.length === 0 ? h('p', { class: 'muted' }, 'none') : h('table', {},
      h('thead', {}, h('tr', {}, ['subnet', 'uid', 'hotkey', 'weight', 'share'].map(x => h('th', {}, x)))),
      h('tbody', {}, rows.map(r => h('tr', {}, h('td', {}, String(netuid)), h('td', {}, String(r.uid)),
        h('td', {}, r.hotkey ? link(`/neurons/${r.hotkey}`, short(r.hotkey), { class: 'mono' }) : '—'),
        h('td', { class: 'num' }, String(r.weight)), h('td', { class: 'num' }, (100 * r.weight / total).toFixed(1) + '%'))))));
  }

  async function refresh() {
    const n = await api(`/api/neurons/${hotkey}`);
    const latest = n.registrations[0]?.neuron;
    document.getElementById('cards').replaceChildren(
      card('subnets', String(n.registrations.length), 'subnet-count'),
      card('stake', latest ? tokens(latest.stake) : '—', 'stake'),
      card('incentive', latest ? fraction(latest.incentive) : '—', 'incentive'),
      card('dividends', latest ? fraction(latest.dividends) : '—', 'dividends'),
      card('validator trust', latest ? fraction(latest.validatorTrust) : '—', 'vtrust'),
      card('epochs seen', String(n.history.length), 'epochs-seen'));
    document.getElementById('registrations').replaceChildren(...n.registrations.map(r => h('tr', {},
      h('td', {}, link(`/subnets/${r.netuid}`, String(r.netuid))), h('td', {}, String(r.neuron.uid)),
      h('td', { class: 'mono', title: r.neuron.coldkey }, short(r.neuron.coldkey)), h('td', { class: 'num' }, tokens(r.neuron.stake)),
      h('td', {}, r.neuron.validatorPermit ? 'yes' : 'no'), h('td', { class: 'mono', 'data-testid': 'axon' }, r.neuron.axon.endpoint || '—'),
      h('td', { 'data-health': r.netuid, 'data-testid': `health-${r.netuid}` }, healthBadge(health[r.netuid])))));

    const hist = n.history;
    Charts.line(document.getElementById('chart-fractions'), [
      { name: 'incentive', points: hist.map(x => [x.block, x.incentive / App.U16]), dots: true },
      { name: 'dividends', points: hist.map(x => [x.block, x.dividends / App.U16]), dots: true },
      { name: 'validator trust', points: hist.map(x => [x.block, x.validatorTrust / App.U16]), dots: true },
    ], { xLabel: 'block', yMax: 1, empty: 'no epoch seen yet' });
    Charts.bars(document.getElementById('chart-emission'), hist.map(x => ({ label: String(x.epoch), value: tokenNumber(x.emission), title: `epoch ${x.epoch}: ${tokens(x.emission)}` })),
      { xLabel: 'epoch', yLabel: 'tokens', empty: 'no epoch seen yet' });
    Charts.line(document.getElementById('chart-stake'), [{ name: 'stake', points: hist.map(x => [x.block, tokenNumber(x.stake)]), dots: true }],
      { xLabel: 'block', yLabel: 'tokens', empty: 'no epoch seen yet' });

    const w = n.weights[0];
    weightsTable(document.getElementById('given'), w ? w.given : [], w?.netuid);
    weightsTable(document.getElementById('received'), w ? w.received : [], w?.netuid);

    App.table(document.getElementById('history'), [
      { key: 'subnet', label: 'subnet', num: true, value: x => x.netuid },
      { key: 'epoch', label: 'epoch', num: true, value: x => x.epoch, render: x => link(`/subnets/${x.netuid}/epochs/${x.epoch}`, String(x.epoch)) },
      { key: 'uid', label: 'uid', num: true, value: x => x.uid },
      { key: 'stake', label: 'stake', num: true, value: x => tokenNumber(x.stake), render: x => tokens(x.stake) },
      { key: 'incentive', label: 'incentive', num: true, value: x => x.incentive, render: x => fraction(x.incentive) },
      { key: 'dividends', label: 'dividends', num: true, value: x => x.dividends, render: x => fraction(x.dividends) },
      { key: 'vtrust', label: 'vtrust', num: true, value: x => x.validatorTrust, render: x => fraction(x.validatorTrust) },
      { key: 'emission', label: 'emission', num: true, value: x => tokenNumber(x.emission), render: x => tokens(x.emission) },
    ], { testid: 'history', sortKey: 'epoch', sortDir: -1 }).update(hist);
  }

  layout();
  refresh().then(() => { App.live(refresh); probe(); setInterval(probe, 10000); }).catch(App.fail);
})();
