import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DASHBOARD_TAG,
  dashboardQueries,
  PIPELINE_HEALTH_UID,
  pipelineHealthDashboard,
  RECORDING_RULE,
  TRAINING_DYNAMICS_UID,
  trainingDynamicsDashboard,
} from '../../../src/dashboards/index.js';
import { REGIMES } from '../../../src/dynamics/index.js';
import { METRIC } from '../../../src/metrics/index.js';

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { uid?: string };
}
interface PanelJson {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  fieldConfig?: {
    defaults: {
      unit?: string;
      thresholds?: { mode: string; steps: { value: number | null; color: string }[] };
      custom?: { thresholdsStyle?: { mode: string } };
      mappings?: { type: string; options: Record<string, { text?: string }> }[];
    };
  };
}
interface DashboardJson {
  uid: string;
  title: string;
  panels: PanelJson[];
  templating: {
    list: { name: string; type: string; multi?: boolean; includeAll?: boolean; definition?: string }[];
  };
  annotations: { list: { name: string; expr?: string; filter?: { exclude: boolean; ids: number[] } }[] };
  tags: string[];
  links: { type: string; tags: string[] }[];
}

const plain = (d: unknown): DashboardJson => JSON.parse(JSON.stringify(d)) as DashboardJson;
const training = plain(trainingDynamicsDashboard());
const pipeline = plain(pipelineHealthDashboard());
const DASHBOARDS = [training, pipeline];
const KNOWN_TYPES = new Set(['row', 'timeseries', 'stat', 'table', 'state-timeline']);

function panel(d: DashboardJson, title: RegExp): PanelJson {
  const found = d.panels.find((p) => p.type !== 'row' && title.test(p.title ?? ''));
  assert.ok(found, `${d.uid} has a panel titled ${String(title)}`);
  return found;
}

function exprs(p: PanelJson): string[] {
  return (p.targets ?? []).map((t) => t.expr ?? '');
}

function thresholdValues(p: PanelJson): (number | null)[] {
  return (p.fieldConfig?.defaults.thresholds?.steps ?? []).map((s) => s.value);
}

describe('dashboards > every panel', () => {
  it('has stable, distinct uids', () => {
    assert.equal(training.uid, TRAINING_DYNAMICS_UID);
    assert.equal(TRAINING_DYNAMICS_UID, 'lyap-training-dynamics');
    assert.equal(pipeline.uid, PIPELINE_HEALTH_UID);
    assert.equal(PIPELINE_HEALTH_UID, 'lyap-pipeline-health');
  });

  for (const d of DASHBOARDS) {
    it(`${d.uid}: panels have a unit, a description, thresholds, the datasource variable and queries`, () => {
      const ids = d.panels.map((p) => p.id);
      assert.equal(new Set(ids).size, ids.length, `panel ids are unique: ${ids.join(',')}`);
      for (const p of d.panels) {
        assert.ok(KNOWN_TYPES.has(p.type), `${p.title ?? ''}: type ${p.type}`);
        assert.ok(
          p.gridPos !== undefined && p.gridPos.x + p.gridPos.w <= 24,
          `${p.title ?? ''} fits the grid`,
        );
        if (p.type === 'row') continue;
        const where = `${d.uid} / ${p.title ?? '?'}`;
        assert.ok(typeof p.id === 'number', `${where}: id`);
        assert.ok((p.description ?? '').length > 20, `${where}: description`);
        assert.ok((p.fieldConfig?.defaults.unit ?? '') !== '', `${where}: unit`);
        const steps = p.fieldConfig?.defaults.thresholds?.steps ?? [];
        assert.ok(steps.length >= 1 && steps[0]?.value === null, `${where}: thresholds with a base step`);
        const values = steps.slice(1).map((s) => s.value ?? Number.NaN);
        assert.deepEqual(
          values,
          [...values].sort((a, b) => a - b),
          `${where}: thresholds ascend`,
        );
        assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, where);
        const targets = p.targets ?? [];
        assert.ok(targets.length > 0, `${where}: queries`);
        const refIds = targets.map((t) => t.refId);
        assert.equal(new Set(refIds).size, refIds.length, `${where}: refIds unique`);
        for (const t of targets) {
          assert.ok((t.expr ?? '').length > 0, `${where}: expr`);
          assert.equal(t.datasource?.uid, '${datasource}', `${where}: target datasource`);
        }
      }
    });

    it(`${d.uid}: has a datasource variable and is linked to the other dashboards by tag`, () => {
      assert.ok(d.templating.list.some((v) => v.type === 'datasource' && v.name === 'datasource'));
      assert.deepEqual(d.tags, [DASHBOARD_TAG]);
      assert.ok(d.links.some((l) => l.type === 'dashboards' && l.tags.includes(DASHBOARD_TAG)));
    });
  }
});

