import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { Collector } from '../src/collect/collector.ts';
import { kubernetesApi } from '../src/collect/scrape/kubernetes-api.ts';
import { KubernetesDiscovery, kubernetesScrapeSchema } from '../src/collect/scrape/kubernetes-discovery.ts';
import { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { createLogger } from '../src/util/log.ts';
import { enginePod } from './support/kubernetes-objects.ts';
import { configFile } from './support/config-file.ts';
import { freePort } from './support/net.ts';
import { storedSeriesBy } from './support/samples.ts';
import { ENGINE_FIXTURES } from './support/fixtures.ts';

const METRICS = readFileSync(`${ENGINE_FIXTURES}/vllm/vllm-v1-metrics-synthetic.prom`, 'utf8');
const TOKEN = 'kb-test-service-account-token';

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

/**
 * Discovery through the official Kubernetes client against an API endpoint that answers the
 * pod list and node reads in the API's JSON (no API server runs in CI), and real scrapes of the
 * pods it finds: two vLLM pods on 127.0.0.1, one of which goes away.
 */
describe('Kubernetes discovery through the Kubernetes client', () => {
  const seen: { path: string; auth: string | undefined }[] = [];
  let pods: V1Pod[] = [];
  let apiServer: Server;
  let engines: Server[];
  let ports: number[];
  let store: DuckDbStore;
  let kubeconfig: string;
  const bothPods = () =>
    ports.map((port, i) =>
      enginePod({ name: `llama-3-70b-vllm-7d9f8c6b5-p${i}`, ip: '127.0.0.1', port, gpus: 2 }),
    );

  before(async () => {
    // Engines that answer metrics and, for the gateway, health and chat completions (naming themselves).
    const engine = (name: string) =>
      createServer((req, res) => {
        if (req.url === '/metrics') return res.end(METRICS);
        if (req.url === '/health') return res.end();
        req.resume().once('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ from: name, usage: { prompt_tokens: 3, completion_tokens: 1 } }));
        });
      });
    engines = [engine('p0'), engine('p1')];
    ports = [await listen(engines[0]!), await listen(engines[1]!)];
    // The API over TLS with its own CA, as in a cluster (the client refuses plain HTTP).
    const dir = mkdtempSync(join(tmpdir(), 'kb-kube-'));
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kube-apiserver'],
        ...[
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'));
    apiServer = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert },
      (req: IncomingMessage, res) => {
        const url = new URL(req.url ?? '/', 'http://api');
        seen.push({ path: `${url.pathname}${url.search}`, auth: req.headers.authorization });
        res.setHeader('content-type', 'application/json');
        if (url.pathname === '/api/v1/namespaces/llm-serving/pods') {
          const selector = url.searchParams.get('labelSelector');
          const items = pods.filter((p) => selector === 'app.kubernetes.io/component=llm-engine' && p);
          res.end(
            JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items }),
          );
        } else if (url.pathname === '/api/v1/nodes/gpu-node-7') {
          res.end(
            JSON.stringify({
              kind: 'Node',
              apiVersion: 'v1',
              metadata: {
                name: 'gpu-node-7',
                labels: {
                  'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
                  'karpenter.sh/capacity-type': 'spot',
                },
              },
            }),
          );
        } else {
          res.statusCode = 404;
          res.end(
            JSON.stringify({
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              reason: 'NotFound',
              code: 404,
            }),
          );
        }
      },
    );
    const apiPort = await listen(apiServer);
    writeFileSync(
      join(dir, 'kubeconfig'),
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{ name: test, cluster: { server: "https://127.0.0.1:${apiPort}", certificate-authority-data: ${cert.toString('base64')} } }]`,
        `users: [{ name: kubeburner, user: { token: ${TOKEN} } }]`,
        'contexts: [{ name: test, context: { cluster: test, user: kubeburner } }]',
        'current-context: test',
        '',
      ].join('\n'),
    );
    kubeconfig = join(dir, 'kubeconfig');
    process.env.KUBECONFIG = kubeconfig;
    pods = bothPods();
    store = await DuckDbStore.open({ path: ':memory:' });
  });

  after(async () => {
    delete process.env.KUBECONFIG;
    await store.close();
    for (const server of [apiServer, ...engines]) await new Promise((resolve) => server.close(resolve));
  });

  it('scrapes the pods the API lists, placed and priced by pod and node, and follows them as they go', async () => {
    const discovery = new KubernetesDiscovery(
      [
        kubernetesScrapeSchema.parse({
          namespaces: ['llm-serving'],
          label_selector: 'app.kubernetes.io/component=llm-engine',
          interval_s: 0.2,
        }),
      ],
      await kubernetesApi(),
      'us-east-1',
      createLogger('silent'),
    );
    const collector = new Collector({
      store,
      log: createLogger('silent'),
      context: { cluster: 'us-east-1' },
      discovery,
      discoveryRefreshMs: 200,
    });
    await collector.start();
    try {
      const until = async (done: () => boolean) => {
        for (let i = 0; i < 50 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
        assert.ok(done(), JSON.stringify(collector.status().targets));
      };
      const targets = () => collector.status().targets;
      await until(() => targets().length === 2 && targets().every((t) => t.up && t.scrapes > 0));
      assert.ok(
        seen.every((r) => r.auth === `Bearer ${TOKEN}`),
        'the service account token is sent',
      );
      assert.ok(
        seen.some((r) => r.path.includes('labelSelector=app.kubernetes.io%2Fcomponent%3Dllm-engine')),
      );
      await collector.buffer.flush();
      assert.deepEqual(
        await storedSeriesBy(store, 'llm.requests.running', 'replica'),
        ['llama-3-70b-vllm-7d9f8c6b5-p0', 'llama-3-70b-vllm-7d9f8c6b5-p1'],
        'series carry the pod name, as traces do (k8s.pod.name)',
      );

      pods = pods.slice(0, 1); // scaled down
      await until(() => targets().length === 1);
      assert.equal(targets()[0]?.url, `http://127.0.0.1:${ports[0]}/metrics`);
    } finally {
      await collector.stop();
    }
  });

  it('kubeburner collect routes its gateway to the pods it discovers (gateway.discover_upstreams)', async () => {
    pods = bothPods();
    const [apiPort, gatewayPort] = [await freePort(), await freePort()];
    const config = configFile('kb-kube-collect-', apiPort, [
      'collect:',
      '  otlp: { enabled: false }',
      '  scrape:',
      '    refresh_s: 0.5',
      '    kubernetes:',
      '      - { namespaces: [llm-serving], label_selector: app.kubernetes.io/component=llm-engine, interval_s: 0.2 }',
      `gateway: { host: 127.0.0.1, port: ${gatewayPort}, discover_upstreams: true, health: { interval: 1h } }`,
    ]);
    const child = spawn(process.execPath, ['bin/kubeburner.mjs', 'collect', '--config', config.path], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    try {
      const ask = async () => {
        const res = await fetch(`http://127.0.0.1:${gatewayPort}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'Qwen/Qwen3-8B', messages: [{ role: 'user', content: 'hi' }] }),
        }).catch(() => null);
        return res?.status === 200 ? ((await res.json()) as { from: string }).from : null;
      };
      let first: string | null = null;
      for (let i = 0; i < 100 && first === null; i++) {
        first = await ask();
        if (first === null) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.ok(first, 'the gateway found a replica for the model the pods serve');
      const seen = new Set<string>([first]);
      for (let i = 0; i < 10; i++) seen.add((await ask()) ?? 'none');
      assert.deepEqual([...seen].sort(), ['p0', 'p1'], 'both discovered pods take requests');
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
