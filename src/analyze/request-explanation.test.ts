import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest, type InferenceRequest } from '../model/request.ts';
import { explainRequest, type PeerMeans } from './request-explanation.ts';

const peers: PeerMeans = {
  requests: 200,
  range: { fromUs: 0, toUs: 1 },
  e2eUs: 2_000_000,
  ttftUs: 300_000,
  queueUs: 50_000,
  prefillUs: 200_000,
  decodeUs: 1_700_000,
  promptTokens: 800,
  outputTokens: 200,
  costUsd: 0.001,
};

const request = (over: Partial<InferenceRequest>) =>
  makeRequest({
    requestId: 'r1',
    arrivalUs: 0,
    model: 'llama-3-70b',
    e2eUs: 2_100_000,
    queueUs: 60_000,
    prefillUs: 210_000,
    decodeUs: 1_800_000,
    promptTokens: 820,
    outputTokens: 210,
    ...over,
  });

describe('explaining one request against its peers', () => {
  it('calls a request near the median typical', () => {
    const e = explainRequest(request({}), peers);
    assert.equal(e.phase, null);
    assert.equal(e.label, 'typical for llama-3-70b');
  });

  it('blames the engine queue when the wait is what grew', () => {
    const e = explainRequest(request({ e2eUs: 6_000_000, queueUs: 3_960_000 }), peers);
    assert.equal(e.phase, 'queue');
    assert.equal(e.label, 'waited in the engine queue: 3.96 s vs 50 ms typical (66 % of its 6.00 s)');
    assert.equal(e.excessUs, 4_000_000);
  });

  it('names the queue when the wait dominated, even if every peer waited as long (a load spike)', () => {
    const spike = { ...peers, e2eUs: 5_500_000, queueUs: 3_500_000 };
    const e = explainRequest(request({ e2eUs: 6_000_000, queueUs: 3_960_000, outputTokens: 900 }), spike);
    assert.equal(e.phase, 'queue');
    assert.match(e.label, /^waited in the engine queue: 3\.96 s vs 3\.50 s typical/);
    // A wait shorter than the request's own compute is not its cause.
    assert.equal(explainRequest(request({ queueUs: 700_000, e2eUs: 2_100_000 }), peers).phase, null);
  });

  it('calls a long decode with many more output tokens long output, not a slow GPU', () => {
    const e = explainRequest(request({ e2eUs: 9_000_000, decodeUs: 8_700_000, outputTokens: 1000 }), peers);
    assert.equal(e.phase, 'decode');
    assert.match(e.label, /^long output: 1000 tokens vs 200 typical/);
    const slow = explainRequest(request({ e2eUs: 9_000_000, decodeUs: 8_700_000 }), peers);
    assert.match(slow.label, /^slow decode: 8\.70 s vs 1\.70 s typical/);
  });

  it('says a failed request failed, and says so when there are no peers', () => {
    assert.equal(
      explainRequest(request({ status: 'error', errorClass: 'overloaded' }), peers).label,
      'error (overloaded)',
    );
    assert.match(explainRequest(request({}), { ...peers, requests: 0, e2eUs: null }).label, /no peers/);
  });
});
