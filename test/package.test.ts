import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import * as api from '../src/index.js';
import { VERSION } from '../src/version.js';

it('sends the version package.json declares in User-Agent', async () => {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  expect(VERSION).toBe(pkg.version);
});

it('exports the public surface and nothing else', () => {
  expect(Object.keys(api).sort()).toEqual([
    'ConfigError',
    'CoordinatorUnavailableError',
    'DELIVERY_ERROR_CODES',
    'DELIVERY_OUTCOMES',
    'InProcessCoordinator',
    'SEGMENT_RATE_PRESETS',
    'TwilioDestination',
    'computeBodySHA256',
    'computeTwilioSignature',
    'createStatusCallbackHandler',
    'deliveryErrorInfo',
    'deliveryOutcome',
    'isConfigError',
    'isFinalStatus',
    'manifest',
    'statusSupersedes',
    'verifyTwilioBodySignature',
    'verifyTwilioSignature',
  ]);
});
