// Command monhook serves a Cloudforet webhook plugin protocol over gRPC: the monitoring service's, or the Alert
// Manager's (--protocol).
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/monhook/monhook/adapters/admin"
	"github.com/monhook/monhook/adapters/cli"
	"github.com/monhook/monhook/adapters/clock"
	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/adapters/config"
	grpcadapter "github.com/monhook/monhook/adapters/grpc"
	"github.com/monhook/monhook/adapters/grpc/amplugin"
	"github.com/monhook/monhook/adapters/sns"
	"github.com/monhook/monhook/adapters/telemetry"
	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/plugin"
	"github.com/monhook/monhook/domain/source/sourcekit"
)

// version and revision are set at build time: -ldflags "-X main.version=$(git describe) -X main.revision=$(git
// rev-parse HEAD)".
var version, revision string

// Exit codes: 2 when the command line cannot be read (an unknown command or flag, a flag value of the wrong type,
// the wrong number of arguments), 1 for every other failure (a configuration that is invalid, a port that is
// taken, a body that cannot be parsed).
const (
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	if err := rootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "monhook:", err)
		if errors.As(err, new(cli.UsageError)) {
			os.Exit(exitUsage)
		}
		os.Exit(exitFailure)
	}
}

func rootCommand() *cobra.Command {
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Serve the plugin protocol over gRPC (the default command)",
		Args:  cli.Usage(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runServe(cmd) },
	}
	config.RegisterFlags(serve.Flags())
	root := &cobra.Command{
		Use:           "monhook",
		Short:         "A Cloudforet webhook plugin (monitoring service or Alert Manager): one binary for every common alert source",
		Args:          cli.Usage(cobra.NoArgs),
		Version:       buildVersion(),
		SilenceUsage:  true,
		SilenceErrors: true, // main prints the one-line reason
		RunE:          func(cmd *cobra.Command, _ []string) error { return runServe(cmd) },
	}
	root.SetVersionTemplate("{{.Version}}\n") // --version prints what `monhook version` prints
	// Inherited by every subcommand: a flag that cannot be read is a usage error, exit 2.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cli.UsageError{Err: err} })
	config.RegisterFlags(root.Flags())
	root.AddCommand(serve, cli.ParseCommand(), cli.ExamplesCommand(), cli.HealthCommand(), &cobra.Command{
		Use:   "version",
		Short: "Print the version (also --version)",
		Args:  cli.Usage(cobra.NoArgs),
		Run:   func(cmd *cobra.Command, _ []string) { _, _ = fmt.Fprintln(cmd.OutOrStdout(), buildVersion()) },
	})
	return root
}

// runServe checks the configuration before anything listens, then runs the app until SIGTERM or SIGINT.
func runServe(cmd *cobra.Command) error {
	cfg, warnings, err := config.Load(cmd.Flags(), os.Environ)
	if err != nil {
		return err
	}
	log := newLogger(cfg)
	for _, w := range warnings {
		log.Warn("configuration", "deprecated", w)
	}
	log.Info("starting", "version", buildVersion(), "revision", buildRevision(), "go_version", runtime.Version(),
		"listen", cfg.Listen, "admin_listen", cfg.AdminListen, "protocol", cfg.Protocol)
	limit, from := memoryLimit(cfg.MemoryLimit, cgroupLimit, freeAddressSpace)
	log.Info("memory", "limit", limit, "from", from, "admission_budget", limit/2)
	fx.New(app(cfg, limit, log)).Run()
	return nil
}

// app is the whole server as fx options, built from a checked configuration and logging to log. Half of
// memoryLimit is the budget of requests in flight; the rest is for answers, the runtime and garbage.
func app(cfg config.Config, memoryLimit int64, log *slog.Logger) fx.Option {
	return fx.Options(
		fx.Supply(log, plugin.Build{Version: buildVersion(), Revision: buildRevision()}, sourcekit.Budget{
			MaxEvents:      cfg.MaxEvents,
			MaxEventBytes:  cfg.MaxEventBytes,
			MaxAnswerBytes: cfg.MaxAnswerBytes,
			MaxTextBytes:   cfg.MaxTextBytes,
			MaxInfoEntries: cfg.MaxInfoEntries,
		}, grpcadapter.Settings{
			Listen:               cfg.Listen,
			ShutdownGrace:        cfg.ShutdownGrace,
			MaxRecvMsgSize:       cfg.MaxRecvMsgSize,
			MaxConcurrentStreams: uint32(cfg.MaxConcurrentStreams), //nolint:gosec // G115: config bounds it to 1..MaxUint32
			KeepaliveTime:        cfg.KeepaliveTime,
			KeepaliveTimeout:     cfg.KeepaliveTimeout,
			MaxConnectionIdle:    cfg.MaxConnectionIdle,
			ConnectionTimeout:    cfg.ConnectionTimeout,
			OptionsLimits:        grpcadapter.Limits{MaxDepth: cfg.MaxNestingDepth, MaxSize: cfg.MaxOptionsSize},
			DataLimits:           grpcadapter.Limits{MaxDepth: cfg.MaxNestingDepth, MaxSize: cfg.MaxRecvMsgSize},
			AdmissionBudget:      memoryLimit / 2,
			AdmissionWait:        cfg.AdmissionWait,
			CallTimeout:          cfg.CallTimeout,
			MaxHeaderListSize:    uint32(cfg.MaxHeaderListSize), //nolint:gosec // G115: config bounds it to 1..MaxUint32
			// The answer is held to max_answer_bytes as events; the rest of its message is a few bytes per event.
			MaxSendMsgSize: cfg.MaxAnswerBytes + 64*cfg.MaxEvents + 1024,
			Compression:    cfg.Compression,
			// Long-lived clients reconnect now and then, so replicas an autoscaler adds get their share of the calls.
			MaxConnectionAge:      cfg.MaxConnectionAge,
			MaxConnectionAgeGrace: cfg.MaxConnectionAgeGrace,
		}, admin.Settings{Listen: cfg.AdminListen}, telemetry.Settings{OTLPEndpoint: cfg.OTLPEndpoint, OTLPProtocol: cfg.OTLPProtocol}),
		fx.WithLogger(func() fxevent.Logger {
			l := &fxevent.SlogLogger{Logger: log}
			l.UseLogLevel(slog.LevelDebug) // fx's wiring chatter; its errors stay at error level
			return l
		}),
		// fx must not cut the drain short: the server's own grace period ends it.
		fx.StopTimeout(cfg.ShutdownGrace+5*time.Second),
		application.Module,
		clock.Module,
		sns.Module,
		telemetry.Module,
		// Before grpc: fx stops in reverse, so /readyz answers 503 while the gRPC server drains. The tracer is
		// built for the gRPC server, so it stops, flushing its spans, after the server's last call.
		admin.Module,
		grpcadapter.Module,
		protocolModule(cfg.Protocol),
	)
}

// protocolModule is the plugin protocol the configuration names, served alone: Cloudforet's client binds services
// by short name, so a process serves exactly one.
func protocolModule(name string) fx.Option {
	if cloudforet.Protocol(name) == cloudforet.AlertManager {
		return amplugin.Module
	}
	return grpcadapter.Monitoring
}

func newLogger(cfg config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

// buildRevision is the commit stamped at build time, else the one the Go toolchain recorded from the checkout
// ("-dirty" when it had changes), else "".
func buildRevision() string {
	if revision != "" {
		return revision
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev == "" {
		return ""
	}
	return rev + dirty
}

// buildVersion is the version stamped at build time, else what the Go toolchain recorded, else "dev".
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
