package config_test

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/spf13/pflag"

	"github.com/monhook/monhook/adapters/config"
)

// env stands in for os.LookupEnv.
type env map[string]string

func (e env) environ() []string {
	out := make([]string, 0, len(e))
	for k, v := range e {
		out = append(out, k+"="+v)
	}
	return out
}

// defaults is the documented default configuration, written out independently of the package.
func defaults() config.Config {
	return config.Config{
		Listen:          "0.0.0.0:50051",
		ShutdownGrace:   20 * time.Second,
		LogLevel:        slog.LevelInfo,
		LogFormat:       "json",
		MaxRecvMsgSize:  8388608,
		MaxNestingDepth: 32,
		MaxOptionsSize:  1048576,

		MaxConcurrentStreams: 1000,
		KeepaliveTime:        30 * time.Second,
		KeepaliveTimeout:     10 * time.Second,
		MaxConnectionIdle:    5 * time.Minute,
		ConnectionTimeout:    20 * time.Second,
		// Documented as 2m and 30s.
		MaxConnectionAge:      2 * time.Minute,
		MaxConnectionAgeGrace: 30 * time.Second,

		AdminListen:  "127.0.0.1:9464",
		OTLPProtocol: "grpc",
		OTLPEndpoint: "",

		MaxEvents:      1000,
		MaxEventBytes:  1048576,
		MaxAnswerBytes: 16777216,
		MaxTextBytes:   65536,
		MaxInfoEntries: 512,

		MemoryLimit:       0,
		AdmissionWait:     2 * time.Second,
		CallTimeout:       30 * time.Second,
		MaxHeaderListSize: 32768,
		Compression:       "",

		Protocol: "monitoring",
	}
}

// flags parses args as the binary does.
func flags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("monhook", pflag.ContinueOnError)
	config.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return fs
}

