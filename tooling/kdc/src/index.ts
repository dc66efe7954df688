export { cli } from './cli.js';
export { findKerberosTools, type KerberosTools, type KerberosToolsResult, krb5DevInstalled } from './kerberos-tools.js';
export {
  initiatorTokens,
  type LayerOffer,
  SaslGssapiClient,
  type SaslGssapiClientOptions,
} from './sasl-gssapi-client.js';
export { alive, stopProcess } from './stop-process.js';
export {
  type KinitOptions,
  shellExports,
  startTestKdc,
  TEST_PASSWORD,
  TEST_USER,
  type TestKdc,
  type TestKdcEnv,
  type TestKdcOptions,
} from './test-kdc.js';
