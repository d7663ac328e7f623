package main

// The controller has no injectable clock in this version: its timestamps and window cutoffs all come from
// time.Now(). The oracle runs it inside a testing/synctest bubble, where time.Now() is a fake clock that
// moves only when the oracle sleeps (every goroutine of the bubble is then blocked, and time jumps), so each
// sync runs at exactly its trace time and ties between an age and a window are judged as the controller's
// strict comparisons say. synctest hands a bubble only to a test, hence testing.Main in main.go.

import (
	"time"

	"k8s.io/kubernetes/pkg/controller/podautoscaler"
)

// traceClock maps trace times (milliseconds) to the bubble's time: origin is the bubble time of trace time 0.
type traceClock struct{ origin time.Time }

func (c traceClock) wall(at int64) time.Time {
	return c.origin.Add(time.Duration(at) * time.Millisecond)
}

func (c traceClock) trace(t time.Time) int64 { return t.Sub(c.origin).Milliseconds() }

// advanceTo sleeps in the bubble until trace time at: the fake clock jumps there at once.
func (c traceClock) advanceTo(at int64) {
	if d := time.Until(c.wall(at)); d > 0 {
		time.Sleep(d)
	}
}

func (c traceClock) state(s podautoscaler.OracleState) State {
	out := State{Recommendations: []Recommendation{}, ScaleUpEvents: []ScaleEvent{}, ScaleDownEvents: []ScaleEvent{}}
	for _, r := range s.Recommendations {
		out.Recommendations = append(out.Recommendations, Recommendation{Replicas: r.Replicas, At: c.trace(r.Timestamp)})
	}
	for _, e := range s.ScaleUpEvents {
		out.ScaleUpEvents = append(out.ScaleUpEvents, ScaleEvent{Change: e.ReplicaChange, At: c.trace(e.Timestamp), Outdated: e.Outdated})
	}
	for _, e := range s.ScaleDownEvents {
		out.ScaleDownEvents = append(out.ScaleDownEvents, ScaleEvent{Change: e.ReplicaChange, At: c.trace(e.Timestamp), Outdated: e.Outdated})
	}
	return out
}
