import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  contractForEvent,
  DEPARTMENT_EVENT_CONTRACTS,
  DEPARTMENT_SOURCE_PREFIX,
  departmentFromSource,
  ENGINE_EVENT_CONTRACTS,
  ENGINE_SOURCE,
  EVENT_CONTRACTS,
  findContract,
  jsonSchemaFor,
  schemaFileName,
} from '../../events/index.ts';
import { readSample } from '../../events/samples.ts';
import { validateDraft4 } from './draft4.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const published = (name: string) =>
  JSON.parse(readFileSync(`${root}events/schemas/published/${name}`, 'utf8')) as Record<string, unknown>;
type Sample = { source: string; 'detail-type': string; detail: Record<string, unknown> };
const sampleOf = (c: (typeof EVENT_CONTRACTS)[number]) => readSample(c) as Sample;

describe('the event registry', () => {
  it('has one v1 contract per detail-type, named Noun.PastTense', () => {
    const names = EVENT_CONTRACTS.map((c) => c.detailType);
    expect(new Set(names).size).toBe(names.length);
    for (const c of EVENT_CONTRACTS) {
      expect(c.detailType).toMatch(/^[A-Z][A-Za-z]+\.[A-Z][A-Za-z]+$/);
      expect(c.version).toBe(1);
    }
  });

  it('has exactly one sample per contract and no sample without a contract', () => {
    const files = readdirSync(`${root}events/samples/v1`).sort();
    expect(files).toEqual(EVENT_CONTRACTS.map((c) => `${c.detailType}.json`).sort());
  });

  it('splits contracts into the two department inputs and the eight engine events', () => {
    expect(DEPARTMENT_EVENT_CONTRACTS).toHaveLength(2);
    expect(ENGINE_EVENT_CONTRACTS).toHaveLength(8);
    for (const c of DEPARTMENT_EVENT_CONTRACTS)
      expect(c.sourcePattern).toEqual([{ prefix: DEPARTMENT_SOURCE_PREFIX }]);
    for (const c of ENGINE_EVENT_CONTRACTS) expect(c.sourcePattern).toEqual([ENGINE_SOURCE]);
  });

  it('finds a contract by detail-type and by the schemaVersion an event declares', () => {
    const [first] = EVENT_CONTRACTS;
    expect(findContract(first.detailType)).toBe(first);
    expect(findContract(first.detailType, 2)).toBeUndefined();
    expect(findContract('Nothing.Happened')).toBeUndefined();
    const sample = sampleOf(first);
    expect(contractForEvent(sample)).toBe(first);
    expect(contractForEvent({ ...sample, detail: { ...sample.detail, schemaVersion: 2 } })).toBeUndefined();
    expect(contractForEvent({ detail: sample.detail })).toBeUndefined();
  });
});

describe.each(EVENT_CONTRACTS.map((c) => [c.detailType, c] as const))(
  'the %s v1 sample',
  (_name, contract) => {
    const sample = sampleOf(contract);
    const generated = jsonSchemaFor(contract);
    const frozen = published(schemaFileName(contract));

    it('is a full EventBridge event of its detail-type', () => {
      expect(Object.keys(sample).sort()).toEqual(
        ['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version'].sort(),
      );
      expect(sample['detail-type']).toBe(contract.detailType);
      expect(sample.detail.schemaVersion).toBe(contract.version);
    });

    it('comes from the source its producer uses', () => {
      expect(contract.matchesSource(sample.source)).toBe(true);
      if (contract.producer.kind === 'engine') expect(sample.source).toBe(ENGINE_SOURCE);
      else expect(departmentFromSource(sample.source)).toBeDefined();
      expect(
        contract.matchesSource(contract.producer.kind === 'engine' ? 'dept.hotline12345' : ENGINE_SOURCE),
      ).toBe(false);
    });

    it('validates against its zod envelope and detail schemas', () => {
      expect(contract.envelope.safeParse(sample).error?.issues).toBeUndefined();
      expect(contract.detail.safeParse(sample.detail).error?.issues).toBeUndefined();
    });

    it('validates against its generated and its published Draft 4 JSON Schema', () => {
      expect(validateDraft4(generated, sample)).toEqual([]);
      expect(validateDraft4(frozen, sample)).toEqual([]);
    });

    it('fails all three schemas once its schemaVersion is missing or its detail is not an object', () => {
      const { schemaVersion: _, ...withoutVersion } = sample.detail;
      for (const broken of [
        { ...sample, detail: withoutVersion },
        { ...sample, detail: [sample.detail] },
      ]) {
        expect(contract.envelope.safeParse(broken).success).toBe(false);
        expect(validateDraft4(generated, broken)).not.toEqual([]);
        expect(validateDraft4(frozen, broken)).not.toEqual([]);
      }
    });

    it('fails when it claims another detail-type', () => {
      const other = EVENT_CONTRACTS.find((c) => c !== contract)!;
      const renamed = { ...sample, 'detail-type': other.detailType };
      expect(contract.envelope.safeParse(renamed).success).toBe(false);
      expect(validateDraft4(generated, renamed)).toContain(
        `detail-type should be one of ${JSON.stringify([contract.detailType])}`,
      );
    });
  },
);

describe('event names', () => {
  const codeDirs = ['bin', 'cli', 'domain', 'functions', 'infra', 'local', 'scenarios', 'events'];
  const tsFiles = (dir: string): string[] => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return [];
    }
    return entries.flatMap((name) => {
      const path = `${dir}/${name}`;
      if (name === 'node_modules') return [];
      if (statSync(path).isDirectory()) return tsFiles(path);
      return /\.(ts|js|mjs)$/.test(name) ? [path] : [];
    });
  };

  // comments may name events freely; only code counts
  const withoutComments = (code: string) =>
    code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

  const literalOf = (name: string) => new RegExp(`['"\`]${name.replace('.', '\\.')}['"\`]`, 'g');

  it('are found in code but not in comments by the scan', () => {
    const code =
      "/** `Ranking.Slipped` */\nconst a = 'Ranking.Slipped'; // see 'Ranking.Slipped'\nconst b = `Ranking.Slipped`;";
    expect(withoutComments(code).match(literalOf('Ranking.Slipped'))).toHaveLength(2);
  });

  it('are written as a string literal exactly once in the code, where the contract defines them', () => {
    const files = codeDirs.flatMap((d) => tsFiles(`${root}${d}`));
    for (const { detailType } of EVENT_CONTRACTS) {
      const literal = literalOf(detailType);
      const places = files.flatMap((f) =>
        (withoutComments(readFileSync(f, 'utf8')).match(literal) ?? []).map(() => f.slice(root.length)),
      );
      expect(places, detailType).toHaveLength(1);
    }
  });
});
