// Image files made up for upload tests.
import { randomBytes } from 'node:crypto';

// A PNG header (signature + IHDR declaring width x height) followed by random bytes up to
// `size`: sniffing and size reading only look at the header, and random bytes make any
// corruption visible.
export function png(width, height, size = 2048) {
  const head = Buffer.alloc(33);
  Buffer.from('89504e470d0a1a0a', 'hex').copy(head, 0);
  head.writeUInt32BE(13, 8);
  head.write('IHDR', 12, 'latin1');
  head.writeUInt32BE(width, 16);
  head.writeUInt32BE(height, 20);
  head.writeUInt8(8, 24);
  head.writeUInt8(6, 25);
  return Buffer.concat([head, randomBytes(Math.max(0, size - head.length))]);
}
