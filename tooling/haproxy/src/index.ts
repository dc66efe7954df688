export { findHaproxy } from './find-haproxy.js';
export { freePort } from './free-port.js';
export { type HaproxyConfigOptions, haproxyConfig, type SendProxy } from './haproxy-config.js';
export { type RunningHaproxy, type StartHaproxyOptions, startHaproxy } from './start-haproxy.js';
export { isListening } from './tcp-listening.js';
