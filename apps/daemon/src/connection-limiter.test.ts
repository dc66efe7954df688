import { describe, expect, it } from 'vitest';
import { ConnectionLimiter, clientAddress } from './connection-limiter.js';
import { UserLimiter } from './user-limiter.js';

describe('ConnectionLimiter', () => {
  it('refuses past the per-address and total limits and counts releases', () => {
    const limiter = new ConnectionLimiter(3, 2);
    expect(limiter.acquire('a')).toBeNull();
    expect(limiter.acquire('a')).toBeNull();
    expect(limiter.acquire('a')).toBe('MaxConnectionFromSingleIP');
    expect(limiter.acquire('b')).toBeNull();
    expect(limiter.acquire('c')).toBe('MaxConnections');
    limiter.release('a');
    expect(limiter.total).toBe(2);
    expect(limiter.acquire('c')).toBeNull();
  });

  it('counts IPv4-mapped IPv6 addresses as the IPv4 client', () => {
    expect(clientAddress('::ffff:127.0.0.2')).toBe('127.0.0.2');
    expect(clientAddress('::1')).toBe('::1');
  });
});

describe('UserLimiter', () => {
  it('limits sessions per user, ignoring ASCII case', () => {
    const users = new UserLimiter(2);
    expect(users.acquire('alice')).toBe(true);
    expect(users.acquire('Alice')).toBe(true);
    expect(users.acquire('ALICE')).toBe(false);
    users.release('alice');
    expect(users.count('alice')).toBe(1);
    expect(users.acquire('alice')).toBe(true);
  });
});
