import { describe, expect, it } from 'vitest';
import { AvId, encodeAvPairs } from './av-pairs.js';
import { md4 } from './md4.js';
import { ntHash } from './nt-hash.js';
import { desl, hmacMd5, md5, ntowfv2, windowsUpperCase } from './ntlm-crypto.js';
import { NtlmFlag } from './ntlm-flags.js';
import { verifyNtlmV1 } from './ntlm-v1.js';
import { parseNtlmV2Response, verifyNtlmV2 } from './ntlm-v2.js';
import { rc4 } from './rc4.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (text: string) => Buffer.from(text, 'hex');

// MS-NLMP §4.2.1 common values.
const USER = 'User';
const DOMAIN = 'Domain';
const PASSWORD = 'Password';
const SERVER_CHALLENGE = bytes('0123456789abcdef');
const CLIENT_CHALLENGE = bytes('aaaaaaaaaaaaaaaa');
const RANDOM_SESSION_KEY = bytes('55555555555555555555555555555555');

describe('MS-NLMP §4.2.2 NTLMv1', () => {
  it('NTOWFv1 is the NT hash', () => {
    expect(hex(ntHash(PASSWORD))).toBe('a4f49c406510bdcab6824ee7c30fd852');
  });

  it('NTLMv1 response = DESL(NTOWFv1, ServerChallenge)', () => {
    expect(hex(desl(ntHash(PASSWORD), SERVER_CHALLENGE))).toBe('67c43011f30298a2ad35ece64f16331c44bdbed927841f94');
  });

  it('SessionBaseKey = MD4(NTOWFv1)', () => {
    expect(hex(md4(ntHash(PASSWORD)))).toBe('d87262b0cde4b1cb7499becccdf10784');
  });

  it('verifyNtlmV1 accepts the vector and refuses another password', () => {
    const response = bytes('67c43011f30298a2ad35ece64f16331c44bdbed927841f94');
    const lm = bytes('98def7b87f88aa5dafe2df779688a172def11c7d5ccdef13');
    expect(verifyNtlmV1(ntHash(PASSWORD), SERVER_CHALLENGE, 0, lm, response)).toBe(true);
    expect(verifyNtlmV1(ntHash('password'), SERVER_CHALLENGE, 0, lm, response)).toBe(false);
  });
});

describe('MS-NLMP §4.2.3 NTLMv1 with client challenge (extended session security)', () => {
  const lm = Buffer.concat([CLIENT_CHALLENGE, new Uint8Array(16)]);
  const nt = bytes('7537f803ae367128ca458204bde7caf81e97ed2683267232');

  it('NTLMv1-ESS response = DESL(NTOWFv1, MD5(SC || CC)[0..8])', () => {
    const challenge = md5(SERVER_CHALLENGE, CLIENT_CHALLENGE).subarray(0, 8);
    expect(hex(desl(ntHash(PASSWORD), challenge))).toBe(hex(nt));
  });

  it('verifyNtlmV1 needs the ESS flag to read the LM field as the client challenge', () => {
    const flags = NtlmFlag.EXTENDED_SESSIONSECURITY;
    expect(verifyNtlmV1(ntHash(PASSWORD), SERVER_CHALLENGE, flags, lm, nt)).toBe(true);
    expect(verifyNtlmV1(ntHash(PASSWORD), SERVER_CHALLENGE, 0, lm, nt)).toBe(false);
  });
});

describe('MS-NLMP §4.2.4 NTLMv2', () => {
  const responseKeyNt = ntowfv2(ntHash(PASSWORD), USER, DOMAIN);
  // The §4.2.4 CHALLENGE's TargetInfo: MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server", MsvAvEOL.
  const targetInfo = encodeAvPairs([
    { id: AvId.NB_DOMAIN_NAME, value: Buffer.from('Domain', 'utf16le') },
    { id: AvId.NB_COMPUTER_NAME, value: Buffer.from('Server', 'utf16le') },
  ]);
  // temp (§3.3.2): 0x01 0x01, 6 zero bytes, Time (0 here), ClientChallenge, 4 zero bytes, AV pairs, 4 zero bytes.
  const temp = Buffer.concat([
    bytes('0101000000000000'),
    new Uint8Array(8),
    CLIENT_CHALLENGE,
    new Uint8Array(4),
    targetInfo,
    new Uint8Array(4),
  ]);
  const ntProofStr = hmacMd5(responseKeyNt, SERVER_CHALLENGE, temp);

  it('NTOWFv2', () => {
    expect(hex(responseKeyNt)).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
  });

  it('NTProofStr', () => {
    expect(hex(ntProofStr)).toBe('68cd0ab851e51c96aabc927bebef6a1c');
  });

  it('SessionBaseKey', () => {
    expect(hex(hmacMd5(responseKeyNt, ntProofStr))).toBe('8de40ccadbc14a82f15cb0ad0de95ca3');
  });

  it('LMv2 response', () => {
    const lmv2 = Buffer.concat([hmacMd5(responseKeyNt, SERVER_CHALLENGE, CLIENT_CHALLENGE), CLIENT_CHALLENGE]);
    expect(hex(lmv2)).toBe('86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
  });

  it('EncryptedRandomSessionKey = RC4(SessionBaseKey, RandomSessionKey)', () => {
    const sessionBaseKey = hmacMd5(responseKeyNt, ntProofStr);
    expect(hex(rc4(sessionBaseKey, RANDOM_SESSION_KEY))).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
  });

  it('verifyNtlmV2 returns the SessionBaseKey for the right password only', () => {
    const response = parseNtlmV2Response(Buffer.concat([ntProofStr, temp]));
    expect(response).not.toBeNull();
    if (response === null) return;
    expect(response.micPresent).toBe(false);
    expect(response.timestamp).toBe(0n);
    const key = verifyNtlmV2(ntHash(PASSWORD), USER, DOMAIN, SERVER_CHALLENGE, response);
    expect(key && hex(key)).toBe('8de40ccadbc14a82f15cb0ad0de95ca3');
    // The user name is case-insensitive, the domain is not (but an empty domain is also tried).
    expect(verifyNtlmV2(ntHash(PASSWORD), 'USER', DOMAIN, SERVER_CHALLENGE, response)).not.toBeNull();
    expect(verifyNtlmV2(ntHash(PASSWORD), USER, 'DOMAIN', SERVER_CHALLENGE, response)).toBeNull();
    expect(verifyNtlmV2(ntHash('password'), USER, DOMAIN, SERVER_CHALLENGE, response)).toBeNull();
    expect(verifyNtlmV2(ntHash(PASSWORD), USER, DOMAIN, bytes('0123456789abcdee'), response)).toBeNull();
  });
});

describe('windowsUpperCase', () => {
  it('upper-cases code unit by code unit without changing the length', () => {
    expect(windowsUpperCase('alice')).toBe('ALICE');
    expect(windowsUpperCase('straße')).toBe('STRAßE');
    expect(windowsUpperCase('ﬀoo')).toBe('ﬀOO');
    expect(windowsUpperCase('éclair')).toBe('ÉCLAIR');
    expect(windowsUpperCase('𐐨x')).toBe('𐐨X'); // a surrogate pair is two code units: left alone
  });
});
