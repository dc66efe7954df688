// The daemon as a library, for embedding it or testing it in-process; the command line is cli.ts.
export { ConfigError } from './config/config-error.js';
export { type DaemonConfig, loadDaemonConfig, parseDaemonConfig } from './config/daemon-config.js';
export { type ListenAddress, parseListenAddress } from './config/listen-address.js';
export { Logger } from './logger.js';
export { checkedMessage, MessageFormatError } from './message-check.js';
export type { BoundListener } from './pop-server.js';
export { type RunningDaemon, startDaemon } from './start-daemon.js';
export { deliverMessage } from './store.js';
