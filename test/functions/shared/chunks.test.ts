import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, ChunkIntegrityError, fromChunks, toChunks } from '../../../functions/shared/chunks.ts';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('snapshot chunks', () => {
  it('round-trip text, Chinese included', () => {
    const text = JSON.stringify({ entity: '兰州市', values: [97.85, null, 1e-7], note: '争第一' });
    expect(fromChunks(toChunks(text))).toBe(text);
  });

  it('give empty text one chunk', () => {
    const chunks = toChunks('');
    expect(chunks).toHaveLength(1);
    expect(fromChunks(chunks)).toBe('');
  });

  it('split text whose compressed form exceeds one chunk into several, each at most CHUNK_BYTES', () => {
    // Random hex compresses to about half, so this needs three chunks.
    const text = randomBytes(750 * 1024).toString('hex');
    const chunks = toChunks(text);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const c of chunks) expect(c.data.byteLength).toBeLessThanOrEqual(CHUNK_BYTES);
    expect(fromChunks(chunks)).toBe(text);
  });

  it('are named by the SHA-256 of their bytes, so the same text gives the same chunks', () => {
    const text = 'x'.repeat(10_000);
    const a = toChunks(text);
    const b = toChunks(text);
    expect(a.map((c) => c.hash)).toEqual(b.map((c) => c.hash));
    for (const c of a) expect(c.hash).toBe(sha256(c.data));
  });

  it('detect a flipped byte in any chunk and name that chunk', () => {
    const text = randomBytes(500 * 1024).toString('hex');
    const chunks = toChunks(text);
    chunks.forEach((victim, k) => {
      const tampered = chunks.map((c) => ({ hash: c.hash, data: new Uint8Array(c.data) }));
      const bytes = tampered[k]!.data;
      bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x80;
      expect(() => fromChunks(tampered)).toThrow(ChunkIntegrityError);
      expect(() => fromChunks(tampered)).toThrow(victim.hash);
    });
  });
});
