// Package grpc serves the Cloudforet plugin protocol: it translates requests into use-case calls and their
// results and errors back into Cloudforet's wire format, and owns the gRPC server's lifecycle.
package grpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/selector"
	"go.uber.org/fx"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"github.com/monhook/monhook/domain/plugin"
	corepb "github.com/monhook/monhook/proto/spaceone/api/core/v1"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// Settings are the server's knobs, filled from configuration by the caller.
type Settings struct {
	Listen         string        // host:port
	ShutdownGrace  time.Duration // how long in-flight calls may run on after shutdown begins
	MaxRecvMsgSize int           // bytes
	OptionsLimits  Limits
	DataLimits     Limits
}

// newServer builds the gRPC server with its interceptors and limits, and no services yet.
func newServer(s Settings, log *slog.Logger) *grpc.Server {
	return grpc.NewServer(
		grpc.MaxRecvMsgSize(s.MaxRecvMsgSize),
		// Cloudforet keeps plugin channels open for long; a dead peer is found by pings, an abusive one cut.
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
		// Logging outermost, recovery innermost: a panic is logged as the INTERNAL status it becomes.
		grpc.ChainUnaryInterceptor(
			selector.UnaryServerInterceptor(logging.UnaryServerInterceptor(requestLogger(log), loggingOptions()...), logged),
			recovery.UnaryServerInterceptor(recovery.WithRecoveryHandlerContext(recoverFunc(log))),
		),
		grpc.ChainStreamInterceptor(
			selector.StreamServerInterceptor(logging.StreamServerInterceptor(requestLogger(log), loggingOptions()...), logged),
			recovery.StreamServerInterceptor(recovery.WithRecoveryHandlerContext(recoverFunc(log))),
		),
	)
}

// recoverFunc turns a panic into INTERNAL; the stack goes to the log, never onto the wire.
func recoverFunc(log *slog.Logger) recovery.RecoveryHandlerFuncContext {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in handler", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return status.Error(codes.Internal, internalMessage)
	}
}

// register adds the plugin services, health and reflection (v1 and v1alpha: Cloudforet's client speaks v1alpha).
func register(srv *grpc.Server, hs *health.Server, wh *webhookServer, ev *eventServer, si *serverInfoServer) {
	pluginpb.RegisterWebhookServer(srv, wh)
	pluginpb.RegisterEventServer(srv, ev)
	corepb.RegisterServerInfoServer(srv, si)
	healthpb.RegisterHealthServer(srv, hs)
	reflection.Register(srv)
}

func newServerInfoServer(b plugin.Build) *serverInfoServer {
	return &serverInfoServer{version: b.Version}
}

// runner owns the listener for the life of the app.
type runner struct {
	srv      *grpc.Server
	health   *health.Server
	settings Settings
	log      *slog.Logger
	shutdown fx.Shutdowner
	lis      net.Listener
}

func newRunner(srv *grpc.Server, hs *health.Server, s Settings, log *slog.Logger, sd fx.Shutdowner) *runner {
	return &runner{srv: srv, health: hs, settings: s, log: log, shutdown: sd}
}

// start binds (a taken port fails start-up), marks every service SERVING and serves in the background.
func (r *runner) start() error {
	lis, err := net.Listen("tcp", r.settings.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", r.settings.Listen, err)
	}
	r.serveOn(lis)
	return nil
}

// serveOn marks every service SERVING and serves lis in the background; a failure to serve ends the app.
func (r *runner) serveOn(lis net.Listener) {
	r.lis = lis
	for name := range r.srv.GetServiceInfo() {
		r.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	r.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	r.log.Info("serving", "addr", lis.Addr().String())
	go func() {
		if err := r.srv.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			r.log.Error("serve failed", "err", err)
			_ = r.shutdown.Shutdown(fx.ExitCode(1))
		}
	}()
}

// addr is where the server listens, once started.
func (r *runner) addr() net.Addr { return r.lis.Addr() }

// stop drains: NOT_SERVING first so probes stop sending, then in-flight calls get the grace period.
func (r *runner) stop() {
	r.health.Shutdown()
	r.log.Info("draining", "grace", r.settings.ShutdownGrace.String())
	force := time.AfterFunc(r.settings.ShutdownGrace, func() {
		r.log.Warn("grace period over; cutting remaining calls")
		r.srv.Stop()
	})
	defer force.Stop()
	r.srv.GracefulStop()
	r.log.Info("stopped")
}

// Module serves the plugin protocol over gRPC for the life of the app. It needs Settings, plugin.Build, the
// use cases and a *slog.Logger.
var Module = fx.Module("grpc",
	fx.Provide(newServer, health.NewServer, newWebhookServer, newEventServer, newServerInfoServer, newRunner),
	fx.Invoke(register, func(lc fx.Lifecycle, r *runner) { lc.Append(fx.StartStopHook(r.start, r.stop)) }),
)
