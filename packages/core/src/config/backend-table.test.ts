import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { validateWithSchema } from '../validation.js';
import { backendEntry, backendSchema, backendTypes, createFromBackendTable, defaultBackendType, type BackendTable } from './backend-table.js';

type Local = { type: 'local'; path?: string };
type Remote = { type: 'remote'; url: string };
const table: BackendTable<{ prefix: string }, string> = {
  remote: backendEntry<Remote, { prefix: string }, string>({
    schema: { type: 'object', required: ['type', 'url'], additionalProperties: false, properties: { type: { const: 'remote' }, url: { type: 'string' } } },
    create: (config, context) => `${context.prefix}remote:${config.url}`,
  }),
  local: backendEntry<Local, { prefix: string }, string>({
    schema: { type: 'object', additionalProperties: false, properties: { type: { const: 'local' }, path: { type: 'string' } } },
    isDefault: true,
    create: (config, context) => `${context.prefix}local:${config.path ?? '-'}`,
  }),
};

describe('backend tables', () => {
  it('derive the type list (default first) and the default', () => {
    expect(defaultBackendType(table)).toBe('local');
    expect(backendTypes(table)).toEqual(['local', 'remote']);
  });

  it('derive one schema that checks each type against its own entry', () => {
    const schema = backendSchema(table);
    expect(validateWithSchema(schema, { type: 'remote', url: 'http://x' }, 'backend')).toEqual({ type: 'remote', url: 'http://x' });
    expect(() => validateWithSchema(schema, { type: 'remote' }, 'backend')).toThrow(InvalidConfigError);
    expect(() => validateWithSchema(schema, { type: 'local', url: 'x' }, 'backend')).toThrow(InvalidConfigError);
    expect(() => validateWithSchema(schema, { type: 'other' }, 'backend')).toThrow(/type/);
  });

  it('create the named backend, the default when none is named, and refuse unknown types', () => {
    expect(createFromBackendTable(table, { type: 'remote', url: 'u' } as Remote, { prefix: '>' })).toBe('>remote:u');
    expect(createFromBackendTable(table, undefined, { prefix: '' })).toBe('local:-');
    expect(() => createFromBackendTable(table, { type: 'toString' }, { prefix: '' })).toThrow(/not one of local, remote/);
  });
});
