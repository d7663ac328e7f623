package main

// The trace format, shared with packages/autoscaler (test/oracle.test.ts reads the same files): the HPA as
// packages/autoscaler/src/spec.ts describes it, the pods as its PodSample, times in milliseconds.

// Trace is a recorded (or generated) series of HPA syncs.
type Trace struct {
	Hpa                HpaSpec `json:"hpa"`
	PodCPURequestMilli int64   `json:"podCpuRequestMilli"`
	// DownscaleStabilizationSeconds is kube-controller-manager's flag, used by an HPA without behavior.
	DownscaleStabilizationSeconds *float64 `json:"downscaleStabilizationSeconds,omitempty"`
	Steps                         []Step   `json:"steps"`
}

// HpaSpec is spec.ts's HpaSpec.
type HpaSpec struct {
	Name        string    `json:"name"`
	MinReplicas int32     `json:"minReplicas"`
	MaxReplicas int32     `json:"maxReplicas"`
	Metric      Metric    `json:"metric"`
	Behavior    *Behavior `json:"behavior,omitempty"`
}

// Metric is spec.ts's CpuUtilizationMetric.
type Metric struct {
	Type               string `json:"type"`
	Container          string `json:"container,omitempty"`
	AverageUtilization int32  `json:"averageUtilization"`
}

// Behavior is spec.ts's Behavior.
type Behavior struct {
	ScaleUp   Rules `json:"scaleUp"`
	ScaleDown Rules `json:"scaleDown"`
}

// Rules is spec.ts's ScalingRules.
type Rules struct {
	StabilizationWindowSeconds float64  `json:"stabilizationWindowSeconds"`
	SelectPolicy               string   `json:"selectPolicy"`
	Policies                   []Policy `json:"policies"`
	Tolerance                  float64  `json:"tolerance"`
}

// Policy is spec.ts's ScalingPolicy.
type Policy struct {
	Type          string  `json:"type"`
	Value         int32   `json:"value"`
	PeriodSeconds float64 `json:"periodSeconds"`
}

// Step is one sync: when it runs, the target's spec.replicas, and the pods with their metrics.
type Step struct {
	At       int64 `json:"at"`
	Replicas int32 `json:"replicas"`
	Pods     []Pod `json:"pods"`
}

// Pod is algorithm.ts's PodSample, plus the two times the controller's CPU start-up rule reads (absent: the
// pod started an hour before the step and its Ready condition has not changed since, which makes the
// controller set it aside exactly while it is not ready, as the twin does).
type Pod struct {
	Name           string   `json:"name"`
	Ready          bool     `json:"ready"`
	CPUUsageCores  *float64 `json:"cpuUsageCores,omitempty"`
	Phase          string   `json:"phase,omitempty"`
	Terminating    bool     `json:"terminating,omitempty"`
	StartedAt      *int64   `json:"startedAt,omitempty"`
	ReadyChangedAt *int64   `json:"readyChangedAt,omitempty"`
}

// Result is the controller's decision at one step.
type Result struct {
	At int64 `json:"at"`
	// DesiredReplicas is the target's spec.replicas after the sync: what the controller wrote, or left.
	DesiredReplicas int32 `json:"desiredReplicas"`
	Rescaled        bool  `json:"rescaled"`
	// Conditions maps each HPA condition type to its reason after the sync (kubectl describe hpa).
	Conditions          map[string]string `json:"conditions"`
	CurrentUtilization  *int32            `json:"currentUtilization,omitempty"`
	CurrentAverageMilli *int64            `json:"currentAverageMilli,omitempty"`
	// Error is what reconcileAutoscaler returned, if anything (e.g. no metrics).
	Error string `json:"error,omitempty"`
	// State is the controller's memory after the sync, in trace time, for diagnosing a mismatch.
	State State `json:"state"`
}

// State is the twin's AutoscalerState shape.
type State struct {
	Recommendations []Recommendation `json:"recommendations"`
	ScaleUpEvents   []ScaleEvent     `json:"scaleUpEvents"`
	ScaleDownEvents []ScaleEvent     `json:"scaleDownEvents"`
}

// Recommendation is algorithm.ts's TimestampedRecommendation.
type Recommendation struct {
	Replicas int32 `json:"replicas"`
	At       int64 `json:"at"`
}

// ScaleEvent is algorithm.ts's ScaleEventRecord.
type ScaleEvent struct {
	Change   int32 `json:"change"`
	At       int64 `json:"at"`
	Outdated bool  `json:"outdated"`
}

// Output is what the oracle writes.
type Output struct {
	Kubernetes string   `json:"kubernetes"`
	Steps      []Result `json:"steps"`
}
