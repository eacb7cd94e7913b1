import { mulberry32, orthonormalizeColumns, symmetricEigen, type Matrix } from '../../dynamics/index.js';
import type { Probe } from '../../events/index.js';
import type { tf } from '../tf.js';
import { batchSharpness } from './batch-sharpness.js';
import { topRitzResidual } from './ritz-residual.js';
import { hessianVectorProduct, hvpEpsilon, type HvpContext, type HvpMode } from './hvp.js';
import { burstShapeProblem } from '../lyapunov-bursts.js';
import { allFinite, axpy, innerProducts, randomOrthonormal } from './vectors.js';

/**
 * Off (1) by default for now: converged first estimates are right, but the quasi-Newton
 * controller, which creeps up from the old first estimates, drives healthy demo runs to collapse
 * from them (docs/trainer.md). 30 is the value to use where no controller acts on the estimates.
 */
export const DEFAULT_CONVERGE_ITERATIONS = 1;
export const DEFAULT_SHARPNESS_TOLERANCE = 1e-3;

export interface TangentProbeOptions {
  params: number;
  kLyapunov: number;
  kSharpness: number;
  hvp: HvpMode;
  eps0: number;
  /**
   * Subspace iterations the sharpness may take at the first probe and after a rate change of
   * more than ×2, stopping once the top Ritz residual is under `sharpnessTolerance` (default 1:
   * no convergence; see DEFAULT_CONVERGE_ITERATIONS).
   */
  convergeIterations?: number;
  /**
   * Subspace iterations of every other probe, on its own minibatch, stopping early under the
   * tolerance (default 1: one product per vector). More track λ_max of each minibatch closer:
   * `npm run bench -- --only tracking` measures the error against dense Hessians.
   */
  sharpnessIterations?: number;
  /** ‖Hu − θu‖/|θ| under which the sharpness subspace stops iterating (default 1e-3). */
  sharpnessTolerance?: number;
  /**
   * Consecutive steps the Lyapunov subspace is carried through from the start of a burst
   * (`measure` on probed steps, `propagate` between them), each with its own minibatch Jacobian
   * (default 1: one step per probe). The trainer decides where bursts start (`lyapunovEvery`).
   */
  lyapunovBurst?: number;
  /** The burst's first steps whose exponents the processor does not count (default 0). */
  lyapunovDiscard?: number;
  /** Also measure the batch sharpness gᵀHg/gᵀg (one more HVP per probe); default true. */
  batchSharpness?: boolean;
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

export interface MeasureOptions {
  /**
   * Sharpness iterations at most for this probe, stopping under `sharpnessTolerance`, in place
   * of the usual choice (the trainer's warm-up probe: ProbeSettings.warmupIterations).
   */
  converge?: number;
}

/**
 * The two tangent subspaces of docs/design.md, kept across probes as float64 columns on the JS
 * side: the only per-probe transfers are k float32 uploads and k downloads of n numbers,
 * and the k×k Gram and Rayleigh matrices and the re-orthonormalisation are exact to float64
 * (Benettin's QR method loses nothing to float32 accumulation over thousands of probes).
 *
 * - Lyapunov subspace V (k_L): HV by finite differences, JV = V − ηHV, G = (JV)ᵀ(JV),
 *   R = VᵀHV, then V ← QR(JV).
 * - Batch sharpness: gᵀHg/gᵀg along the step's own gradient g (one HVP), see batch-sharpness.ts.
 * - Sharpness subspace W (k_S): warm-started subspace iteration on H + σI, W ← QR(HW + σW),
 *   reporting the unshifted Rayleigh matrix WᵀHW. Plain power iteration converges to the
 *   eigenvalue of largest |h|, which is the most negative one when |λ_min| > λ_max. The shift
 *   σ = max(0, −(smallest Ritz value this subspace has measured so far)) is ≤ |λ_min|, since
 *   every Rayleigh quotient is ≥ λ_min, and once a Ritz value near λ_min has been seen
 *   σ ≈ |λ_min| makes H + σI positive semidefinite, so its dominant eigenvalue is λ_max + σ:
 *   the iteration converges to λ_max (at the slower rate (λ₂ + σ)/(λ_max + σ)). If the
 *   iteration first heads for λ_min, its own Ritz value reveals it and sets σ. The Lyapunov
 *   subspace's Ritz values do not set σ: carried through every step of a burst, on
 *   finite-difference products that can cross ReLU kinks, one spurious very negative value
 *   would slow this iteration for the rest of the run (measured: σ = 0.85 against λ_max ≈ 1.2
 *   in the demo, and the sharpness read 0.26 while the batch sharpness read 1.6).
 */
export class TangentProbe {
  private lyapunov: Float64Array[];
  private sharpness: Float64Array[];
  private shiftValue = 0;
  private lastLr: number | undefined;

