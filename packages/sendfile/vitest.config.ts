import { poplarVitest } from '../../tooling/vitest.base.mjs';

export default poplarVitest({ globalSetup: ['./test/build-addon.ts'] });
