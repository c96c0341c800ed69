// Network page: subnets with owner, tempo, emission share, miners/validators, burn and next-epoch countdown;
// token supply against the emission schedule with its halvings.
'use strict';

(() => {
  const { api, h, link, card, tokens, tokenNumber, percent, short } = App;
  const main = document.querySelector('main');
  let subnetsTable = null;

  function layout() {
    main.replaceChildren(
      h('h1', {}, 'Network'),
      h('div', { class: 'cards', id: 'cards' }),
      h('h2', {}, 'Subnets'),
      h('div', { id: 'subnets' }),
      h('h2', {}, 'Token supply and the emission schedule'),
      h('div', { class: 'grid2' },
        h('div', { class: 'panel' }, h('h3', {}, 'Schedule: issuance by block, halving at each era'), h('div', { id: 'schedule', 'data-testid': 'schedule-chart' })),
        h('div', { class: 'panel' }, h('h3', {}, 'Measured after each epoch against the schedule'), h('div', { id: 'supply', 'data-testid': 'supply-chart' }))));
    subnetsTable = App.table(document.getElementById('subnets'), [
      { key: 'netuid', label: 'netuid', num: true, value: s => s.netuid, render: s => link(`/subnets/${s.netuid}`, String(s.netuid)) },
      { key: 'owner', label: 'owner', value: s => s.owner, render: s => h('span', { class: 'mono', title: s.owner }, short(s.owner)) },
      { key: 'tempo', label: 'tempo', num: true, value: s => s.tempo },
      { key: 'share', label: 'emission share', num: true, value: s => s.emissionShare, render: s => percent(s.emissionShare) },
      { key: 'miners', label: 'miners', num: true, value: s => s.miners },
      { key: 'validators', label: 'validators', num: true, value: s => s.validators },
      { key: 'burn', label: 'registration burn', num: true, value: s => tokenNumber(s.burn), render: s => tokens(s.burn) },
      { key: 'epochs', label: 'epochs', num: true, value: s => s.epochs },
      { key: 'next', label: 'next epoch', num: true, value: s => s.nextEpochBlock, render: s => countdown(s) },
    ], { testid: 'subnets', rowKey: s => s.netuid, sortKey: 'netuid' });
  }

  let head = 0;
  function countdown(s) {
    const blocks = Math.max(0, s.nextEpochBlock - head);
    return h('span', { 'data-testid': `countdown-${s.netuid}` }, blocks === 0 ? 'due now' : `in ${blocks} blocks (#${s.nextEpochBlock})`);
  }

  async function refresh() {
    const [network, supply] = await Promise.all([api('/api/network'), api('/api/network/supply')]);
    head = network.head.number;
    App.header(network);
    document.getElementById('cards').replaceChildren(
      card('head block', String(network.head.number), 'head'),
      card('token supply', tokens(network.supply, 2), 'supply'),
      card('issuance accrued', tokens(network.issuance, 2), 'issuance'),
      card('era', String(network.era), 'era'),
      card('block reward', tokens(network.blockReward, 4), 'reward'),
      card('subnets', String(network.subnets.length), 'subnet-count'));
    subnetsTable.update(network.subnets);

    const M = 1e6;
    const schedule = [[supply.genesis / M, 0]].concat(supply.halvings.map(x => [x.block / M, tokenNumber(x.issuance) / M]));
    Charts.line(document.getElementById('schedule'), [
      { name: 'schedule (M tokens)', points: schedule, color: '#4fb3ff' },
      { name: 'now', points: [[supply.head / M, tokenNumber(supply.issuance) / M]], color: '#3fcf8e', dotsOnly: true },
    ], {
      xLabel: 'block (millions)', yLabel: 'M tokens', yMax: 21,
      markers: supply.halvings.slice(0, 4).map((x, i) => ({ x: x.block / M, label: `halving ${i + 1}` })),
    });
    const points = supply.points;
    Charts.line(document.getElementById('supply'), [
      { name: 'schedule', points: points.map(p => [p.block, tokenNumber(p.schedule)]), color: '#4fb3ff' },
      { name: 'issuance accrued', points: points.map(p => [p.block, tokenNumber(p.issuance)]), color: '#f5b942', dots: true },
      { name: 'total supply (minted)', points: points.map(p => [p.block, tokenNumber(p.supply)]), color: '#3fcf8e', dots: true },
    ], { xLabel: 'block', yLabel: 'tokens', empty: 'no epoch indexed yet' });
    const st = network.index;
    document.getElementById('footer').textContent = `index: ${st.state}, indexed to block ${st.indexedTo ?? '—'}, resumed from ${st.resumedFrom}, reorgs ${st.reorgs}`;
  }

  layout();
  refresh().then(() => App.live(refresh)).catch(App.fail);
})();
