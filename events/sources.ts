/** Who may put which events on the bus: the engine's source, department sources and the bus name. */

/** Default name of the custom event bus that carries every rankwatch event. */
export const DEFAULT_BUS_NAME = 'rankwatch-assessments';

/** Source of every event the engine itself publishes (assessments, slips, alerts, bulletins, rejections). */
export const ENGINE_SOURCE = 'rankwatch.engine';

/** Departments publish as `dept.<department id>`; the bus policy and the ingest rule match this prefix. */
export const DEPARTMENT_SOURCE_PREFIX = 'dept.';

/**
 * Department ids are scheme `owner` values and end up inside an EventBridge source and an IAM
 * condition, so they are kept to a conservative alphabet.
 */
export const DEPARTMENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** A whole department source, `dept.<id>`, as one pattern (for the envelope schema and JSON Schema). */
export const DEPARTMENT_SOURCE_PATTERN = new RegExp(
  `^${DEPARTMENT_SOURCE_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${DEPARTMENT_ID_PATTERN.source.slice(1)}`,
);

/** The source a department publishes under, e.g. `departmentSource('hotline12345')` → `dept.hotline12345`. */
export function departmentSource(departmentId: string): string {
  if (!DEPARTMENT_ID_PATTERN.test(departmentId)) {
    throw new RangeError(
      `department id ${JSON.stringify(departmentId)} must match ${DEPARTMENT_ID_PATTERN.source}`,
    );
  }
  return DEPARTMENT_SOURCE_PREFIX + departmentId;
}

/**
 * The department id inside a `dept.<id>` source, or `undefined` when the source is not a
 * well-formed department source (the engine's own source, `dept.` alone, an id with spaces...).
 */
export function departmentFromSource(source: string): string | undefined {
  if (!source.startsWith(DEPARTMENT_SOURCE_PREFIX)) return undefined;
  const id = source.slice(DEPARTMENT_SOURCE_PREFIX.length);
  return DEPARTMENT_ID_PATTERN.test(id) ? id : undefined;
}
