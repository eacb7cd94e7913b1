import { main } from './main.js';

// A reader that went away (`lyap --help | head`, `lyap replay -o - | head`) has all it wanted:
// end quietly with what the command had so far, as a Unix tool does, not with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything lyap does is awaited by main; a handle still open 2 s later (a Kafka client's
// retry timer after a broker went away, say) must not keep a finished command alive.
setTimeout(() => {
  process.stderr.write(`lyap: exiting with ${code}; open handles remained after the command ended\n`);
  process.exit(code);
}, 2_000).unref();
