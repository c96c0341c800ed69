// Epoch page: the weights matrix as a heatmap, consensus per miner, bonds, credited emissions, the C# parity
// verdict, and the exact `intelligence epoch simulate` command with its case file to download.
'use strict';

(() => {
  const { api, h, link, card, tokens, tokenNumber, fraction, short } = App;
  const [, , netuid, , epoch] = location.pathname.split('/');
  const main = document.querySelector('main');

  async function render() {
    const [d, list] = await Promise.all([api(`/api/subnets/${netuid}/epochs/${epoch}`), api(`/api/subnets/${netuid}/epochs`)]);
    const e = d.epoch;
    const known = new Set(list.epochs.map(x => x.epoch));
    const nav = h('div', { class: 'toolbar' },
      known.has(e.epoch - 1) ? link(`/subnets/${netuid}/epochs/${e.epoch - 1}`, `← epoch ${e.epoch - 1}`, { 'data-testid': 'previous' }) : null,
      known.has(e.epoch + 1) ? link(`/subnets/${netuid}/epochs/${e.epoch + 1}`, `epoch ${e.epoch + 1} →`, { 'data-testid': 'next' }) : null);
    const good = e.verdict === 'identical';
    main.replaceChildren(...[
      h('h1', {}, link(`/subnets/${netuid}`, `Subnet ${netuid}`), ` · epoch ${e.epoch}`),
      nav,
      h('div', { class: 'cards' },
        card('block', String(e.block), 'block'),
        card('emission', tokens(e.emission), 'emission'),
        card('keeper fee', tokens(e.keeperFee), 'keeper-fee'),
        card('owner emission', tokens(e.ownerEmission), 'owner-emission'),
        card('credited to UIDs', tokens(d.credited), 'credited'),
        card('C# replay', h('span', { class: 'badge ' + (good ? 'good' : e.verdict === 'differs' ? 'bad' : 'warn'), 'data-testid': 'verdict' }, e.verdict), 'verdict-card')),
      e.differences.length ? h('div', { class: 'panel' }, h('h3', {}, 'Differences'), h('ul', { 'data-testid': 'differences' }, e.differences.map(x => h('li', { class: 'mono' }, x)))) : null,
      h('h2', {}, 'Reproduce it'),
      d.simulate
        ? h('div', { class: 'panel' },
          h('p', {}, 'Download the case file, then run the C# epoch on it; its emissions equal what the chain credited.'),
          h('pre', { class: 'command', 'data-testid': 'simulate-command' }, d.simulate.command),
          h('div', { class: 'toolbar' },
            link(d.simulate.caseUrl, `download ${d.simulate.file}`, { download: d.simulate.file, 'data-testid': 'case-download' }),
            copyButton(d.simulate.command)))
        : h('p', { class: 'muted' }, 'the case could not be read from the chain (the node keeps no state for that block)'),
      h('h2', {}, 'Credited emissions'),
      h('div', { id: 'neurons' }),
      h('div', { class: 'grid2' },
        h('div', { class: 'panel' }, h('h3', {}, 'Weights (row: validator uid, column: uid)'), h('div', { id: 'weights', 'data-testid': 'weights-heatmap' })),
        h('div', { class: 'panel' }, h('h3', {}, 'Bonds after the epoch'), h('div', { id: 'bonds', 'data-testid': 'bonds-heatmap' })),
        h('div', { class: 'panel' }, h('h3', {}, 'Consensus per uid'), h('div', { id: 'consensus', 'data-testid': 'consensus-chart' })),
        h('div', { class: 'panel' }, h('h3', {}, 'Emission per uid'), h('div', { id: 'emission', 'data-testid': 'emission-chart' }))),
    ].filter(Boolean));

    App.table(document.getElementById('neurons'), [
      { key: 'uid', label: 'uid', num: true, value: n => n.uid },
      { key: 'hotkey', label: 'hotkey', value: n => n.hotkey, render: n => link(`/neurons/${n.hotkey}`, short(n.hotkey), { class: 'mono' }) },
      { key: 'stake', label: 'stake', num: true, value: n => tokenNumber(n.stake), render: n => tokens(n.stake) },
      { key: 'permit', label: 'permit', value: n => n.validatorPermit ? 1 : 0, render: n => n.validatorPermit ? 'yes' : 'no' },
      { key: 'consensus', label: 'consensus', num: true, value: n => n.consensus, render: n => fraction(n.consensus) },
      { key: 'vtrust', label: 'vtrust', num: true, value: n => n.validatorTrust, render: n => fraction(n.validatorTrust) },
      { key: 'incentive', label: 'incentive', num: true, value: n => n.incentive, render: n => fraction(n.incentive) },
      { key: 'dividends', label: 'dividends', num: true, value: n => n.dividends, render: n => fraction(n.dividends) },
      { key: 'emission', label: 'credited emission (base units)', num: true, value: n => BigInt(n.emission), render: n => n.emission },
    ], { testid: 'credited', rowKey: n => n.uid, sortKey: 'uid' }).update(d.neurons);

    Charts.heatmap(document.getElementById('weights'), d.weights, { max: App.U16, rowName: 'validator', colName: 'uid' });
    Charts.heatmap(document.getElementById('bonds'), d.bonds, { max: App.U16, rowName: 'validator', colName: 'uid' });
    Charts.bars(document.getElementById('consensus'), d.neurons.map(n => ({ label: String(n.uid), value: n.consensus / App.U16 })), { xLabel: 'uid', yMax: 1 });
    Charts.bars(document.getElementById('emission'), d.neurons.map(n => ({ label: String(n.uid), value: tokenNumber(n.emission), title: `uid ${n.uid}: ${tokens(n.emission)}` })), { xLabel: 'uid', yLabel: 'tokens' });
  }

  function copyButton(text) {
    const b = h('button', { type: 'button' }, 'copy command');
    b.addEventListener('click', async () => {
      try { await navigator.clipboard.writeText(text); b.textContent = 'copied'; } catch { b.textContent = 'select and copy'; }
    });
    return b;
  }

  render().then(() => App.live(async batch => { if (batch.some(x => x.type === 'reorg' || x.type === 'epoch')) await render(); })).catch(App.fail);
})();
