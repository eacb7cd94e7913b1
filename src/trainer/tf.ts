// The one entry to TensorFlow.js. @tensorflow/tfjs-core's Node build registers no gradient
// functions (tf.grad of a sum throws "gradient function not found for Sum"); the union
// package's Node bundle registers all of them, and the cpu backend, in tfjs-core's
// process-wide registries, which every backend (cpu, wasm, tensorflow) shares.
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';

export { tf };
