// The live page: one EventSource on /live/events (a `snapshot` event, then `delta` events; the
// shapes are in src/live/live-protocol.ts and docs/live-page.md), uPlot charts updated with
// setData at most once per animation frame, and re-created only when the set of runs (or a
// run's number of curvature directions) changes.

/** One colour per run, in the order runs are first seen; a freed colour is reused. */
const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
  '#393b79',
  '#637939',
];

/** Regimes bottom to top on the regime chart (docs/dynamics.md, "Regime classification"). */
const REGIMES = [
  ['unknown', 'not enough evidence yet'],
  ['converging', 'every measured direction contracts'],
  ['chaotic', 'stable step, yet nearby trajectories separate (negative curvature)'],
  ['edge', 'η·λ_max ≥ 1.8, just below the bound'],
  ['unstable', 'η·λ_max > 2: the sharpest direction expands'],
  ['diverged', 'NaN or Infinity in loss or gradients'],
];
const REGIME_INDEX = new Map(REGIMES.map(([name], i) => [name, i]));

const PLOT_HEIGHT = 240;
/** List items shown, newest first; and held (the server keeps 200 per run). */
const SHOWN_ITEMS = 200;
const HELD_ITEMS = 1000;

const positive = (v) => (typeof v === 'number' && v > 0 ? v : null);
const finite = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** How many curvature lines a run gets: its probe's kLyapunov, else the widest estimate held. */
function curvatureCount(run) {
  let k = run.info.kLyapunov ?? 0;
  if (k === 0) for (const row of run.estimates) k = Math.max(k, row.curvature.length);
  return Math.max(1, Math.min(8, k));
}

const CHARTS = {
  loss: {
    source: 'gradients',
    yLabel: 'loss',
    scale: 'log',
    lines: () => [{ value: (r) => positive(r[1]) }],
  },
  lr: { source: 'gradients', yLabel: 'η', scale: 'log', lines: () => [{ value: (r) => positive(r[2]) }] },
  sharpness: {
    source: 'estimates',
    yLabel: 'λ',
    scale: 'asinh',
    lines: () => [
      { name: 'λ_max', value: (r) => finite(r.sharpness) },
      { name: '1/η', value: (r) => (r.lr > 0 ? 1 / r.lr : null), dash: [8, 4], width: 1 },
      { name: '2/η', value: (r) => (r.lr > 0 ? 2 / r.lr : null), dash: [2, 4], width: 1 },
    ],
  },
  stability: {
    source: 'estimates',
    yLabel: 'η·λ',
    refs: [
      { value: 1, label: '1: η = 1/λ_max', below: true },
      { value: 2, label: '2: stability bound' },
    ],
    lines: () => [
      { name: 'η·λ_max', value: (r) => finite(r.stabilityRatio) },
      { name: 'η·BS', value: (r) => finite(r.batchStabilityRatio), dash: [6, 3], width: 1 },
    ],
  },
  lyapunov: {
    source: 'estimates',
    yLabel: '1/step',
    refs: [{ value: 0, label: '0' }],
    lines: () => [{ value: (r) => (r.lyapunov.length > 0 ? finite(Math.max(...r.lyapunov)) : null) }],
  },
  curvature: {
    source: 'estimates',
    yLabel: 'λ',
    refs: [{ value: 0, label: '0' }],
    lines: (run) =>
      Array.from({ length: curvatureCount(run) }, (_, i) => ({
        name: `h${i + 1}`,
        value: (r) => finite(r.curvature[i]),
        dash: i === 0 ? undefined : [6, 3],
      })),
  },
  regime: {
    source: 'estimates',
    yLabel: 'regime',
    regime: true,
    lines: () => [{ value: (r) => REGIME_INDEX.get(r.regime) ?? null }],
  },
};

const state = { version: 0, runs: new Map(), commands: new Map(), alerts: new Map() };
const colours = new Map();
const charts = new Map();
let layout = '';
let renderQueued = false;
let source;

const $ = (id) => document.getElementById(id);

function colourOf(runId) {
  if (!colours.has(runId)) {
    const used = new Set(colours.values());
    let i = 0;
    while (used.has(i) && i < PALETTE.length - 1) i++;
    colours.set(runId, used.has(i) ? colours.size % PALETTE.length : i);
  }
  return PALETTE[colours.get(runId)];
}

function forgetRun(runId) {
  state.runs.delete(runId);
  colours.delete(runId);
  for (const map of [state.commands, state.alerts]) {
    for (const [id, item] of map) if (item.runId === runId) map.delete(id);
  }
}

function capHeld(map) {
  if (map.size <= HELD_ITEMS) return;
  const oldest = [...map.values()].sort((a, b) => a.ts - b.ts).slice(0, map.size - HELD_ITEMS);
  for (const item of oldest) map.delete(item.id);
}

