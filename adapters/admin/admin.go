// Package admin serves the HTTP admin listener: Prometheus metrics at /metrics, liveness at /healthz and
// readiness at /readyz, for environments that scrape and probe over HTTP rather than gRPC.
package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/fx"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// Settings are the admin listener's knobs, filled from configuration by the caller.
type Settings struct {
	Listen string // host:port; port 0 picks a free one; "" turns the listener off
}

// Health is the part of the gRPC health server /readyz reads; *health.Server is one.
type Health interface {
	Check(ctx context.Context, req *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error)
}

// NewHandler routes /metrics to g's metrics, /healthz to 200 while the process runs and /readyz to 200 while
// hs reports the whole server ("") SERVING, 503 otherwise: HTTP probes and gRPC probes always agree.
func NewHandler(g prometheus.Gatherer, hs Health) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		res, err := hs.Check(r.Context(), &healthpb.HealthCheckRequest{})
		st := res.GetStatus()
		if err != nil || st != healthpb.HealthCheckResponse_SERVING {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = fmt.Fprintln(w, st.String())
	})
	return mux
}

// runner owns the admin listener for the life of the app.
type runner struct {
	srv      *http.Server
	settings Settings
	log      *slog.Logger
	shutdown fx.Shutdowner
	lis      net.Listener
}

func newRunner(s Settings, reg *prometheus.Registry, hs *health.Server, log *slog.Logger, sd fx.Shutdowner) *runner {
	// A slow or idle client must not hold a connection forever; scrapes and probes are small.
	srv := &http.Server{Handler: NewHandler(reg, hs), ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	return &runner{srv: srv, settings: s, log: log, shutdown: sd}
}

// start binds (a taken port fails start-up, like the gRPC listener) and serves in the background; a listener
// left empty in configuration starts nothing.
func (r *runner) start() error {
	if r.settings.Listen == "" {
		return nil
	}
	lis, err := net.Listen("tcp", r.settings.Listen)
	if err != nil {
		// Name the setting: on a developer's machine the fixed default port is the one most often taken.
		return fmt.Errorf("admin listen on %s: %w (set admin_listen, --admin-listen or MONHOOK_ADMIN_LISTEN to another host:port, or to \"\" to turn the admin listener off)", r.settings.Listen, err)
	}
	r.lis = lis
	r.log.Info("admin serving", "addr", lis.Addr().String())
	go func() {
		if err := r.srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.log.Error("admin serve failed", "err", err)
			_ = r.shutdown.Shutdown(fx.ExitCode(1))
		}
	}()
	return nil
}

// addr is where the listener listens, once started; nil when it is off.
func (r *runner) addr() net.Addr {
	if r.lis == nil {
		return nil
	}
	return r.lis.Addr()
}

// stop lets in-flight scrapes and probes finish within fx's stop deadline.
func (r *runner) stop(ctx context.Context) error {
	if r.lis == nil {
		return nil
	}
	return r.srv.Shutdown(ctx)
}

// Module serves the admin listener for the life of the app. It needs Settings, the *prometheus.Registry of
// adapters/telemetry, the gRPC *health.Server and a *slog.Logger. List it before the gRPC module: fx stops in
// reverse, so /readyz still answers 503 while the gRPC server drains.
var Module = fx.Module("admin",
	fx.Provide(newRunner),
	fx.Invoke(func(lc fx.Lifecycle, r *runner) { lc.Append(fx.StartStopHook(r.start, r.stop)) }),
)
