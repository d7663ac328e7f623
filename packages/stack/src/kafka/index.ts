export * from './kafka-config.ts';
export * from './kafka-commands.ts';
export * from './kafka-health.ts';
export * from './kafka.ts';
