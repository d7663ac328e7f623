package main

// The fake cluster around the real controller, built as upstream's horizontal_test.go builds it: a fake
// clientset holding the HPA (status updates land there), a fake scale client for the Deployment, a fake
// metrics.k8s.io client answering with the step's pod metrics, and a pod informer's indexer holding the pods.

import (
	"context"
	"fmt"
	"math"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	scalefake "k8s.io/client-go/scale/fake"
	core "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/kubernetes/pkg/controller/podautoscaler"
	metricsclient "k8s.io/kubernetes/pkg/controller/podautoscaler/metrics"
	metricsapi "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsfake "k8s.io/metrics/pkg/client/clientset/versioned/fake"
)

const (
	namespace = "default"
	selector  = "app=target"
	// kube-controller-manager's defaults: --horizontal-pod-autoscaler-cpu-initialization-period and
	// --horizontal-pod-autoscaler-initial-readiness-delay, and the sync period (the informer resync).
	cpuInitializationPeriod       = 5 * time.Minute
	delayOfInitialReadinessStatus = 30 * time.Second
	resyncPeriod                  = 15 * time.Second
	// metrics-server's usage window (its default resolution).
	metricWindow = 15 * time.Second
	// The age of a pod whose trace gives no start time: past the CPU initialization period.
	defaultPodAge = time.Hour
)

// cluster is the controller and the fakes it talks to, at the current step.
type cluster struct {
	controller *podautoscaler.HorizontalController
	clientset  *fake.Clientset
	pods       cache.Indexer
	trace      *Trace
	clock      traceClock
	step       Step
	// scaled is the replica count the controller wrote to the scale subresource during this step, if any.
	scaled *int32
}

func newCluster(ctx context.Context, trace *Trace, clock traceClock, hpa *autoscalingv2.HorizontalPodAutoscaler) *cluster {
	c := &cluster{trace: trace, clock: clock, clientset: fake.NewSimpleClientset(hpa)}
	factory := informers.NewSharedInformerFactory(c.clientset, 0)
	hpaInformer := factory.Autoscaling().V2().HorizontalPodAutoscalers()
	podInformer := factory.Core().V1().Pods()
	c.pods = podInformer.Informer().GetIndexer()
	scales := &scalefake.FakeScaleClient{}
	scales.AddReactor("get", "deployments", c.getScale)
	scales.AddReactor("update", "deployments", c.updateScale)
	metrics := &metricsfake.Clientset{}
	metrics.AddReactor("list", "pods", c.listPodMetrics)
	mapper := apimeta.NewDefaultRESTMapper([]schema.GroupVersion{appsv1.SchemeGroupVersion})
	mapper.Add(appsv1.SchemeGroupVersion.WithKind("Deployment"), apimeta.RESTScopeNamespace)
	c.controller = podautoscaler.NewHorizontalController(ctx, c.clientset.CoreV1(), scales,
		c.clientset.AutoscalingV2(), mapper, metricsclient.NewRESTMetricsClient(metrics.MetricsV1beta1(), nil, nil),
		hpaInformer, podInformer, resyncPeriod, downscaleStabilization(trace), tolerance(trace),
		cpuInitializationPeriod, delayOfInitialReadinessStatus)
	return c
}

// setStep makes the fakes answer with this step's scale and pods.
func (c *cluster) setStep(step Step) error {
	c.step, c.scaled = step, nil
	objects := make([]interface{}, 0, len(step.Pods))
	for _, p := range step.Pods {
		objects = append(objects, c.podObject(p))
	}
	return c.pods.Replace(objects, "")
}

func (c *cluster) getScale(core.Action) (bool, runtime.Object, error) {
	return true, &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Name: "target", Namespace: namespace},
		Spec:       autoscalingv1.ScaleSpec{Replicas: c.step.Replicas},
		Status:     autoscalingv1.ScaleStatus{Replicas: int32(len(c.step.Pods)), Selector: selector},
	}, nil
}

func (c *cluster) updateScale(action core.Action) (bool, runtime.Object, error) {
	scale := action.(core.UpdateAction).GetObject().(*autoscalingv1.Scale)
	replicas := scale.Spec.Replicas
	c.scaled = &replicas
	return true, scale, nil
}

func (c *cluster) listPodMetrics(core.Action) (bool, runtime.Object, error) {
	list := &metricsapi.PodMetricsList{}
	for _, p := range c.step.Pods {
		if p.CPUUsageCores == nil {
			continue // no sample yet: metrics-server does not list the pod
		}
		// metrics-server reports nanocores; the controller reads MilliValue(), which rounds up.
		usage := resource.NewScaledQuantity(int64(math.Round(*p.CPUUsageCores*1e9)), resource.Nano)
		list.Items = append(list.Items, metricsapi.PodMetrics{
			ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: namespace, Labels: map[string]string{"app": "target"}},
			Timestamp:  metav1.NewTime(c.clock.wall(c.step.At)),
			Window:     metav1.Duration{Duration: metricWindow},
			Containers: []metricsapi.ContainerMetrics{{Name: containerName(c.trace), Usage: corev1.ResourceList{corev1.ResourceCPU: *usage}}},
		})
	}
	return true, list, nil
}