function applySnapshot(snapshot) {
  state.version = snapshot.version;
  layout = ''; // colours are handed out afresh: re-create the charts
  for (const runId of [...state.runs.keys()]) forgetRun(runId);
  state.commands.clear();
  state.alerts.clear();
  for (const run of snapshot.runs) {
    state.runs.set(run.info.runId, { info: run.info, gradients: run.gradients, estimates: run.estimates });
  }
  for (const c of snapshot.commands) state.commands.set(c.id, c);
  for (const a of snapshot.alerts) state.alerts.set(a.id, a);
  capHeld(state.commands);
  capHeld(state.alerts);
}

function applySeries(run, key, delta) {
  if (delta === undefined) return;
  if (delta.reset) run[key] = delta.rows;
  else for (const row of delta.rows) run[key].push(row);
}

function applyDelta(delta) {
  state.version = delta.version;
  for (const runId of delta.removedRuns) forgetRun(runId);
  for (const d of delta.runs) {
    let run = state.runs.get(d.info.runId);
    if (run === undefined) {
      run = { info: d.info, gradients: [], estimates: [] };
      state.runs.set(d.info.runId, run);
    }
    run.info = d.info;
    applySeries(run, 'gradients', d.gradients);
    applySeries(run, 'estimates', d.estimates);
  }
  for (const c of delta.commands) state.commands.set(c.id, c);
  for (const a of delta.alerts) state.alerts.set(a.id, a);
  capHeld(state.commands);
  capHeld(state.alerts);
}

// ---- charts ----

const stepOf = (row) => (Array.isArray(row) ? row[0] : row.step);

/** uPlot's aligned data: the union of the runs' steps, then one column per line (null where absent). */
function chartData(spec, runs) {
  const steps = new Set();
  for (const run of runs) for (const row of run[spec.source]) steps.add(stepOf(row));
  const xs = [...steps].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const data = [xs];
  let points = 0;
  for (const run of runs) {
    for (const line of spec.lines(run)) {
      const ys = new Array(xs.length).fill(null);
      for (const row of run[spec.source]) {
        const v = line.value(row);
        if (v !== null) {
          ys[at.get(stepOf(row))] = v;
          points++;
        }
      }
      data.push(ys);
    }
  }
  return { data, points };
}

/** Spans of this many decades at most: a loss that decays to 1e-300 would make uPlot draw 300 decades of ticks. */
const LOG_DECADES = 15;

function logRange(_u, min, max) {
  if (!(min > 0) || !(max > 0)) return [0.1, 10];
  return uPlot.rangeLog(Math.max(min, max / 10 ** LOG_DECADES), max, 10, false);
}

function refRange(refs) {
  return (_u, min, max) => {
    const values = refs.map((r) => r.value);
    const lo = Math.min(...values, min ?? Infinity);
    const hi = Math.max(...values, max ?? -Infinity);
    const pad = (hi - lo) * 0.08 || 1;
    return [lo - pad, hi + pad];
  };
}

/** Dashed horizontal reference lines (η·λ_max = 1 and 2, the zero line), labelled. */
function drawRefs(u, refs) {
  const { ctx, bbox } = u;
  const dpr = window.devicePixelRatio || 1;
  ctx.save();
  ctx.strokeStyle = '#57606a';
  ctx.fillStyle = '#57606a';
  ctx.lineWidth = dpr;
  ctx.setLineDash([6 * dpr, 4 * dpr]);
  ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  ctx.textAlign = 'right';
  for (const ref of refs) {
    const y = Math.round(u.valToPos(ref.value, 'y', true));
    if (y < bbox.top || y > bbox.top + bbox.height) continue;
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
    ctx.textBaseline = ref.below ? 'top' : 'bottom';
    ctx.fillText(ref.label, bbox.left + bbox.width - 4 * dpr, ref.below ? y + 2 * dpr : y - 2 * dpr);
  }
  ctx.restore();
}

const isDecade = (v) => v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;
/** Symlog (asinh) axes: 0 and ±decades. */
const isSignedDecade = (v) => v === 0 || isDecade(Math.abs(v));

function signedDecades(_u, splits) {
  const kept = splits.map((v) => (v !== null && isSignedDecade(v) ? v : null));
  return kept.filter((v) => v !== null).length < 2 ? splits : kept;
}

/**
 * Log axes: a line and a label per decade only (every other one, or sparser, over many
 * decades); all of uPlot's splits when the range holds fewer than two decades.
 */
function decades(_u, splits) {
  const exact = splits.filter(isDecade);
  if (exact.length < 2) return splits;
  const every = Math.max(1, Math.ceil(exact.length / 6));
  return splits.map((v) => (isDecade(v) && Math.round(Math.log10(v)) % every === 0 ? v : null));
}

