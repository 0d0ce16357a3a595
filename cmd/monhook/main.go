// Command monhook serves the Cloudforet monitoring webhook plugin protocol over gRPC.
package main

import (
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/monhook/monhook/adapters/cli"
	"github.com/monhook/monhook/adapters/clock"
	"github.com/monhook/monhook/adapters/config"
	grpcadapter "github.com/monhook/monhook/adapters/grpc"
	"github.com/monhook/monhook/adapters/sns"
	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/plugin"
)

// version is set at build time: -ldflags "-X main.version=$(git describe)".
var version string

func main() {
	if err := rootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "monhook:", err)
		os.Exit(1)
	}
}

func rootCommand() *cobra.Command {
	serve := &cobra.Command{
		Use:   "serve",
		Short: "Serve the plugin protocol over gRPC (the default command)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runServe(cmd) },
	}
	config.RegisterFlags(serve.Flags())
	root := &cobra.Command{
		Use:           "monhook",
		Short:         "A Cloudforet monitoring webhook plugin: one binary for every common alert source",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true, // main prints the one-line reason
		RunE:          func(cmd *cobra.Command, _ []string) error { return runServe(cmd) },
	}
	config.RegisterFlags(root.Flags())
	root.AddCommand(serve, cli.ParseCommand(), &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), buildVersion()) },
	})
	return root
}

// runServe checks the configuration before anything listens, then runs the app until SIGTERM or SIGINT.
func runServe(cmd *cobra.Command) error {
	cfg, err := config.Load(cmd.Flags(), os.LookupEnv)
	if err != nil {
		return err
	}
	log := newLogger(cfg)
	app := fx.New(
		fx.Supply(log, plugin.Build{Version: buildVersion()}, grpcadapter.Settings{
			Listen:         cfg.Listen,
			ShutdownGrace:  cfg.ShutdownGrace,
			MaxRecvMsgSize: cfg.MaxRecvMsgSize,
			OptionsLimits:  grpcadapter.Limits{MaxDepth: cfg.MaxOptionsDepth, MaxSize: cfg.MaxOptionsSize},
			DataLimits:     grpcadapter.Limits{MaxDepth: cfg.MaxOptionsDepth, MaxSize: cfg.MaxRecvMsgSize},
		}),
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
		grpcadapter.Module,
	)
	app.Run()
	return nil
}

func newLogger(cfg config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Level()}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
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
