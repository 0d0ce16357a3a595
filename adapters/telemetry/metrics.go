// Package telemetry holds what monhook reports beyond its log: Prometheus metrics in a private registry, and
// OpenTelemetry traces exported over OTLP when an endpoint is configured.
package telemetry

import (
	"runtime"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/plugin"
)

// NewRegistry returns a registry of monhook's own, holding the Go runtime and process collectors. It is not
// prometheus.DefaultRegisterer, so every test and every app gets fresh counters.
func NewRegistry() (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

// handlingBuckets are grpc_server_handling_seconds' buckets: most calls take well under a millisecond, a large body
// some milliseconds, and nothing may outlast call_timeout (30 s by default).
var handlingBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// NewServerMetrics returns the standard gRPC server metrics (grpc_server_started_total, grpc_server_handled_total
// by method and code, grpc_server_handling_seconds), registered in reg. Its interceptors go on the gRPC server.
func NewServerMetrics(reg *prometheus.Registry) (*grpcprom.ServerMetrics, error) {
	m := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramBuckets(handlingBuckets)))
	if err := reg.Register(m); err != nil {
		return nil, err
	}
	return m, nil
}

// Counters are monhook's own Event.parse metrics. A nil *Counters counts nothing, so callers need no check.
// Every label value comes from a closed set (sources, event types, error codes), never from a caller's input.
type Counters struct {
	parsed   *prometheus.CounterVec
	failures *prometheus.CounterVec
	detected *prometheus.CounterVec
}

// NewCounters returns Counters registered in reg.
func NewCounters(reg *prometheus.Registry) (*Counters, error) {
	c := &Counters{
		parsed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monhook_events_parsed_total",
			Help: "Events returned by Event.parse, by source and event type.",
		}, []string{"source", "event_type"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monhook_parse_failures_total",
			Help: `Event.parse calls that failed, by source ("auto" or "none" when unknown) and the ERROR_ code returned.`,
		}, []string{"source", "error_code"}),
		detected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "monhook_source_detected_total",
			Help: `Outcomes of source auto-detection in Event.parse: the source found, or "none".`,
		}, []string{"source"}),
	}
	for _, v := range []*prometheus.CounterVec{c.parsed, c.failures, c.detected} {
		if err := reg.Register(v); err != nil {
			return nil, err
		}
	}
	// Every series of a known label value exists at zero from the start, so that rate() and alerts on them work
	// before the first event of a kind.
	sources := []string{string(option.Auto), noSource}
	for _, s := range option.Sources() {
		sources = append(sources, string(s))
	}
	for _, s := range sources {
		for _, code := range cloudforet.Codes() {
			c.failures.WithLabelValues(s, code)
		}
		if s == string(option.Auto) {
			continue // what detection found is a source, or none
		}
		c.detected.WithLabelValues(s)
		if s == noSource {
			continue
		}
		for _, t := range []event.Type{event.Alert, event.Recovery} {
			c.parsed.WithLabelValues(s, string(t))
		}
	}
	return c, nil
}

// noSource is the source label of a body no source was named for or detected as.
const noSource = "none"

// NewBuildInfo registers monhook_build_info{version, revision, goversion}, always 1: the build a scrape came from.
func NewBuildInfo(reg *prometheus.Registry, b plugin.Build) error {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "monhook_build_info",
		Help: "The running build: its version, the commit it was built from and its Go version. Always 1.",
	}, []string{"version", "revision", "goversion"})
	g.WithLabelValues(b.Version, b.Revision, runtime.Version()).Set(1)
	return reg.Register(g)
}

// Parsed counts n events of eventType read as source.
func (c *Counters) Parsed(source, eventType string, n int) {
	if c != nil && n > 0 {
		c.parsed.WithLabelValues(source, eventType).Add(float64(n))
	}
}

// ParseFailed counts one failed call.
func (c *Counters) ParseFailed(source, errorCode string) {
	if c != nil {
		c.failures.WithLabelValues(source, errorCode).Inc()
	}
}

// Detected counts one auto-detection outcome.
func (c *Counters) Detected(source string) {
	if c != nil {
		c.detected.WithLabelValues(source).Inc()
	}
}
