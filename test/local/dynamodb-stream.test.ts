import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { acknowledgedBefore } from '../../local/dynamodb-stream.ts';

const record = (seq: string): DynamoDBRecord => ({ eventName: 'INSERT', dynamodb: { SequenceNumber: seq } });
const batch = ['100', '200', '300', '1000'].map(record);
const seqs = (records: DynamoDBRecord[]) => records.map((r) => r.dynamodb!.SequenceNumber);

describe('acknowledgedBefore (how Lambda applies a partial batch response to a stream batch)', () => {
  it('acknowledges the whole batch when nothing failed', () => {
    expect(seqs(acknowledgedBefore(batch, []))).toEqual(['100', '200', '300', '1000']);
  });

  it('acknowledges only the records before the first failed one', () => {
    expect(seqs(acknowledgedBefore(batch, [{ itemIdentifier: '300' }]))).toEqual(['100', '200']);
  });

  it('takes the lowest sequence number when several failed, comparing them as numbers', () => {
    expect(seqs(acknowledgedBefore(batch, [{ itemIdentifier: '1000' }, { itemIdentifier: '200' }]))).toEqual([
      '100',
    ]);
  });

  it('acknowledges nothing when a failure has no identifier (the whole batch is retried)', () => {
    expect(acknowledgedBefore(batch, [{ itemIdentifier: '' }])).toEqual([]);
  });
});
