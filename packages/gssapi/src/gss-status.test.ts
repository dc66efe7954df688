import { describe, expect, it } from 'vitest';
import { GssError, toGssError } from './gss-error.js';
import { KRB5_ERRORS, krb5ErrorName, routineError, supplementaryStatus } from './gss-status.js';

describe('GSS status names', () => {
  it('names routine errors and supplementary bits', () => {
    expect(routineError(0x000d0000)).toBe('GSS_S_FAILURE');
    expect(routineError(0x00090000)).toBe('GSS_S_DEFECTIVE_TOKEN');
    expect(routineError(0)).toBeUndefined();
    expect(supplementaryStatus(0x00000003)).toEqual(['GSS_S_CONTINUE_NEEDED', 'GSS_S_DUPLICATE_TOKEN']);
    expect(supplementaryStatus(0x000d0000)).toEqual([]);
  });

  it('names krb5 minor codes, given signed or unsigned', () => {
    expect(krb5ErrorName(KRB5_ERRORS.KRB5KRB_AP_ERR_REPEAT)).toBe('KRB5KRB_AP_ERR_REPEAT');
    expect(krb5ErrorName(2529638944)).toBe('KRB5KRB_AP_ERR_TKT_EXPIRED');
    expect(krb5ErrorName(12)).toBeUndefined();
  });
});

describe('GssError', () => {
  it('is built from the binding errors and exposes the decoded status', () => {
    const native = Object.assign(new Error('gss_accept_sec_context: Request is a replay'), {
      gssOperation: 'gss_accept_sec_context',
      gssMajor: 0x000d0000,
      gssMinor: KRB5_ERRORS.KRB5KRB_AP_ERR_REPEAT,
    });
    const error = toGssError(native);
    expect(error).toBeInstanceOf(GssError);
    const gss = error as GssError;
    expect(gss.name).toBe('GssError');
    expect(gss.message).toBe('gss_accept_sec_context: Request is a replay');
    expect([gss.operation, gss.routineError, gss.minorName]).toEqual([
      'gss_accept_sec_context',
      'GSS_S_FAILURE',
      'KRB5KRB_AP_ERR_REPEAT',
    ]);
  });

  it('leaves other errors alone', () => {
    const plain = new TypeError('token must be a Uint8Array');
    expect(toGssError(plain)).toBe(plain);
    expect(toGssError('text')).toBe('text');
  });
});
