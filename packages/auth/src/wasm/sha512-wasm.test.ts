import { hash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { compileSha512Wat, SHA512_WASM_MODULE_PATH, sha512WasmModule } from '../../scripts/build-wasm.mjs';
import { SHA512_WASM_BASE64 } from './sha512-wasm.js';

const embedded = Buffer.from(SHA512_WASM_BASE64, 'base64');

describe('sha512-wasm.ts', () => {
  it('embeds exactly what wabt compiles from sha512.wat', async () => {
    const compiled = await compileSha512Wat();
    expect(Buffer.from(compiled).equals(embedded)).toBe(true);
    expect(await readFile(SHA512_WASM_MODULE_PATH, 'utf8')).toBe(sha512WasmModule(compiled));
  });
});

describe('the SHA-512 core', () => {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(embedded));
  const memory = exports.memory as WebAssembly.Memory;
  const digest = exports.digest as (msg: number, len: number, out: number) => void;
  const input = (exports.input as WebAssembly.Global).value as number;
  const output = (exports.output as WebAssembly.Global).value as number;
  const bytes = new Uint8Array(memory.buffer);

  it('agrees with node:crypto for every length up to 1300 bytes (every padding case, up to 11 blocks)', () => {
    for (let length = 0; length <= 1300; length++) {
      const message = Uint8Array.from({ length }, (_, i) => (i * 131 + length * 7) & 0xff);
      bytes.set(message, input);
      digest(input, length, output);
      const expected = hash('sha512', message, 'hex');
      const actual = Buffer.from(bytes.subarray(output, output + 64)).toString('hex');
      if (actual !== expected) expect({ length, actual }).toEqual({ length, actual: expected });
    }
  });

  it('matches the FIPS 180-4 example for "abc"', () => {
    bytes.set(Buffer.from('abc'), input);
    digest(input, 3, output);
    expect(Buffer.from(bytes.subarray(output, output + 64)).toString('hex')).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });

  it('traps, writing nothing, when the message runs past its memory', () => {
    const before = Buffer.from(bytes);
    expect(() => digest(memory.buffer.byteLength - 100, 100, output)).toThrow(WebAssembly.RuntimeError);
    expect(Buffer.from(bytes).equals(before)).toBe(true);
  });
});
