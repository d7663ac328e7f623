// Prepares the offline schemas (run by scripts/setup --with-test-tools; idempotent):
//  - the JSON schemas of the target Kubernetes version, from the pinned kubernetes-validate wheel (PyPI,
//    sha256-checked), with their references made relative so kubeconform resolves them from disk;
//  - JSON schemas converted from the CRDs in the pinned Go modules of the platform's operators.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { crdJsonSchemas, isCustomResourceDefinition } from './crd-json-schema.ts';
import {
  crdSchemaFolder,
  kubernetesPatchVersion,
  kubernetesSchemaFolder,
  readSchemaSources,
  type SchemaSources,
} from './schema-store.ts';

const pip = process.env['FRAUDOPS_PIP'] ?? '.tools/uv/bin/pip';

function log(message: string): void {
  process.stderr.write(`[manifest-schemas] ${message}\n`);
}

export function prepareKubernetesSchemas(
  source: SchemaSources['kubernetes'],
  version = kubernetesPatchVersion(),
): number {
  const work = mkdtempSync(join(tmpdir(), 'fraudops-k8s-schemas-'));
  try {
    log(`downloading ${source.package}==${source.version} from PyPI`);
    execFileSync(
      pip,
      [
        'download',
        '--quiet',
        '--no-deps',
        '--only-binary',
        ':all:',
        '--dest',
        work,
        `${source.package}==${source.version}`,
      ],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const wheel = readdirSync(work).find((name) => name.endsWith('.whl'));
    if (wheel === undefined) throw new Error(`pip download left no wheel of ${source.package} in ${work}`);
    const digest = createHash('sha256')
      .update(readFileSync(join(work, wheel)))
      .digest('hex');
    if (digest !== source.sha256) {
      throw new Error(`${wheel}: sha256 ${digest} is not the pinned ${source.sha256} (schema-sources.json)`);
    }
    const member = `kubernetes_validate/kubernetes-json-schema/v${version}-local-strict/`;
    execFileSync('python3', ['-c', EXTRACT, join(work, wheel), member, work]);
    const extracted = join(work, member);
    if (!existsSync(extracted))
      throw new Error(`${wheel} has no schemas for Kubernetes ${version} (${member})`);
    const target = kubernetesSchemaFolder(version);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    const files = readdirSync(extracted).filter((name) => name.endsWith('.json'));
    for (const name of files) {
      writeFileSync(join(target, name), relativeReferences(readFileSync(join(extracted, name), 'utf8')));
    }
    return files.length;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const EXTRACT = `import sys, zipfile
wheel, prefix, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    z.extractall(dest, [n for n in z.namelist() if n.startswith(prefix)])`;

/**
 * kubernetes-validate's schemas name their shared definitions by an absolute `/api/_definitions.json` and
 * carry remote `$id`s, which its own resolver maps; kubeconform resolves references against the file.
 */
export function relativeReferences(schemaText: string): string {
  const schema = JSON.parse(schemaText) as Record<string, unknown>;
  delete schema['$id'];
  return JSON.stringify(schema).replaceAll('"/api/_definitions.json#', '"_definitions.json#');
}

export function prepareCrdSchemas(sources: SchemaSources['crds']): number {
  rmSync(crdSchemaFolder, { recursive: true, force: true });
  mkdirSync(crdSchemaFolder, { recursive: true });
  let written = 0;
  for (const source of sources) {
    log(`reading the CRDs of ${source.for} from ${source.module}@${source.version}`);
    const moduleDir = goModuleDir(source.module, source.version);
    for (const path of source.files.flatMap((file) => yamlFiles(join(moduleDir, file)))) {
      for (const document of parseAllDocuments(readFileSync(path, 'utf8'))) {
        const object = document.toJS() as unknown;
        if (!isCustomResourceDefinition(object)) continue;
        for (const { fileName, schema } of crdJsonSchemas(object)) {
          mkdirSync(dirname(join(crdSchemaFolder, fileName)), { recursive: true });
          writeFileSync(join(crdSchemaFolder, fileName), JSON.stringify(schema));
          written += 1;
        }
      }
    }
  }
  return written;
}

function goModuleDir(module: string, version: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], { encoding: 'utf8' });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (info.Dir === undefined)
    throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'no Dir'}`);
  return info.Dir;
}

function yamlFiles(path: string): string[] {
  if (!existsSync(path)) throw new Error(`${path} does not exist (schema-sources.json names it)`);
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(path, name));
}

if (import.meta.main) {
  try {
    const sources = readSchemaSources();
    const kubernetes = prepareKubernetesSchemas(sources.kubernetes);
    const crds = prepareCrdSchemas(sources.crds);
    log(`ready: ${kubernetes} Kubernetes ${kubernetesPatchVersion()} schemas, ${crds} CRD schemas`);
  } catch (error) {
    log(`error: ${(error as Error).message}`);
    process.exit(1);
  }
}
