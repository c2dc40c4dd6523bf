import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestWebhook } from '../../../test/support/webhook.ts';
import { NotificationDispatcher, type DeliveryOutcome } from './dispatcher.ts';

describe('notification dispatcher', () => {
  const hook = new TestWebhook();
  before(() => hook.start());
  after(() => hook.stop());

  const dispatcher = (
    outcomes: DeliveryOutcome[],
    extra: ConstructorParameters<typeof NotificationDispatcher>[1] = {},
  ) =>
    new NotificationDispatcher(
      [
        { name: 'a', kind: 'webhook', url: `${hook.url}/a` },
        { name: 'b', kind: 'webhook', url: `${hook.url}/b` },
      ],
      { baseDelayMs: 5, onOutcome: (o) => outcomes.push(o), ...extra },
    );

  it('retries 5xx with back-off until the receiver takes it', async () => {
    hook.received.length = 0;
    hook.respond = (_, n) => ({ status: n < 3 ? 503 : 200 });
    const outcomes: DeliveryOutcome[] = [];
    const d = dispatcher(outcomes);
    d.send('a', 'alert x firing', { hello: 1 });
    assert.ok(await d.drain(5000));
    assert.equal(hook.received.length, 3);
    assert.deepEqual(
      hook.received.map((p) => p.body),
      [{ hello: 1 }, { hello: 1 }, { hello: 1 }],
    );
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0]?.state, 'delivered');
    assert.equal(outcomes[0]?.attempts, 3);
    assert.equal(d.counters.retries, 2);
  });

  it('waits as long as Retry-After says on 429', async () => {
    hook.received.length = 0;
    hook.respond = (_, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 });
    const outcomes: DeliveryOutcome[] = [];
    const d = dispatcher(outcomes);
    d.send('a', 'digest', {});
    assert.ok(await d.drain(5000));
    const gap = (hook.received[1]?.atMs ?? 0) - (hook.received[0]?.atMs ?? 0);
    assert.ok(gap >= 950, `retried after ${gap} ms`);
    assert.equal(outcomes[0]?.state, 'delivered');
  });

  it('gives up at once on a 4xx that retrying cannot fix, and after maxAttempts otherwise', async () => {
    hook.received.length = 0;
    hook.respond = (post) => ({ status: post.path === '/a' ? 404 : 500 });
    const outcomes: DeliveryOutcome[] = [];
    const d = dispatcher(outcomes, { maxAttempts: 3 });
    d.send('a', 'one', {});
    d.send('b', 'two', {});
    assert.ok(await d.drain(5000));
    const byReceiver = Object.fromEntries(outcomes.map((o) => [o.receiver, o]));
    assert.equal(byReceiver.a?.state, 'failed');
    assert.equal(byReceiver.a?.attempts, 1);
    assert.equal(byReceiver.a?.httpStatus, 404);
    assert.match(byReceiver.a?.error ?? '', /HTTP 404/);
    assert.equal(byReceiver.b?.state, 'failed');
    assert.equal(byReceiver.b?.attempts, 3);
  });

  it('never makes the sender wait, and a hanging receiver holds up only its own queue', async () => {
    hook.received.length = 0;
    hook.respond = (post) => (post.path === '/a' ? { status: 200, hangMs: 3000 } : { status: 200 });
    const outcomes: DeliveryOutcome[] = [];
    const d = dispatcher(outcomes, { timeoutMs: 10_000 });
    const started = performance.now();
    for (let i = 0; i < 50; i++) d.send('a', `slow ${i}`, { i });
    d.send('b', 'fast', {});
    assert.ok(performance.now() - started < 50, 'send returned at once');
    await hook.waitFor(2, 2000);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(
      outcomes.some((o) => o.receiver === 'b' && o.state === 'delivered'),
      'b delivered while a hangs',
    );
    assert.ok(d.pending >= 50);
    d.stop();
  });

  it('drops the oldest message when a receiver’s queue is full, and says so', async () => {
    hook.received.length = 0;
    hook.respond = () => ({ status: 200, hangMs: 200 });
    const outcomes: DeliveryOutcome[] = [];
    const d = dispatcher(outcomes, { maxQueued: 3 });
    for (let i = 0; i < 6; i++) d.send('a', `m${i}`, { i });
    assert.ok(await d.drain(5000));
    const dropped = outcomes.filter((o) => o.state === 'dropped').map((o) => o.what);
    assert.equal(d.counters.dropped, dropped.length);
    assert.ok(dropped.length >= 2, `dropped ${dropped.join(', ')}`);
    assert.ok(!dropped.includes('m5'), 'the newest is kept');
    assert.equal(hook.received.length + dropped.length, 6);
  });

  it('refuses a receiver that is not configured', () => {
    assert.throws(() => dispatcher([]).send('nope', 'x', {}), /no receiver named "nope"/);
  });
});