function logLabels(_u, splits) {
  return splits.map((v) => {
    if (v === null || !(v > 0)) return '';
    const exponent = Math.floor(Math.log10(v) + 1e-9);
    if (Math.abs(exponent) >= 4) return isDecade(v) ? `1e${exponent}` : v.toExponential(0);
    return String(Number(v.toPrecision(2)));
  });
}

function plotWidth(el) {
  return Math.max(300, el.clientWidth || 600);
}

function makeChart(key, el, runs, data) {
  const spec = CHARTS[key];
  const series = [{ label: 'step' }];
  for (const run of runs) {
    for (const line of spec.lines(run)) {
      const s = {
        label: line.name === undefined ? run.info.runId : `${run.info.runId} ${line.name}`,
        stroke: colourOf(run.info.runId),
        width: line.width ?? 1.75,
        spanGaps: true,
      };
      if (line.dash !== undefined) s.dash = line.dash;
      if (spec.regime) s.paths = uPlot.paths.stepped({ align: 1 });
      series.push(s);
    }
  }
  const y = {};
  if (spec.scale === 'log') Object.assign(y, { distr: 3, log: 10, range: logRange });
  if (spec.scale === 'asinh') Object.assign(y, { distr: 4, asinh: 1 });
  if (spec.refs !== undefined) y.range = refRange(spec.refs);
  if (spec.regime) y.range = [-0.5, REGIMES.length - 0.5];
  const yAxis = { label: spec.yLabel, size: 72 };
  if (spec.scale === 'asinh') {
    Object.assign(yAxis, {
      filter: signedDecades,
      grid: { filter: signedDecades },
      ticks: { filter: signedDecades },
    });
  }
  if (spec.scale === 'log') {
    Object.assign(yAxis, {
      filter: decades,
      grid: { filter: decades },
      ticks: { filter: decades },
      values: logLabels,
    });
  }
  if (spec.regime) {
    Object.assign(yAxis, {
      size: 92,
      splits: () => REGIMES.map((_, i) => i),
      values: (_u, splits) => splits.map((i) => REGIMES[i]?.[0] ?? ''),
    });
  }
  const options = {
    width: plotWidth(el),
    height: PLOT_HEIGHT,
    legend: { show: false },
    cursor: { sync: { key: 'lyap-steps' } },
    scales: { x: { time: false }, y },
    axes: [{ label: 'step' }, yAxis],
    series,
    hooks: spec.refs === undefined ? {} : { draw: [(u) => drawRefs(u, spec.refs)] },
  };
  return new uPlot(options, data, el);
}

function rebuildCharts(runs) {
  for (const [key, chart] of charts) {
    chart.plot?.destroy();
    chart.plot = null;
    chart.points = 0;
    chart.el.replaceChildren();
    if (runs.length === 0) continue;
    const { data, points } = chartData(CHARTS[key], runs);
    chart.plot = makeChart(key, chart.el, runs, data);
    chart.points = points;
  }
}

function updateCharts(runs) {
  for (const [key, chart] of charts) {
    if (chart.plot === null) continue;
    const { data, points } = chartData(CHARTS[key], runs);
    chart.plot.setData(data);
    chart.points = points;
  }
}

// ---- legend and lists ----

function fmt(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(3)));
}

function span(className, text) {
  const el = document.createElement('span');
  if (className) el.className = className;
  el.textContent = text;
  return el;
}

function renderLegend(runs) {
  const list = $('legend');
  const items = new Map([...list.children].map((li) => [li.dataset.runId, li]));
  runs.forEach((run, i) => {
    const { info } = run;
    let li = items.get(info.runId);
    if (li === undefined) {
      li = document.createElement('li');
      li.dataset.testid = 'legend-item';
      li.dataset.runId = info.runId;
      const swatch = span('swatch', '');
      li.append(swatch, span('run-id', info.runId), span('run-detail', ''));
    }
    items.delete(info.runId);
    li.firstChild.style.background = colourOf(info.runId);
    const what = [info.model, info.dataset].filter(Boolean).join(' on ');
    const detail = [
      what,
      info.status,
      info.step === undefined ? 'no steps yet' : `step ${info.step}`,
      info.lr === undefined ? '' : `η ${fmt(info.lr)}`,
      info.regime ?? '',
    ].filter(Boolean);
    li.lastChild.textContent = detail.join(' · ');
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] ?? null);
  });
  for (const li of items.values()) li.remove();
  const running = runs.filter((r) => r.info.status === 'running').length;
  $('run-count').textContent = `${runs.length} ${runs.length === 1 ? 'run' : 'runs'} (${running} running)`;
  $('empty').hidden = runs.length > 0;
}

