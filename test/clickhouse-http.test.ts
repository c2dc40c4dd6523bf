import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clickhouseDialect } from '../src/store/clickhouse/dialect.ts';
import { HttpClickHouseExecutor } from '../src/store/clickhouse/http-executor.ts';
import { ClickHouseStore } from '../src/store/clickhouse/clickhouse-store.ts';
import { CLICKHOUSE_URL, ensureClickHouseServer } from './support/clickhouse-server.ts';

// The HTTP transport against a real server: Debian's clickhouse-server (18.16). Our schema needs
// a modern server (tested through chdb); this checks the wire: DDL, JSONEachRow inserts, JSON
// results, literal escaping, server errors and time-outs.
const options = {
  url: CLICKHOUSE_URL,
  database: `kb_http_test_${process.pid}`,
  username: 'default',
  password: '',
  requestTimeoutMs: 10_000,
};

const TRICKY = [
  "o'brien",
  'back\\slash',
  "both \\' mixed",
  'tab\tnew\nline',
  'ünïcødé 🙂',
  '',
  "'; DROP TABLE t; --",
];

describe('ClickHouse HTTP transport (real server)', () => {
  let skip: string | null = null;
  let executor: HttpClickHouseExecutor;

  before(async () => {
    skip = await ensureClickHouseServer();
    if (skip) return;
    await HttpClickHouseExecutor.ensureDatabase(options);
    executor = new HttpClickHouseExecutor(options);
  });

  after(async () => {
    if (!executor) return;
    await executor.command(`DROP DATABASE IF EXISTS ${options.database}`);
    await executor.close();
  });

  it('creates a table, inserts JSONEachRow rows and reads them back', async (t) => {
    if (skip) return t.skip(skip);
    await executor.command(
      'CREATE TABLE wire (id UInt32, name String, note Nullable(String), value Float64) ENGINE = MergeTree ORDER BY id',
    );
    const rows = TRICKY.map((name, id) => ({ id, name, note: id % 2 ? null : name, value: id / 3 }));
    await executor.insertRows('wire', rows);
    const back = await executor.query('SELECT id, name, note, value FROM wire ORDER BY id');
    assert.deepEqual(back, rows);
  });

  it('escapes string literals the way the server parses them', async (t) => {
    if (skip) return t.skip(skip);
    for (const text of TRICKY) {
      const [row] = await executor.query(`SELECT ${clickhouseDialect.stringLiteral(text)} AS s`);
      assert.equal(row?.s, text);
    }
  });

  it('passes the server error message through', async (t) => {
    if (skip) return t.skip(skip);
    await assert.rejects(executor.query('SELECT no_such_column FROM wire'), /no_such_column/);
  });

  it('gives up on a query that outlives the request timeout', async (t) => {
    if (skip) return t.skip(skip);
    const impatient = new HttpClickHouseExecutor({ ...options, requestTimeoutMs: 300 });
    try {
      await assert.rejects(impatient.query('SELECT sleep(2)'), /timeout/i);
    } finally {
      await impatient.close();
    }
  });

  it('refuses to create tables on a server older than 23.8, saying why', async (t) => {
    if (skip) return t.skip(skip);
    const version = String((await executor.query('SELECT version() AS v'))[0]?.v);
    if (!version.startsWith('18.')) return t.skip(`server ${version} is modern; nothing to refuse`);
    const store = new ClickHouseStore(executor, {
      retention: { requestsDays: 30, spansDays: 30, metricsDays: 15 },
    });
    await assert.rejects(store.init(), /ClickHouse 18\.16\.\d+ is too old: KubeBurner needs 23\.8 or newer/);
    const tables = await executor.query('SHOW TABLES');
    assert.ok(!tables.some((t) => String(t.name).startsWith('kb_')), 'no table may be half-created');
  });
});
