import { mulberry32, orthonormalizeColumns, symmetricEigen, type Matrix } from '../../dynamics/index.js';
import type { Probe } from '../../events/index.js';
import type { tf } from '../tf.js';
import { hessianVectorProduct, hvpEpsilon, type HvpMode } from './hvp.js';
import { allFinite, axpy, innerProducts, randomOrthonormal } from './vectors.js';

export interface TangentProbeOptions {
  params: number;
  kLyapunov: number;
  kSharpness: number;
  hvp: HvpMode;
  eps0: number;
  /** Seeds the initial directions; a stream of its own, so the probe never draws from training's. */
  seed: number;
}

export interface ProbeContext {
  readonly gradAt: (theta: tf.Tensor1D) => tf.Tensor1D;
  readonly theta: tf.Tensor1D;
  readonly thetaNorm: number;
  readonly grad: tf.Tensor1D;
  /** The step's learning rate η: the Jacobian is J = I − ηH. */
  readonly lr: number;
}

/**
 * The two tangent subspaces of docs/design.md, kept across probes as float64 columns on the JS
 * side: the only per-probe transfers are k float32 uploads and k downloads of n numbers,
 * and the k×k Gram and Rayleigh matrices and the re-orthonormalisation are exact to float64
 * (Benettin's QR method loses nothing to float32 accumulation over thousands of probes).
 *
 * - Lyapunov subspace V (k_L): HV by finite differences, JV = V − ηHV, G = (JV)ᵀ(JV),
 *   R = VᵀHV, then V ← QR(JV).
 * - Sharpness subspace W (k_S): warm-started subspace iteration on H + σI, W ← QR(HW + σW),
 *   reporting the unshifted Rayleigh matrix WᵀHW. Plain power iteration converges to the
 *   eigenvalue of largest |h|, which is the most negative one when |λ_min| > λ_max. The shift
 *   σ = max(0, −(smallest Ritz value measured so far by either subspace)) is ≤ |λ_min|, since
 *   every Rayleigh quotient is ≥ λ_min, and once a Ritz value near λ_min has been seen
 *   σ ≈ |λ_min| makes H + σI positive semidefinite, so its dominant eigenvalue is λ_max + σ:
 *   the iteration converges to λ_max (at the slower rate (λ₂ + σ)/(λ_max + σ)). If the
 *   iteration first heads for λ_min, its own Ritz value reveals it and sets σ.
 */
export class TangentProbe {
  private lyapunov: Float64Array[];
  private sharpness: Float64Array[];
  private shiftValue = 0;

  constructor(private readonly options: TangentProbeOptions) {
    const { params, kLyapunov, kSharpness } = options;
    if (Math.max(kLyapunov, kSharpness) > params) {
      throw new RangeError(
        `probe: ${Math.max(kLyapunov, kSharpness)} directions exceed the ${params} parameters`,
      );
    }
    const rng = mulberry32(options.seed);
    this.lyapunov = randomOrthonormal(params, kLyapunov, rng);
    this.sharpness = randomOrthonormal(params, kSharpness, rng);
  }

  /** The current sharpness shift σ. */
  get shift(): number {
    return this.shiftValue;
  }

  get lyapunovVectors(): readonly Float64Array[] {
    return this.lyapunov;
  }

  get sharpnessVectors(): readonly Float64Array[] {
    return this.sharpness;
  }

  /** One probe at θ on the step's minibatch: advances both subspaces by one iteration. */
  measure(ctx: ProbeContext): Probe {
    const hvpContext = { ...ctx, mode: this.options.hvp, eps0: this.options.eps0 };
    const products = (columns: readonly Float64Array[]): Float64Array[] =>
      columns.map((v) => hessianVectorProduct(hvpContext, v).hv);
    const probe: Probe = {
      eps: hvpEpsilon(this.options.eps0, ctx.thetaNorm, 1),
      hvps: this.lyapunov.length + this.sharpness.length,
    };
    let smallestRitz = Infinity;

    if (this.lyapunov.length > 0) {
      const v = this.lyapunov;
      const hv = products(v);
      const jv = axpy(v, ctx.lr, hv);
      const rayleigh = innerProducts(v, hv);
      probe.lyapunov = { eta: ctx.lr, gram: innerProducts(jv, jv), rayleigh };
      if (allFinite(jv)) {
        this.lyapunov = orthonormalizeColumns(jv).q;
        smallestRitz = Math.min(smallestRitz, smallestEigenvalue(rayleigh));
      }
    }

    if (this.sharpness.length > 0) {
      const w = this.sharpness;
      const hw = products(w);
      const rayleigh = innerProducts(w, hw);
      probe.sharpness = { rayleigh };
      if (allFinite(hw)) {
        smallestRitz = Math.min(smallestRitz, smallestEigenvalue(rayleigh));
        this.shiftValue = Math.max(this.shiftValue, -smallestRitz);
        this.sharpness = orthonormalizeColumns(axpy(hw, -this.shiftValue, w)).q;
      }
    } else if (Number.isFinite(smallestRitz)) {
      this.shiftValue = Math.max(this.shiftValue, -smallestRitz);
    }
    return probe;
  }
}

function smallestEigenvalue(m: Matrix): number {
  return symmetricEigen(m).values.at(-1) ?? Infinity;
}
