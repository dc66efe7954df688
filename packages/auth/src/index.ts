// The NT hash the users file stores for NTLM users, computed by the NTLM package (which has the MD4 it needs).
export { ntHash } from '@poplar/auth-ntlm';
export type {
  AuthContext,
  AuthExchange,
  AuthFailureReason,
  AuthMechanism,
  AuthStep,
  ConnectionInfo,
  Identity,
  PasswordVerifier,
  VerifyResult,
} from '@poplar/session';
export { generateNtKey, NT_KEY_BYTES, parseNtKey } from './nt-hash-cipher.js';
export {
  DEFAULT_HASH_SETTINGS,
  type HashSettings,
  hashPassword,
  type PasswordHash,
  type Pbkdf2Settings,
  type Pbkdf2Sha1Settings,
  type ScryptSettings,
  type Sha512CryptSettings,
  verifyPassword,
} from './password-hash.js';
export { createPasswordVerifier } from './password-verifier.js';
export { saslPrep } from './sasl-prep.js';
export {
  type AddUserOptions,
  type NtlmAccount,
  openUserDatabase,
  type SetPasswordOptions,
  UserDatabase,
  type UserDatabaseOptions,
  type UserInfo,
} from './user-database.js';
export { isValidUserName } from './user-name.js';
export { UsersFileError } from './users-file.js';
