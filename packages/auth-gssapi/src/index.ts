export { failureReason } from './failure-reason.js';
export type { GssapiFailure, GssapiIdentity } from './gssapi-exchange.js';
export { createGssapiMechanism, type GssapiMechanism, type GssapiMechanismOptions } from './gssapi-mechanism.js';
export { mapPrincipal, type PrincipalMapping } from './principal-mapper.js';
export { LAYER_OFFER, type LayerChoice, NO_SECURITY_LAYER, parseLayerChoice } from './security-layer.js';
