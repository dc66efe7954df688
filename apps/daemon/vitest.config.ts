import { poplarVitest } from '../../tooling/vitest.base.mjs';

export default poplarVitest({ globalSetup: ['test/global-setup.ts'], testTimeout: 60_000 });
