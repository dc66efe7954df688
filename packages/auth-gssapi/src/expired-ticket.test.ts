import { setTimeout as sleep } from 'node:timers/promises';
import type { GssError } from '@poplar/gssapi';
import { initiatorTokens } from '@poplar/test-kdc';
import { expect, it } from 'vitest';
import { authContext, describeWithKerberos, useKerberos } from '../test/kerberos-fixture.js';
import type { GssapiFailure } from './gssapi-exchange.js';
import { createGssapiMechanism } from './gssapi-mechanism.js';

// A 1-second clock skew allowance (MIT's default is 5 minutes) lets a ticket expire within the test.
describeWithKerberos('GSSAPI mechanism and an expired ticket', () => {
  const fixture = useKerberos({ clockskew: 1 });

  it('refuses an AP-REQ whose ticket has expired', async () => {
    const { kdc } = fixture;
    const env = { ...kdc.env, KRB5CCNAME: `FILE:${kdc.dir}/short.ccache` };
    await kdc.kinit({ ccache: env.KRB5CCNAME, lifetime: '1s' });
    const [token] = (await initiatorTokens({ env, count: 1 })) as [Uint8Array];
    const failures: GssapiFailure[] = [];
    const mechanism = createGssapiMechanism({
      keytab: kdc.keytab,
      binding: fixture.binding,
      onFailure: (f) => failures.push(f),
    });
    // Lifetime 1 s plus skew 1 s: past 2 s the acceptor must refuse it.
    await sleep(3_000);
    const exchange = mechanism.start(authContext());
    expect(await exchange.step(token)).toEqual({ kind: 'failure', reason: 'credentials' });
    exchange.dispose();
    expect((failures[0]?.error as GssError).minorName).toBe('KRB5KRB_AP_ERR_TKT_EXPIRED');
  });
});
