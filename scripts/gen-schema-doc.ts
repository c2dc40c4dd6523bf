import { writeFileSync } from 'node:fs';
import { renderSchemaDoc } from '../src/store/schema-doc.ts';

writeFileSync('docs/schema.md', renderSchemaDoc());
console.log('wrote docs/schema.md');
