// This file is compiled INTO k8s.io/kubernetes/pkg/controller/podautoscaler by `go build -overlay` (see
// tools/hpa-oracle/build.sh); the controller's own files stay as the module proxy serves them. It exports
// only what a driver outside the package needs to run one sync the way upstream's horizontal_test.go does:
// the unexported reconcileAutoscaler, and a copy of the controller's memory (recommendations and scale events)
// for the oracle's report.

package podautoscaler

import (
	"context"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// OracleRecommendation is a timestampedRecommendation.
type OracleRecommendation struct {
	Replicas  int32
	Timestamp time.Time
}

// OracleScaleEvent is a timestampedScaleEvent.
type OracleScaleEvent struct {
	ReplicaChange int32
	Timestamp     time.Time
	Outdated      bool
}

// OracleState is what the controller remembers about one HPA between syncs.
type OracleState struct {
	// Recommendations is nil before the first sync (recordInitialRecommendation then seeds it).
	Recommendations []OracleRecommendation
	ScaleUpEvents   []OracleScaleEvent
	ScaleDownEvents []OracleScaleEvent
}

// OracleReconcile runs one sync of the HPA (reconcileAutoscaler, as a worker does for a queued key).
func (a *HorizontalController) OracleReconcile(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, key string) error {
	return a.reconcileAutoscaler(ctx, hpa, key)
}

// OracleState returns a copy of the controller's memory for key.
func (a *HorizontalController) OracleState(key string) OracleState {
	a.recommendationsLock.Lock()
	defer a.recommendationsLock.Unlock()
	a.scaleUpEventsLock.RLock()
	defer a.scaleUpEventsLock.RUnlock()
	a.scaleDownEventsLock.RLock()
	defer a.scaleDownEventsLock.RUnlock()
	var state OracleState
	if recs, ok := a.recommendations[key]; ok {
		state.Recommendations = make([]OracleRecommendation, 0, len(recs))
		for _, r := range recs {
			state.Recommendations = append(state.Recommendations, OracleRecommendation{r.recommendation, r.timestamp})
		}
	}
	state.ScaleUpEvents = exportEvents(a.scaleUpEvents[key])
	state.ScaleDownEvents = exportEvents(a.scaleDownEvents[key])
	return state
}

// OracleShutdown stops the work queue's goroutines, which the oracle never uses (it calls reconcileAutoscaler
// itself), so that nothing is left running when its fake clock stops.
func (a *HorizontalController) OracleShutdown() {
	a.queue.ShutDown()
}

func exportEvents(events []timestampedScaleEvent) []OracleScaleEvent {
	out := make([]OracleScaleEvent, 0, len(events))
	for _, e := range events {
		out = append(out, OracleScaleEvent{e.replicaChange, e.timestamp, e.outdated})
	}
	return out
}
