import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CRLF_KERNEL_MODULE_PATH, compileCrlfKernel, crlfKernelModule } from '../scripts/build-crlf-kernel.mjs';
import { CRLF_KERNEL_WASM_BASE64 } from './crlf-kernel-wasm.js';

describe('crlf-kernel-wasm.ts', () => {
  it('embeds exactly what wabt compiles from crlf-kernel.wat', async () => {
    const compiled = await compileCrlfKernel();
    expect(Buffer.from(compiled).equals(Buffer.from(CRLF_KERNEL_WASM_BASE64, 'base64'))).toBe(true);
    expect(await readFile(CRLF_KERNEL_MODULE_PATH, 'utf8')).toBe(crlfKernelModule(compiled));
  });
});