  constructor(private readonly options: TangentProbeOptions) {
    const { params, kLyapunov, kSharpness } = options;
    if (Math.max(kLyapunov, kSharpness) > params) {
      throw new RangeError(
        `probe: ${Math.max(kLyapunov, kSharpness)} directions exceed the ${params} parameters`,
      );
    }
    const burstProblem = burstShapeProblem(options.lyapunovBurst ?? 1, options.lyapunovDiscard ?? 0);
    if (burstProblem !== undefined) throw new RangeError(`probe: ${burstProblem}`);
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

  /** Steps of a Lyapunov burst, the probe's own included. */
  get burstLength(): number {
    return this.lyapunov.length === 0 ? 1 : (this.options.lyapunovBurst ?? 1);
  }

  /**
   * One probe at θ on the step's minibatch: advances the sharpness subspace by one iteration
   * (more when converging or when `sharpnessIterations` says so) and measures the batch
   * sharpness. `lyapunovIndex`: this step's place in a Lyapunov burst (0 for its first step),
   * when one is under way, and then the Lyapunov subspace is carried through this step too;
   * null between bursts. `options.converge` sets this probe's sharpness iterations.
   */
  measure(ctx: ProbeContext, lyapunovIndex: number | null = 0, options: MeasureOptions = {}): Probe {
    const hvpContext = this.hvpContext(ctx);
    const products = productsOn(hvpContext);
    const probe: Probe = {
      eps: hvpEpsilon(this.options.eps0, ctx.thetaNorm, 1),
      hvps: this.sharpness.length,
    };
    let smallestRitz = Infinity;

    if (lyapunovIndex !== null) {
      const lyapunov = this.stepLyapunov(ctx, products, lyapunovIndex);
      if (lyapunov !== undefined) {
        probe.hvps += this.lyapunov.length;
        probe.lyapunov = lyapunov;
      }
    }

    if (this.sharpness.length > 0) {
      // Converge before the first update and after a large rate change; else sharpnessIterations.
      const converge = this.lastLr === undefined || Math.abs(Math.log(ctx.lr / this.lastLr)) > Math.LN2;
      const most =
        options.converge ??
        (converge
          ? (this.options.convergeIterations ?? DEFAULT_CONVERGE_ITERATIONS)
          : (this.options.sharpnessIterations ?? 1));
      const tolerance = this.options.sharpnessTolerance ?? DEFAULT_SHARPNESS_TOLERANCE;
      for (let iterations = 1; ; iterations++) {
        const w = this.sharpness;
        const hw = products(w);
        if (iterations > 1) probe.hvps += w.length;
        const rayleigh = innerProducts(w, hw);
        const finite = allFinite(hw);
        const residual = finite ? topRitzResidual(w, hw, rayleigh) : undefined;
        probe.sharpness = {
          rayleigh,
          ...(residual === undefined ? {} : { residual }),
          ...(iterations > 1 ? { iterations } : {}),
        };
        if (!finite) break;
        smallestRitz = Math.min(smallestRitz, smallestEigenvalue(rayleigh));
        this.shiftValue = Math.max(this.shiftValue, -smallestRitz);
        this.sharpness = orthonormalizeColumns(axpy(hw, -this.shiftValue, w)).q;
        if (iterations >= most || (residual !== undefined && residual <= tolerance)) break;
      }
    }

    if (this.options.batchSharpness !== false) {
      const value = batchSharpness(hvpContext);
      probe.hvps += 1;
      if (value !== undefined) probe.batchSharpness = value;
    }
    this.lastLr = ctx.lr;
    return probe;
  }

  /**
   * Step `index` (0 … burstLength − 1) of a Lyapunov burst on a step that is not a probe:
   * carries the Lyapunov subspace through this step's Jacobian I − ηH_t on its own minibatch,
   * k products, nothing else.
   */
  propagate(ctx: ProbeContext, index: number): Probe {
    const products = productsOn(this.hvpContext(ctx));
    const probe: Probe = { eps: hvpEpsilon(this.options.eps0, ctx.thetaNorm, 1), hvps: this.lyapunov.length };
    const lyapunov = this.stepLyapunov(ctx, products, index);
    if (lyapunov !== undefined) probe.lyapunov = lyapunov;
    return probe;
  }

  private hvpContext(ctx: ProbeContext): HvpContext {
    return { ...ctx, mode: this.options.hvp, eps0: this.options.eps0 };
  }

  private checkBurstIndex(index: number): void {
    if (!(Number.isInteger(index) && index >= 0 && index < this.burstLength)) {
      throw new RangeError(`probe: burst step ${index} outside 0…${this.burstLength - 1}`);
    }
  }

  /** HV, JV = V − ηHV, G = (JV)ᵀ(JV), R = VᵀHV, then V ← QR(JV) (kept when finite). */
  private stepLyapunov(
    ctx: ProbeContext,
    products: Products,
    index: number,
  ): NonNullable<Probe['lyapunov']> | undefined {
    if (this.lyapunov.length === 0) return undefined;
    this.checkBurstIndex(index);
    const v = this.lyapunov;
    const hv = products(v);
    const jv = axpy(v, ctx.lr, hv);
    const rayleigh = innerProducts(v, hv);
    const probe: NonNullable<Probe['lyapunov']> = { eta: ctx.lr, gram: innerProducts(jv, jv), rayleigh };
    const length = this.burstLength;
    if (length > 1) probe.burst = { index, length, discard: this.options.lyapunovDiscard ?? 0 };
    if (!allFinite(jv)) return probe;
    this.lyapunov = orthonormalizeColumns(jv).q;
    return probe;
  }
}

type Products = (columns: readonly Float64Array[]) => Float64Array[];

function productsOn(ctx: HvpContext): Products {
  return (columns) => columns.map((v) => hessianVectorProduct(ctx, v).hv);
}

function smallestEigenvalue(m: Matrix): number {
  return symmetricEigen(m).values.at(-1) ?? Infinity;
}
