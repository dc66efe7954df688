import { copyInto } from './copy-into.js';
import { CRLF_KERNEL_WASM_BASE64 } from './crlf-kernel-wasm.js';

const LF = 0x0a;
const CR = 0x0d;

/** Input bytes per kernel call: input, output and slack fit 4 pages (256 KiB), whatever a caller passes. */
export const CRLF_SLICE = 64 * 1024;
/** The kernel reads and writes up to 15 bytes past its regions (see crlf-kernel.wat). */
const SLACK = 16;
const PAGE = 64 * 1024;

// The part of the WebAssembly API used here; TypeScript declares it only along with the DOM.
declare const WebAssembly: {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: Record<string, unknown> };
};

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface Kernel {
  readonly memory: WasmMemory;
  readonly convert: (src: number, n: number, dst: number, prevCr: number) => number;
  bytes: Uint8Array;
}

let kernel: Kernel | null | undefined;

/** The kernel, compiled and instantiated once per process; null where WebAssembly (with SIMD) is unavailable. */
function loadKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const module = new WebAssembly.Module(Buffer.from(CRLF_KERNEL_WASM_BASE64, 'base64'));
    const { exports } = new WebAssembly.Instance(module);
    const memory = exports.memory as WasmMemory;
    kernel = { memory, convert: exports.convert as Kernel['convert'], bytes: new Uint8Array(memory.buffer) };
  } catch {
    // No WebAssembly (node --jitless) or no SIMD: the JavaScript loop does it all.
    kernel = null;
  }
  return kernel;
}

/** Bytes of wasm memory in use (0 without WebAssembly): at most a few hundred KiB, whatever came through. */
export function crlfKernelMemoryBytes(): number {
  return kernel?.bytes.length ?? 0;
}

/**
 * The CRLF form of `input`: every LF not preceded by CR gains one; `prevCr` tells whether the byte before `input`
 * (the end of the previous chunk) was CR. Returns `input` itself when it has no bare LF, else a new Buffer: of the
 * exact size when the input fits one slice, else a view of one sized for the worst case.
 */
export function convertCrlf(input: Buffer, prevCr: boolean): Buffer {
  const k = loadKernel();
  if (k === null) return convertCrlfInJs(input, prevCr);
  // Slice by slice, so the wasm memory stays small. The output is allocated at the first slice that changes: with
  // the exact size if it is the last, else for the worst case (every byte after it a bare LF), which costs less
  // than gathering the slices and copying them again.
  let out: Buffer | null = null;
  let o = 0;
  for (let start = 0; start < input.length; start += CRLF_SLICE) {
    const end = Math.min(start + CRLF_SLICE, input.length);
    const converted = convertInMemory(k, input.subarray(start, end), start > 0 ? input[start - 1] === CR : prevCr);
    if (out === null) {
      if (converted.length === end - start) continue;
      out = Buffer.allocUnsafe(start + (end === input.length ? converted.length : 2 * (input.length - start)));
      o = copyInto(out, 0, input, 0, start);
    }
    out.set(converted, o);
    o += converted.length;
  }
  return out === null ? input : out.subarray(0, o);
}

/**
 * convertCrlf() written into `output` at `offset` instead of a new buffer; the number of bytes written, or -1 when
 * they would not fit (what was written by then is meaningless).
 */
export function convertCrlfInto(input: Buffer, prevCr: boolean, output: Uint8Array, offset: number): number {
  const k = loadKernel();
  if (k === null) {
    const converted = convertCrlfInJs(input, prevCr);
    if (offset + converted.length > output.length) return -1;
    output.set(converted, offset);
    return converted.length;
  }
  let o = offset;
  for (let start = 0; start < input.length; start += CRLF_SLICE) {
    const end = Math.min(start + CRLF_SLICE, input.length);
    const converted = convertInMemory(k, input.subarray(start, end), start > 0 ? input[start - 1] === CR : prevCr);
    if (o + converted.length > output.length) return -1;
    output.set(converted, o);
    o += converted.length;
  }
  return o - offset;
}

/** Converts one slice in the kernel's memory; the result is a view of that memory, valid until the next call. */
function convertInMemory(k: Kernel, slice: Buffer, prevCr: boolean): Uint8Array {
  const n = slice.length;
  const dst = (n + SLACK + 15) & ~15;
  const needed = dst + 2 * n + SLACK;
  if (k.bytes.length < needed) {
    k.memory.grow(Math.ceil((needed - k.bytes.length) / PAGE));
    k.bytes = new Uint8Array(k.memory.buffer);
  }
  k.bytes.set(slice, 0);
  return k.bytes.subarray(dst, dst + k.convert(0, n, dst, prevCr ? 1 : 0));
}

/** The same in plain JavaScript, for where WebAssembly is unavailable: a native search and a copy per bare LF. */
export function convertCrlfInJs(input: Buffer, prevCr: boolean): Buffer {
  const n = input.length;
  let lf = input.indexOf(LF);
  while (lf >= 0 && (lf > 0 ? input[lf - 1] === CR : prevCr)) lf = input.indexOf(LF, lf + 1);
  if (lf < 0) return input;
  // From the first bare LF on, at worst every byte is a LF that gains a CR.
  const out = Buffer.allocUnsafe(n + (n - lf));
  let o = 0;
  let i = 0;
  for (; lf >= 0; lf = input.indexOf(LF, i)) {
    o += copyInto(out, o, input, i, lf);
    if (!(lf > 0 ? input[lf - 1] === CR : prevCr)) out[o++] = CR;
    out[o++] = LF;
    i = lf + 1;
  }
  o += copyInto(out, o, input, i, n);
  return out.subarray(0, o);
}
