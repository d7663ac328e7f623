// CustomResourceDefinition → one JSON schema per served version, in the layout of the community CRDs-catalog
// that kubeconform looks up with `{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json` (the whole
// group, so gateway.envoyproxy.io and gateway.networking.k8s.io kinds cannot collide). The
// conversion is the one kubeconform's openapi2jsonschema.py does, in strict mode: an object schema with
// `properties` admits no other keys unless it says x-kubernetes-preserve-unknown-fields.

export interface CustomResourceDefinition {
  kind: 'CustomResourceDefinition';
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served?: boolean; schema?: { openAPIV3Schema?: JsonSchema } }[];
  };
}

export type JsonSchema = { [key: string]: unknown };

export interface ConvertedSchema {
  /** Path in the schema folder, e.g. `argoproj.io/application_v1alpha1.json`. */
  fileName: string;
  schema: JsonSchema;
}

export function isCustomResourceDefinition(object: unknown): object is CustomResourceDefinition {
  return (
    typeof object === 'object' &&
    object !== null &&
    (object as { kind?: unknown }).kind === 'CustomResourceDefinition' &&
    typeof (object as { spec?: { group?: unknown } }).spec?.group === 'string'
  );
}

/** kubeconform's `{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json` (kind in lower case). */
export function schemaFileName(kind: string, group: string, version: string): string {
  return `${group}/${kind.toLowerCase()}_${version}.json`;
}

export function crdJsonSchemas(crd: CustomResourceDefinition): ConvertedSchema[] {
  return crd.spec.versions
    .filter((version) => version.served !== false && version.schema?.openAPIV3Schema !== undefined)
    .map((version) => ({
      fileName: schemaFileName(crd.spec.names.kind, crd.spec.group, version.name),
      schema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        ...strictSchema(version.schema?.openAPIV3Schema ?? {}),
      },
    }));
}

/** OpenAPI v3 (structural schema dialect) → JSON schema: nullable, int-or-string, closed objects. */
export function strictSchema(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' || key === 'patternProperties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [
          name,
          strictSchema(child),
        ]),
      );
    } else if (key === 'items' && isSchema(value)) {
      out[key] = strictSchema(value);
    } else if ((key === 'additionalProperties' || key === 'not') && isSchema(value)) {
      out[key] = strictSchema(value);
    } else if ((key === 'anyOf' || key === 'allOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = (value as JsonSchema[]).map(strictSchema);
    } else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
      // OpenAPI 3.0 (draft 4) writes a boolean beside minimum/maximum; draft 7 wants the bound itself.
      const bound = key === 'exclusiveMinimum' ? 'minimum' : 'maximum';
      if (value === true && typeof node[bound] === 'number') out[key] = node[bound];
      else if (typeof value === 'number') out[key] = value;
    } else if (key !== 'nullable' && key !== 'format') {
      out[key] = value;
    }
  }
  if (typeof out['exclusiveMinimum'] === 'number' && node['exclusiveMinimum'] === true) delete out['minimum'];
  if (typeof out['exclusiveMaximum'] === 'number' && node['exclusiveMaximum'] === true) delete out['maximum'];
  if (node['format'] !== undefined && node['format'] !== 'int-or-string') out['format'] = node['format'];
  if (node['x-kubernetes-int-or-string'] === true && out['anyOf'] === undefined) {
    delete out['type'];
    out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  }
  if (node['nullable'] === true && typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
  const closes =
    out['properties'] !== undefined &&
    out['additionalProperties'] === undefined &&
    node['x-kubernetes-preserve-unknown-fields'] !== true;
  if (closes) out['additionalProperties'] = false;
  return out;
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
