// Subnet page: the metagraph (sortable, searchable), hyperparameters, charts (incentive against stake, emission
// per epoch, registration burn over time, incentive by coldkey) and the epochs, all refreshed live.
'use strict';

(() => {
  const { api, h, link, card, tokens, tokenNumber, fraction, percent, short } = App;
  const netuid = location.pathname.split('/')[2];
  const main = document.querySelector('main');
  let metagraph = null, epochs = null;

  function layout() {
    main.replaceChildren(
      h('h1', { 'data-testid': 'title' }, `Subnet ${netuid}`),
      h('div', { class: 'cards', id: 'cards' }),
      h('h2', {}, 'Metagraph'),
      h('div', { id: 'metagraph' }),
      h('h2', {}, 'Charts'),
      h('div', { class: 'grid2' },
        h('div', { class: 'panel' }, h('h3', {}, 'Incentive against stake'), h('div', { id: 'chart-incentive', 'data-testid': 'chart-incentive' })),
        h('div', { class: 'panel' }, h('h3', {}, 'Emission per epoch'), h('div', { id: 'chart-emission', 'data-testid': 'chart-emission' })),
        h('div', { class: 'panel' }, h('h3', {}, 'Registration burn over time'), h('div', { id: 'chart-burn', 'data-testid': 'chart-burn' })),
        h('div', { class: 'panel' }, h('h3', { id: 'concentration-title' }, 'Incentive by coldkey'), h('div', { id: 'chart-concentration', 'data-testid': 'chart-concentration' }))),
      h('h2', {}, 'Epochs'),
      h('div', { id: 'epochs' }),
      h('h2', {}, 'Hyperparameters'),
      h('div', { class: 'panel' }, h('table', { 'data-testid': 'hyperparameters' }, h('tbody', { id: 'hyper' }))));

    metagraph = App.table(document.getElementById('metagraph'), [
      { key: 'uid', label: 'uid', num: true, value: n => n.uid },
      { key: 'hotkey', label: 'hotkey', value: n => n.hotkey, render: n => link(`/neurons/${n.hotkey}`, short(n.hotkey), { class: 'mono', title: n.hotkey }) },
      { key: 'coldkey', label: 'coldkey', value: n => n.coldkey, render: n => h('span', { class: 'mono', title: n.coldkey }, short(n.coldkey)) },
      { key: 'stake', label: 'stake', num: true, value: n => tokenNumber(n.stake), render: n => tokens(n.stake) },
      { key: 'permit', label: 'permit', value: n => n.validatorPermit ? 1 : 0, render: n => n.validatorPermit ? 'yes' : 'no' },
      { key: 'trust', label: 'vtrust', num: true, value: n => n.validatorTrust, render: n => fraction(n.validatorTrust) },
      { key: 'consensus', label: 'consensus', num: true, value: n => n.consensus, render: n => fraction(n.consensus) },
      { key: 'incentive', label: 'incentive', num: true, value: n => n.incentive, render: n => fraction(n.incentive) },
      { key: 'dividends', label: 'dividends', num: true, value: n => n.dividends, render: n => fraction(n.dividends) },
      { key: 'emission', label: 'emission', num: true, value: n => tokenNumber(n.emission), render: n => tokens(n.emission) },
      { key: 'axon', label: 'axon', value: n => n.axon.endpoint || '', render: n => n.axon.endpoint || '—' },
      { key: 'updated', label: 'last update', num: true, value: n => n.lastUpdate },
    ], { search: 'search uid, hotkey, coldkey, axon', testid: 'metagraph', rowKey: n => n.uid, sortKey: 'uid',
      text: n => `${n.uid} ${n.hotkey} ${n.coldkey} ${n.axon.endpoint || ''}` });

    epochs = App.table(document.getElementById('epochs'), [
      { key: 'epoch', label: 'epoch', num: true, value: e => e.epoch, render: e => link(`/subnets/${netuid}/epochs/${e.epoch}`, String(e.epoch)) },
      { key: 'block', label: 'block', num: true, value: e => e.block },
      { key: 'emission', label: 'emission', num: true, value: e => tokenNumber(e.emission), render: e => tokens(e.emission) },
      { key: 'owner', label: 'owner emission', num: true, value: e => tokenNumber(e.ownerEmission), render: e => tokens(e.ownerEmission) },
      { key: 'burn', label: 'burn after', num: true, value: e => tokenNumber(e.burn), render: e => tokens(e.burn) },
      { key: 'verdict', label: 'C# replay', value: e => e.verdict, render: e => verdict(e.verdict) },
    ], { testid: 'epochs', rowKey: e => e.epoch, sortKey: 'epoch', sortDir: -1 });
  }

  function verdict(v) {
    return h('span', { class: 'badge ' + (v === 'identical' ? 'good' : v === 'differs' ? 'bad' : 'warn') }, v);
  }

  async function refresh() {
    const [detail, graph, history, list] = await Promise.all([
      api(`/api/subnets/${netuid}`), api(`/api/subnets/${netuid}/metagraph`), api(`/api/subnets/${netuid}/history`), api(`/api/subnets/${netuid}/epochs`)]);
    const s = detail.subnet;
    App.header({ chainId: '', head: detail.head });
    document.getElementById('chain').textContent = `block ${detail.head.number}`;
    document.getElementById('cards').replaceChildren(
      card('owner', h('span', { class: 'mono', title: s.owner }, short(s.owner)), 'owner'),
      card('tempo', String(s.tempo), 'tempo'),
      card('neurons', `${s.neurons} (${s.validators} validators)`, 'neurons'),
      card('registration burn', tokens(s.burn), 'burn'),
      card('emission share', percent(s.emissionShare), 'share'),
      card('next epoch', detail.blocksToNextEpoch === 0 ? 'due now' : `in ${detail.blocksToNextEpoch} blocks`, 'countdown'),
      card('epochs run', String(s.epochs), 'epoch-count'));

    metagraph.update(graph.neurons);
    epochs.update(list.epochs);

    const hyper = detail.hyperparameters;
    document.getElementById('hyper').replaceChildren(...Object.entries(hyper).map(([k, v]) =>
      h('tr', {}, h('th', {}, k), h('td', { class: 'mono', 'data-param': k }, String(v)))));

    Charts.scatter(document.getElementById('chart-incentive'), graph.neurons.map(n => ({
      x: tokenNumber(n.stake), y: n.incentive / App.U16, label: `uid ${n.uid}: stake ${tokens(n.stake)}, incentive ${fraction(n.incentive)}`,
      color: n.validatorPermit ? '#f5b942' : '#4fb3ff',
    })), { xLabel: 'stake (tokens)', yLabel: 'incentive', yMax: 1 });
    Charts.bars(document.getElementById('chart-emission'), history.epochs.map(e => ({
      label: String(e.epoch), value: tokenNumber(e.emission), title: `epoch ${e.epoch}: ${tokens(e.emission)} tokens`,
    })), { xLabel: 'epoch', yLabel: 'tokens' });
    Charts.line(document.getElementById('chart-burn'), [
      { name: 'burn after each epoch', points: history.epochs.map(e => [e.block, tokenNumber(e.burn)]), color: '#f5b942', dots: true },
      { name: 'paid at registration', points: history.registrations.map(r => [r.block, tokenNumber(r.burned)]), color: '#ff6b6b', dotsOnly: true },
    ], { xLabel: 'block', yLabel: 'tokens' });
    const c = history.concentration;
    document.getElementById('concentration-title').textContent = `Incentive by coldkey (Herfindahl ${c.herfindahl.toFixed(3)})`;
    Charts.bars(document.getElementById('chart-concentration'), c.byColdkey.slice(0, 20).map((x, i) => ({
      label: short(x.coldkey).slice(0, 6), value: x.share, color: Charts.palette[i % Charts.palette.length],
      title: `${x.coldkey}: ${percent(x.share)} of incentive over ${x.neurons} neurons`,
    })), { yLabel: 'share of incentive', yMax: 1, yFormat: v => (v * 100).toFixed(0) + '%' });
  }

  layout();
  refresh().then(() => App.live(refresh)).catch(App.fail);
})();
