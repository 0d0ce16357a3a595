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
	"sync"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"go.uber.org/fx"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/stats"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/adapters/telemetry"
	"github.com/monhook/monhook/domain/plugin"
	corepb "github.com/monhook/monhook/proto/spaceone/api/core/v1"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// Settings are the server's knobs, filled from configuration by the caller. A zero duration or count leaves
// gRPC's own default in place.
type Settings struct {
	Listen               string        // host:port
	ShutdownGrace        time.Duration // how long in-flight calls may run on after shutdown begins
	MaxRecvMsgSize       int           // bytes
	MaxConcurrentStreams uint32        // calls one connection may have in flight
	KeepaliveTime        time.Duration // ping a connection quiet for this long
	KeepaliveTimeout     time.Duration // close it when the ping is not answered within this
	MaxConnectionIdle    time.Duration // close a connection with no call in flight for this long
	ConnectionTimeout    time.Duration // a new connection must finish its handshake within this
	OptionsLimits        Limits
	DataLimits           Limits

	AdmissionBudget   int64         // bytes of memory the plugin requests in flight may take, each at Expansion × its size
	AdmissionWait     time.Duration // how long a request may wait for room in AdmissionBudget
	CallTimeout       time.Duration // deadline of every call but the health and reflection streams
	MaxHeaderListSize uint32        // bytes of a call's headers
	MaxSendMsgSize    int           // bytes of an answer
	Compression       string        // "" or "gzip": the grpc-encoding requests may use
	// MaxConnectionAge sends a connection this old (±10%) a GOAWAY, so its client reconnects, possibly to another
	// replica; MaxConnectionAgeGrace is how long its calls in flight may then finish.
	MaxConnectionAge      time.Duration
	MaxConnectionAgeGrace time.Duration
}

// Observers are what the server reports to besides its log. Every field is optional, and the zero value
// observes nothing: the app without telemetry, and tests, build the same server.
type Observers struct {
	fx.In
	Metrics  *grpcprom.ServerMetrics `optional:"true"` // standard gRPC server metrics
	Tracing  stats.Handler           `optional:"true"` // nil when tracing is off: no handler, no cost
	Counters *telemetry.Counters     `optional:"true"` // monhook's Event.parse metrics
}

// newServer builds the gRPC server with its interceptors and limits, and no services yet, reporting to o
// (Observers{} observes nothing).
func newServer(s Settings, log *slog.Logger, o Observers) *grpc.Server {
	gzipAccepted.Store(s.Compression == "gzip")
	c := newCodec(newAdmission(s.AdmissionBudget, s.AdmissionWait), max(s.OptionsLimits.MaxDepth, s.DataLimits.MaxDepth))
	unary := []grpc.UnaryServerInterceptor{
		requestLog(log),
		// Inside logging, so a request refused before its handler is logged with its code.
		c.interceptor(log),
		recovery.UnaryServerInterceptor(recovery.WithRecoveryHandlerContext(recoverFunc(log))),
	}
	stream := []grpc.StreamServerInterceptor{
		recovery.StreamServerInterceptor(recovery.WithRecoveryHandlerContext(recoverFunc(log))),
	}
	if o.Metrics != nil {
		// Metrics outermost, so a recovered panic is counted as the INTERNAL it becomes.
		unary = append([]grpc.UnaryServerInterceptor{o.Metrics.UnaryServerInterceptor()}, unary...)
		stream = append([]grpc.StreamServerInterceptor{o.Metrics.StreamServerInterceptor()}, stream...)
	}
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(s.MaxRecvMsgSize),
		grpc.MaxSendMsgSize(s.MaxSendMsgSize),
		grpc.MaxHeaderListSize(s.MaxHeaderListSize),
		grpc.ForceServerCodecV2(c),
		grpc.InTapHandle(callDeadline(s.CallTimeout)),
		// Cloudforet keeps plugin channels open for long; a dead peer is found by pings, an abusive one cut, and
		// a connection that stays without calls is closed (the client reconnects when it needs to), and one that
		// gets old is asked to reconnect, so replicas added later get their share of a long-lived client's calls.
		grpc.KeepaliveParams(keepalive.ServerParameters{
			Time: s.KeepaliveTime, Timeout: s.KeepaliveTimeout, MaxConnectionIdle: s.MaxConnectionIdle,
			MaxConnectionAge: s.MaxConnectionAge, MaxConnectionAgeGrace: s.MaxConnectionAgeGrace,
		}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
		// Logging outside recovery: a panic is logged as the INTERNAL status it becomes.
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(stream...),
	}
	if s.MaxConcurrentStreams > 0 {
		opts = append(opts, grpc.MaxConcurrentStreams(s.MaxConcurrentStreams))
	}
	if s.ConnectionTimeout > 0 { // zero would time every handshake out at once
		opts = append(opts, grpc.ConnectionTimeout(s.ConnectionTimeout))
	}
	if o.Tracing != nil {
		// A stats handler sees the call before any interceptor, so the request line can carry its trace id.
		opts = append(opts, grpc.StatsHandler(o.Tracing))
	}
	return grpc.NewServer(opts...)
}

