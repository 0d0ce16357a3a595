package telemetry

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc/filters"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"
	"google.golang.org/grpc/stats"

	"github.com/monhook/monhook/domain/plugin"
)

// Settings are the telemetry knobs, filled from configuration by the caller.
type Settings struct {
	// OTLPEndpoint is the OTLP/gRPC collector URL, http://host:4317 (plaintext) or https://host:4317 (TLS);
	// "" turns tracing off.
	OTLPEndpoint string
}

// SourceKey is the span attribute naming the alert source of an init, verify or parse call.
const SourceKey = attribute.Key("monhook.source")

// NewTracerProvider returns an SDK provider that batches spans to the OTLP endpoint and flushes them when the
// app stops, or nil when no endpoint is configured: tracing off costs nothing. The exporter also honours the
// standard OTEL_EXPORTER_OTLP_* variables for what monhook does not set (headers, timeout, certificates).
func NewTracerProvider(lc fx.Lifecycle, s Settings, b plugin.Build, log *slog.Logger) (*sdktrace.TracerProvider, error) {
	if s.OTLPEndpoint == "" {
		return nil, nil
	}
	// New does not dial: a collector that is down costs dropped spans, never a failed start.
	exp, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithEndpointURL(s.OTLPEndpoint))
	if err != nil {
		return nil, err
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", "monhook"),
		attribute.String("service.version", b.Version),
	))
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	log.Info("tracing", "otlp_endpoint", s.OTLPEndpoint)
	lc.Append(fx.StopHook(tp.Shutdown))
	return tp, nil
}

// NewStatsHandler returns the gRPC server's tracing stats handler, reporting to tp. Spans continue the caller's
// W3C traceparent, as Cloudforet's client sends it; health probes and reflection, which clients repeat on every
// connection, are not traced.
func NewStatsHandler(tp trace.TracerProvider) stats.Handler {
	return otelgrpc.NewServerHandler(
		otelgrpc.WithTracerProvider(tp),
		otelgrpc.WithPropagators(propagation.TraceContext{}),
		otelgrpc.WithMeterProvider(metricnoop.NewMeterProvider()), // metrics come from Prometheus, once
		otelgrpc.WithFilter(filters.None(filters.HealthCheck(), filters.ServicePrefix("grpc.reflection."))),
	)
}

// statsHandler is NewStatsHandler, or nil when tracing is off, so the server carries no handler at all.
func statsHandler(tp *sdktrace.TracerProvider) stats.Handler {
	if tp == nil {
		return nil
	}
	return NewStatsHandler(tp)
}

// Module provides the private *prometheus.Registry, the gRPC server metrics, monhook's Counters and, when an
// OTLP endpoint is set, the tracing stats.Handler (nil otherwise). It needs Settings, plugin.Build and a
// *slog.Logger.
var Module = fx.Module("telemetry",
	fx.Provide(NewRegistry, NewServerMetrics, NewCounters, NewTracerProvider, statsHandler),
)
