/**
 * The top-level fields a decoded event arrived with that its schema does not know, as they were
 * on the wire. The decoder drops them (docs/events.md: unknown keys are stripped) but keeps
 * them here for the one signed event type, `lr-command`: its signature covers every field the
 * signer wrote, so a trainer verifies over the fields it decoded plus these, and a controller
 * may add a field without every deployed trainer rejecting its commands as forged.
 *
 * Keyed weakly by the decoded event object: a copy (`{ ...command }`) has none, and an event
 * built in code has none; nothing is kept once the event is dropped.
 */
const unknownByEvent = new WeakMap<object, Readonly<Record<string, unknown>>>();

/** Keeps the fields of `wire` that are not in `known` for `event` (nothing when there are none). */
export function keepUnknownFields(
  event: object,
  wire: Readonly<Record<string, unknown>>,
  known: ReadonlySet<string>,
): void {
  const unknown = Object.entries(wire).filter(([key]) => !known.has(key));
  // fromEntries defines the keys (a "__proto__" key stays a plain field).
  if (unknown.length > 0) unknownByEvent.set(event, Object.freeze(Object.fromEntries(unknown)));
}

/** The fields `event` arrived with that the decoder did not know; undefined when there were none. */
export function unknownFieldsOf(event: object): Readonly<Record<string, unknown>> | undefined {
  return unknownByEvent.get(event);
}
