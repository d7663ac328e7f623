// The local HPA twin: the Kubernetes HorizontalPodAutoscaler algorithm, read from deploy/k8s, for local replicas.
export * from './algorithm.ts';
export * from './autoscaler.ts';
export * from './manifests.ts';
export * from './quantity.ts';
export * from './spec.ts';
export * from './trace.ts';
