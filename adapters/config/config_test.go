package config_test

import (
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

func (e env) lookup(name string) (string, bool) {
	v, ok := e[name]
	return v, ok
}

// defaults is the documented default configuration, written out independently of the package.
func defaults() config.Config {
	return config.Config{
		Listen:          "0.0.0.0:50051",
		ShutdownGrace:   20 * time.Second,
		LogLevel:        "info",
		LogFormat:       "json",
		MaxRecvMsgSize:  33554432,
		MaxOptionsDepth: 32,
		MaxOptionsSize:  1048576,
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
	return config.Load(flags(t, args...), e.lookup)
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
			want: func(c *config.Config) { c.Listen, c.LogLevel = "0.0.0.0:2000", "debug" },
		},
		{
			name: "MONHOOK_LISTEN beats SPACEONE_PORT",
			file: "listen: 127.0.0.1:1000\n",
			env:  env{"SPACEONE_PORT": "2000", "MONHOOK_LISTEN": "127.0.0.1:3000"},
			want: func(c *config.Config) { c.Listen = "127.0.0.1:3000" },
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
				"MONHOOK_MAX_OPTIONS_DEPTH": "8",
			},
			want: func(c *config.Config) { c.ShutdownGrace, c.MaxRecvMsgSize, c.MaxOptionsDepth = 90*time.Second, 1024, 8 },
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
			want: func(c *config.Config) { c.Listen, c.LogLevel, c.LogFormat = "127.0.0.1:4000", "warn", "text" },
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
			name: "log_level is case-sensitive",
			args: []string{"--log-level", "INFO"},
			want: []string{`log_level "INFO" (from --log-level)`},
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
			name: "max_options_depth negative",
			env:  env{"MONHOOK_MAX_OPTIONS_DEPTH": "-1"},
			want: []string{`max_options_depth "-1" (from MONHOOK_MAX_OPTIONS_DEPTH): must be positive`},
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
			want:     func(c *config.Config) { c.LogLevel = "debug" },
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
			got, err := config.Load(flags(t, args...), env{}.lookup)
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
		if f.Name != "config" {
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
	got, err = config.Load(flags(t), env{}.lookup)
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
		"max-recv-msg-size": "33554432",
		"max-options-depth": "32",
		"max-options-size":  "1048576",
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
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			c, err := load(t, "", nil, "--log-level", tt.level)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := c.Level(); got != tt.want {
				t.Errorf("Level() = %v, want %v", got, tt.want)
			}
		})
	}
}
