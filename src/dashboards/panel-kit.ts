import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  LineStyleBuilder,
  ReduceDataOptionsBuilder,
  ScaleDistribution,
  ScaleDistributionConfigBuilder,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
  type DataSourceRef,
} from '@grafana/grafana-foundation-sdk/common';
import {
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type DynamicConfigValue,
  type Threshold,
  type ThresholdsConfig,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanelBuilder } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel and query reads the datasource the `datasource` variable selects. */
export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

export interface Query {
  expr: string;
  legend: string;
  /** A table of the latest values rather than a time series. */
  instant?: boolean;
}

/** What every panel must say: a unit, a description and thresholds (a base colour at least). */
export interface PanelSpec {
  /** Stable within its dashboard: links, annotations filters and provisioning refer to it. */
  id: number;
  title: string;
  description: string;
  unit: string;
  /** `[baseColor, [value, color]...]`: the base applies below the first step. */
  thresholds: readonly [string, ...(readonly [number, string])[]];
  queries: readonly Query[];
  width: number;
  height: number;
}

export interface TimeseriesSpec extends PanelSpec {
  /** Draw the thresholds as dashed lines (reference levels such as 0, 1, 2). */
  thresholdLines?: boolean;
  logScale?: boolean;
  /** Series whose display name matches this regex are drawn dashed (reference series). */
  dashedSeries?: string;
  softMin?: number;
  softMax?: number;
}

/** The methods every SDK panel builder has; they mutate the builder and return it. */
interface CommonPanelBuilder {
  id(id: number): unknown;
  title(title: string): unknown;
  description(description: string): unknown;
  unit(unit: string): unknown;
  thresholds(thresholds: cog.Builder<ThresholdsConfig>): unknown;
  datasource(datasource: DataSourceRef): unknown;
  withTarget(target: cog.Builder<cog.Dataquery>): unknown;
  height(h: number): unknown;
  span(w: number): unknown;
}

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function thresholdSteps(spec: PanelSpec): Threshold[] {
  const [base, ...steps] = spec.thresholds;
  return [{ value: null, color: base }, ...steps.map(([value, color]) => ({ value, color }))];
}

function applyCommon<B extends CommonPanelBuilder>(builder: B, spec: PanelSpec): B {
  builder.id(spec.id);
  builder.title(spec.title);
  builder.description(spec.description);
  builder.unit(spec.unit);
  builder.datasource(DATASOURCE);
  builder.thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(thresholdSteps(spec)));
  builder.height(spec.height);
  builder.span(spec.width);
  spec.queries.forEach((query, i) => {
    const target = new DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(REF_IDS[i] ?? `Q${i}`)
      .expr(query.expr)
      .legendFormat(query.legend);
    if (query.instant === true) target.instant().format(PromQueryFormat.Table);
    else target.range();
    builder.withTarget(target);
  });
  return builder;
}

function legend(): VizLegendOptionsBuilder {
  return new VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(LegendDisplayMode.Table)
    .placement(LegendPlacement.Bottom)
    .calcs(['lastNotNull', 'max']);
}

export function timeseries(spec: TimeseriesSpec): TimeseriesPanelBuilder {
  const panel = applyCommon(new TimeseriesPanelBuilder(), spec)
    .legend(legend())
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending))
    .lineWidth(1)
    .fillOpacity(0)
    .spanNulls(false)
    .thresholdsStyle(
      new GraphThresholdsStyleConfigBuilder().mode(
        spec.thresholdLines === true ? GraphThresholdsStyleMode.Dashed : GraphThresholdsStyleMode.Off,
      ),
    );
  if (spec.logScale === true) {
    panel.scaleDistribution(new ScaleDistributionConfigBuilder().type(ScaleDistribution.Log).log(10));
  }
  if (spec.softMin !== undefined) panel.axisSoftMin(spec.softMin);
  if (spec.softMax !== undefined) panel.axisSoftMax(spec.softMax);
  if (spec.dashedSeries !== undefined) {
    const dashed: DynamicConfigValue[] = [
      { id: 'custom.lineStyle', value: new LineStyleBuilder().fill('dash').dash([10, 10]).build() },
    ];
    panel.overrideByRegexp(spec.dashedSeries, dashed);
  }
  return panel;
}

/** A single value per series: its last non-null value, coloured by the thresholds. */
export function stat(spec: PanelSpec): StatPanelBuilder {
  return applyCommon(new StatPanelBuilder(), spec).reduceOptions(
    new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false),
  );
}

/** The latest values as rows, one column per label (the time column hidden). */
export function table(spec: PanelSpec): TablePanelBuilder {
  return applyCommon(new TablePanelBuilder(), spec).withTransformation({
    id: 'organize',
    options: { excludeByName: { Time: true } },
  });
}

export function stateTimeline(spec: PanelSpec & { mappings: ValueMapping[] }): StateTimelinePanelBuilder {
  return applyCommon(new StateTimelinePanelBuilder(), spec)
    .mappings(spec.mappings)
    .mergeValues(true)
    .rowHeight(0.8)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List));
}
