export { ntHash } from './nt-hash.js';
export { createNtlmMechanism, type NtlmAccount, type NtlmMechanismOptions } from './ntlm-mechanism.js';
