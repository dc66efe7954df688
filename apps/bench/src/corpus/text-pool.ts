import type { Prng } from '../util/prng.js';

const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an they ' +
  'you were her she there one all we their been has when who will more no if out so what up said about into ' +
  'than them can only other new some could time these two may then do first any my now such like our over man ' +
  'me even most made after also did many before must through back years where much your way well down should ' +
  'because each just those people how too little state good very make world still own see men work long get ' +
  'here between both life being under never day same another know while last might us great old year off come ' +
  'since against go came right used take three meeting invoice report quarter budget server mailbox delivery ' +
  'schedule attached please regards thanks review draft project status update customer order shipment account'
).split(' ');

/** Lines that begin with "." so the server has to byte-stuff them; one of them is a lone ".". */
const DOT_LINES = ['.', '..', '...and so on, as discussed', '. indented with a dot', '.signature follows', '.. quoted'];

/** How often a text line starts with "." (about 6 stuffed lines in a mixed message, as mail really has). */
const DOT_LINE_RATE = 0.025;

/**
 * A pool of text lines made once per corpus from its seed; messages pick lines from it, which is much faster than
 * making every line word by word and still depends on nothing but the seed.
 */
export class TextPool {
  readonly lines: string[] = [];

  constructor(rng: Prng, size = 4096) {
    for (let i = 0; i < size; i++) {
      const target = rng.int(20, 76);
      let line = rng.pick(WORDS);
      line = line[0]!.toUpperCase() + line.slice(1);
      while (line.length < target) line += ` ${rng.pick(WORDS)}`;
      this.lines.push(line.length > 76 ? line.slice(0, 76).trimEnd() : line);
    }
  }

  /** Text of exactly `length` bytes made of whole lines, each ended by `eol` and the last one cut to fit. */
  text(rng: Prng, length: number, eol: string): string {
    const parts: string[] = [];
    let left = length;
    while (left > 0) {
      let line = rng.float() < DOT_LINE_RATE ? rng.pick(DOT_LINES) : rng.pick(this.lines);
      if (rng.float() < 0.08) line = '';
      // The last line is cut to fit; with CRLF and one byte left it is a bare LF, so the text still ends with LF.
      if (line.length + eol.length > left) line = 'x'.repeat(Math.max(0, left - eol.length));
      const piece = left < eol.length ? '\n' : line + eol;
      parts.push(piece);
      left -= piece.length;
    }
    return parts.join('');
  }
}
