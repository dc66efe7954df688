import { parentPort, workerData } from 'node:worker_threads';
import { runShard, type ShardConfig } from './shard.js';

/** Entry of a worker thread: runs its shard and posts snapshots and the outcome to the main thread. */
const port = parentPort;
if (port === null) throw new Error('worker-main runs only as a worker thread');
const outcome = await runShard(workerData as ShardConfig, (snapshot) =>
  port.postMessage({ type: 'snapshot', snapshot }),
);
port.postMessage({ type: 'done', outcome });
