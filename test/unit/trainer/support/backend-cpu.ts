import { selectBackend } from '../../../../src/trainer/backend.js';

/** Every trainer test runs on the pure-JS cpu backend: deterministic and always there. */
export const backend = await selectBackend({ requested: 'cpu' });
