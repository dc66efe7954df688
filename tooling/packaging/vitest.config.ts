import { poplarVitest } from '../vitest.base.mjs';

// Packing, an npm install that compiles two native addons, and the TypeScript compiler take a while.
export default poplarVitest({ testTimeout: 180_000, hookTimeout: 300_000 });
