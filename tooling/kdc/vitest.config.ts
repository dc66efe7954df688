import { poplarVitest } from '../vitest.base.mjs';

export default poplarVitest();