// load runs Load in an empty working directory; a non-empty file is written there and passed with --config.
func load(t *testing.T, file string, e env, args ...string) (config.Config, error) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir) // DefaultPath is relative: no real configs/monhook.yaml may leak in
	if file != "" {
		path := filepath.Join(dir, "monhook.yaml")
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"--config", path}, args...)
	}
	cfg, _, err := config.Load(flags(t, args...), e.environ)
	return cfg, err
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  env
		args []string
		want func(*config.Config)
	}{
		{name: "defaults with no file", want: func(*config.Config) {}},
		{
			name: "a file with only comments keeps the defaults",
			file: "# nothing here\n",
			want: func(*config.Config) {},
		},
		{
			name: "file beats default",
			file: "listen: 127.0.0.1:1000\nshutdown_grace: 1m30s\nmax_options_size: 2048\n",
			want: func(c *config.Config) {
				c.Listen, c.ShutdownGrace, c.MaxOptionsSize = "127.0.0.1:1000", 90*time.Second, 2048
			},
		},
		{
			name: "SPACEONE_PORT beats file and only affects listen",
			file: "listen: 127.0.0.1:1000\nlog_level: debug\n",
			env:  env{"SPACEONE_PORT": "2000"},
			want: func(c *config.Config) { c.Listen, c.LogLevel = "0.0.0.0:2000", slog.LevelDebug },
		},
		{
			name: "MONHOOK_LISTEN beats SPACEONE_PORT",
			file: "listen: 127.0.0.1:1000\n",
			env:  env{"SPACEONE_PORT": "2000", "MONHOOK_LISTEN": "127.0.0.1:3000"},
			want: func(c *config.Config) { c.Listen = "127.0.0.1:3000" },
		},
		{
			name: "protocol: flag beats MONHOOK_PROTOCOL beats file",
			file: "protocol: alert_manager\n",
			env:  env{"MONHOOK_PROTOCOL": "monitoring"},
			args: []string{"--protocol", "alert_manager"},
			want: func(c *config.Config) { c.Protocol = "alert_manager" },
		},
		{
			name: "protocol: MONHOOK_PROTOCOL beats file",
			file: "protocol: monitoring\n",
			env:  env{"MONHOOK_PROTOCOL": "alert_manager"},
			want: func(c *config.Config) { c.Protocol = "alert_manager" },
		},
		{
			name: "protocol from the file",
			file: "protocol: alert_manager\n",
			want: func(c *config.Config) { c.Protocol = "alert_manager" },
		},
		{
			name: "flag beats MONHOOK_LISTEN",
			file: "listen: 127.0.0.1:1000\n",
			env:  env{"SPACEONE_PORT": "2000", "MONHOOK_LISTEN": "127.0.0.1:3000"},
			args: []string{"--listen", "127.0.0.1:4000"},
			want: func(c *config.Config) { c.Listen = "127.0.0.1:4000" },
		},
		{
			name: "env beats file",
			file: "shutdown_grace: 5s\nlog_format: text\n",
			env:  env{"MONHOOK_SHUTDOWN_GRACE": "1m", "MONHOOK_LOG_FORMAT": "json"},
			want: func(c *config.Config) { c.ShutdownGrace = time.Minute },
		},
		{
			name: "env for a duration and ints",
			env: env{
				"MONHOOK_SHUTDOWN_GRACE":    "1m30s",
				"MONHOOK_MAX_RECV_MSG_SIZE": "1024",
				"MONHOOK_MAX_NESTING_DEPTH": "8",
			},
			want: func(c *config.Config) { c.ShutdownGrace, c.MaxRecvMsgSize, c.MaxNestingDepth = 90*time.Second, 1024, 8 },
		},
		{
			name: "flag beats env for a duration and an int",
			env:  env{"MONHOOK_SHUTDOWN_GRACE": "1m", "MONHOOK_MAX_OPTIONS_SIZE": "100"},
			args: []string{"--shutdown-grace=3s", "--max-options-size=200"},
			want: func(c *config.Config) { c.ShutdownGrace, c.MaxOptionsSize = 3*time.Second, 200 },
		},
		{
			name: "flags not given do not mask env or file with their defaults",
			file: "log_format: text\n",
			env:  env{"MONHOOK_LOG_LEVEL": "warn"},
			args: []string{"--listen", "127.0.0.1:4000"},
			want: func(c *config.Config) { c.Listen, c.LogLevel, c.LogFormat = "127.0.0.1:4000", slog.LevelWarn, "text" },
		},
		{
			name: "MONHOOK_ variables that are not keys are ignored",
			env:  env{"MONHOOK_TOKEN": "secret", "MONHOOK_listen": "nonsense", "MONHOOK_": "x"},
			want: func(*config.Config) {},
		},
		{
			name: "port 0 and IPv6 hosts are valid",
			args: []string{"--listen", "[::1]:0"},
			want: func(c *config.Config) { c.Listen = "[::1]:0" },
		},
		{
			name: "an empty host means every interface",
			env:  env{"MONHOOK_LISTEN": ":65535"},
			want: func(c *config.Config) { c.Listen = ":65535" },
		},
		{
			name: "server knobs: file, then env, then flag",
			file: "max_concurrent_streams: 10\nkeepalive_time: 1m\nkeepalive_timeout: 5s\nmax_connection_idle: 1h\nconnection_timeout: 3s\n",
			env:  env{"MONHOOK_MAX_CONCURRENT_STREAMS": "20", "MONHOOK_KEEPALIVE_TIMEOUT": "7s"},
			args: []string{"--max-concurrent-streams", "30", "--connection-timeout=4s"},
			want: func(c *config.Config) {
				c.MaxConcurrentStreams, c.KeepaliveTime, c.KeepaliveTimeout = 30, time.Minute, 7*time.Second
				c.MaxConnectionIdle, c.ConnectionTimeout = time.Hour, 4*time.Second
			},
		},
		{
			name: "connection age: file, then env, then flag",
			file: "max_connection_age: 10m\nmax_connection_age_grace: 1m\n",
			env:  env{"MONHOOK_MAX_CONNECTION_AGE": "30s", "MONHOOK_MAX_CONNECTION_AGE_GRACE": "5s"},
			args: []string{"--max-connection-age-grace", "2s"},
			want: func(c *config.Config) { c.MaxConnectionAge, c.MaxConnectionAgeGrace = 30*time.Second, 2*time.Second },
		},
		{
			name: "admin_listen: file, then env, then flag",
			file: "admin_listen: 127.0.0.1:1\n",
			env:  env{"MONHOOK_ADMIN_LISTEN": "127.0.0.1:2"},
			args: []string{"--admin-listen", "127.0.0.1:0"},
			want: func(c *config.Config) { c.AdminListen = "127.0.0.1:0" },
		},
		{
			name: "an empty admin_listen turns the admin listener off",
			env:  env{"MONHOOK_ADMIN_LISTEN": ""},
			want: func(c *config.Config) { c.AdminListen = "" },
		},
		{
			name: "an empty admin_listen flag beats the file",
			file: "admin_listen: 127.0.0.1:1\n",
			args: []string{"--admin-listen="},
			want: func(c *config.Config) { c.AdminListen = "" },
		},
		{
			name: "otlp_endpoint from the file",
			file: "otlp_endpoint: https://collector.example:4317\n",
			want: func(c *config.Config) { c.OTLPEndpoint = "https://collector.example:4317" },
		},
		{
			name: "OTEL_EXPORTER_OTLP_ENDPOINT beats the file, the traces-only variable beats it",
			file: "otlp_endpoint: http://file:4317\n",
			env:  env{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://all:4317", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:4317"},
			want: func(c *config.Config) { c.OTLPEndpoint = "http://traces:4317" },
		},
		{
			name: "MONHOOK_OTLP_ENDPOINT beats OTEL_EXPORTER_OTLP_ENDPOINT, the flag beats both",
			env:  env{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4317", "MONHOOK_OTLP_ENDPOINT": "http://monhook:4317"},
			args: []string{"--otlp-endpoint", "http://flag:4317"},
			want: func(c *config.Config) { c.OTLPEndpoint = "http://flag:4317" },
		},
		{
			name: "MONHOOK_OTLP_ENDPOINT empty turns tracing off despite OTEL_EXPORTER_OTLP_ENDPOINT",
			env:  env{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4317", "MONHOOK_OTLP_ENDPOINT": ""},
			want: func(*config.Config) {},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := load(t, tt.file, tt.env, tt.args...)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := defaults()
			tt.want(&want)
			if got != want {
				t.Errorf("Load =\n %+v\nwant\n %+v", got, want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  env
		args []string
		want []string // substrings of the error
	}{
		{
			name: "listen without a port",
			env:  env{"MONHOOK_LISTEN": "abc"},
			want: []string{`config: listen "abc" (from MONHOOK_LISTEN): missing port in address`},
		},
		{
			name: "listen with a named port",
			args: []string{"--listen", "localhost:http"},
			want: []string{`listen "localhost:http" (from --listen)`, `port "http"`},
		},
		{
			name: "listen with a port above 65535",
			file: "listen: 0.0.0.0:65536\n",
			want: []string{`listen "0.0.0.0:65536"`, "monhook.yaml"},
		},
		{
			name: "listen with an empty port",
			file: "listen: 'localhost:'\n",
			want: []string{`listen "localhost:"`, `port ""`},
		},
		{
			name: "SPACEONE_PORT not a number",
			env:  env{"SPACEONE_PORT": "x"},
			want: []string{`config: SPACEONE_PORT "x" is not a port`},
		},
		{
			name: "SPACEONE_PORT zero",
			env:  env{"SPACEONE_PORT": "0"},
			want: []string{`SPACEONE_PORT "0" is not a port`},
		},
		{
			name: "SPACEONE_PORT above 65535",
			env:  env{"SPACEONE_PORT": "65536"},
			want: []string{`SPACEONE_PORT "65536" is not a port`},
		},
		{
			name: "SPACEONE_PORT set but empty",
			env:  env{"SPACEONE_PORT": ""},
			want: []string{`SPACEONE_PORT "" is not a port`},
		},
		{
			name: "SPACEONE_PORT is checked even when MONHOOK_LISTEN wins",
			env:  env{"SPACEONE_PORT": "-1", "MONHOOK_LISTEN": "127.0.0.1:1"},
			want: []string{`SPACEONE_PORT "-1" is not a port`},
		},
		{
			name: "max_concurrent_streams zero",
			env:  env{"MONHOOK_MAX_CONCURRENT_STREAMS": "0"},
			want: []string{`max_concurrent_streams "0" (from MONHOOK_MAX_CONCURRENT_STREAMS): must be positive`},
		},
		{
			name: "max_concurrent_streams above uint32",
			args: []string{"--max-concurrent-streams", "4294967296"},
			want: []string{`max_concurrent_streams "4294967296" (from --max-concurrent-streams): must be at most 4294967295`},
		},
		{
			name: "keepalive_time under a second",
			file: "keepalive_time: 500ms\n",
			want: []string{`keepalive_time "500ms"`, "monhook.yaml", "must be at least 1s"},
		},
		{
			name: "keepalive_timeout zero",
			args: []string{"--keepalive-timeout", "0s"},
			want: []string{`keepalive_timeout "0s" (from --keepalive-timeout): must be positive`},
		},
		{
			name: "max_connection_idle negative",
			env:  env{"MONHOOK_MAX_CONNECTION_IDLE": "-1m"},
			want: []string{`max_connection_idle "-1m0s" (from MONHOOK_MAX_CONNECTION_IDLE): must be positive`},
		},
		{
			name: "max_connection_age zero",
			args: []string{"--max-connection-age", "0s"},
			want: []string{`max_connection_age "0s" (from --max-connection-age): must be positive`},
		},
		{
			name: "max_connection_age_grace without a unit",
			file: "max_connection_age_grace: 30\n",
			want: []string{`max_connection_age_grace "30"`, "unit"},
		},
		{
			name: "max_connection_age_grace negative",
			env:  env{"MONHOOK_MAX_CONNECTION_AGE_GRACE": "-5s"},
			want: []string{`max_connection_age_grace "-5s" (from MONHOOK_MAX_CONNECTION_AGE_GRACE): must be positive`},
		},
		{
			name: "connection_timeout without a unit",
			file: "connection_timeout: 20\n",
			want: []string{`connection_timeout "20"`, "unit"},
		},
		{
			name: "admin_listen without a port",
			env:  env{"MONHOOK_ADMIN_LISTEN": "localhost"},
			want: []string{`config: admin_listen "localhost" (from MONHOOK_ADMIN_LISTEN): missing port in address`},
		},
		{
			name: "otlp_endpoint without a scheme",
			args: []string{"--otlp-endpoint", "collector:4317"},
			want: []string{`otlp_endpoint "collector:4317" (from --otlp-endpoint)`, "http://"},
		},
		{
			name: "otlp_endpoint from OTEL_EXPORTER_OTLP_ENDPOINT names it",
			env:  env{"OTEL_EXPORTER_OTLP_ENDPOINT": "grpc://collector:4317"},
			want: []string{`otlp_endpoint "grpc://collector:4317" (from OTEL_EXPORTER_OTLP_ENDPOINT)`},
		},
		{
			name: "otlp_endpoint without a host",
			env:  env{"MONHOOK_OTLP_ENDPOINT": "http://"},
			want: []string{`otlp_endpoint "http://" (from MONHOOK_OTLP_ENDPOINT): the URL has no host`},
		},
		{
			name: "shutdown_grace zero",
			args: []string{"--shutdown-grace", "0s"},
			want: []string{`shutdown_grace "0s" (from --shutdown-grace): must be positive`},
		},
		{
			name: "shutdown_grace negative",
			env:  env{"MONHOOK_SHUTDOWN_GRACE": "-1s"},
			want: []string{`shutdown_grace "-1s" (from MONHOOK_SHUTDOWN_GRACE)`},
		},
		{
			name: "shutdown_grace not a duration",
			env:  env{"MONHOOK_SHUTDOWN_GRACE": "soon"},
			want: []string{`shutdown_grace "soon" (from MONHOOK_SHUTDOWN_GRACE)`},
		},
		{
			name: "shutdown_grace without a unit",
			file: "shutdown_grace: 20\n",
			want: []string{`shutdown_grace "20"`, "monhook.yaml", "unit"},
		},
		{
			name: "log_level unknown",
			env:  env{"MONHOOK_LOG_LEVEL": "verbose"},
			want: []string{`log_level "verbose" (from MONHOOK_LOG_LEVEL)`},
		},
		{
			name: "protocol unknown",
			env:  env{"MONHOOK_PROTOCOL": "alert-manager"},
			want: []string{`config: protocol "alert-manager" (from MONHOOK_PROTOCOL): want monitoring or alert_manager`},
		},
		{
			name: "protocol empty",
			args: []string{"--protocol", ""},
			want: []string{`config: protocol "" (from --protocol): want monitoring or alert_manager`},
		},
		{
			name: "log_format unknown",
			file: "log_format: xml\n",
			want: []string{`log_format "xml"`, "monhook.yaml"},
		},
		{
			name: "max_recv_msg_size zero",
			args: []string{"--max-recv-msg-size", "0"},
			want: []string{`max_recv_msg_size "0" (from --max-recv-msg-size): must be positive`},
		},
		{
			name: "max_recv_msg_size with a unit",
			env:  env{"MONHOOK_MAX_RECV_MSG_SIZE": "32MiB"},
			want: []string{`max_recv_msg_size "32MiB" (from MONHOOK_MAX_RECV_MSG_SIZE)`},
		},
		{
			name: "max_events zero",
			args: []string{"--max-events", "0"},
			want: []string{`max_events "0" (from --max-events): must be positive`},
		},
		{
			name: "max_answer_bytes over what Cloudforet receives",
			env:  env{"MONHOOK_MAX_ANSWER_BYTES": "268435457"},
			want: []string{`max_answer_bytes "268435457" (from MONHOOK_MAX_ANSWER_BYTES): must be at most 268435456`},
		},
		{
			name: "max_event_bytes over max_answer_bytes",
			args: []string{"--max-event-bytes", "2000", "--max-answer-bytes", "1000"},
			want: []string{`max_event_bytes "2000" (from --max-event-bytes): must be at most max_answer_bytes`},
		},
		{
			name: "max_header_list_size too large",
			args: []string{"--max-header-list-size", "4294967296"},
			want: []string{`max_header_list_size "4294967296" (from --max-header-list-size): must be at most 4294967295`},
		},
		{
			name: "memory_limit negative",
			file: "memory_limit: -1\n",
			want: []string{`memory_limit "-1"`, "monhook.yaml", "must be 0 (automatic) or a number of bytes"},
		},
		{
			name: "admission_wait negative",
			args: []string{"--admission-wait", "-1s"},
			want: []string{`admission_wait "-1s" (from --admission-wait): must not be negative`},
		},
		{
			name: "call_timeout zero",
			env:  env{"MONHOOK_CALL_TIMEOUT": "0s"},
			want: []string{`call_timeout "0s" (from MONHOOK_CALL_TIMEOUT): must be positive`},
		},
		{
			name: "compression unknown",
			args: []string{"--compression", "zstd"},
			want: []string{`compression "zstd" (from --compression): want "" (none) or gzip`},
		},
		{
			name: "max_nesting_depth negative",
			env:  env{"MONHOOK_MAX_NESTING_DEPTH": "-1"},
			want: []string{`max_nesting_depth "-1" (from MONHOOK_MAX_NESTING_DEPTH): must be positive`},
		},
		{
			name: "max_options_size zero",
			file: "max_options_size: 0\n",
			want: []string{`max_options_size "0"`, "monhook.yaml", "must be positive"},
		},
		{
			name: "unknown key in the file",
			file: "listen: 0.0.0.0:50051\nlisten_port: 50051\n",
			want: []string{"monhook.yaml", `unknown key "listen_port"`},
		},
		{
			name: "nested unknown key in the file",
			file: "server:\n  listen: 0.0.0.0:50051\n",
			want: []string{"monhook.yaml", `unknown key "server.listen"`},
		},
		{
			name: "explicit --config that does not exist",
			args: []string{"--config", "missing.yaml"},
			want: []string{`config: --config "missing.yaml": no such file`},
		},
		{
			name: "malformed YAML",
			file: "listen: [0.0.0.0:50051\n",
			want: []string{"monhook.yaml", "yaml"},
		},
		{
			name: "YAML that is not a mapping",
			file: "- listen\n- log_level\n",
			want: []string{"monhook.yaml", "cannot unmarshal"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.file, tt.env, tt.args...)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "config: ") || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line starting with \"config: \"", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestDefaultPath(t *testing.T) {
	tests := []struct {
		name     string
		fallback string // written to DefaultPath
		explicit string // written elsewhere and passed with --config
		want     func(*config.Config)
		wantErr  string
	}{
		{
			name:     "read when --config is not given",
			fallback: "log_level: debug\n",
			want:     func(c *config.Config) { c.LogLevel = slog.LevelDebug },
		},
		{
			name:     "ignored when --config is given",
			fallback: "log_level: debug\n",
			explicit: "log_format: text\n",
			want:     func(c *config.Config) { c.LogFormat = "text" },
		},
		{
			name:     "checked like any other file",
			fallback: "log_levle: debug\n",
			wantErr:  config.DefaultPath + `: unknown key "log_levle"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			write := func(path, text string) {
				t.Helper()
				if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			write(config.DefaultPath, tt.fallback)
			var args []string
			if tt.explicit != "" {
				path := filepath.Join(dir, "other.yaml")
				write(path, tt.explicit)
				args = []string{"--config", path}
			}
			got, _, err := config.Load(flags(t, args...), env{}.environ)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := defaults()
			tt.want(&want)
			if got != want {
				t.Errorf("Load =\n %+v\nwant\n %+v", got, want)
			}
		})
	}
}

// TestShippedFile keeps configs/monhook.yaml the documented default: every key present, every value the default.
func TestShippedFile(t *testing.T) {
	path, err := filepath.Abs("../../configs/monhook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := load(t, "", nil, "--config", path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got != defaults() {
		t.Errorf("Load(%s) =\n %+v\nwant the defaults\n %+v", path, got, defaults())
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := yaml.Parser().Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	var inFile, asFlags []string
	for k := range m {
		inFile = append(inFile, k)
	}
	flags(t).VisitAll(func(f *pflag.Flag) {
		if f.Name != "config" && !f.Hidden { // hidden: a renamed key's old flag
			asFlags = append(asFlags, strings.ReplaceAll(f.Name, "-", "_"))
		}
	})
	slices.Sort(inFile)
	slices.Sort(asFlags)
	if !slices.Equal(inFile, asFlags) {
		t.Errorf("keys in %s = %v, want one per flag: %v", path, inFile, asFlags)
	}

	// make run serves from the repository root, where the shipped file is DefaultPath.
	t.Chdir(filepath.Dir(filepath.Dir(path)))
	got, _, err = config.Load(flags(t), env{}.environ)
	if err != nil || got != defaults() {
		t.Errorf("Load from the repository root = %+v, %v; want the defaults", got, err)
	}
}

// TestRegisterFlags checks --help shows the real defaults and names each key's environment variable.
func TestRegisterFlags(t *testing.T) {
	want := map[string]string{
		"config":            "",
		"listen":            "0.0.0.0:50051",
		"shutdown-grace":    "20s",
		"log-level":         "info",
		"log-format":        "json",
		"max-recv-msg-size": "8388608",
		"max-nesting-depth": "32",
		"max-options-depth": "32", // the old name, hidden, read with a warning
		"max-options-size":  "1048576",

		"max-concurrent-streams": "1000",
		"keepalive-time":         "30s",
		"keepalive-timeout":      "10s",
		"max-connection-idle":    "5m0s",
		"connection-timeout":     "20s",
		"admin-listen":           "127.0.0.1:9464",
		"otlp-endpoint":          "",
		"otlp-protocol":          "grpc",

		"max-connection-age":       "2m0s",
		"max-connection-age-grace": "30s",

		"max-events":           "1000",
		"max-event-bytes":      "1048576",
		"max-answer-bytes":     "16777216",
		"max-text-bytes":       "65536",
		"max-info-entries":     "512",
		"memory-limit":         "0",
		"admission-wait":       "2s",
		"call-timeout":         "30s",
		"max-header-list-size": "32768",
		"compression":          "",

		"protocol": "monitoring",
	}
	fs := flags(t)
	got := map[string]string{}
	fs.VisitAll(func(f *pflag.Flag) {
		got[f.Name] = f.DefValue
		env := "MONHOOK_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if f.Name != "config" && !strings.Contains(f.Usage, env) {
			t.Errorf("--%s usage %q does not name %s", f.Name, f.Usage, env)
		}
	})
	if len(got) != len(want) {
		t.Errorf("flags = %v, want %v", got, want)
	}
	for name, def := range want {
		if g, ok := got[name]; !ok || g != def {
			t.Errorf("--%s default = %q (registered %v), want %q", name, g, ok, def)
		}
	}
}

func TestLevel(t *testing.T) {
	tests := []struct {
		level string
		want  slog.Level
	}{
		{"debug", slog.LevelDebug},
		{"info", slog.LevelInfo},
		{"warn", slog.LevelWarn},
		{"error", slog.LevelError},
		{"INFO", slog.LevelInfo}, // slog's own parsing: any case, and offsets such as warn+2
		{"warn+2", slog.LevelWarn + 2},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			c, err := load(t, "", nil, "--log-level", tt.level)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := c.LogLevel; got != tt.want {
				t.Errorf("log level = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestReadmeTable keeps README.md's configuration table in step with the code and configs/monhook.yaml: one row
// per key, naming its flag and environment variable, with the default both the flags and the file have.
func TestReadmeTable(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	start := strings.Index(text, "\n## Configuration\n")
	if start < 0 {
		t.Fatal(`README.md has no "## Configuration" section`)
	}
	section := text[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	type row struct{ flag, env, def string }
	rows := map[string]row{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 7 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue // not a table row, or the header
		}
		key := code(cells[1])
		if _, dup := rows[key]; dup {
			t.Errorf("README.md lists %s twice", key)
		}
		rows[key] = row{flag: code(cells[2]), env: code(cells[3]), def: code(cells[4])}
	}

	file, err := os.ReadFile("../../configs/monhook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	inFile, err := yaml.Parser().Unmarshal(file)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	flags(t).VisitAll(func(f *pflag.Flag) {
		if f.Name == "config" || f.Hidden {
			return
		}
		key := strings.ReplaceAll(f.Name, "-", "_")
		seen[key] = true
		r, ok := rows[key]
		if !ok {
			t.Errorf("README.md's configuration table has no row for %s", key)
			return
		}
		if r.flag != "--"+f.Name || r.env != "MONHOOK_"+strings.ToUpper(key) {
			t.Errorf("README.md row %s names %s and %s, want --%s and MONHOOK_%s", key, r.flag, r.env, f.Name, strings.ToUpper(key))
		}
		if !sameValue(r.def, f.DefValue) {
			t.Errorf("README.md default of %s = %q, the code's is %q", key, r.def, f.DefValue)
		}
		v, ok := inFile[key]
		if !ok {
			t.Errorf("configs/monhook.yaml lacks %s", key)
		} else if !sameValue(fmt.Sprint(v), f.DefValue) {
			t.Errorf("configs/monhook.yaml %s = %v, the code's default is %q", key, v, f.DefValue)
		}
	})
	for key := range rows {
		if !seen[key] {
			t.Errorf("README.md documents %s, which is not a configuration key", key)
		}
	}
}

// code is the first `quoted` text of a table cell: "`1048576` (1 MiB)" is 1048576.
func code(cell string) string {
	_, rest, ok := strings.Cut(cell, "`")
	if !ok {
		return strings.TrimSpace(cell)
	}
	v, _, _ := strings.Cut(rest, "`")
	return v
}

// sameValue compares a documented value with a flag default: durations by length (5m is 5m0s), `""` as empty.
func sameValue(doc, def string) bool {
	if doc == `""` {
		doc = ""
	}
	if d1, err := time.ParseDuration(doc); err == nil {
		d2, err := time.ParseDuration(def)
		return err == nil && d1 == d2
	}
	return doc == def
}

// TestRenamedKeysAreReadWithAWarning checks max_options_depth, renamed max_nesting_depth because it limits webhook
// bodies too, still works in the file, the environment and as a flag, and says it is deprecated.
func TestRenamedKeysAreReadWithAWarning(t *testing.T) {
	for name, tt := range map[string]struct {
		file string
		env  env
		args []string
		from string
	}{
		"file": {file: "max_options_depth: 7\n", from: "monhook.yaml"},
		"env":  {env: env{"MONHOOK_MAX_OPTIONS_DEPTH": "7"}, from: "MONHOOK_MAX_OPTIONS_DEPTH"},
		"flag": {args: []string{"--max-options-depth", "7"}, from: "--max-options-depth"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			args := tt.args
			if tt.file != "" {
				path := filepath.Join(dir, "monhook.yaml")
				if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append([]string{"--config", path}, args...)
			}
			got, warnings, err := config.Load(flags(t, args...), tt.env.environ)
			if err != nil || got.MaxNestingDepth != 7 {
				t.Fatalf("Load = %d, %v; want max_nesting_depth 7", got.MaxNestingDepth, err)
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], "max_options_depth") || !strings.Contains(warnings[0], "use max_nesting_depth") ||
				!strings.Contains(warnings[0], tt.from) {
				t.Errorf("warnings %q, want one naming max_options_depth, where it came from and max_nesting_depth", warnings)
			}
		})
	}
	// A bad value under the old name is refused under the new one, naming where it came from.
	_, _, err := config.Load(flags(t), env{"MONHOOK_MAX_OPTIONS_DEPTH": "0"}.environ)
	if err == nil || !strings.Contains(err.Error(), `max_nesting_depth "0" (from MONHOOK_MAX_OPTIONS_DEPTH): must be positive`) {
		t.Errorf("Load = %v", err)
	}
}

// TestConfigFileFromEnvironment: MONHOOK_CONFIG names the file when --config does not; --config wins; a named
// file that does not exist is an error naming where the name came from, never a silent fall back to defaults.
func TestConfigFileFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	fromEnv := write("env.yaml", "max_events: 7\n")
	fromFlag := write("flag.yaml", "max_events: 9\n")

	cfg, _, err := config.Load(flags(t), env{"MONHOOK_CONFIG": fromEnv}.environ)
	if err != nil || cfg.MaxEvents != 7 {
		t.Errorf("MONHOOK_CONFIG: max_events %d, %v; want 7", cfg.MaxEvents, err)
	}
	cfg, _, err = config.Load(flags(t, "--config", fromFlag), env{"MONHOOK_CONFIG": fromEnv}.environ)
	if err != nil || cfg.MaxEvents != 9 {
		t.Errorf("--config and MONHOOK_CONFIG: max_events %d, %v; want 9 from --config", cfg.MaxEvents, err)
	}
	_, _, err = config.Load(flags(t), env{"MONHOOK_CONFIG": filepath.Join(dir, "missing.yaml")}.environ)
	if err == nil || !strings.Contains(err.Error(), `MONHOOK_CONFIG "`) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("a missing MONHOOK_CONFIG file: %v", err)
	}
}

// TestOTLPProtocolFromOpenTelemetryVariables: the standard variables set otlp_protocol below MONHOOK_OTLP_PROTOCOL,
// the traces-only one first; a transport the exporter does not speak is refused naming the variable.
func TestOTLPProtocolFromOpenTelemetryVariables(t *testing.T) {
	for _, tt := range []struct {
		env  env
		want string
	}{
		{env{}, "grpc"},
		{env{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, "http/protobuf"},
		{env{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}, "http/protobuf"},
		{env{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf", "MONHOOK_OTLP_PROTOCOL": "grpc"}, "grpc"},
	} {
		cfg, err := load(t, "", tt.env)
		if err != nil || cfg.OTLPProtocol != tt.want {
			t.Errorf("%v: otlp_protocol %q, %v; want %q", tt.env, cfg.OTLPProtocol, err, tt.want)
		}
	}
	_, err := load(t, "", env{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"})
	if err == nil || !strings.Contains(err.Error(), "OTEL_EXPORTER_OTLP_PROTOCOL") {
		t.Errorf("http/json: %v, want an error naming OTEL_EXPORTER_OTLP_PROTOCOL", err)
	}
}
