import { main } from './main.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything lyap does is awaited by main; a handle still open 2 s later (a Kafka client's
// retry timer after a broker went away, say) must not keep a finished command alive.
setTimeout(() => {
  process.stderr.write(`lyap: exiting with ${code}; open handles remained after the command ended\n`);
  process.exit(code);
}, 2_000).unref();
