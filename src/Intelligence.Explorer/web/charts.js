// Small SVG charts for the explorer (no library, no download): line, scatter, bar and heatmap.
// Each function draws into a container element and replaces what was there.
'use strict';

const Charts = (() => {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 560, H = 260, M = { l: 64, r: 16, t: 12, b: 36 };
  const PALETTE = ['#4fb3ff', '#3fcf8e', '#f5b942', '#ff6b6b', '#b58cff', '#ff9f5a', '#5ad1d1'];

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  function text(parent, x, y, s, attrs) {
    const t = el('text', Object.assign({ x, y }, attrs || {}), parent);
    t.textContent = s;
    return t;
  }

  function svg(container, height) {
    container.replaceChildren();
    const s = el('svg', { viewBox: `0 0 ${W} ${height || H}`, class: 'chart', role: 'img' });
    container.appendChild(s);
    return s;
  }

  // "Nice" ticks: 1, 2 or 5 times a power of ten.
  function ticks(min, max, count) {
    if (!(max > min)) { max = min + 1; }
    const span = max - min, raw = span / (count || 5);
    const pow = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map(m => m * pow).find(s => s >= raw);
    const out = [];
    for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(+v.toPrecision(12));
    return out;
  }

  function short(v) {
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e3) return (v / 1e3).toFixed(a >= 1e4 ? 0 : 1) + 'k';
    if (a === 0) return '0';
    if (a < 0.01) return v.toExponential(0);
    return (+v.toPrecision(3)).toString();
  }

  function frame(s, xs, ys, opts) {
    const x0 = opts.xMin ?? Math.min(...xs), x1 = opts.xMax ?? Math.max(...xs);
    const y0 = opts.yMin ?? Math.min(0, ...ys), y1 = opts.yMax ?? Math.max(...ys);
    const xt = ticks(x0, x1 === x0 ? x0 + 1 : x1, 6), yt = ticks(y0, y1 === y0 ? y0 + 1 : y1, 5);
    const xa = Math.min(x0, xt[0]), xb = Math.max(x1, xt[xt.length - 1]);
    const ya = Math.min(y0, yt[0]), yb = Math.max(y1, yt[yt.length - 1]);
    const sx = v => M.l + (v - xa) / ((xb - xa) || 1) * (W - M.l - M.r);
    const sy = v => H - M.b - (v - ya) / ((yb - ya) || 1) * (H - M.t - M.b);
    for (const t of yt) {
      el('line', { x1: M.l, x2: W - M.r, y1: sy(t), y2: sy(t), class: 'grid' }, s);
      text(s, M.l - 6, sy(t) + 4, (opts.yFormat || short)(t), { 'text-anchor': 'end' });
    }
    for (const t of xt) {
      text(s, sx(t), H - M.b + 16, (opts.xFormat || short)(t), { 'text-anchor': 'middle' });
    }
    el('line', { x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b, class: 'axis' }, s);
    el('line', { x1: M.l, x2: M.l, y1: M.t, y2: H - M.b, class: 'axis' }, s);
    if (opts.xLabel) text(s, (M.l + W - M.r) / 2, H - 4, opts.xLabel, { 'text-anchor': 'middle' });
    if (opts.yLabel) text(s, 12, (M.t + H - M.b) / 2, opts.yLabel, { 'text-anchor': 'middle', transform: `rotate(-90 12 ${(M.t + H - M.b) / 2})` });
    return { sx, sy };
  }

  function legend(container, series) {
    const div = document.createElement('div');
    div.className = 'legend';
    series.forEach((s, i) => {
      const span = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.style.background = s.color || PALETTE[i % PALETTE.length];
      span.append(swatch, s.name);
      div.appendChild(span);
    });
    container.appendChild(div);
  }

  function empty(container, message) {
    container.replaceChildren();
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = message || 'no data yet';
    container.appendChild(p);
  }

  /** series: [{name, color?, points: [[x, y], ...], dots?}], markers: [{x, label}] */
  function line(container, series, opts) {
    opts = opts || {};
    const all = series.flatMap(s => s.points);
    if (all.length === 0) return empty(container, opts.empty);
    const s = svg(container);
    const xs = all.map(p => p[0]).concat((opts.markers || []).map(m => m.x));
    const { sx, sy } = frame(s, xs, all.map(p => p[1]), opts);
    for (const m of opts.markers || []) {
      el('line', { x1: sx(m.x), x2: sx(m.x), y1: M.t, y2: H - M.b, stroke: m.color || '#f5b942', 'stroke-dasharray': '4 3' }, s);
      text(s, sx(m.x) + 3, M.t + 10, m.label, { fill: m.color || '#f5b942' });
    }
    series.forEach((ser, i) => {
      const color = ser.color || PALETTE[i % PALETTE.length];
      if (ser.points.length > 1 && !ser.dotsOnly) {
        el('polyline', { points: ser.points.map(p => `${sx(p[0])},${sy(p[1])}`).join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }, s);
      }
      if (ser.dots || ser.points.length === 1 || ser.dotsOnly) {
        for (const p of ser.points) {
          const c = el('circle', { cx: sx(p[0]), cy: sy(p[1]), r: 3.5, fill: color }, s);
          el('title', {}, c).textContent = `${ser.name}: ${(opts.yFormat || short)(p[1])} at ${(opts.xFormat || short)(p[0])}`;
        }
      }
    });
    legend(container, series);
  }

  /** points: [{x, y, label}] */
  function scatter(container, points, opts) {
    opts = opts || {};
    if (points.length === 0) return empty(container, opts.empty);
    const s = svg(container);
    const { sx, sy } = frame(s, points.map(p => p.x), points.map(p => p.y), opts);
    points.forEach(p => {
      const c = el('circle', { cx: sx(p.x), cy: sy(p.y), r: 5, fill: p.color || PALETTE[0], 'fill-opacity': 0.8 }, s);
      el('title', {}, c).textContent = p.label;
    });
  }

  /** bars: [{label, value, color?, title?}] */
  function bars(container, items, opts) {
    opts = opts || {};
    if (items.length === 0) return empty(container, opts.empty);
    const s = svg(container);
    const max = Math.max(...items.map(b => b.value), opts.yMax || 0) || 1;
    const yt = ticks(0, max, 5), top = Math.max(max, yt[yt.length - 1]);
    const sy = v => H - M.b - v / top * (H - M.t - M.b);
    for (const t of yt) {
      el('line', { x1: M.l, x2: W - M.r, y1: sy(t), y2: sy(t), class: 'grid' }, s);
      text(s, M.l - 6, sy(t) + 4, (opts.yFormat || short)(t), { 'text-anchor': 'end' });
    }
    const bw = (W - M.l - M.r) / items.length;
    items.forEach((b, i) => {
      const x = M.l + i * bw + bw * 0.1;
      const r = el('rect', { x, y: sy(b.value), width: bw * 0.8, height: Math.max(0, H - M.b - sy(b.value)), fill: b.color || PALETTE[0], rx: 2 }, s);
      el('title', {}, r).textContent = b.title || `${b.label}: ${(opts.yFormat || short)(b.value)}`;
      if (items.length <= 40) text(s, x + bw * 0.4, H - M.b + 14, b.label, { 'text-anchor': 'middle' });
    });
    el('line', { x1: M.l, x2: W - M.r, y1: H - M.b, y2: H - M.b, class: 'axis' }, s);
    if (opts.xLabel) text(s, (M.l + W - M.r) / 2, H - 4, opts.xLabel, { 'text-anchor': 'middle' });
    if (opts.yLabel) text(s, 12, (M.t + H - M.b) / 2, opts.yLabel, { 'text-anchor': 'middle', transform: `rotate(-90 12 ${(M.t + H - M.b) / 2})` });
  }

  /** matrix: rows of numbers in [0, max]; rows and columns labelled by UID. */
  function heatmap(container, matrix, opts) {
    opts = opts || {};
    const rows = matrix.length, cols = rows ? matrix[0].length : 0;
    if (rows === 0 || cols === 0) return empty(container, opts.empty);
    const cell = Math.max(8, Math.min(56, Math.floor((W - 60) / cols)));
    const height = 40 + rows * cell;
    container.replaceChildren();
    const s = el('svg', { viewBox: `0 0 ${60 + cols * cell + 10} ${height}`, class: 'chart', role: 'img', style: `max-width:${60 + cols * cell + 10}px` });
    container.appendChild(s);
    const max = opts.max || Math.max(1, ...matrix.flat());
    for (let j = 0; j < cols; j++) text(s, 60 + j * cell + cell / 2, 14, String(j), { 'text-anchor': 'middle' });
    for (let i = 0; i < rows; i++) {
      text(s, 52, 30 + i * cell + cell / 2 + 4, String(i), { 'text-anchor': 'end' });
      for (let j = 0; j < cols; j++) {
        const v = matrix[i][j];
        const r = el('rect', {
          x: 60 + j * cell, y: 30 + i * cell, width: cell - 1, height: cell - 1, rx: 1,
          fill: v > 0 ? `rgba(79, 179, 255, ${0.12 + 0.88 * v / max})` : '#1d252e', 'data-row': i, 'data-col': j, 'data-value': v,
        }, s);
        el('title', {}, r).textContent = `${opts.rowName || 'row'} ${i} -> ${opts.colName || 'uid'} ${j}: ${v}`;
      }
    }
    text(s, 4, 14, opts.corner || '', {});
  }

  return { line, scatter, bars, heatmap, empty, palette: PALETTE };
})();
