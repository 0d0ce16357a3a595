package grpc

import (
	"context"
	"log/slog"
	"strings"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/selector"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/monhook/monhook/adapters/cloudforet"
)

// requestLogger writes the logging interceptor's lines to log. The status message is left out: it can quote
// option values, which never go to the log at info level; its error code stays, as "grpc.error_code".
func requestLogger(log *slog.Logger) logging.Logger {
	return logging.LoggerFunc(func(ctx context.Context, lvl logging.Level, msg string, fields ...any) {
		attrs := make([]any, 0, len(fields))
		for i := 0; i+1 < len(fields); i += 2 {
			if fields[i] == "grpc.error" {
				continue
			}
			attrs = append(attrs, fields[i], fields[i+1])
		}
		log.Log(ctx, slog.Level(lvl), msg, attrs...)
	})
}

// logged leaves out health probes and reflection, which a probe or a client repeats on every connection and
// would otherwise bury the plugin's own calls.
var logged = selector.MatchFunc(func(_ context.Context, c interceptors.CallMeta) bool {
	return c.Service != healthpb.Health_ServiceDesc.ServiceName && !strings.HasPrefix(c.Service, "grpc.reflection.")
})

func loggingOptions() []logging.Option {
	return []logging.Option{
		logging.WithLogOnEvents(logging.FinishCall), // one line per request
		logging.WithFieldsFromContext(traceFields),
		logging.WithErrorFields(func(err error) logging.Fields {
			if code := cloudforet.CodeOf(err); code != "" {
				return logging.Fields{"grpc.error_code", code}
			}
			return nil
		}),
	}
}

// traceFields puts the call's W3C trace id on the request's line: the span's when tracing is on (it continues
// the caller's traceparent, or starts a trace when none came), else the caller's traceparent, when valid.
func traceFields(ctx context.Context) logging.Fields {
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		return logging.Fields{"trace_id", sc.TraceID().String()}
	}
	md, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return nil
	}
	sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(ctx, mdCarrier(md)))
	if !sc.HasTraceID() {
		return nil
	}
	return logging.Fields{"trace_id", sc.TraceID().String()}
}

// mdCarrier reads gRPC metadata as a propagation.TextMapCarrier; metadata keys are already lower-case.
type mdCarrier metadata.MD

func (c mdCarrier) Get(key string) string {
	if v := metadata.MD(c).Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (c mdCarrier) Set(key, value string) { metadata.MD(c).Set(key, value) }

func (c mdCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}
