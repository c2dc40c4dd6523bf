#!/usr/bin/env node
// Entry point for `npx kubeburner` / the installed binary: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
