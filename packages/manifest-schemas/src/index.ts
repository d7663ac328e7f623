export * from './crd-json-schema.ts';
export * from './schema-store.ts';
export * from './validate-manifests.ts';
