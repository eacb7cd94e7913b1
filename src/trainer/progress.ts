import { symmetricEigen } from '../dynamics/index.js';
import type { GradientEvent } from '../events/index.js';

/** Running numbers for the terminal progress line: steps/s and the last known sharpness. */
export class Progress {
  private readonly startedMs: number;
  private sharpness: number | undefined;

  constructor(
    private readonly totalSteps: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.startedMs = clock();
  }

  observe(gradient: GradientEvent): void {
    const rayleigh = gradient.probe?.sharpness?.rayleigh;
    if (rayleigh !== undefined && rayleigh.every((row) => row.every((x) => Number.isFinite(x)))) {
      this.sharpness = symmetricEigen(rayleigh).values[0];
    }
  }

  line(gradient: GradientEvent): string {
    const seconds = (this.clock() - this.startedMs) / 1000;
    const rate = seconds > 0 ? (gradient.step + 1) / seconds : 0;
    const parts = [
      `step ${gradient.step + 1}/${this.totalSteps}`,
      `${rate.toFixed(1)} steps/s`,
      `loss ${format(gradient.loss)}`,
      `lr ${format(gradient.lr)}`,
      `sharpness ${this.sharpness === undefined ? '-' : format(this.sharpness)}`,
    ];
    return parts.join('  ');
  }
}

function format(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  return abs !== 0 && (abs >= 1e4 || abs < 1e-3) ? x.toExponential(3) : x.toPrecision(4);
}
