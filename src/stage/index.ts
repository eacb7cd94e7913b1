export * from './consumer-loop.js';
export * from './dead-letter-of.js';
export * from './stage.js';
export * from './stage-counts.js';
