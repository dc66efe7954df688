import { GssError, KRB5_ERRORS } from '@poplar/gssapi';
import { describe, expect, it } from 'vitest';
import { failureReason } from './failure-reason.js';

const FAILURE = 0x000d0000;
const gss = (operation: string, major: number, minor: number) =>
  new GssError(`${operation}: test`, { operation, major, minor });

describe('failureReason', () => {
  it('blames the client for what is wrong with its tokens', () => {
    for (const name of [
      'KRB5KRB_AP_ERR_REPEAT',
      'KRB5KRB_AP_ERR_TKT_EXPIRED',
      'KRB5KRB_AP_ERR_SKEW',
      'KRB5KRB_AP_ERR_NOT_US',
      'KRB5KRB_AP_ERR_MODIFIED',
    ] as const) {
      expect(failureReason(gss('gss_accept_sec_context', FAILURE, KRB5_ERRORS[name]))).toBe('credentials');
    }
    expect(failureReason(gss('gss_accept_sec_context', 0x00090000, 0))).toBe('credentials');
    expect(failureReason(gss('gss_unwrap', 0x00060000, 0))).toBe('credentials');
    // MIT reports a truncated token with a mechglue minor code.
    expect(failureReason(gss('gss_accept_sec_context', FAILURE, 100001))).toBe('credentials');
  });

  it('blames the server for its keytab, replay cache and system errors', () => {
    expect(failureReason(gss('gss_acquire_cred_from', 0x00070000, KRB5_ERRORS.KRB5_KT_NOTFOUND))).toBe('temporary');
    expect(failureReason(gss('gss_accept_sec_context', FAILURE, KRB5_ERRORS.KRB5_RC_IO_PERM))).toBe('temporary');
    expect(failureReason(gss('gss_accept_sec_context', FAILURE, KRB5_ERRORS.KRB5_KT_KVNONOTFOUND))).toBe('temporary');
    expect(failureReason(gss('gss_accept_sec_context', FAILURE, 2))).toBe('temporary');
    expect(failureReason(gss('gss_accept_sec_context', FAILURE, 13))).toBe('temporary');
    expect(failureReason(gss('gss_wrap', FAILURE, 0))).toBe('temporary');
    expect(failureReason(new Error('the acceptor was disposed during the step'))).toBe('temporary');
  });
});
