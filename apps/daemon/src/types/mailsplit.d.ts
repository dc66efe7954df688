// The part of mailsplit's API this app uses; the package ships no types.
declare module 'mailsplit' {
  import { Transform } from 'node:stream';

  export interface SplitterOptions {
    maxHeadSize?: number;
    maxChildNodes?: number;
    ignoreEmbedded?: boolean;
  }

  export class Splitter extends Transform {
    constructor(options?: SplitterOptions);
  }
}
