// The event contracts published to an EventBridge schema registry: every version in EVENT_CONTRACTS, with the
// frozen Draft 4 JSON Schema of events/schemas/published/ (what consumers code against; `npm run
// events:schemas -- --publish` freezes new versions), so code bindings can be downloaded from the registry.
import { readFileSync } from 'node:fs';
import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { EVENT_CONTRACTS, schemaFileName } from '../../events/index.ts';

const PUBLISHED = new URL('../../events/schemas/published/', import.meta.url);

/** Registry schema name of a contract version, e.g. `rankwatch@Ranking.Slipped.v1`. */
export const registrySchemaName = (c: { detailType: string; version: number }) =>
  `rankwatch@${c.detailType}.v${c.version}`;

export class EventSchemas extends Construct {
  readonly registry: CfnRegistry;
  readonly schemas: CfnSchema[];

  constructor(scope: Construct, id: string, props: { registryName: string }) {
    super(scope, id);
    this.registry = new CfnRegistry(this, 'Registry', {
      registryName: props.registryName,
      description: 'rankwatch event contracts (JSON Schema Draft 4, generated from the zod contracts)',
    });
    this.schemas = EVENT_CONTRACTS.map((contract) => {
      const content = readFileSync(new URL(schemaFileName(contract), PUBLISHED), 'utf8');
      const schema = new CfnSchema(this, `${contract.detailType}.v${contract.version}`, {
        registryName: props.registryName,
        schemaName: registrySchemaName(contract),
        type: 'JSONSchemaDraft4',
        description: contract.description.slice(0, 256),
        content: JSON.stringify(JSON.parse(content)),
      });
      schema.addResourceDependency(this.registry);
      return schema;
    });
  }
}
