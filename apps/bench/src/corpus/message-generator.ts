import { createCipheriv, createHash } from 'node:crypto';
import { CHECKSUM_HEADER } from '../protocol/checksum-checker.js';
import { Prng } from '../util/prng.js';
import { CRC32C_HEADER, crc32c } from './crc32c.js';
import type { MessageShape } from './profiles.js';
import type { TextPool } from './text-pool.js';
import { toWireForm } from './wire-form.js';

export interface MessageSpec {
  seed: string;
  /** The recipient's user name. */
  user: string;
  /** Tells messages of one user apart; the same (seed, user, id) always gives the same bytes. */
  id: number;
  shape: MessageShape;
}

const NAMES = ['Alice Martin', 'Bob Chen', 'Carol Diaz', 'Dan Okafor', 'Erin Novak', 'Frank Weber', 'Grace Ito'];
const BASE64_LINE = 76;
const BASE_TIME = Date.UTC(2026, 0, 5);

/**
 * Makes one message in stored form (LF line ends unless the shape asks for CRLF), with realistic headers, an
 * X-Bench-Checksum header holding the SHA-256 of the body as sent on the wire and an X-Bench-CRC32C header holding
 * its CRC-32C (which the native client checks, at a fraction of the cost).
 */
export function generateMessage(pool: TextPool, spec: MessageSpec): Buffer {
  const rng = new Prng(`${spec.seed}/${spec.user}/${spec.id}`);
  const eol = spec.shape.crlf ? '\r\n' : '\n';
  const boundary = spec.shape.attachment ? `=_bench_${rng.hex(12)}` : undefined;
  const header = headerLines(rng, spec, eol, boundary);
  const headerLength = Buffer.byteLength(
    header.replace('%CHECKSUM%', '0'.repeat(64)).replace('%CRC32C%', '0'.repeat(8)),
  );
  const bodyLength = Math.max(64, spec.shape.storedSize - headerLength);
  let body =
    boundary === undefined
      ? Buffer.from(pool.text(rng, bodyLength, eol))
      : multipartBody(rng, pool, spec, bodyLength, eol, boundary);
  if (spec.shape.noFinalLf && body[body.length - 1] === 0x0a) {
    body = Buffer.concat([body.subarray(0, body.length - eol.length), Buffer.from('z'.repeat(eol.length))]);
  }
  const wire = toWireForm(body, false);
  const checksum = createHash('sha256').update(wire).digest('hex');
  return Buffer.concat([Buffer.from(header.replace('%CHECKSUM%', checksum).replace('%CRC32C%', crc32c(wire))), body]);
}

function headerLines(rng: Prng, spec: MessageSpec, eol: string, boundary: string | undefined): string {
  const name = rng.pick(NAMES);
  const from = `${name.split(' ')[0]!.toLowerCase()}@example.net`;
  const host = rng.int(1, 254);
  const date = new Date(BASE_TIME + spec.id * 37_000 + rng.int(0, 36_000)).toUTCString().replace('GMT', '+0000');
  return [
    `Return-Path: <${from}>`,
    `Received: from mail${host}.example.net (mail${host}.example.net [192.0.2.${host}])`,
    `\tby mx.example.org (Postfix) with ESMTPS id ${rng.hex(10).toUpperCase()}`,
    `\tfor <${spec.user}@example.org>; ${date}`,
    `Date: ${date}`,
    `From: ${name} <${from}>`,
    `To: <${spec.user}@example.org>`,
    `Subject: ${rng.pick(['Re: ', 'Fwd: ', ''])}${rng.pick(['Quarterly report', 'Meeting notes', 'Invoice', 'Status update', 'Draft for review'])} #${spec.id}`,
    `Message-ID: <${rng.hex(16)}.${spec.id}@example.net>`,
    'MIME-Version: 1.0',
    boundary === undefined
      ? 'Content-Type: text/plain; charset=utf-8'
      : `Content-Type: multipart/mixed; boundary="${boundary}"`,
    ...(boundary === undefined ? ['Content-Transfer-Encoding: 8bit'] : []),
    `${CHECKSUM_HEADER}: %CHECKSUM%`,
    `${CRC32C_HEADER}: %CRC32C%`,
    '',
    '',
  ].join(eol);
}

function multipartBody(
  rng: Prng,
  pool: TextPool,
  spec: MessageSpec,
  length: number,
  eol: string,
  boundary: string,
): Buffer {
  const text = pool.text(rng, rng.int(512, 4096), eol);
  const file = `attachment-${spec.id}.bin`;
  const head = [
    'This is a multi-part message in MIME format.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `${text}--${boundary}`,
    `Content-Type: application/octet-stream; name="${file}"`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="${file}"`,
    '',
    '',
  ].join(eol);
  const tail = `--${boundary}--${eol}`;
  const room = Math.max(0, length - head.length - tail.length);
  const lines = Math.max(1, Math.floor(room / (BASE64_LINE + eol.length)));
  const raw = randomBytes(`${spec.seed}/${spec.user}/${spec.id}/attachment`, lines * 57);
  const encoded = Buffer.from(raw.toString('base64'), 'latin1');
  const out = Buffer.allocUnsafe(head.length + lines * (BASE64_LINE + eol.length) + tail.length);
  let at = out.write(head, 0, 'latin1');
  for (let start = 0; start < encoded.length; start += BASE64_LINE) {
    at += encoded.copy(out, at, start, Math.min(start + BASE64_LINE, encoded.length));
    at += out.write(eol, at, 'latin1');
  }
  at += out.write(tail, at, 'latin1');
  return out.subarray(0, at);
}

/** Deterministic bytes: an AES-128-CTR key stream keyed from the seed, so large attachments cost little to make. */
function randomBytes(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return cipher.update(Buffer.alloc(length));
}