// recoverFunc turns a panic into INTERNAL; the stack goes to the log, never onto the wire.
func recoverFunc(log *slog.Logger) recovery.RecoveryHandlerFuncContext {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in handler", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return cloudforet.Internal()
	}
}

// register adds the plugin services, health and reflection (v1 and v1alpha: Cloudforet's client speaks v1alpha).
func register(srv *grpc.Server, hs *health.Server, d *drain, wh *webhookServer, ev *eventServer, si *serverInfoServer) {
	pluginpb.RegisterWebhookServer(srv, wh)
	pluginpb.RegisterEventServer(srv, ev)
	corepb.RegisterServerInfoServer(srv, si)
	healthpb.RegisterHealthServer(srv, drainingHealth{Server: hs, drain: d})
	reflection.Register(srv)
}

// drain is closed when shutdown begins.
type drain struct {
	once sync.Once
	ch   chan struct{}
}

func newDrain() *drain { return &drain{ch: make(chan struct{})} }

func (d *drain) begin() { d.once.Do(func() { close(d.ch) }) }

// drainingHealth is grpc-go's health server whose Watch streams end when shutdown begins, right after they have
// sent NOT_SERVING: a graceful stop waits for every open stream, and a watch would otherwise hold it for the whole
// grace period.
type drainingHealth struct {
	*health.Server
	drain *drain
}

func (h drainingHealth) Watch(req *healthpb.HealthCheckRequest, stream healthpb.Health_WatchServer) error {
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	go func() {
		select {
		case <-h.drain.ch:
			time.Sleep(drainNotice) // let the NOT_SERVING the shutdown sent reach the watcher first
			cancel()
		case <-ctx.Done():
		}
	}()
	return h.Server.Watch(req, watchStream{stream, ctx})
}

// drainNotice is how long a watch stays open after shutdown begins, for its NOT_SERVING update to be sent.
const drainNotice = 100 * time.Millisecond

// watchStream is a Watch stream whose context ends at drain.
type watchStream struct {
	healthpb.Health_WatchServer
	ctx context.Context
}

func (w watchStream) Context() context.Context { return w.ctx }

func newServerInfoServer(b plugin.Build) *serverInfoServer {
	return &serverInfoServer{version: b.Version}
}

// runner owns the listener for the life of the app.
type runner struct {
	srv      *grpc.Server
	health   *health.Server
	drain    *drain
	settings Settings
	log      *slog.Logger
	shutdown fx.Shutdowner
	lis      net.Listener
}

func newRunner(srv *grpc.Server, hs *health.Server, d *drain, s Settings, log *slog.Logger, sd fx.Shutdowner) *runner {
	return &runner{srv: srv, health: hs, drain: d, settings: s, log: log, shutdown: sd}
}

// start binds (a taken port fails start-up), marks every service SERVING and serves in the background.
func (r *runner) start() error {
	lis, err := net.Listen("tcp", r.settings.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (set listen, --listen or MONHOOK_LISTEN to another host:port)", r.settings.Listen, err)
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
	r.drain.begin()
	r.log.Info("draining", "grace", r.settings.ShutdownGrace.String())
	force := time.AfterFunc(r.settings.ShutdownGrace, func() {
		r.log.Warn("grace period over; cutting remaining calls")
		r.srv.Stop()
	})
	defer force.Stop()
	r.srv.GracefulStop()
	r.log.Info("stopped")
}

// newHealth is the health server, NOT_SERVING until the runner listens: grpc-go's starts SERVING, which the admin
// listener's /readyz, up first, would report before the gRPC port is open.
func newHealth() *health.Server {
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	return hs
}

// initializeMetrics lists every registered method in the gRPC metrics at zero, so a scrape shows them before
// their first call.
func initializeMetrics(srv *grpc.Server, o Observers) {
	if o.Metrics != nil {
		o.Metrics.InitializeMetrics(srv)
	}
}

// Module serves the plugin protocol over gRPC for the life of the app. It needs Settings, plugin.Build, the
// use cases and a *slog.Logger; it reports to adapters/telemetry's metrics and tracing when they are provided.
var Module = fx.Module("grpc",
	fx.Provide(newServer, newHealth, newDrain, newWebhookServer, newEventServer, newServerInfoServer, newRunner),
	fx.Invoke(register, initializeMetrics, func(lc fx.Lifecycle, r *runner) { lc.Append(fx.StartStopHook(r.start, r.stop)) }),
)
