// Which model `fraudops serve` loads when the user gives none: the one the user has.
import { describe, expect, it } from 'vitest';
import { chooseModel } from '../src/commands/serve.ts';

const directoryUri = 'file:/repo/.fraudops/models/current';
const champion = {
  version: '3',
  uri: 'models:/fraud-detector@champion',
  trackingUri: 'http://127.0.0.1:19098',
};

describe('fraudops serve: the model it loads', () => {
  it('takes --model as given', () => {
    expect(chooseModel({ flag: 'file:/elsewhere', directoryUri, directoryHasModel: true, champion })).toEqual(
      {
        modelUri: 'file:/elsewhere',
        line: 'serving file:/elsewhere (--model)',
      },
    );
  });

  it("serves the registry's champion when there is one (what the demo trained), before the directory", () => {
    expect(chooseModel({ directoryUri, directoryHasModel: true, champion })).toEqual({
      modelUri: 'models:/fraud-detector@champion',
      trackingUri: 'http://127.0.0.1:19098',
      line: 'serving models:/fraud-detector@champion: version 3, from MLflow at http://127.0.0.1:19098',
    });
  });

  it('serves what `fraudops train` wrote when the registry has no champion', () => {
    expect(chooseModel({ directoryUri, directoryHasModel: true, champion: null }).modelUri).toBe(
      directoryUri,
    );
  });

  it('says in one line which model it waits for and how to get one, when there is none', () => {
    const choice = chooseModel({ directoryUri, directoryHasModel: false, champion: null });
    expect(choice.modelUri).toBe(directoryUri);
    expect(choice.line).toBe(
      `no model yet: waiting for ${directoryUri} (not ready until then); get one with \`npx --no-install fraudops train\`, or a registry champion with \`npx --no-install fraudops retrain\``,
    );
  });
});
