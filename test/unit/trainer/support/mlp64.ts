// An independent float64 MLP (forward and hand-written backpropagation) with the layout of
// createMlp: per layer a row-major [in, out] kernel then an [out] bias, softmax
// cross-entropy on the last layer. The ground truth for the tfjs model's loss and gradient
// and for dense Hessians by central differences of the gradient.

export interface Mlp64 {
  widths: readonly number[];
  activation: 'relu' | 'tanh';
}

export function mlpLossAndGradient(
  net: Mlp64,
  theta: Float64Array,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  batch: number,
): { loss: number; grad: Float64Array } {
  const { widths } = net;
  const layers = widths.length - 1;
  const offsets: { w: number; b: number }[] = [];
  let at = 0;
  for (let l = 0; l < layers; l++) {
    offsets.push({ w: at, b: at + widths[l]! * widths[l + 1]! });
    at += widths[l]! * widths[l + 1]! + widths[l + 1]!;
  }
  const act = (z: number): number => (net.activation === 'relu' ? Math.max(0, z) : Math.tanh(z));
  const dAct = (z: number): number => (net.activation === 'relu' ? (z > 0 ? 1 : 0) : 1 - Math.tanh(z) ** 2);
  const hs: Float64Array[] = [Float64Array.from(x)];
  const zs: Float64Array[] = [];
  for (let l = 0; l < layers; l++) {
    const nin = widths[l]!;
    const nout = widths[l + 1]!;
    const h = hs[l]!;
    const z = new Float64Array(batch * nout);
    for (let i = 0; i < batch; i++) {
      for (let o = 0; o < nout; o++) {
        let s = theta[offsets[l]!.b + o]!;
        for (let k = 0; k < nin; k++) s += h[i * nin + k]! * theta[offsets[l]!.w + k * nout + o]!;
        z[i * nout + o] = s;
      }
    }
    zs.push(z);
    hs.push(l === layers - 1 ? z : z.map(act));
  }
  const out = widths[layers]!;
  const logits = zs[layers - 1]!;
  let loss = 0;
  let delta = new Float64Array(batch * out);
  for (let i = 0; i < batch; i++) {
    let max = -Infinity;
    for (let o = 0; o < out; o++) max = Math.max(max, logits[i * out + o]!);
    let sum = 0;
    for (let o = 0; o < out; o++) sum += Math.exp(logits[i * out + o]! - max);
    const lse = max + Math.log(sum);
    for (let o = 0; o < out; o++) {
      const z = logits[i * out + o]!;
      loss += (y[i * out + o] ?? 0) * (lse - z);
      delta[i * out + o] = (Math.exp(z - lse) - (y[i * out + o] ?? 0)) / batch;
    }
  }
  const grad = new Float64Array(theta.length);
  for (let l = layers - 1; l >= 0; l--) {
    const nin = widths[l]!;
    const nout = widths[l + 1]!;
    const h = hs[l]!;
    for (let i = 0; i < batch; i++) {
      for (let o = 0; o < nout; o++) {
        const dz = delta[i * nout + o]!;
        grad[offsets[l]!.b + o] = grad[offsets[l]!.b + o]! + dz;
        for (let k = 0; k < nin; k++) {
          const p = offsets[l]!.w + k * nout + o;
          grad[p] = grad[p]! + h[i * nin + k]! * dz;
        }
      }
    }
    if (l === 0) break;
    const previous = new Float64Array(batch * nin);
    const zPrev = zs[l - 1]!;
    for (let i = 0; i < batch; i++) {
      for (let k = 0; k < nin; k++) {
        let s = 0;
        for (let o = 0; o < nout; o++) s += delta[i * nout + o]! * theta[offsets[l]!.w + k * nout + o]!;
        previous[i * nin + k] = s * dAct(zPrev[i * nin + k]!);
      }
    }
    delta = previous;
  }
  return { loss: loss / batch, grad };
}
