import cluster from 'node:cluster';
import { runWorker } from './run-worker.js';

// The entry point of a worker process, which the primary of `poplard serve` starts with node:cluster.
process.exitCode = await runWorker();
// Letting go of the IPC channel lets the process end once its last socket is gone; the timer is only a backstop.
cluster.worker?.disconnect();
setTimeout(() => process.exit(), 10_000).unref();