/** Keyed list rendering: items keep their element; only changed text is rewritten. */
function renderList(list, items, testid, build) {
  const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
  items.forEach((item, i) => {
    let li = existing.get(item.id);
    const signature = JSON.stringify(item);
    if (li === undefined) {
      li = document.createElement('li');
      li.dataset.testid = testid;
      li.dataset.id = item.id;
      li.dataset.runId = item.runId;
    }
    existing.delete(item.id);
    if (li.dataset.signature !== signature) {
      li.dataset.signature = signature;
      li.replaceChildren(...build(item));
    }
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] ?? null);
  });
  for (const li of existing.values()) li.remove();
}

function commandStatus(c) {
  if (c.advisory) return ['advisory', 'advisory'];
  if (c.appliedAtStep !== undefined) return [`applied at step ${c.appliedAtStep}`, 'applied'];
  return ['sent', 'sent'];
}

function renderCommands() {
  const items = [...state.commands.values()]
    .sort((a, b) => b.ts - a.ts || b.seq - a.seq)
    .slice(0, SHOWN_ITEMS);
  renderList($('commands'), items, 'command-item', (c) => {
    const [status, tag] = commandStatus(c);
    const swatch = span('swatch', '');
    swatch.style.background = colourOf(c.runId);
    return [
      swatch,
      span('run-id', c.runId),
      span('', `step ${c.basedOnStep}`),
      span('', `η ${fmt(c.previousLr)} → ${fmt(c.lr)}`),
      span(`tag ${c.reason}`, c.reason),
      span(`tag ${tag}`, status),
    ];
  });
  $('no-commands').hidden = items.length > 0;
}

function renderAlerts() {
  const items = [...state.alerts.values()].sort((a, b) => b.ts - a.ts).slice(0, SHOWN_ITEMS);
  renderList($('alerts'), items, 'alert-item', (a) => [
    span(`tag ${a.state}`, a.state),
    span(`tag ${a.severity}`, a.severity),
    span('', a.name),
    span('run-id', a.runId),
    span('', `step ${a.step}`),
    span('', `value ${fmt(a.value)}`),
    span('message', a.message),
  ]);
  $('no-alerts').hidden = items.length > 0;
}

function renderRegimeLegend() {
  const list = $('regime-legend');
  if (list.children.length > 0) return;
  for (const [name, meaning] of [...REGIMES].reverse()) {
    const li = document.createElement('li');
    const b = document.createElement('b');
    b.textContent = name;
    li.append(b, `: ${meaning}`);
    list.append(li);
  }
}

const renderStats = { count: 0, totalMs: 0, maxMs: 0 };

function render() {
  const started = performance.now();
  renderFrame();
  // uPlot redraws in a microtask queued by setData; this one runs after it.
  queueMicrotask(() => {
    const ms = performance.now() - started;
    renderStats.count += 1;
    renderStats.totalMs += ms;
    renderStats.maxMs = Math.max(renderStats.maxMs, ms);
  });
}

function renderFrame() {
  const runs = [...state.runs.values()];
  const signature = runs.map((r) => `${r.info.runId}:${curvatureCount(r)}`).join('|');
  if (signature !== layout) {
    layout = signature;
    rebuildCharts(runs);
  } else {
    updateCharts(runs);
  }
  renderLegend(runs);
  renderCommands();
  renderAlerts();
}

function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

// ---- connection ----

function setConnection(status, text) {
  const el = $('connection');
  el.dataset.state = status;
  el.textContent = text;
}

function connect() {
  source?.close();
  source = new EventSource('/live/events');
  setConnection('connecting', 'connecting…');
  source.addEventListener('open', () => setConnection('live', 'live'));
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) setConnection('closed', 'disconnected (reload the page)');
    else setConnection('reconnecting', 'reconnecting…');
  });
  source.addEventListener('snapshot', (e) => {
    applySnapshot(JSON.parse(e.data));
    queueRender();
  });
  source.addEventListener('delta', (e) => {
    const delta = JSON.parse(e.data);
    if (delta.version !== state.version + 1) {
      // Deltas follow the snapshot without gaps on one connection; a gap means lost state.
      connect();
      return;
    }
    applyDelta(delta);
    queueRender();
  });
}

function init() {
  for (const figure of document.querySelectorAll('[data-chart]')) {
    charts.set(figure.dataset.chart, { el: figure.querySelector('.plot'), plot: null, points: 0 });
  }
  renderRegimeLegend();
  new ResizeObserver(() => {
    for (const chart of charts.values()) {
      chart.plot?.setSize({ width: plotWidth(chart.el), height: PLOT_HEIGHT });
    }
  }).observe($('charts'));
  window.__lyapLive = {
    /** Points drawn across every chart (non-null values of every line). */
    points: () => [...charts.values()].reduce((sum, c) => sum + c.points, 0),
    version: () => state.version,
    runs: () => state.runs.size,
    /** Renders so far, and the time they took with uPlot's redraw (ms): how heavy an update is. */
    renders: () => ({ ...renderStats }),
  };
  connect();
}

init();
