import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Service, ServiceAccount } from 'kubernetes-models/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';
import { configSchema } from '../src/config/schema.ts';
import { freePort } from './support/net.ts';

const DIR = 'deploy/kubernetes';
const KUBECTL = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));

/** Each kind the manifests use, validated against its published schema (kubernetes-models). */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  [key: string]: unknown;
}

function manifests(dir: string): { file: string; doc: Manifest }[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml') && e.name !== 'kustomization.yaml')
    .flatMap((e) =>
      parseAllDocuments(readFileSync(join(dir, e.name), 'utf8')).map((d) => {
        assert.deepEqual(d.errors, [], `${e.name}: YAML errors`);
        return { file: e.name, doc: d.toJS() as Manifest };
      }),
    );
}

const base = manifests(DIR);
const find = <T>(kind: string, name?: string) =>
  base.find((m) => m.doc.kind === kind && (!name || m.doc.metadata.name === name))?.doc as T;

type Container = {
  args: string[];
  ports: { name: string; containerPort: number }[];
  volumeMounts: { name: string; mountPath: string }[];
  readinessProbe: { httpGet: { path: string; port: string } };
};
type PodSpec = {
  serviceAccountName: string;
  containers: Container[];
  volumes: { name: string; configMap?: { name: string }; persistentVolumeClaim?: { claimName: string } }[];
};
const deployment = () =>
  find<{ spec: { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } }>(
    'Deployment',
    'kubeburner',
  );
