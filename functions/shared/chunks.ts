// Snapshot bodies as compressed, content-addressed chunks: gzip, split under the 400 KB item limit, and
// keyed by the SHA-256 of each chunk's bytes so writing one twice changes nothing.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/** Bytes per chunk: well under DynamoDB's 400 KB item limit with keys and attribute names. */
export const CHUNK_BYTES = 350 * 1024;

export interface Chunk {
  hash: string;
  data: Uint8Array;
}

export function toChunks(text: string): Chunk[] {
  const zipped = gzipSync(Buffer.from(text, 'utf8'), { level: 6 });
  const out: Chunk[] = [];
  for (let off = 0; off < zipped.length || out.length === 0; off += CHUNK_BYTES) {
    const data = new Uint8Array(zipped.subarray(off, off + CHUNK_BYTES));
    out.push({ hash: createHash('sha256').update(data).digest('hex'), data });
  }
  return out;
}

export class ChunkIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkIntegrityError';
  }
}

/** Reassembles text from chunks in order, checking each chunk's bytes against its content address. */
export function fromChunks(chunks: readonly Chunk[]): string {
  for (const c of chunks) {
    const actual = createHash('sha256').update(c.data).digest('hex');
    if (actual !== c.hash) throw new ChunkIntegrityError(`chunk ${c.hash} has content hash ${actual}`);
  }
  return gunzipSync(Buffer.concat(chunks.map((c) => c.data))).toString('utf8');
}
