// What the functions' bundles put in place of `@smithy/core/event-streams`. The SDK's HTTP protocols load
// the event-stream codec with a dynamic `import()`, only for operations that stream events (Kinesis,
// Transcribe, Bedrock…); DynamoDB, EventBridge and SQS have none. Bundled, that one dynamic import makes
// esbuild wrap every module it shares with the rest of the SDK in a lazy initialiser (~160 of them), which
// costs more at import than the codec's own 20 KB: `npm run bench:cold-start`. Reaching this module means a
// client with event-stream operations was added to a function; the error says so.

const message =
  'event streams are not bundled into the engine functions (infra/bundling/sdk/event-streams.ts): remove the alias in infra/constructs/function.ts for a function that calls an event-stream operation';

export class EventStreamSerde {
  constructor() {
    throw new Error(message);
  }
}

export function eventStreamSerdeProvider(): never {
  throw new Error(message);
}
