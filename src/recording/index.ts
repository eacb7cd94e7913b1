export * from './copy-topics.js';
export * from './line-writer.js';
export * from './pipeline-recorder.js';
export * from './replay-order.js';
export * from './topic-recorder.js';
