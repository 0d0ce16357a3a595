// Package cli runs the use cases from the command line, with no server: the second inbound adapter beside gRPC.
package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/adapters/telemetry"
	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/source/sourcekit"
)

// fixedClock reports the time of receipt the operator asked for.
type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// offlineConfirmer reports a subscription confirmation instead of making it: the CLI never goes on the network.
type offlineConfirmer struct{ log *slog.Logger }

func (c offlineConfirmer) Confirm(ctx context.Context, sub sourcekit.Subscription) error {
	c.log.WarnContext(ctx, "subscription confirmation: not confirmed offline", "topic", sub.TopicArn)
	return nil
}

// offlineCertificates fetches no SNS signing certificate: the CLI never goes on the network, so under
// sns_verify log a signed body is read with a warning, and under enforce it is refused.
type offlineCertificates struct{}

func (offlineCertificates) Certificate(context.Context, string, string) (*x509.Certificate, error) {
	return nil, errors.New("monhook parse fetches no certificate: it never goes on the network")
}

// protocolEnv names the protocol when --protocol is not given, as it does for `monhook serve`: in the image that
// serves the Alert Manager, `monhook parse` prints what that image answers.
const protocolEnv = "MONHOOK_PROTOCOL"

// ParseCommand is `monhook parse`: Event.parse offline, printing what Cloudforet would read from the gRPC answer.
func ParseCommand() *cobra.Command {
	var optionsArg, receivedArg, protocolArg string
	cmd := &cobra.Command{
		Use:   "parse [--options JSON|@FILE] [--protocol monitoring|alert_manager] [PAYLOAD_FILE|-]",
		Short: "Parse one webhook body offline and print the events, as Event.parse would answer",
		Long: "Runs Event.parse with no server: reads a webhook body from a file (or from standard input, given - or\n" +
			"no file when it is not a terminal), applies the options, and prints {\"results\": [...]} as Cloudforet\n" +
			"reads the gRPC answer of the protocol named (--protocol, else " + protocolEnv + ", else monitoring). On\n" +
			"failure it prints the same ERROR_... text the server would send and exits 1 (2 for a command line it\n" +
			"cannot read). Use it to try convert_data templates.",
		Args:          Usage(cobra.MaximumNArgs(1)),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			received := time.Now()
			if receivedArg != "" {
				t, err := time.Parse(time.RFC3339Nano, receivedArg)
				if err != nil {
					return UsageError{fmt.Errorf("--received %q is not an RFC 3339 time", receivedArg)}
				}
				received = t
			}
			protocol, err := chooseProtocol(protocolArg, cmd.Flags().Changed("protocol"))
			if err != nil {
				return UsageError{err}
			}
			opts, err := readOptions(optionsArg)
			if err != nil {
				return UsageError{err}
			}
			name := "-"
			if len(args) == 1 {
				name = args[0]
			} else if isTerminal(cmd.InOrStdin()) {
				return UsageError{errors.New("no body: name a file, or pipe the body on standard input")}
			}
			data, err := readPayload(name, cmd.InOrStdin())
			if err != nil {
				return err
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
			uc := application.NewParse(offlineConfirmer{log}, offlineCertificates{}, fixedClock(received), sourcekit.DefaultBudget)
			out, err := Parse(cmd.Context(), uc, log, protocol, opts, data)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&optionsArg, "options", "{}", "the webhook's options as JSON, or @FILE to read them from a file")
	cmd.Flags().StringVar(&receivedArg, "received", "", "time of receipt to assume, RFC 3339 (default now); shows where a body carries no time")
	cmd.Flags().StringVar(&protocolArg, "protocol", string(cloudforet.Monitoring),
		"the answer of which protocol to print: monitoring or alert_manager (default "+protocolEnv+" when set)")
	return cmd
}

// chooseProtocol is the protocol --protocol names when given, else MONHOOK_PROTOCOL's, else monitoring.
func chooseProtocol(flag string, given bool) (cloudforet.Protocol, error) {
	name, from := flag, "--protocol"
	if env, ok := os.LookupEnv(protocolEnv); ok && !given {
		name, from = env, protocolEnv
	}
	var names []string
	for _, p := range cloudforet.Protocols() {
		if name == string(p) {
			return p, nil
		}
		names = append(names, string(p))
	}
	return "", fmt.Errorf("%s %q: want %s", from, name, strings.Join(names, " or "))
}

// Parse runs uc and renders its answer in protocol's EventsInfo, or its error, exactly as the gRPC adapter would
// send it.
func Parse(ctx context.Context, uc *application.Parse, log *slog.Logger, protocol cloudforet.Protocol, opts, data map[string]any) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := uc.Handle(ctx, opts, data)
	telemetry.WarnUnverified(ctx, log, res.Signature)
	if err != nil {
		return nil, fmt.Errorf("%s", status.Convert(cloudforet.Status(log, err)).Message())
	}
	var answer proto.Message = cloudforet.EventsInfo(res.Events)
	if protocol == cloudforet.AlertManager {
		answer = cloudforet.AlertManagerEventsInfo(res.Events)
	}
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(answer)
	if err != nil {
		return nil, err
	}
	return reindent(b)
}

// reindent turns protojson's deliberately unstable spacing into stable, sorted, indented JSON.
func reindent(b []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func readOptions(arg string) (map[string]any, error) {
	raw := []byte(arg)
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		b, err := os.ReadFile(name) //nolint:gosec // G304: reading the file the operator names is this command's job
		if err != nil {
			return nil, fmt.Errorf("--options: %w", err)
		}
		raw = b
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("--options must be a JSON object: %v", errOr(err, "null"))
	}
	return m, nil
}

func readPayload(name string, stdin io.Reader) (map[string]any, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(name) //nolint:gosec // G304: reading the file the operator names is this command's job
	}
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		// Cloudforet cannot pass anything but a JSON object to a plugin either.
		return nil, fmt.Errorf("payload %s must be a JSON object: %v", name, errOr(err, "null"))
	}
	return m, nil
}

// isTerminal reports whether r is a terminal, where nobody would pipe a body.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func errOr(err error, s string) any {
	if err != nil {
		return err
	}
	return s
}
