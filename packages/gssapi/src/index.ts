export { type AcceptorOptions, type AcceptResult, GssAcceptor } from './gss-acceptor.js';
export { GssError } from './gss-error.js';
export { GssFlags, KRB5_MECHANISM_OID } from './gss-flags.js';
export {
  type GssRoutineError,
  type GssSupplementaryStatus,
  KRB5_ERRORS,
  type Krb5ErrorName,
  krb5ErrorName,
  routineError,
  supplementaryStatus,
} from './gss-status.js';
export { DEFAULT_ADDON_PATH, type GssapiBinding, type LoadGssapiResult, loadGssapi } from './load-gssapi.js';
