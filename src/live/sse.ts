/**
 * Server-sent events framing (WHATWG HTML, "Server-sent events"): an event is `event:` and
 * one `data:` line per line of the payload, ended by a blank line; a line starting with `:`
 * is a comment, which clients ignore (a heartbeat that keeps proxies from closing the stream).
 */
export function sseEvent(name: string, data: string): string {
  if (/[\r\n]/.test(name))
    throw new RangeError(`SSE event name must be one line, received ${JSON.stringify(name)}`);
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `event: ${name}\n${lines.join('')}\n`;
}

export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** Tells the client how long to wait before reconnecting. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.round(ms))}\n\n`;
}
