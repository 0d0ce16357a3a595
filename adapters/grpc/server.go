// Package grpc serves a Cloudforet plugin protocol: it owns the gRPC server every protocol shares (interceptors,
// limits, admission, health, reflection, lifecycle) and the Plugin that turns requests into use-case calls and
// their results and errors into Cloudforet's wire format. It serves the monitoring service's protocol itself
// (Monitoring); another protocol's package provides its own Protocol over the same Plugin.
package grpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"runtime/debug"
	"slices"
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
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/stats"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/adapters/telemetry"
	corepb "github.com/monhook/monhook/proto/spaceone/api/core/v1"
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

// newServer builds the gRPC server of protocol p with its interceptors and limits, and no services yet, reporting
// to o (Observers{} observes nothing).
func newServer(s Settings, log *slog.Logger, o Observers, p Protocol) (*grpc.Server, error) {
	requests, err := p.requests()
	if err != nil {
		return nil, err
	}
	gzipAccepted.Store(s.Compression == "gzip")
	c := newCodec(newAdmission(s.AdmissionBudget, s.AdmissionWait), max(s.OptionsLimits.MaxDepth, s.DataLimits.MaxDepth), s.DataLimits, requests)
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
		grpc.NumStreamWorkers(streamWorkers),
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
	return grpc.NewServer(opts...), nil
}

// streamWorkers are the goroutines kept to run calls. A call on a new goroutine grows its stack several times on
// the way to its handler, each time copying what is on it: profiled, that was a tenth of the server's CPU per
// call. A worker keeps the stack it grew. Enough for the calls a busy Cloudforet has in flight; a call that finds
// every worker busy gets a goroutine of its own, as without workers, so they never limit concurrency.
const streamWorkers = 64

// recoverFunc turns a panic into INTERNAL; the stack goes to the log, never onto the wire.
func recoverFunc(log *slog.Logger) recovery.RecoveryHandlerFuncContext {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in handler", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return cloudforet.Internal()
	}
}

// register adds the services of protocol p, ServerInfo, health and reflection (v1 and v1alpha: Cloudforet's
// client speaks v1alpha). Reflection lists and describes only what the server serves: the other protocol's files,
// linked into the same binary, are no part of its answers.
func register(srv *grpc.Server, hs *health.Server, d *drain, p Protocol, si *serverInfoServer) error {
	for _, s := range p.Services {
		srv.RegisterService(s.Desc, s.Impl)
	}
	corepb.RegisterServerInfoServer(srv, si)
	healthpb.RegisterHealthServer(srv, drainingHealth{Server: hs, drain: d})
	files, err := servedFiles(srv, reflectionv1.ServerReflection_ServiceDesc.ServiceName, reflectionv1alpha.ServerReflection_ServiceDesc.ServiceName)
	if err != nil {
		return err
	}
	opts := reflection.ServerOptions{Services: srv, DescriptorResolver: files}
	reflectionv1.RegisterServerReflectionServer(srv, reflection.NewServerV1(opts))
	reflectionv1alpha.RegisterServerReflectionServer(srv, reflection.NewServer(opts))
	return nil
}

// servedFiles is a registry of the files that describe the services srv serves and the services named, with every
// file they import.
func servedFiles(srv *grpc.Server, more ...string) (*protoregistry.Files, error) {
	files := &protoregistry.Files{}
	var add func(fd protoreflect.FileDescriptor) error
	add = func(fd protoreflect.FileDescriptor) error {
		if _, err := files.FindFileByPath(fd.Path()); err == nil {
			return nil
		}
		if err := files.RegisterFile(fd); err != nil {
			return err
		}
		for i := range fd.Imports().Len() {
			if err := add(fd.Imports().Get(i).FileDescriptor); err != nil {
				return err
			}
		}
		return nil
	}
	for _, name := range append(slices.Collect(maps.Keys(srv.GetServiceInfo())), more...) {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			return nil, fmt.Errorf("reflection: service %s: %w", name, err)
		}
		if err := add(d.ParentFile()); err != nil {
			return nil, fmt.Errorf("reflection: %w", err)
		}
	}
	return files, nil
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

// runner owns the listener for the life of the app.
type runner struct {
	srv      *grpc.Server
	health   *health.Server
	drain    *drain
	settings Settings
	log      *slog.Logger
	shutdown fx.Shutdowner
	protocol string
	given    net.Listener // served instead of binding settings.Listen, when the app supplies a Listener
	lis      net.Listener
}

// Listener is a listener the app may supply to be served instead of binding Settings.Listen: a protocol's own
// package tests the app's server, wired as the app wires it, over bufconn.
type Listener struct{ net.Listener }

// runnerDeps are what a runner runs.
type runnerDeps struct {
	fx.In
	Server   *grpc.Server
	Health   *health.Server
	Drain    *drain
	Settings Settings
	Log      *slog.Logger
	Shutdown fx.Shutdowner
	Protocol Protocol
	Listener *Listener `optional:"true"`
}

func newRunner(d runnerDeps) *runner {
	r := &runner{srv: d.Server, health: d.Health, drain: d.Drain, settings: d.Settings, log: d.Log, shutdown: d.Shutdown,
		protocol: d.Protocol.Package()}
	if d.Listener != nil {
		r.given = d.Listener.Listener
	}
	return r
}

// start binds (a taken port fails start-up), marks every service SERVING and serves in the background.
func (r *runner) start() error {
	if r.given != nil {
		r.serveOn(r.given)
		return nil
	}
	lis, err := net.Listen("tcp", r.settings.Listen)
	if err != nil {
		r.srv.Stop() // it never served, but its stream workers run from its making
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
	r.log.Info("serving", "addr", lis.Addr().String(), "protocol", r.protocol)
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

// Module serves a plugin protocol over gRPC for the life of the app. It needs Settings, plugin.Build, the use
// cases, a *slog.Logger and one Protocol (Monitoring, or another protocol's module); it reports to
// adapters/telemetry's metrics and tracing when they are provided.
var Module = fx.Module("grpc",
	fx.Provide(newServer, newHealth, newDrain, NewPlugin, newServerInfoServer, newRunner),
	fx.Invoke(register, initializeMetrics, func(lc fx.Lifecycle, r *runner) { lc.Append(fx.StartStopHook(r.start, r.stop)) }),
)

// Monitoring is the Protocol of Cloudforet's monitoring service, spaceone.api.monitoring.plugin: monhook's default.
var Monitoring = fx.Module("monitoring", fx.Provide(newWebhookServer, newEventServer, monitoring))
