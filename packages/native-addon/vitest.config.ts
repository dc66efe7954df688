import { poplarVitest } from '../../tooling/vitest.base.mjs';

export default poplarVitest();
