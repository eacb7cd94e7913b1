import assert from 'node:assert/strict';

/**
 * Asserts that `wasm` has `cpu`'s length and every entry within `share` of cpu's largest |entry|
 * (which must be non-zero): the wasm kernels against the cpu backend, summed in another order.
 */
export function assertCloseToCpu(wasm: Float32Array, cpu: Float32Array, share: number, label: string): void {
  assert.equal(wasm.length, cpu.length, `${label}: length`);
  let diff = 0;
  let scale = 0;
  cpu.forEach((x, i) => {
    diff = Math.max(diff, Math.abs((wasm[i] ?? NaN) - x));
    scale = Math.max(scale, Math.abs(x));
  });
  assert.ok(scale > 0, `${label}: the cpu values are all zero`);
  assert.ok(diff <= share * scale, `${label}: max |wasm - cpu| = ${diff}, max |cpu| = ${scale}`);
}
