export * from './daemon.ts';
export * from './http-wait.ts';
