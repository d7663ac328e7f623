// The images and workflows CI builds, checked offline: lint and policy of every Dockerfile, their agreement
// with the config, the workspaces and images.yml, actionlint over the workflows, and the rollout edit of the
// Yandex overlay replayed on a copy. Each planted violation must fail naming the file, the line and the rule.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  checkAirflowImage,
  checkCopySources,
  checkImageReferences,
  checkRolloutGate,
  imageReferences,
  checkImageSet,
  checkNodeImage,
  dockerignore,
  findDockerfiles,
  formatFinding,
  lintDockerfile,
  readBuildMatrix,
  root,
  runActionlint,
  type Finding,
} from '../src/index.ts';

const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const messages = (findings: Finding[]): string[] => findings.map(formatFinding);
const scratch = mkdtempSync(join(tmpdir(), 'build-checks-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const nodeDockerfiles = findDockerfiles().filter((file) => file.startsWith('apps/'));

describe('Dockerfiles: lint (dockerfile-utils) and project policy', () => {
  it('finds the four Dockerfiles', () => {
    expect(findDockerfiles()).toEqual([
      'apps/attack/Dockerfile',
      'apps/scoring-api/Dockerfile',
      'apps/stream-scorer/Dockerfile',
      'ml/Dockerfile',
    ]);
  });

  it.each(findDockerfiles())('%s passes lint and policy', (file) => {
    expect(messages(lintDockerfile(file, read(file)))).toEqual([]);
  });

  it('fails a planted bad Dockerfile naming the file, the line and the rule', () => {
    const file = join(scratch, 'Dockerfile');
    const text = [
      'FROM node AS deps', // 1: no tag
      'RUN apt-get install -y curl', // 2: recommends, lists kept
      'FROM node:24-bookworm-slim', // 3: not an exact version
      'ADD https://example.com/tool.tgz /opt/', // 4
      'COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/uv', // 5
      'USER root', // 6
      'EXPOSE 80/xyz', // 7: dockerfile-utils
      'CMD node server.js', // 8: shell form
    ].join('\n');
    writeFileSync(file, text);
    const found = messages(lintDockerfile(file, readFileSync(file, 'utf8')));
    expect(found).toEqual(
      expect.arrayContaining([
        `${file}:1: [no-latest-tag] node has no tag, which means latest: pin an exact version`,
        `${file}:2: [apt-no-install-recommends] apt-get install without --no-install-recommends`,
        `${file}:2: [apt-lists-removed] remove /var/lib/apt/lists in the same RUN as apt-get install`,
        `${file}:3: [base-image-pinned] node:24-bookworm-slim: the tag names no exact version (x.y.z)`,
        `${file}:3: [no-npm-at-runtime] the Node runtime stage keeps npm: remove /usr/local/lib/node_modules/npm`,
        `${file}:4: [no-add] use COPY: ADD also fetches URLs and unpacks archives`,
        `${file}:5: [no-latest-tag] ghcr.io/astral-sh/uv:latest uses the mutable tag latest: pin an exact version`,
        `${file}:6: [final-user-numeric-non-root] USER root: use numeric ids (e.g. 10001:10001)`,
        `${file}:8: [exec-form-entrypoint] CMD in shell form: a shell would swallow SIGTERM`,
      ]),
    );
    expect(found.some((line) => line.startsWith(`${file}:7: [dockerfile-utils/INVALID_PROTO]`))).toBe(true);
  });

  it('fails a final stage without USER, or with USER 0', () => {
    const without = 'FROM python:3.11.14-slim-bookworm\nCMD ["true"]\n';
    expect(messages(lintDockerfile('x/Dockerfile', without))).toEqual([
      'x/Dockerfile:1: [final-user-numeric-non-root] the final stage sets no USER: it would run as root',
    ]);
    expect(messages(lintDockerfile('x/Dockerfile', `${without}USER 0:0\n`))).toEqual([
      'x/Dockerfile:3: [final-user-numeric-non-root] USER 0 is root',
    ]);
  });
});

describe('Dockerfiles agree with fraudops.config.json, images.yml and the workspaces', () => {
  it('builds every image of cloud.images from an existing Dockerfile, and every Dockerfile', () => {
    expect(messages(checkImageSet())).toEqual([]);
    expect(
      readBuildMatrix()
        .map((entry) => entry.image)
        .sort(),
    ).toEqual(
      Object.values(
        (JSON.parse(read('fraudops.config.json')) as { cloud: { images: Record<string, string> } }).cloud
          .images,
      ).sort(),
    );
  });

  it.each(findDockerfiles())('%s copies only paths that exist and that .dockerignore keeps', (file) => {
    expect(messages(checkCopySources(file))).toEqual([]);
  });

  it('fails a COPY of a missing or an ignored path', () => {
    const text = 'FROM debian:12.12-slim\nCOPY apps/nope/src /app/src\nCOPY ml/dags /dags\nUSER 10001\n';
    expect(messages(checkCopySources('apps/scoring-api/Dockerfile', text))).toEqual([
      'apps/scoring-api/Dockerfile:2: [copy-source-exists] COPY apps/nope/src: no such path in the repository',
      'apps/scoring-api/Dockerfile:3: [copy-source-not-ignored] COPY ml/dags: excluded by .dockerignore',
    ]);
  });

  it('reads .dockerignore as Docker does', () => {
    const ignored = dockerignore('**/node_modules/\n.fraudops/\n**/test/\n*.tsbuildinfo\n');
    expect(ignored('node_modules/x')).toBe(true);
    expect(ignored('apps/scoring-api/node_modules/ajv')).toBe(true);
    expect(ignored('apps/scoring-api/test/app.test.ts')).toBe(true);
    expect(ignored('.fraudops/models')).toBe(true);
    expect(ignored('apps/scoring-api/src/server.ts')).toBe(false);
  });

  it.each(nodeDockerfiles)(
    '%s installs its own workspace and copies every file its entry point loads',
    (file) => {
      expect(messages(checkNodeImage(file))).toEqual([]);
    },
  );

  it('fails a Node image that misses a runtime file or installs another workspace', () => {
    const file = 'apps/scoring-api/Dockerfile';
    const withoutSchemas = read(file).replace(/^COPY packages\/contracts\/schemas .*$/m, '');
    expect(messages(checkNodeImage(file, withoutSchemas))).toContainEqual(
      expect.stringMatching(
        /^apps\/scoring-api\/Dockerfile:\d+: \[runtime-file-copied\] packages\/contracts\/schemas\/transaction\.schema\.json is loaded at run time \(from apps\/scoring-api\/src\/server\.ts\) but not copied to the same path$/,
      ),
    );
    const otherWorkspace = read(file).replace(
      '--workspace @fraudops/scoring-api',
      '--workspace @fraudops/stream-scorer',
    );
    expect(messages(checkNodeImage(file, otherWorkspace))).toContainEqual(
      expect.stringMatching(
        /^apps\/scoring-api\/Dockerfile:\d+: \[workspace-matches-app\] npm ci must install --workspace @fraudops\/scoring-api \(found @fraudops\/stream-scorer\)$/,
      ),
    );
  });

  it('runs the Airflow, Python and uv versions the project pins', () => {
    expect(messages(checkAirflowImage())).toEqual([]);
    const older = read('ml/Dockerfile').replaceAll(
      'apache/airflow:3.3.2-python3.11',
      'apache/airflow:3.2.0-python3.12',
    );
    expect(messages(checkAirflowImage('ml/Dockerfile', older))).toEqual(
      expect.arrayContaining([
        'ml/Dockerfile:17: [airflow-version-matches-lock] apache/airflow:3.2.0-python3.12: ml/uv.lock pins apache-airflow 3.3.2',
        'ml/Dockerfile:17: [python-version-matches-project] apache/airflow:3.2.0-python3.12: ml/pyproject.toml checks Python 3.11',
      ]),
    );
  });
});

describe('GitHub workflows', () => {
  it('pass actionlint', () => {
    const result = runActionlint();
    expect(result.files).toEqual(['.github/workflows/ci.yml', '.github/workflows/images.yml']);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });

  it('fail actionlint on a planted mistake, with its message', () => {
    const file = join(scratch, 'bad.yml');
    writeFileSync(
      file,
      'on: push\njobs:\n  build:\n    needs: missing\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n',
    );
    const result = runActionlint([file]);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(
      /bad\.yml:3:3: job "build" needs job "missing" which does not exist in this workflow \[job-needs\]/,
    );
  });

  it('pin every action to a full commit SHA', () => {
    for (const workflow of ['.github/workflows/ci.yml', '.github/workflows/images.yml']) {
      const uses = [...read(workflow).matchAll(/uses:\s*(\S+)/g)].map((match) => match[1] ?? '');
      expect(uses.length).toBeGreaterThan(0);
      for (const action of uses)
        expect(action, `${workflow}: ${action}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    }
  });
});

describe('the rollout (.github/scripts/set-image-tags.sh), replayed on a copy of deploy/', () => {
  const kustomize = join(root, '.tools/bin/kustomize');
  const prettier = join(root, 'node_modules/.bin/prettier');
  const script = join(root, '.github/scripts/set-image-tags.sh');
  const registry = 'cr.yandex/crp0test';
  const sha = '0123456789abcdef0123456789abcdef01234567';
  const builtImages = readBuildMatrix().map((entry) => entry.image);

  /** A fresh copy of deploy/ (in its own folder, so sources read `deploy/...`), `plant` applied to it. */
  const copyOfDeploy = (plant: (deploy: string) => void = () => undefined): string => {
    const deploy = join(mkdtempSync(join(scratch, 'rollout-')), 'deploy');
    cpSync(join(root, 'deploy'), deploy, {
      recursive: true,
      filter: (path) => !/\/(\.terraform|terraform)(\/|$)/.test(path),
    });
    plant(deploy);
    return deploy;
  };
  const rollout = (deploy: string, tag: string): ReturnType<typeof spawnSync> => {
    if (!existsSync(kustomize))
      throw new Error(`${kustomize} is missing: run scripts/setup --with-test-tools`);
    return spawnSync(script, [deploy, registry, tag], {
      encoding: 'utf8',
      env: { ...process.env, KUSTOMIZE: kustomize, PRETTIER: prettier },
    });
  };
  const findingsAfterRollout = (deploy: string): string[] => {
    const result = rollout(deploy, sha);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return messages(checkImageReferences(imageReferences(deploy), { registry, tag: sha, builtImages }));
  };

  it('moves every image reference in deploy/ to an image images.yml pushes, at the commit SHA', () => {
    const deploy = copyOfDeploy();
    expect(findingsAfterRollout(deploy)).toEqual([]);
    const images = imageReferences(deploy).map((reference) => `${reference.source}: ${reference.image}`);
    // Each Deployment (the lake sink runs the training image), the attack and its replay init container (the
    // training image too), and Airflow's chart.
    expect(images.sort()).toEqual(
      [
        `deploy/gitops/values/airflow-image.yaml: ${registry}/fraudops/airflow:${sha}`,
        `deploy/k8s/overlays/yandex (kustomize build): ${registry}/fraudops/airflow:${sha}`,
        `deploy/k8s/overlays/yandex (kustomize build): ${registry}/fraudops/airflow:${sha}`,
        `deploy/k8s/overlays/yandex (kustomize build): ${registry}/fraudops/attack:${sha}`,
        `deploy/k8s/overlays/yandex (kustomize build): ${registry}/fraudops/scoring-api:${sha}`,
        `deploy/k8s/overlays/yandex (kustomize build): ${registry}/fraudops/stream-scorer:${sha}`,
      ].sort(),
    );
  });

  it('leaves both files it writes formatted, with their comments', () => {
    const deploy = copyOfDeploy();
    expect(rollout(deploy, sha).status).toBe(0);
    const overlay = join(deploy, 'k8s/overlays/yandex/kustomization.yaml');
    const airflowImage = join(deploy, 'gitops/values/airflow-image.yaml');
    const images = (
      parseYaml(readFileSync(overlay, 'utf8')) as {
        images: { name: string; newName: string; newTag: string }[];
      }
    ).images;
    expect(images.map((image) => image.name).sort()).toEqual([...builtImages].sort());
    expect(readFileSync(overlay, 'utf8')).toContain('# Yandex Cloud: the base with the images');
    expect(readFileSync(airflowImage, 'utf8')).toContain('# Written by .github/scripts/set-image-tags.sh');
    execFileSync(prettier, ['--config', join(root, '.prettierrc.json'), '--check', overlay, airflowImage], {
      stdio: 'pipe',
    });
  });

  it('fails an Airflow image the rollout does not move (the chart values before this check)', () => {
    const deploy = copyOfDeploy((copy) => {
      const values = join(copy, 'gitops/values/airflow.yaml');
      writeFileSync(
        values,
        `images:\n  airflow:\n    repository: cr.yandex/REGISTRY_ID/fraudops/airflow\n    tag: 0.1.0\n${readFileSync(values, 'utf8')}`,
      );
    });
    expect(findingsAfterRollout(deploy)).toEqual([
      `deploy/gitops/values/airflow.yaml:1: [image-produced-by-workflow] .images.airflow: cr.yandex/REGISTRY_ID/fraudops/airflow:0.1.0 is not moved by the rollout (expected ${registry}/fraudops/airflow:${sha})`,
    ]);
  });

  it('fails an image no workflow builds, in a manifest', () => {
    const deploy = copyOfDeploy((copy) => {
      const cronjob = join(copy, 'k8s/base/attack/cronjob.yaml');
      writeFileSync(
        cronjob,
        readFileSync(cronjob, 'utf8').replace('image: fraudops/attack:0.1.0', 'image: busybox:1.37.0'),
      );
    });
    expect(findingsAfterRollout(deploy)).toEqual([
      'deploy/k8s/overlays/yandex (kustomize build):1: [image-produced-by-workflow] CronJob/attack.spec.jobTemplate.spec.template.spec.containers[0].image: busybox:1.37.0 is no image that .github/workflows/images.yml builds',
    ]);
  });

  it('fails a lake sink on the upstream Airflow image (no fraudops_ml in it, and the rollout cannot move it)', () => {
    const deploy = copyOfDeploy((copy) => {
      const sink = join(copy, 'k8s/base/lake/deployment.yaml');
      writeFileSync(
        sink,
        readFileSync(sink, 'utf8').replace(
          'image: fraudops/airflow:0.1.0',
          'image: apache/airflow:3.3.2-python3.11',
        ),
      );
    });
    expect(findingsAfterRollout(deploy)).toEqual([
      'deploy/k8s/overlays/yandex (kustomize build):1: [image-produced-by-workflow] Deployment/lake-sink.spec.template.spec.containers[0].image: apache/airflow:3.3.2-python3.11 is no image that .github/workflows/images.yml builds',
    ]);
  });

  it('refuses the tag latest', () => {
    const result = rollout(copyOfDeploy(), 'latest');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('refusing the mutable tag latest');
  });
});

describe('images.yml rolls out only commits that passed CI', () => {
  const images = read('.github/workflows/images.yml');
  const ci = read('.github/workflows/ci.yml');
  const gate = (text: string): string[] => messages(checkRolloutGate('images.yml', text, ci));

  it('starts on the completed ci workflow, builds only after a green run, and builds the commit it tested', () => {
    expect(gate(images)).toEqual([]);
  });

  it('fails a workflow that builds on its own push, whatever CI says (as before this check)', () => {
    const planted = images
      .replace(/on:\n {2}workflow_run:\n(?: {4}.*\n)+/, 'on:\n  push:\n    branches: [main]\n')
      .replace(/ {4}if: >-\n {6}github\.event\.workflow_run\.conclusion.*\n.*\n/, '')
      .replace(/ {10}ref: \$\{\{ env\.COMMIT \}\}\n/, '');
    expect(gate(planted)).toEqual([
      'images.yml:1: [rollout-after-ci] starts on push: it must start only on workflow_run of ci',
      "images.yml:1: [rollout-after-ci] workflow_run.workflows must be [ci] (the CI workflow's name)",
      'images.yml:1: [rollout-after-ci] workflow_run.types must be [completed]',
      'images.yml:1: [rollout-after-ci] workflow_run.branches must be [main]',
      "images.yml:1: [rollout-only-green] job build runs even when ci failed: add if: github.event.workflow_run.conclusion == 'success'",
      'images.yml:1: [build-tested-commit] job build checks out the default ref, not the commit ci tested',
    ]);
  });
});
