import { writeFileSync } from 'node:fs';
import { grafanaDashboardFiles } from '../src/serve/grafana-dashboard.ts';

// The deploy/ files built from code: the Grafana dashboard and the ConfigMap that provisions it.
for (const [path, text] of Object.entries(grafanaDashboardFiles())) {
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
