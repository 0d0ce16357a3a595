package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc/filters"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"
	"google.golang.org/grpc/stats"

	"github.com/monhook/monhook/domain/plugin"
)

// Settings are the telemetry knobs, filled from configuration by the caller.
type Settings struct {
	// OTLPEndpoint is the OTLP collector URL, http://host:4317 (plaintext) or https://host:4317 (TLS); "" turns
	// tracing off.
	OTLPEndpoint string
	// OTLPProtocol is the exporter's transport: "grpc" (also when empty) or "http/protobuf".
	OTLPProtocol string
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
	exp, err := newExporter(s)
	if err != nil {
		return nil, err
	}
	res, err := Resource(b)
	if errors.Is(err, resource.ErrPartialResource) {
		// A malformed OTEL_RESOURCE_ATTRIBUTES loses its own attributes, not the traces.
		log.Warn("tracing: resource attributes", "error", err.Error())
	} else if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	log.Info("tracing", "otlp_endpoint", s.OTLPEndpoint, "otlp_protocol", s.protocol())
	lc.Append(fx.StopHook(tp.Shutdown))
	return tp, nil
}

func (s Settings) protocol() string {
	if s.OTLPProtocol == "" {
		return "grpc"
	}
	return s.OTLPProtocol
}

// newExporter builds the exporter of s's transport. Neither dials: a collector that is down costs dropped
// spans, never a failed start.
func newExporter(s Settings) (sdktrace.SpanExporter, error) {
	switch s.protocol() {
	case "grpc":
		return otlptracegrpc.New(context.Background(), otlptracegrpc.WithEndpointURL(s.OTLPEndpoint))
	case "http/protobuf":
		return otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(s.OTLPEndpoint))
	}
	return nil, fmt.Errorf("telemetry: OTLP protocol %q is not grpc or http/protobuf", s.OTLPProtocol)
}

// Resource describes this process to the collector: service.name monhook, service.version and
// service.instance.id (a random UUID per process) by default, then what OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES say, which wins (a Kubernetes pod name as the instance id, say), then the SDK's own.
func Resource(b plugin.Build) (*resource.Resource, error) {
	return resource.New(context.Background(),
		resource.WithAttributes(
			semconv.ServiceName(plugin.Name),
			semconv.ServiceVersion(b.Version),
			semconv.ServiceInstanceID(uuid.NewString()),
		),
		resource.WithFromEnv(), // later detectors win over earlier ones
		resource.WithTelemetrySDK(),
	)
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
	fx.Invoke(NewBuildInfo),
)