describe('dashboards > training dynamics', () => {
  it('has a multi-select run_id variable over the runs with a training step', () => {
    const runId = training.templating.list.find((v) => v.name === 'run_id');
    assert.ok(runId);
    assert.equal(runId.type, 'query');
    assert.equal(runId.multi, true);
    assert.equal(runId.includeAll, true);
    assert.equal(runId.definition, `label_values(${METRIC.trainingStep}, run_id)`);
  });

  it('filters every per-run query by $run_id', () => {
    for (const q of dashboardQueries(training).filter((q) => q.kind !== 'variable')) {
      assert.match(q.expr, /run_id=~"\$run_id"/, `${q.source} [${q.refId}]`);
    }
  });

  it('annotates learning-rate commands (changes of the commands counter) on the learning-rate panel', () => {
    const lr = panel(training, /^Learning rate/);
    assert.deepEqual(exprs(lr), [`${METRIC.learningRate}{run_id=~"$run_id"}`]);
    const annotation = training.annotations.list.find(
      (a) => a.expr?.includes(METRIC.lrCommandsTotal) === true,
    );
    assert.ok(annotation, 'an annotation query on the lr commands counter');
    assert.match(annotation.expr ?? '', /changes\(/);
    assert.equal(annotation.filter?.exclude, false);
    assert.ok(annotation.filter?.ids.includes(lr.id ?? -1));
  });

  it('draws sharpness and batch sharpness against the 1/eta and 2/eta references computed from the learning rate', () => {
    const p = panel(training, /^Sharpness/);
    assert.deepEqual(exprs(p), [
      `${METRIC.hessianMaxEigenvalue}{run_id=~"$run_id"}`,
      `${METRIC.batchSharpness}{run_id=~"$run_id"}`,
      `1 / ${METRIC.learningRate}{run_id=~"$run_id"}`,
      `2 / ${METRIC.learningRate}{run_id=~"$run_id"}`,
    ]);
  });

  it('draws the stability ratios η·λ_max and η·BS with threshold lines at 1 and 2, and the bound of each run', () => {
    const p = panel(training, /^Stability ratios/);
    assert.deepEqual(exprs(p), [
      `${METRIC.stabilityRatio}{run_id=~"$run_id"}`,
      `${METRIC.batchStabilityRatio}{run_id=~"$run_id"}`,
      `${METRIC.stabilityBound}{run_id=~"$run_id"}`,
    ]);
    assert.deepEqual(thresholdValues(p), [null, 1, 2]);
    assert.notEqual(p.fieldConfig?.defaults.custom?.thresholdsStyle?.mode, 'off');
  });

  it('draws the top-k Lyapunov exponents with a zero line', () => {
    const p = panel(training, /^Lyapunov exponents/);
    assert.deepEqual(exprs(p), [`${METRIC.lyapunovExponent}{run_id=~"$run_id"}`]);
    assert.deepEqual(thresholdValues(p), [null, 0]);
    assert.notEqual(p.fieldConfig?.defaults.custom?.thresholdsStyle?.mode, 'off');
  });

  it('draws the measured exponent against the predicted one (recording rule) and the curvature', () => {
    const p = panel(training, /^Measured against predicted/);
    assert.ok(exprs(p).some((e) => e.startsWith(RECORDING_RULE.predictedLyapunovExponent)));
    assert.ok(exprs(p).some((e) => e.startsWith(METRIC.lyapunovExponent)));
    const c = panel(training, /^Curvature/);
    assert.ok(exprs(c).some((e) => e.startsWith(`min by (run_id) (${METRIC.curvature}`)));
  });

  it('shows the regime as a state timeline whose value mappings name every regime', () => {
    const p = panel(training, /^Regime/);
    assert.equal(p.type, 'state-timeline');
    assert.match(exprs(p)[0] ?? '', new RegExp(`${METRIC.regime}\\{[^}]*\\} == 1`));
    const texts = Object.values(p.fieldConfig?.defaults.mappings?.[0]?.options ?? {}).map((o) => o.text);
    assert.deepEqual(texts, [...REGIMES]);
  });

  it('has loss, gradient norm and training progress panels', () => {
    assert.deepEqual(exprs(panel(training, /^Loss/)), [`${METRIC.loss}{run_id=~"$run_id"}`]);
    assert.deepEqual(exprs(panel(training, /^Gradient norm/)), [`${METRIC.gradNorm}{run_id=~"$run_id"}`]);
    assert.match(exprs(panel(training, /^Training progress/))[0] ?? '', /^deriv\(lyap_training_step/);
  });
});

describe('dashboards > pipeline health', () => {
  const all = dashboardQueries(pipeline).map((q) => q.expr);
  const reads = (fragment: string): boolean => all.some((e) => e.includes(fragment));

  it('shows events per topic, dead letters by reason, event lag and closed-loop quantiles, consumer lag by partition', () => {
    assert.ok(reads(`sum by (topic) (rate(${METRIC.eventsTotal}`));
    assert.ok(reads(`sum by (topic, reason) (rate(${METRIC.eventsInvalidTotal}`));
    for (const q of ['0.5', '0.9', '0.99']) {
      assert.ok(
        reads(`histogram_quantile(${q}, sum by (le) (rate(${METRIC.eventLagSeconds}_bucket`),
        `event lag p${q}`,
      );
      assert.ok(
        reads(`histogram_quantile(${q}, sum by (le) (rate(${METRIC.controlLoopSeconds}_bucket`),
        `loop p${q}`,
      );
    }
    assert.ok(reads(`max by (topic, partition) (${METRIC.consumerLag}`));
  });

  it('shows the trainer backends and the Node.js process metrics', () => {
    assert.ok(reads(`sum by (backend, model) (${METRIC.trainerInfo}`));
    for (const m of [
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      assert.ok(reads(m), m);
    }
  });

  it('has a multi-select job variable over the pipeline scrape jobs', () => {
    const job = pipeline.templating.list.find((v) => v.name === 'job');
    assert.equal(job?.multi, true);
    assert.equal(job.definition, 'label_values(up{job=~"lyap-.*"}, job)');
  });
});