func (c *cluster) podObject(p Pod) *corev1.Pod {
	started := c.clock.wall(c.step.At).Add(-defaultPodAge)
	if p.StartedAt != nil {
		started = c.clock.wall(*p.StartedAt)
	}
	changed := started
	if p.ReadyChangedAt != nil {
		changed = c.clock.wall(*p.ReadyChangedAt)
	}
	phase := corev1.PodRunning
	if p.Phase != "" {
		phase = corev1.PodPhase(p.Phase)
	}
	ready := corev1.ConditionFalse
	if p.Ready {
		ready = corev1.ConditionTrue
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: namespace, Labels: map[string]string{"app": "target"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: containerName(c.trace),
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: *resource.NewMilliQuantity(c.trace.PodCPURequestMilli, resource.DecimalSI),
			}},
		}}},
		Status: corev1.PodStatus{
			Phase:      phase,
			StartTime:  &metav1.Time{Time: started},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: ready, LastTransitionTime: metav1.Time{Time: changed}}},
		},
	}
	if p.Terminating {
		pod.DeletionTimestamp = &metav1.Time{Time: c.clock.wall(c.step.At)}
	}
	return pod
}

func containerName(trace *Trace) string {
	if trace.Hpa.Metric.Container != "" {
		return trace.Hpa.Metric.Container
	}
	return "app"
}

// hpaObject is the HorizontalPodAutoscaler the trace describes, as the API server stores it.
func hpaObject(trace *Trace) (*autoscalingv2.HorizontalPodAutoscaler, error) {
	spec := trace.Hpa
	metric, err := metricSpec(spec.Metric)
	if err != nil {
		return nil, err
	}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: spec.Name, Namespace: namespace},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "target", APIVersion: "apps/v1"},
			MinReplicas:    &spec.MinReplicas,
			MaxReplicas:    spec.MaxReplicas,
			Metrics:        []autoscalingv2.MetricSpec{metric},
		},
	}
	if spec.Behavior != nil {
		up, err := scalingRules(spec.Behavior.ScaleUp)
		if err != nil {
			return nil, fmt.Errorf("behavior.scaleUp: %w", err)
		}
		down, err := scalingRules(spec.Behavior.ScaleDown)
		if err != nil {
			return nil, fmt.Errorf("behavior.scaleDown: %w", err)
		}
		hpa.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: up, ScaleDown: down}
	}
	return hpa, nil
}

func metricSpec(m Metric) (autoscalingv2.MetricSpec, error) {
	target := autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &m.AverageUtilization}
	switch m.Type {
	case "Resource":
		return autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU, Target: target}}, nil
	case "ContainerResource":
		return autoscalingv2.MetricSpec{Type: autoscalingv2.ContainerResourceMetricSourceType,
			ContainerResource: &autoscalingv2.ContainerResourceMetricSource{Name: corev1.ResourceCPU, Container: m.Container, Target: target}}, nil
	}
	return autoscalingv2.MetricSpec{}, fmt.Errorf("metric type %q: only Resource and ContainerResource", m.Type)
}

func scalingRules(r Rules) (*autoscalingv2.HPAScalingRules, error) {
	window, err := wholeSeconds(r.StabilizationWindowSeconds)
	if err != nil {
		return nil, fmt.Errorf("stabilizationWindowSeconds: %w", err)
	}
	selectPolicy := autoscalingv2.ScalingPolicySelect(r.SelectPolicy)
	rules := &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &window, SelectPolicy: &selectPolicy}
	for _, p := range r.Policies {
		period, err := wholeSeconds(p.PeriodSeconds)
		if err != nil {
			return nil, fmt.Errorf("periodSeconds: %w", err)
		}
		rules.Policies = append(rules.Policies, autoscalingv2.HPAScalingPolicy{
			Type: autoscalingv2.HPAScalingPolicyType(p.Type), Value: p.Value, PeriodSeconds: period})
	}
	return rules, nil
}

// wholeSeconds: the API's windows and periods are int32 seconds (the twin's compressed profile is not).
func wholeSeconds(s float64) (int32, error) {
	if s != math.Trunc(s) || s < 0 || s > math.MaxInt32 {
		return 0, fmt.Errorf("%v is not a whole number of seconds", s)
	}
	return int32(s), nil
}

// tolerance is the controller's --horizontal-pod-autoscaler-tolerance. Per-direction tolerances in the
// behavior need the HPAConfigurableTolerance feature gate (alpha in 1.33, off by default), so a trace must
// use one tolerance for both directions.
func tolerance(trace *Trace) float64 {
	if trace.Hpa.Behavior == nil {
		return 0.1
	}
	return trace.Hpa.Behavior.ScaleUp.Tolerance
}

func downscaleStabilization(trace *Trace) time.Duration {
	if trace.DownscaleStabilizationSeconds == nil {
		return 5 * time.Minute
	}
	return time.Duration(*trace.DownscaleStabilizationSeconds * float64(time.Second))
}
