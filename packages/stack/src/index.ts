export * from './daemon.ts';
export * from './http-wait.ts';
export * from './ports.ts';
