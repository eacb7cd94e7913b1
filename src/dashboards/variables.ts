import {
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE } from './panel-kit.js';

export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource')
    .label('Data source')
    .description('The Prometheus that scrapes the lyapunov-pipeline processes.')
    .type('prometheus')
    .current({ selected: true, text: 'Prometheus', value: 'prometheus' });
}

/** A multi-select variable over the values of `label` on `metric`, "All" included. */
export function labelVariable(options: {
  name: string;
  label: string;
  description: string;
  metric: string;
  /** Restricts the series the values are read from, e.g. `job=~"lyap-.*"`. */
  matcher?: string;
}): QueryVariableBuilder {
  const series = options.matcher === undefined ? options.metric : `${options.metric}{${options.matcher}}`;
  const query = `label_values(${series}, ${options.name})`;
  return new QueryVariableBuilder(options.name)
    .label(options.label)
    .description(options.description)
    .datasource(DATASOURCE)
    .query({ qryType: 1, query, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}
