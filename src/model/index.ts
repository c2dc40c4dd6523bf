export * from './engine.ts';
export * from './request.ts';
export * from './span.ts';
export * from './metric-sample.ts';
export * from './metric-names.ts';
export * from './ops-event.ts';
