import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BUS_NAME,
  DEPARTMENT_SOURCE_PATTERN,
  DEPARTMENT_SOURCE_PREFIX,
  departmentFromSource,
  departmentSource,
  ENGINE_SOURCE,
} from '../../events/sources.ts';

describe('sources', () => {
  it('names the bus, the engine and the department prefix', () => {
    expect(DEFAULT_BUS_NAME).toBe('rankwatch-assessments');
    expect(ENGINE_SOURCE).toBe('rankwatch.engine');
    expect(DEPARTMENT_SOURCE_PREFIX).toBe('dept.');
  });

  it('makes a department source and reads the department back', () => {
    expect(departmentSource('hotline12345')).toBe('dept.hotline12345');
    expect(departmentFromSource('dept.hotline12345')).toBe('hotline12345');
    expect(departmentFromSource(departmentSource('gov-services_2'))).toBe('gov-services_2');
  });

  it('reads no department from the engine, an empty id or a malformed id', () => {
    for (const source of [
      ENGINE_SOURCE,
      'dept.',
      'dept.a b',
      'dept..x',
      'department.hotline',
      'DEPT.hotline',
    ]) {
      expect(departmentFromSource(source), source).toBeUndefined();
      expect(DEPARTMENT_SOURCE_PATTERN.test(source), source).toBe(false);
    }
    expect(DEPARTMENT_SOURCE_PATTERN.test('dept.hotline12345')).toBe(true);
  });

  it('refuses to make a source from an id EventBridge policies could not match safely', () => {
    expect(() => departmentSource('a.b')).toThrow(RangeError);
    expect(() => departmentSource('')).toThrow(/department id "" must match/);
    expect(() => departmentSource('x'.repeat(65))).toThrow(RangeError);
  });
});
