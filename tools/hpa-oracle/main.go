// Command hpa-oracle drives the Kubernetes HPA controller's own code (k8s.io/kubernetes
// pkg/controller/podautoscaler, the version in go.mod) over a trace of syncs and prints its decisions, so
// that packages/autoscaler (the twin) can be compared with it step by step. Trace JSON on stdin (trace.go),
// decisions JSON on stdout. The controller runs with fake clients (cluster.go) on a fake clock (clock.go);
// build.sh compiles _overlay/oracle_export.go into the controller's package to reach its unexported sync.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"testing"
	"testing/synctest"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
)

func main() {
	// The controller logs each rescale through klog; the decisions go to stdout, errors to stderr.
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	_ = klogFlags.Set("logtostderr", "false")
	klog.SetOutput(io.Discard)

	var trace Trace
	if err := json.NewDecoder(os.Stdin).Decode(&trace); err != nil {
		fail(fmt.Errorf("reading the trace: %w", err))
	}
	if err := validate(&trace); err != nil {
		fail(err)
	}
	// testing.Main prints its own PASS/FAIL lines on os.Stdout: they are dropped, the answer goes to stdout
	// and an error to stderr.
	stdout := os.Stdout
	if devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stdout = devNull
	}
	oracle := func(t *testing.T) {
		var results []Result
		var err error
		synctest.Test(t, func(t *testing.T) { results, err = run(t.Context(), &trace) })
		if err == nil {
			err = json.NewEncoder(stdout).Encode(Output{Kubernetes: kubernetesVersion(), Steps: results})
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "hpa-oracle:", err)
			t.FailNow()
		}
	}
	testing.Main(matchAll, []testing.InternalTest{{Name: "HPAOracle", F: oracle}}, nil, nil)
}

func matchAll(string, string) (bool, error) { return true, nil }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "hpa-oracle:", err)
	os.Exit(1)
}

func validate(trace *Trace) error {
	if len(trace.Steps) == 0 {
		return errors.New("the trace has no steps")
	}
	if trace.PodCPURequestMilli <= 0 {
		return errors.New("podCpuRequestMilli must be > 0")
	}
	if b := trace.Hpa.Behavior; b != nil && b.ScaleUp.Tolerance != b.ScaleDown.Tolerance {
		return errors.New("per-direction tolerances need the HPAConfigurableTolerance feature gate (alpha, off in 1.33)")
	}
	for i := 1; i < len(trace.Steps); i++ {
		if trace.Steps[i].At < trace.Steps[i-1].At {
			return fmt.Errorf("step %d goes back in time", i)
		}
	}
	return nil
}

// run replays the trace in the bubble: the fake clock starts at the first step and jumps to each next one.
func run(ctx context.Context, trace *Trace) ([]Result, error) {
	hpa, err := hpaObject(trace)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the controller's event broadcaster
	clock := traceClock{origin: time.Now().Add(-time.Duration(trace.Steps[0].At) * time.Millisecond)}
	c := newCluster(ctx, trace, clock, hpa)
	defer c.controller.OracleShutdown()
	key := namespace + "/" + hpa.Name
	results := make([]Result, 0, len(trace.Steps))
	for _, step := range trace.Steps {
		clock.advanceTo(step.At)
		result, err := syncOnce(ctx, c, hpa, key, step)
		if err != nil {
			return nil, err
		}
		results = append(results, result)
		// The informer delivers the status the controller just wrote before the next sync.
		if hpa, err = c.clientset.AutoscalingV2().HorizontalPodAutoscalers(namespace).Get(ctx, hpa.Name, metav1.GetOptions{}); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// syncOnce runs one reconcileAutoscaler at the step's time and reads back the decision and the memory.
func syncOnce(ctx context.Context, c *cluster, hpa *autoscalingv2.HorizontalPodAutoscaler, key string, step Step) (Result, error) {
	if err := c.setStep(step); err != nil {
		return Result{}, err
	}
	syncErr := c.controller.OracleReconcile(ctx, hpa, key)
	updated, err := c.clientset.AutoscalingV2().HorizontalPodAutoscalers(namespace).Get(ctx, hpa.Name, metav1.GetOptions{})
	if err != nil {
		return Result{}, err
	}
	result := decision(step, updated, c.scaled, c.clock.state(c.controller.OracleState(key)))
	if syncErr != nil {
		result.Error = syncErr.Error()
	}
	return result, nil
}

func decision(step Step, hpa *autoscalingv2.HorizontalPodAutoscaler, scaled *int32, state State) Result {
	r := Result{At: step.At, DesiredReplicas: step.Replicas, Conditions: map[string]string{}, State: state}
	if scaled != nil {
		r.DesiredReplicas, r.Rescaled = *scaled, true
	}
	for _, cond := range hpa.Status.Conditions {
		r.Conditions[string(cond.Type)] = cond.Reason
	}
	for _, m := range hpa.Status.CurrentMetrics {
		current := currentOf(m)
		if current == nil {
			continue
		}
		r.CurrentUtilization = current.AverageUtilization
		if current.AverageValue != nil {
			milli := current.AverageValue.MilliValue()
			r.CurrentAverageMilli = &milli
		}
	}
	return r
}

func currentOf(m autoscalingv2.MetricStatus) *autoscalingv2.MetricValueStatus {
	switch {
	case m.Resource != nil:
		return &m.Resource.Current
	case m.ContainerResource != nil:
		return &m.ContainerResource.Current
	}
	return nil
}

// kubernetesVersion is the k8s.io/kubernetes module version this binary was built from.
func kubernetesVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "k8s.io/kubernetes" {
				return dep.Version
			}
		}
	}
	return "unknown"
}
