package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/monhook/monhook/adapters/config"
)

// HealthCommand is `monhook health`: one grpc.health.v1 Check against the local server, exit 0 when it answers
// SERVING and non-zero otherwise, for a container HEALTHCHECK or a Kubernetes exec probe in an image with no shell.
func HealthCommand() *cobra.Command {
	var addr, service, configPath string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "health",
		Short: "Check the local server's gRPC health: exit 0 when SERVING, 1 otherwise",
		Long: "Asks grpc.health.v1.Health/Check of the server that `monhook serve` runs on this host, with the same\n" +
			"configuration (configs/monhook.yaml or --config, MONHOOK_LISTEN, SPACEONE_PORT): its listen address,\n" +
			"with loopback for an unspecified host (0.0.0.0:50051 is checked at 127.0.0.1:50051). Prints the status\n" +
			"and exits 0 when it is SERVING; exits 1 when it is anything else, or no answer comes within --timeout.",
		Args:          Usage(cobra.NoArgs),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			target := addr
			if target == "" {
				var err error
				if target, err = configuredAddr(configPath); err != nil {
					return err
				}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			st, err := check(ctx, target, service)
			if err != nil {
				return fmt.Errorf("health %s: %w", target, err)
			}
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", target, st)
			if st != healthpb.HealthCheckResponse_SERVING {
				return fmt.Errorf("health %s: %s", target, st)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "host:port to check (default: the configured listen address, on loopback)")
	cmd.Flags().StringVar(&service, "service", "", `service to ask about; "" is the whole server`)
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Second, "how long to wait for the answer, connecting included")
	cmd.Flags().StringVar(&configPath, "config", "", "YAML configuration file (default "+config.DefaultPath+" when it exists)")
	return cmd
}

// check asks addr's health service once; a refused connection or a timeout is an error, not a status.
func check(ctx context.Context, addr, service string) (healthpb.HealthCheckResponse_ServingStatus, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	// Fail fast: a refused connection is reported at once, not retried until the timeout; probes retry anyway.
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		if s, ok := status.FromError(err); ok {
			return 0, errors.New(s.Code().String() + ": " + s.Message())
		}
		return 0, err
	}
	return resp.GetStatus(), nil
}

// configuredAddr is where `monhook serve` listens with the same file and environment, as an address to dial.
func configuredAddr(path string) (string, error) {
	fs := pflag.NewFlagSet("health", pflag.ContinueOnError)
	config.RegisterFlags(fs)
	if path != "" {
		if err := fs.Set("config", path); err != nil {
			return "", err
		}
	}
	cfg, _, err := config.Load(fs, os.Environ)
	if err != nil {
		return "", err
	}
	return dialAddr(cfg.Listen)
}

// dialAddr turns a listen address into one to dial on this host: an unspecified host (every interface) is reached
// on loopback. Port 0 is refused: the port the server picked cannot be known from here.
func dialAddr(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", err
	}
	if port == "0" {
		return "", fmt.Errorf("listen %q picks a free port at start: name it with --addr", listen)
	}
	switch ip := net.ParseIP(host); {
	case host == "" || ip != nil && ip.To4() != nil && ip.IsUnspecified():
		host = "127.0.0.1"
	case ip != nil && ip.IsUnspecified():
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}
