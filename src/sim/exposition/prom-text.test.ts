import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cppFloat, pythonFloat } from './prom-text.ts';

describe('engine float formatting', () => {
  it('prints like Python prometheus_client', () => {
    assert.equal(pythonFloat(14), '14.0');
    assert.equal(pythonFloat(0.4127), '0.4127');
    assert.equal(pythonFloat(64_929_219), '6.4929219e+07');
    assert.equal(pythonFloat(2_701_629), '2.701629e+06');
    assert.equal(pythonFloat(311_974), '311974.0');
    assert.equal(pythonFloat(1767225600.123456), '1.767225600123456e+09');
    assert.equal(pythonFloat(Infinity), '+Inf');
  });

  it('prints like C++ streams with 6 significant digits (llama.cpp)', () => {
    assert.equal(cppFloat(1_234_567), '1.23457e+06');
    assert.equal(cppFloat(12.5), '12.5');
    assert.equal(cppFloat(3), '3');
    assert.equal(cppFloat(0.000123456789), '0.000123457');
  });
});
