import { describe, expect, it } from 'vitest';
import { apiRegion } from '../../cli/engine-client.ts';

describe('the region of a deployed API URL (rankwatch ack --aws --api URL)', () => {
  it('is read from execute-api host names, in the China partition too, and is undefined elsewhere', () => {
    expect(apiRegion('https://abc123.execute-api.cn-northwest-1.amazonaws.com.cn/')).toBe('cn-northwest-1');
    expect(apiRegion('https://abc123.execute-api.eu-west-1.amazonaws.com')).toBe('eu-west-1');
    expect(apiRegion('https://api.rankwatch.example.cn/')).toBeUndefined();
    expect(apiRegion('http://127.0.0.1:4000/')).toBeUndefined();
  });
});
