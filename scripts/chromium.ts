// Debian's Chromium as the project's browser tests and scripts start it (no browser download:
// playwright's own fetch cannot reach its CDN here). The flags keep a headless Chromium off the
// network it would otherwise try at start-up (refused on these machines) and let it run as root.
export const CHROMIUM = process.env['LYAP_CHROMIUM'] ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
