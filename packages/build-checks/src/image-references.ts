// Every image that anything in deploy/ runs must be one that .github/workflows/images.yml pushes, at the tag the
// rollout (.github/scripts/set-image-tags.sh) writes: a manifest or a chart value that names another image, or
// a file the rollout does not move, would run a tag no workflow ever produced (ImagePullBackOff in the cluster).
// The check runs on a copy of deploy/ after replaying the rollout with a known registry and tag.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { renderManifests } from '@fraudops/manifest-schemas';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import type { Finding } from './dockerfile-policy.ts';

export interface ImageReference {
  /** The file (or `<kustomization> (kustomize build)`) the reference is in, relative to deploy/'s parent. */
  source: string;
  /** Where in it: the object and the path to the field. */
  at: string;
  image: string;
}

/** Image references in a parsed YAML value: `image: <ref>` strings and Helm's `{registry?, repository, tag}`. */
export function imagesIn(value: unknown, path = ''): { at: string; image: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => imagesIn(item, `${path}[${index}]`));
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  const found: { at: string; image: string }[] = [];
  if (typeof record['repository'] === 'string' && ('tag' in record || 'digest' in record)) {
    const registry = typeof record['registry'] === 'string' ? `${record['registry']}/` : '';
    const tag = typeof record['tag'] === 'string' ? `:${record['tag']}` : '';
    const digest = typeof record['digest'] === 'string' ? `@${record['digest']}` : '';
    found.push({ at: path || '.', image: `${registry}${record['repository']}${tag}${digest}` });
  }
  for (const [key, child] of Object.entries(record)) {
    const childPath = `${path}.${key}`;
    if (key === 'image' && typeof child === 'string') found.push({ at: childPath, image: child });
    else found.push(...imagesIn(child, childPath));
  }
  return found;
}

/** Helm values files under deploy/ (they hold chart settings, not objects: the manifest renderer skips them). */
function valuesFiles(deployDir: string): string[] {
  return readdirSync(deployDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => relative(deployDir, path).split('/').includes('values'))
    .sort();
}

/** `<dir> (kustomize build)` of every kustomization another one uses as a base: never deployed on its own. */
function baseSources(deployDir: string): Set<string> {
  const root = dirname(deployDir);
  const bases = readdirSync(deployDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /^kustomization\.ya?ml$/.test(entry.name))
    .flatMap((entry) => {
      const { resources = [] } = (parseYaml(readFileSync(join(entry.parentPath, entry.name), 'utf8')) ??
        {}) as {
        resources?: string[];
      };
      return resources.map((resource) => relative(root, join(entry.parentPath, resource)));
    });
  return new Set(bases.map((dir) => `${dir} (kustomize build)`));
}

/** Every image reference in deploy/: the rendered manifests (kustomize builds, plain files) and the values. */
export function imageReferences(deployDir: string): ImageReference[] {
  const root = dirname(deployDir);
  const bases = baseSources(deployDir);
  const deployed = renderManifests(deployDir).filter(({ source }) => !bases.has(source));
  const fromManifests = deployed.flatMap(({ source, object }) =>
    imagesIn(object).map(({ at, image }) => ({
      source,
      at: `${object.kind ?? '?'}/${object.metadata?.name ?? '?'}${at}`,
      image,
    })),
  );
  const fromValues = valuesFiles(deployDir).flatMap((path) =>
    parseAllDocuments(readFileSync(path, 'utf8')).flatMap((document) =>
      imagesIn(document.toJS()).map(({ at, image }) => ({ source: relative(root, path), at, image })),
    ),
  );
  return [...fromManifests, ...fromValues];
}

/** Findings for references that are not `<registry>/<a built image>:<tag>`. */
export function checkImageReferences(
  references: ImageReference[],
  expected: { registry: string; tag: string; builtImages: string[] },
): Finding[] {
  const allowed = new Set(expected.builtImages.map((name) => `${expected.registry}/${name}:${expected.tag}`));
  return references
    .filter((reference) => !allowed.has(reference.image))
    .map((reference) => {
      const name = expected.builtImages.find((image) => reference.image.includes(image));
      return {
        file: reference.source,
        line: 1,
        rule: 'image-produced-by-workflow',
        message:
          name === undefined
            ? `${reference.at}: ${reference.image} is no image that .github/workflows/images.yml builds`
            : `${reference.at}: ${reference.image} is not moved by the rollout (expected ${expected.registry}/${name}:${expected.tag})`,
      };
    });
}
