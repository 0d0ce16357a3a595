package grpc

import (
	"context"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/monhook/monhook/adapters/cloudforet"
)

// requestLog writes one line per plugin call when it ends: its method, peer, times, trace id, the fields its
// handler added (addLogFields), its gRPC code and, for an error, its Cloudforet ERROR_ code. The status message
// is left out: it can quote option values, which never go to the log at info level. The line's level follows
// the code as go-grpc-middleware's logging does (a client's mistake is info, Internal is error), and nothing is
// built for a line that the logger would drop: at warn, a successful call costs the handler's time and two
// small allocations.
func requestLog(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		service, method := splitMethod(info.FullMethod)
		if !logged(service) {
			return handler(ctx, req)
		}
		start := time.Now()
		fields := &callFields{}
		fields.attrs = fields.buf[:0]
		resp, err := handler(context.WithValue(ctx, callFieldsKey{}, fields), req)
		code := status.Code(err)
		level := slog.Level(logging.DefaultServerCodeToLevel(code))
		if !log.Enabled(ctx, level) {
			return resp, err
		}
		attrs := make([]slog.Attr, 0, 16+len(fields.attrs))
		attrs = append(attrs,
			slog.String("protocol", "grpc"),
			slog.String("grpc.component", "server"),
			slog.String("grpc.service", service),
			slog.String("grpc.method", method),
			slog.String("grpc.method_type", "unary"))
		if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
			attrs = append(attrs, slog.String("peer.address", p.Addr.String()))
		}
		attrs = append(attrs, slog.String("grpc.start_time", start.UTC().Format(time.RFC3339)))
		if d, ok := ctx.Deadline(); ok {
			attrs = append(attrs, slog.String("grpc.request.deadline", d.UTC().Format(time.RFC3339)))
		}
		if id := traceID(ctx); id != "" {
			attrs = append(attrs, slog.String("trace_id", id))
		}
		attrs = append(attrs, fields.attrs...)
		attrs = append(attrs, slog.String("grpc.code", code.String()))
		if c := cloudforet.CodeOf(err); c != "" {
			attrs = append(attrs, slog.String("grpc.error_code", c))
		}
		// A number, to µs: log pipelines compare and sum it without parsing text.
		ms := math.Round(float64(time.Since(start))/float64(time.Microsecond)) / 1000
		attrs = append(attrs, slog.Float64("grpc.time_ms", ms))
		log.LogAttrs(ctx, level, "finished call", attrs...)
		return resp, err
	}
}

// callFields are what a call's handler adds to its request line. Only the call's own goroutine touches them:
// the handler while it runs, then requestLog. The few a call adds (its source, a notice) fit in buf, so adding
// them allocates nothing more.
type callFields struct {
	attrs []slog.Attr
	buf   [2]slog.Attr
}

type callFieldsKey struct{}

// addLogFields puts attrs on the request line of the call ctx belongs to; outside a logged call it does nothing.
func addLogFields(ctx context.Context, attrs ...slog.Attr) {
	if f, ok := ctx.Value(callFieldsKey{}).(*callFields); ok {
		f.attrs = append(f.attrs, attrs...)
	}
}

// splitMethod splits "/package.Service/method" into the service and the method.
func splitMethod(full string) (service, method string) {
	service, method, _ = strings.Cut(strings.TrimPrefix(full, "/"), "/")
	return service, method
}

// logged leaves out health probes and reflection, which a probe or a client repeats on every connection and
// would otherwise bury the plugin's own calls. The plugin's methods are all unary, so streams are never logged.
func logged(service string) bool {
	return service != healthpb.Health_ServiceDesc.ServiceName && !strings.HasPrefix(service, "grpc.reflection.")
}

// traceID is the call's W3C trace id for its request line: the span's when tracing is on (it continues the
// caller's traceparent, or starts a trace when none came), else the caller's traceparent, when valid.
func traceID(ctx context.Context) string {
	if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
		return sc.TraceID().String()
	}
	md, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return ""
	}
	sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(ctx, mdCarrier(md)))
	if !sc.HasTraceID() {
		return ""
	}
	return sc.TraceID().String()
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
