export { LiveFeed, type LiveFeedOptions, type LiveFeedStats } from './live-feed.js';
export { liveApp, type LiveAppOptions } from './live-app.js';
export type {
  AlertItem,
  CommandItem,
  EstimateRow,
  GradientRow,
  LiveDelta,
  LiveRunDelta,
  LiveRunInfo,
  LiveRunSnapshot,
  LiveSnapshot,
  SeriesDelta,
} from './live-protocol.js';
