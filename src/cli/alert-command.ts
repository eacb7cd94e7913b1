import { startAlerter } from '../alerts/index.js';
import { LyapMetrics } from '../metrics/index.js';
import { defineCommand } from './define-command.js';
import { kafkaBusFromFlags } from './kafka-from-flags.js';
import { runService } from './service.js';
import { serviceOptions, type ServiceFlags } from './service-options.js';

export const ALERTER_GROUP_ID = 'lyap-alerter';

export const alertCommand = defineCommand<ServiceFlags>({
  name: 'alert',
  description:
    'Run the regime alerter against Kafka: estimates in, alert events out on the alerts topic ' +
    '(docs/observability.md). Stops gracefully on SIGINT/SIGTERM.',
  options: (command) => serviceOptions(command, ALERTER_GROUP_ID),
  run: async (flags) => {
    const bus = kafkaBusFromFlags(flags.brokers, 'alerter');
    return runService({
      name: 'alerter',
      bus,
      metrics: new LyapMetrics(),
      metricsHost: flags.metricsHost,
      metricsPort: flags.metricsPort,
      webConfig: flags.webConfig,
      start: () =>
        startAlerter({ bus, groupId: flags.groupId, topicPrefix: flags.topicPrefix, fromBeginning: true }),
    });
  },
});
