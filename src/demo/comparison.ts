// How far a controlled run is from the best constant rate: free of TensorFlow.js, so that the
// CLI can format the summary without loading it.

/** One rate trained as a constant: what the controller is measured against. */
export interface ConstantRateBaseline {
  lr: number;
  /** Mean of the last FINAL_LOSS_STEPS minibatch losses, as the demo's summary (NaN if one was). */
  finalLoss: number;
  /** Training accuracy as the demo's summary measures it; undefined for a diverged run. */
  accuracy: number | undefined;
}

/** The best constant rate and where it comes from, for the demo's summary. */
export interface BaselineComparison {
  best: ConstantRateBaseline;
  /** Where the baseline comes from, for the line under the table. */
  source: string;
}

/** The baseline with the highest training accuracy (the lowest final loss among equals); undefined if none has one. */
export function bestBaseline(baselines: Iterable<ConstantRateBaseline>): ConstantRateBaseline | undefined {
  let best: ConstantRateBaseline | undefined;
  for (const b of baselines) {
    if (b.accuracy === undefined) continue;
    if (
      best?.accuracy === undefined ||
      b.accuracy > best.accuracy ||
      (b.accuracy === best.accuracy && b.finalLoss < best.finalLoss)
    ) {
      best = b;
    }
  }
  return best;
}
