import { describe, expect, it } from 'vitest';
import { EventStreamSerde, eventStreamSerdeProvider } from '../../../../infra/bundling/sdk/event-streams.ts';

describe('the event-stream stub in the functions’ bundles', () => {
  it('says where the alias is when a client reaches for the event-stream codec', () => {
    expect(() => eventStreamSerdeProvider()).toThrow(/not bundled.*infra\/constructs\/function\.ts/);
    expect(() => new EventStreamSerde()).toThrow(/not bundled/);
  });
});
