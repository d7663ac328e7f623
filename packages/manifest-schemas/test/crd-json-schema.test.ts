import { describe, expect, it } from 'vitest';
import { crdJsonSchemas, schemaFileName, strictSchema } from '../src/crd-json-schema.ts';

describe('strictSchema (OpenAPI v3 structural schema → JSON schema)', () => {
  it('closes objects that list properties, unless they preserve unknown fields', () => {
    const closed = strictSchema({ type: 'object', properties: { a: { type: 'string' } } });
    expect(closed['additionalProperties']).toBe(false);
    const open = strictSchema({
      type: 'object',
      properties: { a: { type: 'string' } },
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(open['additionalProperties']).toBeUndefined();
    const map = strictSchema({ type: 'object', additionalProperties: { type: 'string' } });
    expect(map['additionalProperties']).toEqual({ type: 'string' });
  });

  it('recurses into properties, items and anyOf', () => {
    const schema = strictSchema({
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: 'object', properties: { b: { type: 'integer' } } } },
        either: { anyOf: [{ type: 'object', properties: { c: { type: 'string' } } }] },
      },
    });
    const properties = schema['properties'] as Record<string, Record<string, Record<string, unknown>>>;
    expect(properties['list']?.['items']?.['additionalProperties']).toBe(false);
    expect(
      (properties['either']?.['anyOf'] as unknown as Record<string, unknown>[])[0]?.['additionalProperties'],
    ).toBe(false);
  });

  it('turns int-or-string and nullable into JSON schema types', () => {
    expect(strictSchema({ 'x-kubernetes-int-or-string': true, format: 'int-or-string' })).toEqual({
      'x-kubernetes-int-or-string': true,
      anyOf: [{ type: 'integer' }, { type: 'string' }],
    });
    expect(strictSchema({ type: 'string', nullable: true })['type']).toEqual(['string', 'null']);
  });

  it("rewrites OpenAPI 3.0's boolean exclusive bounds as draft 7's numeric ones", () => {
    expect(strictSchema({ type: 'integer', maximum: 600, exclusiveMaximum: true, minimum: 100 })).toEqual({
      type: 'integer',
      exclusiveMaximum: 600,
      minimum: 100,
    });
    expect(strictSchema({ type: 'integer', minimum: 0, exclusiveMinimum: false })).toEqual({
      type: 'integer',
      minimum: 0,
    });
  });
});

describe('crdJsonSchemas', () => {
  it('writes one schema per served version, named as kubeconform looks it up', () => {
    const schemas = crdJsonSchemas({
      kind: 'CustomResourceDefinition',
      spec: {
        group: 'gateway.envoyproxy.io',
        names: { kind: 'BackendTrafficPolicy' },
        versions: [
          { name: 'v1alpha1', served: true, schema: { openAPIV3Schema: { type: 'object' } } },
          { name: 'v1alpha0', served: false, schema: { openAPIV3Schema: { type: 'object' } } },
        ],
      },
    });
    expect(schemas.map((s) => s.fileName)).toEqual([
      'gateway.envoyproxy.io/backendtrafficpolicy_v1alpha1.json',
    ]);
    expect(schemaFileName('HTTPRoute', 'gateway.networking.k8s.io', 'v1')).toBe(
      'gateway.networking.k8s.io/httproute_v1.json',
    );
  });
});