const config = () =>
  configSchema.parse(
    parseYaml(
      find<{ data: Record<string, string> }>('ConfigMap', 'kubeburner-config').data[
        'kubeburner.yaml'
      ] as string,
    ),
  );

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('are each valid against the schema of their kind, and the kustomization lists every one', () => {
    const all = [
      ...base,
      ...manifests(join(DIR, 'optional')).map((m) => ({ ...m, file: `optional/${m.file}` })),
    ];
    for (const { file, doc } of all) {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      assert.ok(Model, `${file}: no schema for ${doc.apiVersion} ${doc.kind}`);
      assert.doesNotThrow(
        () => new Model(doc as never).validate(),
        `${file}: ${doc.kind} ${doc.metadata.name}`,
      );
    }
    const kustomization = parseYaml(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    assert.deepEqual([...kustomization.resources].sort(), [...new Set(base.map((m) => m.file))].sort());
  });

  it(
    'render with kustomize into valid objects in the kubeburner namespace, with the image set',
    // kubectl is not in Debian's archive (only a 1.20 client): used where the machine has it.
    { skip: KUBECTL ? false : 'kubectl not installed' },
    () => {
      const rendered = parseAllDocuments(
        execFileSync(KUBECTL as string, ['kustomize', DIR], { encoding: 'utf8' }),
      ).map((d) => d.toJS() as Manifest & { metadata: { namespace?: string } });
      assert.equal(rendered.length, base.length);
      for (const doc of rendered) {
        new (MODELS[`${doc.apiVersion}/${doc.kind}`] as (typeof MODELS)[string])(doc as never).validate();
        if (!['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(doc.kind))
          assert.equal(doc.metadata.namespace, 'kubeburner', `${doc.kind} ${doc.metadata.name}`);
      }
      const image = JSON.stringify(rendered.find((d) => d.kind === 'Deployment')).match(
        /"image":"([^"]+)"/,
      )?.[1];
      assert.equal(image, 'registry.example.com/kubeburner:0.1.0');
    },
  );

  it('wire the pod to its config: ports, probe, mounts, service account and its permissions', () => {
    const cfg = config();
    const pod = deployment().spec.template;
    const [container] = pod.spec.containers;
    assert.ok(container);
    const port = (name: string) => container.ports.find((p) => p.name === name)?.containerPort;
    assert.deepEqual(
      [port('http'), port('otlp-http'), port('otlp-grpc')],
      [cfg.server.port, cfg.collect.otlp.port, cfg.collect.otlp.grpc_port],
    );
    assert.equal(cfg.server.host, '0.0.0.0', 'reachable from the Service');
    assert.equal(container.readinessProbe.httpGet.path, '/api/health');
    const mount = (volume: string) => container.volumeMounts.find((m) => m.name === volume)?.mountPath;
    assert.equal(mount('data'), cfg.data_dir, 'the store lives on the volume');
    assert.equal(container.args.at(-1), `${mount('config')}/kubeburner.yaml`);
    assert.equal(pod.spec.volumes.find((v) => v.name === 'config')?.configMap?.name, 'kubeburner-config');
    const claim = pod.spec.volumes.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName;
    assert.ok(find('PersistentVolumeClaim', claim));

    const service = find<{ spec: { selector: Record<string, string>; ports: { targetPort: string }[] } }>(
      'Service',
    );
    for (const [k, v] of Object.entries(service.spec.selector)) assert.equal(pod.metadata.labels[k], v);
    for (const p of service.spec.ports) assert.ok(port(p.targetPort), `Service targets ${p.targetPort}`);

    assert.ok(find('ServiceAccount', pod.spec.serviceAccountName));
    const role = find<{ rules: { resources: string[]; verbs: string[] }[] }>('ClusterRole');
    const may = (resource: string, verb: string) =>
      role.rules.some((r) => r.resources.includes(resource) && r.verbs.includes(verb));
    assert.ok(may('pods', 'list') && may('nodes', 'get'), 'what discovery calls');
    assert.ok(cfg.collect.scrape.kubernetes.length > 0, 'engines are found by label');
  });

  it(
    'run: the image’s command with the ConfigMap’s config serves health and /metrics',
    { timeout: 60_000 },
    async () => {
      const dockerfile = readFileSync('Dockerfile', 'utf8');
      const json = (instruction: string) =>
        JSON.parse(
          dockerfile.match(new RegExp(`^${instruction} (\\[.*\\])$`, 'm'))?.[1] ?? 'null',
        ) as string[];
      assert.deepEqual(json('ENTRYPOINT'), ['node', 'bin/kubeburner.mjs']);
      assert.deepEqual(
        json('CMD'),
        deployment().spec.template.spec.containers[0]?.args,
        'the Deployment runs the image’s command',
      );

      // The same config, on loopback and free ports, with a data directory of its own; outside a
      // cluster discovery reaches no API server, which must not stop collection.
      const cfg = parseYaml(
        find<{ data: Record<string, string> }>('ConfigMap').data['kubeburner.yaml'] as string,
      );
      const dir = mkdtempSync(join(tmpdir(), 'kb-deploy-'));
      const port = await freePort();
      Object.assign(cfg, { data_dir: dir, server: { host: '127.0.0.1', port }, log: { level: 'warn' } });
      Object.assign(cfg.collect.otlp, {
        host: '127.0.0.1',
        port: await freePort(),
        grpc_port: await freePort(),
      });
      writeFileSync(join(dir, 'kubeburner.yaml'), stringify(cfg));
      const child = spawn(
        process.execPath,
        ['bin/kubeburner.mjs', 'collect', '--config', join(dir, 'kubeburner.yaml')],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env, KUBECONFIG: '', HOME: dir }, // no kubeconfig, not in a pod
        },
      );
      try {
        const [line] = await new Promise<string[]>((resolve, reject) => {
          child.once('exit', (code) => reject(new Error(`collect exited (${code})`)));
          createInterface({ input: child.stdout }).once('line', (l) => resolve([l]));
        });
        assert.match(line ?? '', /pods matching 'app\.kubernetes\.io\/component=llm-engine'/);
        assert.equal((await fetch(`http://127.0.0.1:${port}/api/health`)).status, 200);
        const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
        assert.equal(metrics.status, 200);
      } finally {
        child.kill('SIGINT');
      }
    },
  );
});
