/** Where each contract's versioned sample event lives, and reading it (for tests, docs and the local demo). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EventContract } from './envelope.ts';

/** `events/samples/v<version>/<DetailType>.json`: a full EventBridge event as a consumer receives it. */
export function samplePath(contract: Pick<EventContract, 'detailType' | 'version'>): string {
  return fileURLToPath(
    new URL(`./samples/v${contract.version}/${contract.detailType}.json`, import.meta.url),
  );
}

/** The sample event of a contract, parsed from JSON but not validated. */
export function readSample(contract: Pick<EventContract, 'detailType' | 'version'>): unknown {
  return JSON.parse(readFileSync(samplePath(contract), 'utf8'));
}
