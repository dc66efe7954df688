export { type PlainMessage, parsePlainMessage } from './parse-plain-message.js';
export { createPlainMechanism, type PlainMechanismOptions } from './plain-mechanism.js';
