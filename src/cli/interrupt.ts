/**
 * What SIGINT/SIGTERM do in a command that stops gracefully: the first signal asks it to
 * `stop` (finish the current step, flush, report), a second one `quit`s at once.
 */
export function interruptHandler(actions: { stop: () => void; quit: () => void }): () => void {
  let signalled = false;
  return () => {
    if (signalled) {
      actions.quit();
      return;
    }
    signalled = true;
    actions.stop();
  };
}
